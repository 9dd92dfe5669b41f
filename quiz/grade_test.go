package quiz_test

import (
	"fmt"
	"reflect"
	"testing"

	"kipass/internal/errs"
	"kipass/quiz"
)

func TestGrade(t *testing.T) {
	pool := []quiz.Question{
		single("s", "m", "b", "a", "b", "c"),
		multiple("m", "m", []string{"a", "c"}, "a", "b", "c", "d"),
		truefalse("t", "m", true),
	}
	drawn := presented(pool)
	tests := []struct {
		name        string
		answers     quiz.Answers
		wantCorrect []bool // per question s, m, t
		wantScore   int    // the pass mark is 60
		wantField   string // non-empty: an Invalid error naming this field
	}{
		{name: "all right", answers: quiz.Answers{"s": {"b"}, "m": {"a", "c"}, "t": {"true"}},
			wantCorrect: []bool{true, true, true}, wantScore: 100},
		{name: "multiple in another order", answers: quiz.Answers{"s": {"b"}, "m": {"c", "a"}, "t": {"true"}},
			wantCorrect: []bool{true, true, true}, wantScore: 100},
		{name: "single wrong", answers: quiz.Answers{"s": {"a"}, "m": {"a", "c"}, "t": {"true"}},
			wantCorrect: []bool{false, true, true}, wantScore: 66},
		{name: "multiple partial", answers: quiz.Answers{"s": {"b"}, "m": {"a"}, "t": {"true"}},
			wantCorrect: []bool{true, false, true}, wantScore: 66},
		{name: "multiple with an extra wrong option", answers: quiz.Answers{"s": {"b"}, "m": {"a", "c", "b"}, "t": {"true"}},
			wantCorrect: []bool{true, false, true}, wantScore: 66},
		{name: "multiple all options", answers: quiz.Answers{"m": {"a", "b", "c", "d"}},
			wantCorrect: []bool{false, false, false}, wantScore: 0},
		{name: "multiple only wrong options", answers: quiz.Answers{"m": {"b", "d"}},
			wantCorrect: []bool{false, false, false}, wantScore: 0},
		{name: "truefalse wrong", answers: quiz.Answers{"s": {"b"}, "m": {"a", "c"}, "t": {"false"}},
			wantCorrect: []bool{true, true, false}, wantScore: 66},
		{name: "empty answers", answers: quiz.Answers{},
			wantCorrect: []bool{false, false, false}, wantScore: 0},
		{name: "nil answers", answers: nil,
			wantCorrect: []bool{false, false, false}, wantScore: 0},
		{name: "empty lists", answers: quiz.Answers{"s": {}, "m": {}, "t": {}},
			wantCorrect: []bool{false, false, false}, wantScore: 0},
		{name: "one unanswered", answers: quiz.Answers{"s": {"b"}, "m": {"a", "c"}},
			wantCorrect: []bool{true, true, false}, wantScore: 66},
		{name: "single with two options", answers: quiz.Answers{"s": {"a", "b"}}, wantField: "answers.s"},
		{name: "truefalse with both", answers: quiz.Answers{"t": {"true", "false"}}, wantField: "answers.t"},
		{name: "unknown option", answers: quiz.Answers{"m": {"a", "z"}}, wantField: "answers.m"},
		{name: "unknown question", answers: quiz.Answers{"s": {"b"}, "x": {"a"}}, wantField: "answers.x"},
		{name: "duplicate option", answers: quiz.Answers{"m": {"a", "a"}}, wantField: "answers.m"},
		{name: "option of another question", answers: quiz.Answers{"s": {"true"}}, wantField: "answers.s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := quiz.Grade(lookup(pool), drawn, tt.answers, 60)
			if tt.wantField != "" {
				e := errs.As(err)
				if e == nil || e.Kind != errs.Invalid || e.Fields[tt.wantField] == "" {
					t.Fatalf("Grade error = %v, want Invalid naming %s", err, tt.wantField)
				}
				if verr := quiz.Validate(drawn, tt.answers); verr == nil {
					t.Errorf("Validate accepted what Grade rejected")
				}
				return
			}
			if err != nil {
				t.Fatalf("Grade: %v", err)
			}
			if res.ScorePercent != tt.wantScore || res.Passed != (tt.wantScore >= 60) || res.Total != 3 {
				t.Errorf("score %d passed %v total %d, want %d %v 3", res.ScorePercent, res.Passed, res.Total, tt.wantScore, tt.wantScore >= 60)
			}
			var got []bool
			n := 0
			for i, qr := range res.Questions {
				got = append(got, qr.Correct)
				if qr.Correct {
					n++
				}
				if qr.QuestionID != drawn[i].QuestionID {
					t.Errorf("question %d is %s, want presented order", i, qr.QuestionID)
				}
				if qr.Chosen == nil || qr.CorrectOptions == nil {
					t.Errorf("question %s: nil slices in %+v", qr.QuestionID, qr)
				}
			}
			if !reflect.DeepEqual(got, tt.wantCorrect) {
				t.Errorf("correct = %v, want %v", got, tt.wantCorrect)
			}
			if n != res.Correct {
				t.Errorf("Correct = %d, questions say %d", res.Correct, n)
			}
		})
	}
}

