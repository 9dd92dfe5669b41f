package charts

import (
	"cmp"
	"html/template"
	"math"
	"strings"
)

// Point is one value of a LineChart.
type Point struct {
	Label string  // x-axis label, e.g. "2026-11" or "KW 47" (untrusted text)
	Value float64 // negative, NaN and Inf count as 0
}

// LineChart is a line chart with dots over a value axis that starts at 0.
type LineChart struct {
	Title  string  // accessible name and table caption
	Desc   string  // optional description; a data summary is appended
	Points []Point // in x order, evenly spaced
	Unit   string  // appended to values and axis labels, e.g. "%"

	Empty       string // text shown when Points is empty; default "—"
	Lang        string // "de" for German words and number format; default English
	LabelHeader string // table header of the label column; default "Period"/"Zeitraum"
	// Counts: the values are counts, so the axis has whole-number ticks
	// only (0, 1, 2 for a maximum of 2, not 0, 0.5, 1, ...).
	Counts bool
}

// Line chart layout, in viewBox units.
const (
	lineHeight     = 240.0
	lineTop        = 12.0 // room above the highest gridline label
	lineBottom     = 30.0 // room for the x labels
	lineXLabelMax  = 12   // x labels longer than this many cells are shortened
	lineTickMax    = 24   // likewise for axis labels (long units)
	lineLabelGap   = 12.0 // minimum gap between two x labels
	lineTickGap    = 8.0  // gap between tick labels and the plot
	lineMinMargin  = 16.0
	lineDotMax     = 4.0
	lineDotMin     = 1.5
	lineStrokeWide = 2.0
)

// pointRow is a Point after cleaning and clamping.
type pointRow struct {
	label string
	value float64
}

func (c LineChart) rows() []pointRow {
	rows := make([]pointRow, len(c.Points))
	for i, pt := range c.Points {
		rows[i] = pointRow{label: cleanText(pt.Label), value: clampValue(pt.Value)}
	}
	return rows
}

func (c LineChart) id(title string, rows []pointRow) string {
	labels := make([]string, len(rows))
	values := make([]float64, len(rows))
	for i, r := range rows {
		labels[i], values[i] = r.label, r.value
	}
	return chartID("line", title, labels, values, cleanText(c.Desc), cleanText(c.Unit))
}

// summary describes the data in words: range, last, highest and lowest value.
func (c LineChart) summary(p phrases, rows []pointRow, unit string) string {
	if len(rows) == 1 {
		return p.points(1) + ": " + rows[0].label + " " + p.value(rows[0].value, unit)
	}
	hi, lo := extremes(len(rows), func(i int) float64 { return rows[i].value })
	last := rows[len(rows)-1]
	describe := func(name string, r pointRow) string {
		return name + ": " + p.value(r.value, unit) + " (" + r.label + ")"
	}
	if rows[hi].value == rows[lo].value {
		return joinSentences(
			p.points(len(rows))+" "+p.rangeFmt(rows[0].label, last.label),
			p.allValues+": "+p.value(last.value, unit),
		)
	}
	return joinSentences(
		p.points(len(rows))+" "+p.rangeFmt(rows[0].label, last.label),
		describe(p.last, last),
		describe(p.highest, rows[hi]),
		describe(p.lowest, rows[lo]),
	)
}

// lineLayout holds the computed geometry of one line chart.
type lineLayout struct {
	left, right, plotW, plotH, bottom float64
	ax                                axis
}

func (l lineLayout) x(i, n int) float64 {
	if n == 1 {
		return l.left + l.plotW/2
	}
	return l.left + l.plotW*float64(i)/float64(n-1)
}

func (l lineLayout) y(v float64) float64 {
	return l.bottom - l.plotH*math.Min(v/l.ax.Top, 1)
}

