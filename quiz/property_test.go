package quiz_test

import (
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"testing"

	"kipass/quiz"
)

// Properties over many seeded random pools, attempts and answers. Each seed
// builds a pool of 1..8 modules with enough questions, draws an attempt
// (a module quiz or an exam) and checks what must hold for any input.
func TestGradeProperties(t *testing.T) {
	for seed := range uint64(2000) {
		rng := seeded(seed)
		modules := 1 + rng.IntN(8)
		pool := randomPool(rng, modules, 2+rng.IntN(12))
		spec := quiz.DrawSpec{N: 1 + rng.IntN(len(pool))}
		if rng.IntN(2) == 0 {
			spec.MinPerModule = min(2, spec.N/modules)
		}
		drawn, err := quiz.Draw(pool, spec, rng)
		if err != nil {
			t.Fatalf("seed %d: Draw %+v: %v", seed, spec, err)
		}
		questions := lookup(pool)
		pass := 1 + rng.IntN(100)

		// Grading the key always scores 100 and passes.
		res, err := quiz.Grade(questions, drawn, key(questions, drawn), pass)
		if err != nil || res.ScorePercent != 100 || !res.Passed || res.Correct != res.Total {
			t.Fatalf("seed %d: key graded %+v, %v", seed, res, err)
		}

		// An empty answer never passes.
		for _, empty := range []quiz.Answers{nil, {}, emptyLists(drawn)} {
			res, err := quiz.Grade(questions, drawn, empty, pass)
			if err != nil || res.Passed || res.ScorePercent != 0 || res.Correct != 0 {
				t.Fatalf("seed %d: empty answers graded %+v, %v", seed, res, err)
			}
		}

		// Random answers: the score is consistent, and the order in which
		// questions and options were presented does not change it.
		a := randomAnswers(rng, drawn)
		res, err = quiz.Grade(questions, drawn, a, pass)
		if err != nil {
			t.Fatalf("seed %d: Grade: %v", seed, err)
		}
		if res.ScorePercent < 0 || res.ScorePercent > 100 || res.Correct > res.Total ||
			res.ScorePercent != 100*res.Correct/res.Total || res.Passed != (res.ScorePercent >= pass) {
			t.Fatalf("seed %d: inconsistent result %+v at pass mark %d", seed, res, pass)
		}
		reordered := shuffled(rng, drawn)
		res2, err := quiz.Grade(questions, reordered, a, pass)
		if err != nil {
			t.Fatalf("seed %d: Grade reordered: %v", seed, err)
		}
		if res2.ScorePercent != res.ScorePercent || res2.Passed != res.Passed || res2.Correct != res.Correct ||
			!reflect.DeepEqual(correctByID(res2), correctByID(res)) {
			t.Fatalf("seed %d: reordering changed the result from %+v to %+v", seed, res, res2)
		}

		// ParseAnswers reads back what json.Marshal writes.
		raw, err := json.Marshal(a)
		if err != nil {
			t.Fatal(err)
		}
		back, err := quiz.ParseAnswers(raw)
		if err != nil || !reflect.DeepEqual(back, a) {
			t.Fatalf("seed %d: ParseAnswers(%s) = %v, %v; want %v", seed, raw, back, err, a)
		}
	}
}

// emptyLists answers every question of drawn with no option.
func emptyLists(drawn []quiz.Drawn) quiz.Answers {
	a := quiz.Answers{}
	for _, d := range drawn {
		a[d.QuestionID] = []string{}
	}
	return a
}

// shuffled returns a copy of drawn with questions and options in a new order.
func shuffled(rng *rand.Rand, drawn []quiz.Drawn) []quiz.Drawn {
	out := make([]quiz.Drawn, len(drawn))
	for i, d := range drawn {
		d.OptionIDs = append([]string(nil), d.OptionIDs...)
		rng.Shuffle(len(d.OptionIDs), func(i, j int) { d.OptionIDs[i], d.OptionIDs[j] = d.OptionIDs[j], d.OptionIDs[i] })
		out[i] = d
	}
	rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

// correctByID maps each question id to whether it was answered correctly.
func correctByID(res quiz.Result) map[string]bool {
	m := make(map[string]bool, len(res.Questions))
	for _, qr := range res.Questions {
		m[qr.QuestionID] = qr.Correct
	}
	return m
}