func TestGradeReportsKeyAndChoiceInPresentedOrder(t *testing.T) {
	pool := []quiz.Question{multiple("m", "", []string{"a", "c"}, "a", "b", "c", "d")}
	drawn := []quiz.Drawn{{QuestionID: "m", Type: quiz.Multiple, OptionIDs: []string{"d", "c", "b", "a"}}}
	res, err := quiz.Grade(lookup(pool), drawn, quiz.Answers{"m": {"a", "b"}}, 80)
	if err != nil {
		t.Fatal(err)
	}
	want := quiz.QuestionResult{QuestionID: "m", Chosen: []string{"b", "a"}, CorrectOptions: []string{"c", "a"}}
	if !reflect.DeepEqual(res.Questions[0], want) {
		t.Errorf("got %+v, want %+v", res.Questions[0], want)
	}
}

func TestGradeRounding(t *testing.T) {
	tests := []struct {
		correct, total, pass int
		wantScore            int
		wantPassed           bool
	}{
		{4, 5, 80, 80, true},
		{3, 5, 80, 60, false},
		{15, 20, 80, 75, false},
		{16, 20, 80, 80, true},
		{19, 20, 100, 95, false},
		{20, 20, 100, 100, true},
		{2, 3, 66, 66, true}, // 66.7 % reaches 66
		{2, 3, 67, 66, false},
		{1, 3, 34, 33, false},
		{0, 5, 1, 0, false},
		{1, 100, 1, 1, true},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d of %d at %d", tt.correct, tt.total, tt.pass), func(t *testing.T) {
			var pool []quiz.Question
			a := quiz.Answers{}
			for i := range tt.total {
				id := fmt.Sprintf("q%d", i)
				pool = append(pool, truefalse(id, "", true))
				if i < tt.correct {
					a[id] = []string{"true"}
				} else {
					a[id] = []string{"false"}
				}
			}
			res, err := quiz.Grade(lookup(pool), presented(pool), a, tt.pass)
			if err != nil {
				t.Fatal(err)
			}
			if res.ScorePercent != tt.wantScore || res.Passed != tt.wantPassed || res.Correct != tt.correct || res.Total != tt.total {
				t.Errorf("got %d%% passed %v (%d/%d), want %d%% passed %v", res.ScorePercent, res.Passed, res.Correct, res.Total, tt.wantScore, tt.wantPassed)
			}
		})
	}
}

