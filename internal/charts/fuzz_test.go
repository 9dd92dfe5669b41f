package charts

import (
	"math"
	"strings"
	"testing"
)

// FuzzCharts renders both chart types from fuzzed labels and values and
// checks that the markup is well-formed XML with finite numbers only.
func FuzzCharts(f *testing.F) {
	f.Add("Vertrieb", "IT", "%", 42.0, 100.0, 0.0, 100.0, uint8(3))
	f.Add(`<script>"&'`, "\xff\x00]]>", "", math.NaN(), math.Inf(1), -1.0, math.NaN(), uint8(7))
	f.Add("", "", "", 0.0, 0.0, 0.0, 0.0, uint8(0))
	f.Add(strings.Repeat("日本", 40), "e\u0301\u200d", "h", 1e308, 5e-324, 3.0, -0.0, uint8(104))
	f.Fuzz(func(t *testing.T, a, b, unit string, v1, v2, v3, max float64, n uint8) {
		labels, values := []string{a, b, a + b}, []float64{v1, v2, v3, v1 * v2, v2 - v3}
		count := int(n) % 48 // keeps each execution cheap; larger charts are covered elsewhere
		bars := make([]Bar, count)
		points := make([]Point, count)
		for i := range bars {
			bars[i] = Bar{Label: labels[i%3], Value: values[i%5] * float64(i), Note: labels[(i+1)%3]}
			points[i] = Point{Label: labels[i%3], Value: values[i%5]}
		}
		bc := BarChart{Title: a, Desc: b, Bars: bars, Max: max, Unit: unit, Empty: b, LabelHeader: a}
		lc := LineChart{Title: b, Desc: a, Points: points, Unit: unit, Empty: a, LabelHeader: b}
		for _, lang := range []string{"en", "de"} {
			bc.Lang, lc.Lang = lang, lang
			for what, out := range map[string]string{
				"bar svg": string(bc.SVG()), "bar table": string(bc.Table()),
				"line svg": string(lc.SVG()), "line table": string(lc.Table()),
			} {
				if _, err := checkMarkup(out); err != nil {
					t.Fatalf("%s (%s): %v\n%s", what, lang, err, out)
				}
			}
		}
	})
}
