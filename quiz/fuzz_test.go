package quiz_test

import (
	"encoding/json"
	"reflect"
	"testing"

	"kipass/internal/errs"
	"kipass/quiz"
)

func FuzzParseAnswers(f *testing.F) {
	for _, s := range []string{
		`{"q1":["a","b"],"q2":"c"}`, `{}`, `{"q1":[]}`, `null`, `[]`, `{"q1":null}`, `{"q1":[1]}`,
		`{"q1":["a"],"q1":["b"]}`, `{"q\u00e4":["\ud800"]}`, `{"a":{"b":[]}}`, `{} {}`, "{\"\xff\":[\"a\"]}",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		a, err := quiz.ParseAnswers(raw)
		if err != nil {
			if e := errs.As(err); e == nil || e.Kind != errs.Invalid || len(e.Fields) != 1 {
				t.Fatalf("error %v is not one Invalid field", err)
			}
			return
		}
		if len(a) > quiz.MaxAnswered {
			t.Fatalf("%d questions accepted", len(a))
		}
		for qid, chosen := range a {
			if qid == "" || len(qid) > quiz.MaxIDLen || chosen == nil || len(chosen) > quiz.MaxChosen {
				t.Fatalf("accepted %q: %q", qid, chosen)
			}
			for _, id := range chosen {
				if id == "" || len(id) > quiz.MaxIDLen {
					t.Fatalf("accepted option %q", id)
				}
			}
		}
		out, err := json.Marshal(a)
		if err != nil {
			t.Fatal(err)
		}
		back, err := quiz.ParseAnswers(out)
		if err != nil || !reflect.DeepEqual(back, a) {
			t.Fatalf("round trip of %s: %v, %v", out, back, err)
		}
	})
}

// FuzzGrade feeds arbitrary bytes through the whole submit path. The pool uses
// short ids (q0..q9, options a..f, true, false) so that the fuzzer finds
// answers that pass Validate and exercise grading.
func FuzzGrade(f *testing.F) {
	f.Add([]byte(`{"q0":["a"],"q1":"b","q2":["true"],"q3":["a","c"]}`), uint64(1), 80)
	f.Add([]byte(`{"q0":["a","a"]}`), uint64(2), 1)
	f.Add([]byte(`{}`), uint64(3), 100)
	f.Add([]byte(`{"q9":["false"],"q5":[]}`), uint64(4), 0)
	f.Fuzz(func(t *testing.T, raw []byte, seed uint64, pass int) {
		rng := seeded(seed)
		var pool []quiz.Question
		for i := range 10 {
			pool = append(pool, randomQuestion(rng, "q"+string(rune('0'+i)), "m"+string(rune('0'+i%3))))
		}
		spec := quiz.DrawSpec{N: 1 + rng.IntN(10)}
		if spec.N >= 3 {
			spec.MinPerModule = rng.IntN(2)
		}
		drawn, err := quiz.Draw(pool, spec, rng)
		if err != nil {
			t.Fatal(err)
		}
		a, err := quiz.ParseAnswers(raw)
		if err != nil {
			return
		}
		verr := quiz.Validate(drawn, a)
		res, err := quiz.Grade(lookup(pool), drawn, a, pass)
		switch {
		case pass < 1 || pass > 100:
			if err == nil {
				t.Fatalf("pass mark %d accepted", pass)
			}
		case (verr == nil) != (err == nil):
			t.Fatalf("Validate says %v, Grade says %v", verr, err)
		case err == nil:
			if res.ScorePercent < 0 || res.ScorePercent > 100 || res.Total != len(drawn) || res.Correct > res.Total ||
				res.Passed != (res.ScorePercent >= pass) || len(res.Questions) != len(drawn) {
				t.Fatalf("bad result %+v", res)
			}
		}
	})
}
