package quiz_test

import (
	"testing"

	"kipass/quiz"
)

var examSpec = quiz.DrawSpec{N: 20, MinPerModule: 2}

// BenchmarkGrade grades a 20-question exam drawn from 8 modules of 12 questions.
func BenchmarkGrade(b *testing.B) {
	rng := seeded(1)
	pool := randomPool(rng, 8, 12)
	drawn, err := quiz.Draw(pool, examSpec, rng)
	if err != nil {
		b.Fatal(err)
	}
	questions := lookup(pool)
	a := randomAnswers(rng, drawn)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := quiz.Grade(questions, drawn, a, 80); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDraw draws a 20-question exam from 8 modules of 12 questions.
func BenchmarkDraw(b *testing.B) {
	rng := seeded(1)
	pool := randomPool(rng, 8, 12)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := quiz.Draw(pool, examSpec, rng); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseAnswers parses the answers to a 20-question exam.
func BenchmarkParseAnswers(b *testing.B) {
	raw := []byte(`{"m0-q1":["a"],"m0-q2":["b","c"],"m1-q3":["true"],"m1-q4":["a"],"m2-q5":["d"],` +
		`"m2-q6":["a","b","c"],"m3-q7":["false"],"m3-q8":["e"],"m4-q9":["a"],"m4-q10":["b"],` +
		`"m5-q1":["a"],"m5-q2":["b","c"],"m6-q3":["true"],"m6-q4":["a"],"m7-q5":["d"],` +
		`"m7-q6":["a","b","c"],"m0-q7":["false"],"m1-q8":["e"],"m2-q9":["a"],"m3-q10":["b"]}`)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := quiz.ParseAnswers(raw); err != nil {
			b.Fatal(err)
		}
	}
}
