package charts

import (
	"hash/fnv"
	"html/template"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Layout constants shared by both chart types, in viewBox units.
const (
	viewWidth    = 640 // viewBox width; the SVG itself scales to 100 %
	fontSize     = 14  // base font size
	cellWidth    = 8.0 // estimated width of one character cell at fontSize
	emptyHeight  = 48  // height of the "no data" placeholder
	defaultEmpty = "—" // placeholder text when a chart has no data
)

// num formats a coordinate: at most two decimals, no exponent, never
// NaN or Inf (non-finite input becomes 0).
func num(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		v = 0
	}
	v = math.Round(v*100) / 100
	if v == 0 {
		return "0" // also turns -0 into 0
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// chartID derives a stable element id from the chart kind, its title
// and its content, so that two charts with the same title on one page
// still get different ids.
func chartID(kind, title string, labels []string, values []float64, extra ...string) string {
	h := fnv.New64a()
	write := func(s string) {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	write(kind)
	write(title)
	for _, s := range extra {
		write(s)
	}
	for i, l := range labels {
		write(l)
		write(strconv.FormatFloat(values[i], 'g', -1, 64))
	}
	return "chart-" + strconv.FormatUint(h.Sum64(), 16)
}

// svgWriter accumulates chart markup.
type svgWriter struct {
	strings.Builder
}

// attr writes ` name="value"` with the value escaped.
func (w *svgWriter) attr(name, value string) {
	w.WriteByte(' ')
	w.WriteString(name)
	w.WriteString(`="`)
	w.WriteString(esc(value))
	w.WriteByte('"')
}

// open writes the root element with its accessible name and description.
// class names the chart type; id must already be unique and safe.
func (w *svgWriter) open(class, id string, height float64, title, desc string) {
	w.WriteString(`<svg xmlns="http://www.w3.org/2000/svg"`)
	w.attr("class", "chart "+class)
	w.attr("role", "img")
	w.attr("aria-labelledby", id+"-title "+id+"-desc")
	w.attr("viewBox", "0 0 "+num(viewWidth)+" "+num(height))
	w.attr("width", "100%")
	w.attr("font-size", strconv.Itoa(fontSize))
	w.WriteString(">")
	w.WriteString(`<title id="` + id + `-title">` + esc(title) + `</title>`)
	w.WriteString(`<desc id="` + id + `-desc">` + esc(desc) + `</desc>`)
}

// close ends the root element and returns the finished markup.
func (w *svgWriter) close() template.HTML {
	w.WriteString("</svg>")
	return template.HTML(w.String())
}

// text writes a <text> element. anchor is "start", "middle" or "end".
func (w *svgWriter) text(class string, x, y float64, anchor, content string) {
	w.WriteString(`<text class="` + class + `" x="` + num(x) + `" y="` + num(y) +
		`" dy="0.35em" text-anchor="` + anchor + `" fill="currentColor">`)
	w.WriteString(esc(content))
	w.WriteString("</text>")
}

// emptySVG is the placeholder drawn when a chart has no data.
func emptySVG(class, id, title, desc, empty string) template.HTML {
	var w svgWriter
	w.open(class+" chart-empty", id, emptyHeight, title, desc)
	w.text("chart-label", viewWidth/2, emptyHeight/2, "middle", empty)
	return w.close()
}

// joinSentences joins non-empty parts with a space, adding a full stop
// to each part that does not already end in punctuation.
func joinSentences(parts ...string) string {
	var out []string
	for _, p := range parts {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		if r, _ := utf8.DecodeLastRuneInString(p); !strings.ContainsRune(".!?…", r) {
			p += "."
		}
		out = append(out, p)
	}
	return strings.Join(out, " ")
}

// tableOpen writes the start of a data table with caption and headers.
func tableOpen(b *strings.Builder, caption string, headers ...string) {
	b.WriteString(`<table class="data chart-table"><caption>`)
	b.WriteString(esc(caption))
	b.WriteString(`</caption><thead><tr>`)
	for _, h := range headers {
		b.WriteString(`<th scope="col">` + esc(h) + `</th>`)
	}
	b.WriteString(`</tr></thead><tbody>`)
}

// tableRow writes one body row: a row header followed by data cells.
func tableRow(b *strings.Builder, header string, cells ...string) {
	b.WriteString(`<tr><th scope="row">` + esc(header) + `</th>`)
	for _, c := range cells {
		b.WriteString(`<td>` + esc(c) + `</td>`)
	}
	b.WriteString(`</tr>`)
}

// tableClose ends a table opened by tableOpen.
func tableClose(b *strings.Builder) template.HTML {
	b.WriteString(`</tbody></table>`)
	return template.HTML(b.String())
}

// emptyTable is the table alternative for a chart without data.
func emptyTable(caption, empty string) template.HTML {
	var b strings.Builder
	b.WriteString(`<table class="data chart-table"><caption>`)
	b.WriteString(esc(caption))
	b.WriteString(`</caption><tbody><tr><td>`)
	b.WriteString(esc(empty))
	return template.HTML(b.String() + `</td></tr></tbody></table>`)
}
