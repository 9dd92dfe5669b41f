package charts

import (
	"math"
	"slices"
	"strings"
	"testing"
)

const nastyLabel = `<script>alert("x&y")</script> 'Vertrieb' & "Einkauf"`

func TestEscaping(t *testing.T) {
	labels := []string{
		nastyLabel,
		`]]><!-- --><![CDATA[`,
		"Zürich – Ελληνικά – 日本語の部署 – 👩‍💻",
		"tab\tnew\nline\r\x00\x1b\u0085\uFFFE end",
		"bad utf8 \xff\xfe here",
	}
	var bars []Bar
	var points []Point
	for i, l := range labels {
		bars = append(bars, Bar{Label: l, Value: float64(10 * (i + 1)), Note: l})
		points = append(points, Point{Label: l, Value: float64(i)})
	}
	outputs := map[string]string{
		"bar svg":    string(BarChart{Title: nastyLabel, Desc: nastyLabel, Bars: bars, Unit: `"%"`, Empty: nastyLabel}.SVG()),
		"bar table":  string(BarChart{Title: nastyLabel, Bars: bars, LabelHeader: nastyLabel}.Table()),
		"line svg":   string(LineChart{Title: nastyLabel, Desc: nastyLabel, Points: points, Unit: "<u>"}.SVG()),
		"line table": string(LineChart{Title: nastyLabel, Points: points}.Table()),
		"empty svg":  string(BarChart{Title: nastyLabel, Empty: nastyLabel}.SVG()),
		"empty tbl":  string(LineChart{Title: nastyLabel, Empty: nastyLabel}.Table()),
	}
	for name, out := range outputs {
		mustCheck(t, name, out)
		for _, bad := range []string{"<script", "<u>", "<!--", "<![CDATA[", "\x00", "\x1b", "\xff", "\u0085", "\uFFFE", "\t", "\n"} {
			if strings.Contains(out, bad) {
				t.Errorf("%s contains %q unescaped:\n%s", name, bad, out)
			}
		}
		if !strings.Contains(out, "&lt;script&gt;") {
			t.Errorf("%s lost the escaped label text", name)
		}
		if strings.Contains(out, "style") {
			t.Errorf("%s contains a style attribute or element", name)
		}
	}
}

func TestFullLabelInTitles(t *testing.T) {
	long := "Abteilung für außerordentlich lange Bezeichnungen & <Sonderfälle> im Konzern"
	c := BarChart{Title: "Quote", Bars: []Bar{{Label: long, Value: 42, Note: "42 of 100"}}, Max: 100, Unit: "%"}
	titles := mustCheck(t, "svg", string(c.SVG()))
	want := long + ": 42% (42 of 100)"
	if !slices.Contains(titles, want) {
		t.Errorf("bar tooltips %q, want one to be %q", titles, want)
	}
	svg := string(c.SVG())
	if !strings.Contains(svg, ">Abteilung für außerordentl…</text>") {
		t.Errorf("label not truncated as expected:\n%s", svg)
	}
	table := string(c.Table())
	mustCheck(t, "table", table)
	if !strings.Contains(table, esc(long)) {
		t.Errorf("table lacks the full label:\n%s", table)
	}

	lc := LineChart{Title: "Verlauf", Points: []Point{{Label: long, Value: 3}}}
	if titles := mustCheck(t, "line", string(lc.SVG())); !slices.Contains(titles, long+": 3") {
		t.Errorf("dot tooltips %q lack the full label", titles)
	}
}

func TestTruncate(t *testing.T) {
	tests := []struct {
		in   string
		max  int
		want string
	}{
		{"short", 10, "short"},
		{"exactly10!", 10, "exactly10!"},
		{"eleven char", 10, "eleven ch…"},
		{"trailing space here", 10, "trailing…"},
		{"日本語の部署名です", 8, "日本語…"},                                             // wide characters count twice
		{"e\u0301e\u0301e\u0301e\u0301e\u0301", 4, "e\u0301e\u0301e\u0301…"}, // marks stay with their base
		{"👩‍💻👩‍💻👩‍💻", 4, "👩…"},                                               // no dangling zero-width joiner
		{"abc", 0, "…"},
		{"", 3, ""},
	}
	for _, tt := range tests {
		if got := truncate(tt.in, tt.max); got != tt.want {
			t.Errorf("truncate(%q, %d) = %q, want %q", tt.in, tt.max, got, tt.want)
		}
		if w := textWidth(truncate(tt.in, tt.max)); tt.max > 0 && w > tt.max {
			t.Errorf("truncate(%q, %d) is %d cells wide", tt.in, tt.max, w)
		}
	}
}

