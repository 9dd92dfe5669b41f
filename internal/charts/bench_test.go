package charts

import (
	"fmt"
	"testing"
)

func departments(n int) []Bar {
	bars := make([]Bar, n)
	for i := range bars {
		done := (i * 37) % 51
		bars[i] = Bar{
			Label: fmt.Sprintf("Abteilung %02d – Standort Süd", i+1),
			Value: float64(done) / 50 * 100,
			Note:  fmt.Sprintf("%d of 50", done),
		}
	}
	return bars
}

func weeks(n int) []Point {
	points := make([]Point, n)
	for i := range points {
		points[i] = Point{Label: fmt.Sprintf("KW %d", i%52+1), Value: float64((i*29)%100) + 0.5}
	}
	return points
}

func BenchmarkBarChart50(b *testing.B) {
	c := BarChart{Title: "Abschlussquote", Bars: departments(50), Max: 100, Unit: "%"}
	b.ReportAllocs()
	for b.Loop() {
		_ = c.SVG()
	}
}

func BenchmarkLineChart104(b *testing.B) {
	c := LineChart{Title: "Abschlüsse pro Woche", Points: weeks(104)}
	b.ReportAllocs()
	for b.Loop() {
		_ = c.SVG()
	}
}
