package charts

import (
	"flag"
	"html/template"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

type chart interface {
	SVG() template.HTML
	Table() template.HTML
}

// goldenCases are rendered to testdata/<name>.golden.html: the SVG, a
// blank line, the table.
func goldenCases() map[string]chart {
	return map[string]chart{
		"bar_basic": BarChart{
			Title: "Abschlussquote je Abteilung", Desc: "Pflichtschulungen 2026", Max: 100, Unit: "%", Lang: "de",
			LabelHeader: "Abteilung",
			Bars: []Bar{
				{Label: "Vertrieb", Value: 84, Note: "42 von 50"},
				{Label: "IT & Infrastruktur", Value: 100, Note: "12 von 12"},
				{Label: "Personalentwicklung und Recruiting International", Value: 37.5, Note: "3 von 8"},
				{Label: "Einkauf", Value: 0, Note: "0 von 4"},
			},
		},
		"bar_escape": BarChart{
			Title: `<script>alert("t")</script>`, Unit: "%",
			Bars: []Bar{{Label: `"Quotes" & <tags> 'single'`, Value: 50, Note: "<b>n</b>"}, {Label: "日本語 👩‍💻", Value: 25}},
		},
		"bar_empty": BarChart{Title: "Keine Abteilungen", Empty: "Noch keine Daten"},
		"bar_edge":  BarChart{Title: "Edge", Bars: []Bar{{Label: "NaN", Value: -1}, {Label: "Big", Value: 3e20}}},
		"line_basic": LineChart{
			Title: "Abschlüsse pro Monat", Lang: "de",
			Points: []Point{{"2026-01", 12}, {"2026-02", 18}, {"2026-03", 9}, {"2026-04", 27}, {"2026-05", 31}, {"2026-06", 22}},
		},
		"line_percent": LineChart{Title: "Quote", Unit: "%", Points: []Point{{"KW 1", 40}, {"KW 2", 62.5}, {"KW 3", 87.5}}},
		"line_one":     LineChart{Title: "Ein Monat", Points: []Point{{"2026-11", 7}}},
		"line_zero":    LineChart{Title: "Nichts passiert", Points: []Point{{"a", 0}, {"b", 0}}},
		"line_many":    LineChart{Title: "Zwei Jahre", Points: weeks(104)},
		"line_empty":   LineChart{Title: "Leer"},
	}
}

func TestGolden(t *testing.T) {
	for name, c := range goldenCases() {
		t.Run(name, func(t *testing.T) {
			svg, table := string(c.SVG()), string(c.Table())
			mustCheck(t, "svg", svg)
			mustCheck(t, "table", table)
			got := []byte(svg + "\n\n" + table + "\n")
			path := filepath.Join("testdata", name+".golden.html")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if string(got) != string(want) {
				t.Errorf("%s differs from golden file; run go test -update and review the diff\ngot:\n%s", path, got)
			}
		})
	}
}
