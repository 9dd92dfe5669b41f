package quiz_test

import (
	"errors"
	"slices"
	"testing"

	"kipass/internal/errs"
	"kipass/quiz"
)

func tokenPool() []quiz.Question {
	return []quiz.Question{
		single("q1", "m", "b", "a", "b", "c", "d"),
		multiple("q2", "m", []string{"a", "c"}, "a", "b", "c", "d"),
		truefalse("q3", "m", false),
	}
}

func TestTokenizeHidesContentIDs(t *testing.T) {
	pool := tokenPool()
	d1 := presented(pool)
	d2 := presented(pool)
	quiz.Tokenize(d1, seeded(1))
	quiz.Tokenize(d2, seeded(2))
	seen := map[string]bool{}
	for i, d := range d1 {
		if len(d.Tokens) != len(d.OptionIDs) {
			t.Fatalf("%s: %d tokens for %d options", d.QuestionID, len(d.Tokens), len(d.OptionIDs))
		}
		for j, tok := range d.Shown() {
			if slices.Contains([]string{"a", "b", "c", "d", "true", "false"}, tok) || len(tok) != 10 {
				t.Errorf("%s: token %q looks like a content id", d.QuestionID, tok)
			}
			if seen[tok] {
				t.Errorf("token %q used twice in one attempt", tok)
			}
			seen[tok] = true
			if tok == d2[i].Tokens[j] {
				t.Errorf("two attempts share the token %q", tok)
			}
		}
	}
}

func TestToContentRoundTripAndRefusals(t *testing.T) {
	pool := tokenPool()
	drawn := presented(pool)
	quiz.Tokenize(drawn, seeded(3))
	q1, q2 := drawn[0], drawn[1]
	tokB, _ := q1.ShownID("b")
	tokA, _ := q2.ShownID("a")
	tokC, _ := q2.ShownID("c")
	shown := quiz.Answers{"q1": {tokB}, "q2": {tokA, tokC}}
	content, err := quiz.ToContent(drawn, shown)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(content["q1"], []string{"b"}) || !slices.Equal(content["q2"], []string{"a", "c"}) {
		t.Fatalf("content answers = %v", content)
	}
	res, err := quiz.Grade(lookup(pool), drawn, content, 50)
	if err != nil {
		t.Fatal(err)
	}
	if res.Correct != 2 {
		t.Fatalf("correct = %d, want 2", res.Correct)
	}
	sr := quiz.ShownResult(drawn, res)
	if !slices.Equal(sr.Questions[0].CorrectOptions, []string{tokB}) || !slices.Equal(sr.Questions[0].Chosen, []string{tokB}) {
		t.Errorf("shown result q1 = %+v", sr.Questions[0])
	}
	if res.Questions[0].CorrectOptions[0] != "b" {
		t.Errorf("ShownResult changed its input: %+v", res.Questions[0])
	}
	if back := quiz.FromContent(drawn, content); !slices.Equal(back["q2"], []string{tokA, tokC}) {
		t.Errorf("FromContent = %v", back)
	}

	other := presented(pool)
	quiz.Tokenize(other, seeded(4))
	foreign, _ := other[0].ShownID("b")
	for name, a := range map[string]quiz.Answers{
		"content id":            {"q1": {"b"}},
		"token of another test": {"q1": {foreign}},
		"made up":               {"q2": {tokA, "zzzzzzzzzz"}},
		"token of another q":    {"q1": {tokA}},
	} {
		_, err := quiz.ToContent(drawn, a)
		var e *errs.Error
		if !errors.As(err, &e) || e.Code != "invalid_answers" {
			t.Errorf("%s: err = %v, want invalid_answers", name, err)
		}
	}
}

func TestUntokenizedAttemptKeepsContentIDs(t *testing.T) {
	pool := tokenPool()
	drawn := presented(pool) // an attempt drawn before tokens existed
	a, err := quiz.ToContent(drawn, quiz.Answers{"q1": {"b"}})
	if err != nil || !slices.Equal(a["q1"], []string{"b"}) {
		t.Fatalf("old attempt: %v, %v", a, err)
	}
	if !slices.Equal(drawn[0].Shown(), []string{"a", "b", "c", "d"}) {
		t.Errorf("old attempt shows %v", drawn[0].Shown())
	}
}

// BenchmarkGradeTokens grades a 20-question exam answered in tokens:
// mapping to content ids, grading, and mapping the result back.
func BenchmarkGradeTokens(b *testing.B) {
	rng := seeded(1)
	pool := randomPool(rng, 8, 12)
	drawn, err := quiz.Draw(pool, examSpec, rng)
	if err != nil {
		b.Fatal(err)
	}
	quiz.Tokenize(drawn, rng)
	questions := lookup(pool)
	a := quiz.FromContent(drawn, randomAnswers(rng, drawn))
	b.ReportAllocs()
	for b.Loop() {
		c, err := quiz.ToContent(drawn, a)
		if err != nil {
			b.Fatal(err)
		}
		r, err := quiz.Grade(questions, drawn, c, 80)
		if err != nil {
			b.Fatal(err)
		}
		_ = quiz.ShownResult(drawn, r)
	}
}