func TestCleanText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"  a \t b\n\nc  ", "a b c"},
		{"x\x00y\x08z", "xyz"},
		{"\xffok", "\uFFFDok"},
		{"keep <&> as is", "keep <&> as is"},
		{"a\u2028b\u00a0c", "a b c"},
		{"IT\u202E 50%\u202C \u2066x\u2069", "IT 50% x"}, // bidi controls removed
	}
	for _, tt := range tests {
		if got := cleanText(tt.in); got != tt.want {
			t.Errorf("cleanText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestNumberFormat(t *testing.T) {
	en, de := phrasesFor("en"), phrasesFor("de-DE")
	tests := []struct {
		p    phrases
		v    float64
		unit string
		want string
	}{
		{en, 42, "%", "42%"},
		{de, 42, "%", "42\u00a0%"},
		{en, 42.25, "", "42.2"}, // binary 42.25 rounds half to even
		{de, 0.5, "h", "0,5\u00a0h"},
		{en, 12345.67, "", "12,345.7"},
		{de, 1234, "", "1234"},
		{en, 0, "", "0"},
		{en, maxValue, "", "1,000,000,000,000,000"},
	}
	for _, tt := range tests {
		if got := tt.p.value(tt.v, tt.unit); got != tt.want {
			t.Errorf("value(%v, %q) = %q, want %q", tt.v, tt.unit, got, tt.want)
		}
	}
}

func TestEdgeCases(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	bars := map[string]BarChart{
		"empty":       {Title: "Leer"},
		"empty text":  {Title: "Leer", Empty: "Keine Daten"},
		"all zero":    {Title: "Null", Bars: []Bar{{"A", 0, ""}, {"B", 0, ""}}},
		"max zero":    {Title: "Max 0", Bars: []Bar{{"A", 5, ""}, {"B", 10, ""}}},
		"bad values":  {Title: "Bad", Bars: []Bar{{"A", nan, ""}, {"B", -3, ""}, {"C", inf, ""}, {"D", math.Inf(-1), ""}}, Max: nan},
		"over max":    {Title: "Over", Bars: []Bar{{"A", 150, ""}}, Max: 100},
		"huge":        {Title: "Huge", Bars: []Bar{{"A", math.MaxFloat64, ""}, {"B", 1, ""}}, Max: inf},
		"tiny":        {Title: "Tiny", Bars: []Bar{{"A", math.SmallestNonzeroFloat64, ""}}},
		"no title":    {Bars: []Bar{{"A", 1, ""}}},
		"single":      {Title: "One", Bars: []Bar{{"A", 1, "1 of 1"}}},
		"negative mx": {Title: "Neg", Bars: []Bar{{"A", 1, ""}}, Max: -4},
		"long unit":   {Title: "Unit", Bars: []Bar{{"A", 1e15, ""}}, Unit: strings.Repeat("Stunden", 20)},
	}
	for name, c := range bars {
		out := string(c.SVG())
		mustCheck(t, name, out)
		mustCheck(t, name+" table", string(c.Table()))
		if strings.Contains(out, "NaN") || strings.Contains(out, "Inf") {
			t.Errorf("%s: output contains NaN/Inf:\n%s", name, out)
		}
	}
	lines := map[string]LineChart{
		"empty":      {Title: "Leer"},
		"one point":  {Title: "Eins", Points: []Point{{"2026-11", 7}}},
		"all zero":   {Title: "Null", Points: []Point{{"a", 0}, {"b", 0}, {"c", 0}}},
		"bad values": {Title: "Bad", Points: []Point{{"a", nan}, {"b", -1}, {"c", inf}, {"d", 2}}},
		"huge":       {Title: "Huge", Points: []Point{{"a", math.MaxFloat64}, {"b", 1e14}}},
		"tiny":       {Title: "Tiny", Points: []Point{{"a", 1e-300}, {"b", 0}}},
		"no labels":  {Title: "Ohne", Points: []Point{{"", 1}, {"", 2}}},
		"long unit":  {Title: "Unit", Points: []Point{{"a", 1e15}, {"b", 2}}, Unit: strings.Repeat("Stunden", 20)},
	}
	for name, c := range lines {
		out := string(c.SVG())
		mustCheck(t, name, out)
		mustCheck(t, name+" table", string(c.Table()))
		if strings.Contains(out, "NaN") || strings.Contains(out, "Inf") {
			t.Errorf("%s: output contains NaN/Inf:\n%s", name, out)
		}
	}

	if out := string(BarChart{}.SVG()); !strings.Contains(out, ">—</text>") {
		t.Errorf("default empty text missing:\n%s", out)
	}
	if out := string(LineChart{Empty: "Keine Daten"}.SVG()); !strings.Contains(out, ">Keine Daten</text>") {
		t.Errorf("custom empty text missing:\n%s", out)
	}
	if out := string(BarChart{Bars: []Bar{{"A", 150, ""}}, Max: 100}.SVG()); !strings.Contains(out, `class="chart-bar" x="232" y="12" width="352"`) {
		t.Errorf("value above Max should fill the track exactly:\n%s", out)
	}
}

func TestIDs(t *testing.T) {
	a := BarChart{Title: "Quote", Bars: []Bar{{"A", 1, ""}}}
	b := BarChart{Title: "Quote", Bars: []Bar{{"A", 2, ""}}}
	l := LineChart{Title: "Quote", Points: []Point{{"A", 1}}}
	ids := map[string]bool{}
	for _, out := range []string{string(a.SVG()), string(b.SVG()), string(l.SVG())} {
		mustCheck(t, "ids", out)
		_, rest, _ := strings.Cut(out, `aria-labelledby="`)
		id, _, _ := strings.Cut(rest, "-title")
		if ids[id] {
			t.Errorf("id %q used twice", id)
		}
		ids[id] = true
	}
	if a.SVG() != a.SVG() {
		t.Error("output is not deterministic")
	}
}

func TestSummary(t *testing.T) {
	c := BarChart{
		Title: "Quote", Desc: "Abschlussquote je Abteilung", Unit: "%", Max: 100, Lang: "de",
		Bars: []Bar{{"Vertrieb", 92, ""}, {"IT", 40, ""}, {"Einkauf", 75.5, ""}},
	}
	titles := mustCheck(t, "summary", string(c.SVG()))
	_ = titles
	want := "Abschlussquote je Abteilung. 3 Balken. Höchster Wert: Vertrieb 92\u00a0%. Niedrigster Wert: IT 40\u00a0%."
	if !strings.Contains(string(c.SVG()), ">"+esc(want)+"</desc>") {
		t.Errorf("desc missing %q:\n%s", want, c.SVG())
	}
	l := LineChart{Title: "Trend", Unit: "%", Points: []Point{{"2026-01", 10}, {"2026-02", 90}, {"2026-03", 80}}}
	want = "3 data points from 2026-01 to 2026-03. Last value: 80% (2026-03). Highest: 90% (2026-02). Lowest: 10% (2026-01)."
	if !strings.Contains(string(l.SVG()), ">"+want+"</desc>") {
		t.Errorf("desc missing %q:\n%s", want, l.SVG())
	}
}

func TestSummaryEdgeCases(t *testing.T) {
	tests := []struct {
		c    chart
		want string
	}{
		{BarChart{Bars: []Bar{{"A", 0, ""}, {"B", 0, ""}}, Unit: "%"}, "2 bars. All values: 0%."},
		{BarChart{Bars: []Bar{{"A", 3, ""}}}, "1 bar: A 3."},
		{BarChart{Desc: "Quote"}, "Quote. No data."},
		{BarChart{Lang: "de", Empty: "Noch nichts erfasst"}, "Noch nichts erfasst."},
		{LineChart{Lang: "de"}, "Keine Daten."},
		{LineChart{Points: []Point{{"KW 1", 2}}}, "1 data point: KW 1 2."},
		{LineChart{Points: []Point{{"a", 1}, {"b", 1}}, Lang: "de"}, "2 Messpunkte von a bis b. Alle Werte: 1."},
	}
	for _, tt := range tests {
		out := string(tt.c.SVG())
		mustCheck(t, "summary", out)
		if !strings.Contains(out, ">"+tt.want+"</desc>") {
			t.Errorf("desc should be %q:\n%s", tt.want, out)
		}
	}
}

func TestTableShape(t *testing.T) {
	withNotes := string(BarChart{Title: "T", Bars: []Bar{{"A", 1, "1 of 2"}, {"B", 2, ""}}}.Table())
	if strings.Count(withNotes, "<td>") != 4 || !strings.Contains(withNotes, ">Note</th>") {
		t.Errorf("table with notes:\n%s", withNotes)
	}
	plain := string(BarChart{Title: "T", Bars: []Bar{{"A", 1, ""}}, LabelHeader: "Abteilung", Lang: "de"}.Table())
	if strings.Contains(plain, "Hinweis") || !strings.Contains(plain, `<th scope="col">Abteilung</th>`) {
		t.Errorf("table without notes:\n%s", plain)
	}
	if !strings.Contains(plain, "<caption>T</caption>") {
		t.Errorf("caption missing:\n%s", plain)
	}
}

func TestXLabelThinning(t *testing.T) {
	for _, n := range []int{1, 2, 12, 52, 104, 500} {
		c := LineChart{Title: "T", Points: weeks(n)}
		out := string(c.SVG())
		mustCheck(t, "thinning", out)
		labels := strings.Count(out, `class="chart-label"`)
		if labels < 1 || labels > 14 {
			t.Errorf("%d points: %d x labels", n, labels)
		}
		last := c.Points[n-1].Label
		if !strings.Contains(out, ">"+last+"</text>") {
			t.Errorf("%d points: last label %q not shown", n, last)
		}
	}
}
