package charts

import (
	"cmp"
	"html/template"
	"math"
	"strings"
)

// Bar is one row of a BarChart.
type Bar struct {
	Label string  // row label, e.g. a department name (untrusted text)
	Value float64 // 0..Max; negative, NaN and Inf count as 0
	Note  string  // optional detail, e.g. "42 of 50"; shown in tooltips and the table
}

// BarChart is a horizontal bar chart: label on the left, bar in the
// middle, value on the right, one row per bar.
type BarChart struct {
	Title string  // accessible name and table caption
	Desc  string  // optional description; a data summary is appended
	Bars  []Bar   // rows in display order
	Max   float64 // full-width value; 0 (or invalid) means the largest value, or 1
	Unit  string  // appended to values, e.g. "%"

	Empty       string // text shown when Bars is empty; default "—"
	Lang        string // "de" for German words and number format; default English
	LabelHeader string // table header of the label column; default "Item"/"Eintrag"
}

// Bar chart layout, in viewBox units.
const (
	barRowHeight  = 28.0
	barThickness  = 16.0
	barPadY       = 6.0
	barLabelWidth = 232.0 // label column including the gap to the bar
	barLabelGap   = 10.0
	barMinValueW  = 56.0
	barValueCells = 22 // longer value texts (huge numbers, long units) are shortened
)

// barRow is a Bar after cleaning and clamping.
type barRow struct {
	label, note string
	value       float64
}

func (c BarChart) rows() []barRow {
	rows := make([]barRow, len(c.Bars))
	for i, b := range c.Bars {
		rows[i] = barRow{label: cleanText(b.Label), note: cleanText(b.Note), value: clampValue(b.Value)}
	}
	return rows
}

// scale is the value drawn as a full-width bar.
func (c BarChart) scale(rows []barRow) float64 {
	if m := clampValue(c.Max); m > 0 {
		return m
	}
	m := 0.0
	for _, r := range rows {
		m = math.Max(m, r.value)
	}
	if m == 0 {
		return 1
	}
	return m
}

func (c BarChart) id(title string, rows []barRow) string {
	labels := make([]string, len(rows))
	values := make([]float64, len(rows))
	for i, r := range rows {
		labels[i], values[i] = r.label+"\x00"+r.note, r.value
	}
	return chartID("bar", title, labels, values, cleanText(c.Desc), cleanText(c.Unit), num(clampValue(c.Max)))
}

// summary describes the data in words: count, highest and lowest bar.
func (c BarChart) summary(p phrases, rows []barRow, unit string) string {
	if len(rows) == 1 {
		return p.bars(1) + ": " + rows[0].label + " " + p.value(rows[0].value, unit)
	}
	hi, lo := extremes(len(rows), func(i int) float64 { return rows[i].value })
	if rows[hi].value == rows[lo].value {
		return joinSentences(p.bars(len(rows)), p.allValues+": "+p.value(rows[hi].value, unit))
	}
	return joinSentences(
		p.bars(len(rows)),
		p.highest+": "+rows[hi].label+" "+p.value(rows[hi].value, unit),
		p.lowest+": "+rows[lo].label+" "+p.value(rows[lo].value, unit),
	)
}

// SVG renders the chart as inline SVG. The height grows with the
// number of bars; the width follows the container.
func (c BarChart) SVG() template.HTML {
	p := phrasesFor(c.Lang)
	rows := c.rows()
	title := cmp.Or(cleanText(c.Title), p.chart)
	id := c.id(title, rows)
	if len(rows) == 0 {
		empty := cleanText(c.Empty)
		return emptySVG("chart-type-bar", id, title, joinSentences(cleanText(c.Desc), cmp.Or(empty, p.noData)), cmp.Or(empty, defaultEmpty))
	}
	unit := cleanText(c.Unit)
	values := make([]string, len(rows))
	cells := 0
	for i, r := range rows {
		values[i] = p.value(r.value, unit)
		cells = max(cells, min(textWidth(values[i]), barValueCells))
	}
	// values are usually styled bold, hence the extra tenth
	valueW := math.Max(barMinValueW, float64(cells)*cellWidth*1.1+12)

	var w svgWriter
	w.Grow(1024 + 640*len(rows))
	height := 2*barPadY + float64(len(rows))*barRowHeight
	w.open("chart-type-bar", id, height, title, joinSentences(cleanText(c.Desc), c.summary(p, rows, unit)))
	scale := c.scale(rows)
	trackW := viewWidth - barLabelWidth - valueW
	labelRoom := barLabelWidth - barLabelGap
	labelCells := int(labelRoom / cellWidth)
	for i, r := range rows {
		cy := barPadY + (float64(i)+0.5)*barRowHeight
		tip := r.label + ": " + values[i]
		if r.note != "" {
			tip += " (" + r.note + ")"
		}
		w.WriteString(`<g class="chart-row"><title>` + esc(tip) + `</title>`)
		w.text("chart-label", barLabelWidth-barLabelGap, cy, "end", truncate(r.label, labelCells))
		w.bar("chart-bar-bg", barLabelWidth, cy, trackW, `fill="currentColor" fill-opacity="0.12"`)
		w.bar("chart-bar", barLabelWidth, cy, trackW*math.Min(r.value/scale, 1), `fill="currentColor"`)
		w.text("chart-value", viewWidth-4, cy, "end", truncate(values[i], barValueCells))
		w.WriteString(`</g>`)
	}
	return w.close()
}

// bar writes one horizontal bar centred vertically on cy.
func (w *svgWriter) bar(class string, x, cy, width float64, paint string) {
	w.WriteString(`<rect class="` + class + `" x="` + num(x) + `" y="` + num(cy-barThickness/2) +
		`" width="` + num(width) + `" height="` + num(barThickness) + `" rx="3" ` + paint + `/>`)
}

// Table renders the data as an HTML table (caption = Title) with one
// row per bar: label, value and, if any bar has one, note.
func (c BarChart) Table() template.HTML {
	p := phrasesFor(c.Lang)
	rows := c.rows()
	title := cmp.Or(cleanText(c.Title), p.chart)
	if len(rows) == 0 {
		return emptyTable(title, cmp.Or(cleanText(c.Empty), defaultEmpty))
	}
	unit := cleanText(c.Unit)
	headers := []string{cmp.Or(cleanText(c.LabelHeader), p.itemHeader), p.valueHeader}
	notes := false
	for _, r := range rows {
		notes = notes || r.note != ""
	}
	if notes {
		headers = append(headers, p.noteHeader)
	}
	var b strings.Builder
	tableOpen(&b, title, headers...)
	for _, r := range rows {
		if notes {
			tableRow(&b, r.label, p.value(r.value, unit), r.note)
		} else {
			tableRow(&b, r.label, p.value(r.value, unit))
		}
	}
	return tableClose(&b)
}