func TestGradeEmptyAttempt(t *testing.T) {
	res, err := quiz.Grade(lookup(nil), nil, nil, 80)
	if err != nil {
		t.Fatal(err)
	}
	if res.ScorePercent != 0 || res.Passed || res.Total != 0 || res.Questions == nil {
		t.Errorf("empty attempt: %+v", res)
	}
}

func TestGradeInternalErrors(t *testing.T) {
	pool := []quiz.Question{single("s", "", "a", "a", "b"), truefalse("t", "", false)}
	noKey := pool[0]
	noKey.Options = []quiz.Option{{ID: "a"}, {ID: "b"}}
	tests := []struct {
		name    string
		lookup  func(string) (quiz.Question, bool)
		drawn   []quiz.Drawn
		pass    int
		invalid bool
	}{
		{name: "pass mark 0", lookup: lookup(pool), drawn: presented(pool), pass: 0},
		{name: "pass mark 101", lookup: lookup(pool), drawn: presented(pool), pass: 101},
		{name: "question gone from the course", lookup: lookup(pool[1:]), drawn: presented(pool), pass: 80},
		{name: "question without key", lookup: lookup([]quiz.Question{noKey, pool[1]}), drawn: presented(pool), pass: 80},
		{name: "attempt lists a question twice", lookup: lookup(pool), drawn: presented([]quiz.Question{pool[0], pool[0]}), pass: 80},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := quiz.Grade(tt.lookup, tt.drawn, quiz.Answers{"s": {"a"}}, tt.pass)
			if err == nil || errs.KindOf(err) != errs.Internal {
				t.Errorf("error = %v, want an internal error", err)
			}
		})
	}
}

func TestGradeDoesNotMutate(t *testing.T) {
	rng := seeded(7)
	pool := randomPool(rng, 3, 5)
	drawn, err := quiz.Draw(pool, quiz.DrawSpec{N: 10, MinPerModule: 2}, rng)
	if err != nil {
		t.Fatal(err)
	}
	a := randomAnswers(rng, drawn)
	// Reverse each chosen list so presented-order output differs from the input.
	for _, c := range a {
		for i, j := 0, len(c)-1; i < j; i, j = i+1, j-1 {
			c[i], c[j] = c[j], c[i]
		}
	}
	poolBefore, drawnBefore, aBefore := clone(t, pool), clone(t, drawn), clone(t, a)
	res, err := quiz.Grade(lookup(pool), drawn, a, 80)
	if err != nil {
		t.Fatal(err)
	}
	// Writing into the result must not reach the inputs either.
	for _, qr := range res.Questions {
		for i := range qr.Chosen {
			qr.Chosen[i] = "x"
		}
		for i := range qr.CorrectOptions {
			qr.CorrectOptions[i] = "x"
		}
	}
	if !reflect.DeepEqual(pool, poolBefore) || !reflect.DeepEqual(drawn, drawnBefore) || !reflect.DeepEqual(a, aBefore) {
		t.Error("Grade changed its inputs")
	}
}

// clone deep-copies v, so a later change to v shows up in a comparison.
func clone[T any](t *testing.T, v T) T {
	t.Helper()
	return deepCopy(reflect.ValueOf(v)).Interface().(T)
}

func deepCopy(v reflect.Value) reflect.Value {
	switch v.Kind() {
	case reflect.Slice:
		if v.IsNil() {
			return v
		}
		c := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
		for i := range v.Len() {
			c.Index(i).Set(deepCopy(v.Index(i)))
		}
		return c
	case reflect.Map:
		if v.IsNil() {
			return v
		}
		c := reflect.MakeMapWithSize(v.Type(), v.Len())
		for it := v.MapRange(); it.Next(); {
			c.SetMapIndex(it.Key(), deepCopy(it.Value()))
		}
		return c
	case reflect.Struct:
		c := reflect.New(v.Type()).Elem()
		for i := range v.NumField() {
			c.Field(i).Set(deepCopy(v.Field(i)))
		}
		return c
	}
	return v
}
