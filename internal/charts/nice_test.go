package charts

import (
	"math"
	"slices"
	"testing"
)

func TestNiceAxis(t *testing.T) {
	tests := []struct {
		max       float64
		top, step float64
		decimals  int
	}{
		{0, 1, 0.5, 1}, // all zero
		{math.NaN(), 1, 0.5, 1},
		{-5, 1, 0.5, 1},
		{1e-300, 0.001, 0.0005, 4}, // tiny data: smallest axis
		{0.3, 0.3, 0.1, 1},
		{1, 1, 0.5, 1},
		{3, 3, 1, 0},
		{4, 4, 1, 0},
		{5, 6, 2, 0},
		{7, 8, 2, 0},
		{9, 10, 5, 0},
		{10, 10, 5, 0},
		{42, 50, 25, 0},
		{87.5, 100, 25, 0},
		{100, 100, 25, 0},
		{101, 150, 50, 0},
		{180, 200, 50, 0},
		{999, 1000, 250, 0},
		{1234, 1500, 500, 0},
		{math.Inf(1), 1, 0.5, 1},
		{1e300, 1e15, 2.5e14, 0}, // capped at maxValue
	}
	for _, tt := range tests {
		got := niceAxis(tt.max)
		if !near(got.Top, tt.top) || !near(got.Step, tt.step) || got.Decimals != tt.decimals {
			t.Errorf("niceAxis(%v) = %+v, want top %v step %v decimals %d", tt.max, got, tt.top, tt.step, tt.decimals)
		}
	}
}

// TestNiceAxisProperties checks over a wide range of maxima that the
// axis covers the data with three to five gridlines of a nice step.
func TestNiceAxisProperties(t *testing.T) {
	for v := 1e-4; v < 1e16; v *= 1.37 {
		a := niceAxis(v)
		ticks := a.Ticks()
		if n := len(ticks); n < 3 || n > 5 {
			t.Errorf("niceAxis(%g): %d ticks %v, want 3..5", v, n, ticks)
		}
		if a.Top < math.Min(v, maxValue)*(1-1e-9) {
			t.Errorf("niceAxis(%g): top %g below data", v, a.Top)
		}
		m := a.Step / math.Pow10(int(math.Floor(math.Log10(a.Step)+1e-9)))
		if !slices.ContainsFunc([]float64{1, 2, 2.5, 5}, func(x float64) bool { return near(x, m) }) {
			t.Errorf("niceAxis(%g): step %g is not nice", v, a.Step)
		}
	}
}

func TestTickLabels(t *testing.T) {
	tests := []struct {
		max  float64
		lang string
		want []string
	}{
		{100, "en", []string{"0", "25", "50", "75", "100"}},
		{1, "en", []string{"0", "0.5", "1"}},
		{1, "de", []string{"0", "0,5", "1"}},
		{0.3, "en", []string{"0", "0.1", "0.2", "0.3"}},
		{40000, "de", []string{"0", "10.000", "20.000", "30.000", "40.000"}},
		{40000, "en", []string{"0", "10,000", "20,000", "30,000", "40,000"}},
	}
	for _, tt := range tests {
		a := niceAxis(tt.max)
		p := phrasesFor(tt.lang)
		var got []string
		for _, v := range a.Ticks() {
			got = append(got, p.number(v, a.Decimals))
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("ticks(%v, %s) = %q, want %q", tt.max, tt.lang, got, tt.want)
		}
	}
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(math.Abs(a), math.Abs(b)) }

// TestCountAxisWholeTicks: a count axis never has fractional ticks.
func TestCountAxisWholeTicks(t *testing.T) {
	for _, max := range []float64{0, 1, 2, 3, 4, 7, 13, 1000} {
		a := countAxis(niceAxis(max), max)
		for _, tick := range a.Ticks() {
			if tick != math.Trunc(tick) {
				t.Errorf("max %v: tick %v", max, tick)
			}
		}
		if a.Top < max {
			t.Errorf("max %v: top %v", max, a.Top)
		}
	}
}
