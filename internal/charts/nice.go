package charts

import "math"

// maxValue caps data values so that axis arithmetic can never overflow
// and displayed numbers stay readable.
const maxValue = 1e15

// minAxisTop is the smallest axis maximum for positive data; tinier
// values are drawn on a 0..minAxisTop scale rather than producing absurd
// tick labels. All-zero data gets a 0..1 axis.
const minAxisTop = 1e-3

// clampValue maps NaN, ±Inf and negative numbers to 0 and caps large
// ones at maxValue.
func clampValue(v float64) float64 {
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0) || v < 0:
		return 0
	case v > maxValue:
		return maxValue
	}
	return v
}

// axis is a linear value axis from 0 to Top, divided into equal steps.
type axis struct {
	Top      float64 // upper end, a multiple of Step
	Step     float64 // distance between gridlines
	Decimals int     // decimals needed to print every tick exactly
}

// Ticks returns the gridline values 0, Step, …, Top.
func (a axis) Ticks() []float64 {
	if !(a.Step > 0) || !(a.Top >= a.Step) {
		return []float64{0}
	}
	n := int(math.Round(a.Top / a.Step))
	ticks := make([]float64, n+1)
	for i := range ticks {
		ticks[i] = float64(i) * a.Step
	}
	return ticks
}

// niceAxis chooses a "nice" step (1, 2, 2.5 or 5 times a power of ten;
// 2.5 only from 25 upwards so that small counts keep whole ticks) such
// that 0..max is covered by two to four intervals, i.e. three to five
// gridlines including the baseline. Among those it picks the lowest top,
// and for equal tops the smaller step (more gridlines).
func niceAxis(max float64) axis {
	switch max = clampValue(max); {
	case max == 0: // no data above zero: a plain 0..1 axis
		max = 1
	case max < minAxisTop:
		max = minAxisTop
	}
	var best axis
	first := int(math.Floor(math.Log10(max / 4)))
	for exp := first; exp <= first+2; exp++ {
		pow := math.Pow10(exp)
		for _, m := range [...]float64{1, 2, 2.5, 5} {
			if m == 2.5 && exp < 1 {
				continue
			}
			step := m * pow
			n := math.Ceil(max/step - 1e-9)
			if n < 2 || n > 4 {
				continue
			}
			if top := n * step; best.Step == 0 || top < best.Top*(1-1e-9) {
				best = axis{Top: top, Step: step, Decimals: stepDecimals(m, exp)}
			}
		}
	}
	return best
}

// stepDecimals is the number of decimals needed to print multiples of
// m·10^exp exactly.
func stepDecimals(m float64, exp int) int {
	d := -exp
	if m == 2.5 {
		d++
	}
	if d < 0 {
		return 0
	}
	return d
}

// extremes returns the indexes of the first highest and the first lowest of
// n values (n > 0).
func extremes(n int, value func(i int) float64) (hi, lo int) {
	for i := 1; i < n; i++ {
		if value(i) > value(hi) {
			hi = i
		}
		if value(i) < value(lo) {
			lo = i
		}
	}
	return hi, lo
}

// countAxis makes an axis for counts: steps under 1 become 1 (the top
// rounded up to a whole number, at least 1), so no tick is a fraction.
func countAxis(a axis, max float64) axis {
	if a.Step >= 1 {
		a.Decimals = 0
		return a
	}
	return axis{Top: math.Max(1, math.Ceil(clampValue(max))), Step: 1}
}