// SVG renders the chart as inline SVG: gridlines with "nice" values,
// the line, a dot per point and x labels (thinned when they would
// overlap; the last label is always shown).
func (c LineChart) SVG() template.HTML {
	p := phrasesFor(c.Lang)
	rows := c.rows()
	title := cmp.Or(cleanText(c.Title), p.chart)
	id := c.id(title, rows)
	if len(rows) == 0 {
		empty := cleanText(c.Empty)
		return emptySVG("chart-type-line", id, title, joinSentences(cleanText(c.Desc), cmp.Or(empty, p.noData)), cmp.Or(empty, defaultEmpty))
	}
	unit := cleanText(c.Unit)
	maxV := 0.0
	xLabels := make([]string, len(rows))
	xCells := 1
	for i, r := range rows {
		maxV = math.Max(maxV, r.value)
		xLabels[i] = truncate(r.label, lineXLabelMax)
		xCells = max(xCells, textWidth(xLabels[i]))
	}
	ax := niceAxis(maxV)
	if c.Counts {
		ax = countAxis(ax, maxV)
	}
	ticks := ax.Ticks()
	tickText := make([]string, len(ticks))
	tickCells := 1
	for i, t := range ticks {
		tickText[i] = truncate(p.withUnit(p.number(t, ax.Decimals), unit), lineTickMax)
		tickCells = max(tickCells, textWidth(tickText[i]))
	}
	half := float64(xCells)*cellWidth/2 + 4
	l := lineLayout{ax: ax, bottom: lineHeight - lineBottom}
	l.left = math.Max(float64(tickCells)*cellWidth+lineTickGap+4, half)
	l.right = math.Max(lineMinMargin, half)
	l.plotW = viewWidth - l.left - l.right
	l.plotH = l.bottom - lineTop

	var w svgWriter
	w.Grow(2048 + 256*len(rows))
	w.open("chart-type-line", id, lineHeight, title, joinSentences(cleanText(c.Desc), c.summary(p, rows, unit)))
	w.grid(l, ticks, tickText)
	w.line(l, rows)
	w.dots(l, rows, p, unit)
	w.xLabels(l, xLabels, float64(xCells)*cellWidth+lineLabelGap)
	return w.close()
}

// grid writes the horizontal gridlines and their value labels; the
// zero line is drawn as the axis.
func (w *svgWriter) grid(l lineLayout, ticks []float64, labels []string) {
	for i, t := range ticks {
		y := l.y(t)
		class, opacity := "chart-grid", "0.2"
		if i == 0 {
			class, opacity = "chart-axis", "0.6"
		}
		w.WriteString(`<line class="` + class + `" x1="` + num(l.left) + `" y1="` + num(y) +
			`" x2="` + num(viewWidth-l.right) + `" y2="` + num(y) +
			`" stroke="currentColor" stroke-opacity="` + opacity + `"/>`)
		w.text("chart-axis", l.left-lineTickGap, y, "end", labels[i])
	}
}

// line writes the polyline through all points (nothing for one point).
func (w *svgWriter) line(l lineLayout, rows []pointRow) {
	if len(rows) < 2 {
		return
	}
	w.WriteString(`<polyline class="chart-line" fill="none" stroke="currentColor" stroke-width="` +
		num(lineStrokeWide) + `" stroke-linejoin="round" stroke-linecap="round" points="`)
	for i, r := range rows {
		if i > 0 {
			w.WriteByte(' ')
		}
		w.WriteString(num(l.x(i, len(rows))) + "," + num(l.y(r.value)))
	}
	w.WriteString(`"/>`)
}

// dots writes one dot per point with a tooltip; dots shrink when the
// points are close together.
func (w *svgWriter) dots(l lineLayout, rows []pointRow, p phrases, unit string) {
	r := lineDotMax
	if len(rows) > 1 {
		spacing := l.plotW / float64(len(rows)-1)
		r = math.Max(lineDotMin, math.Min(lineDotMax, spacing/3))
	}
	for i, row := range rows {
		w.WriteString(`<circle class="chart-dot" cx="` + num(l.x(i, len(rows))) + `" cy="` + num(l.y(row.value)) +
			`" r="` + num(r) + `" fill="currentColor"><title>` +
			esc(row.label+": "+p.value(row.value, unit)) + `</title></circle>`)
	}
}

// xLabels writes the x-axis labels, keeping every k-th one counted
// back from the last so that labels at least slot units apart never
// overlap.
func (w *svgWriter) xLabels(l lineLayout, labels []string, slot float64) {
	n := len(labels)
	k := 1
	if n > 1 {
		spacing := l.plotW / float64(n-1)
		k = max(1, int(math.Ceil(slot/spacing)))
	}
	y := l.bottom + lineBottom/2 + 2
	for i, s := range labels {
		if (n-1-i)%k == 0 {
			w.text("chart-label", l.x(i, n), y, "middle", s)
		}
	}
}

// Table renders the data as an HTML table (caption = Title) with one
// row per point: label and value.
func (c LineChart) Table() template.HTML {
	p := phrasesFor(c.Lang)
	rows := c.rows()
	title := cmp.Or(cleanText(c.Title), p.chart)
	if len(rows) == 0 {
		return emptyTable(title, cmp.Or(cleanText(c.Empty), defaultEmpty))
	}
	unit := cleanText(c.Unit)
	var b strings.Builder
	tableOpen(&b, title, cmp.Or(cleanText(c.LabelHeader), p.timeHeader), p.valueHeader)
	for _, r := range rows {
		tableRow(&b, r.label, p.value(r.value, unit))
	}
	return tableClose(&b)
}
