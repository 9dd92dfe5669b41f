package quiz_test

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"kipass/internal/errs"
	"kipass/quiz"
)

func TestParseAnswers(t *testing.T) {
	long := strings.Repeat("x", quiz.MaxIDLen)
	many := func(n int, value string) string {
		var b strings.Builder
		b.WriteString("{")
		for i := range n {
			if i > 0 {
				b.WriteString(",")
			}
			fmt.Fprintf(&b, "%q:%s", fmt.Sprintf("q%d", i), value)
		}
		b.WriteString("}")
		return b.String()
	}
	options := func(n int) string {
		ids := make([]string, n)
		for i := range ids {
			ids[i] = fmt.Sprintf("%q", fmt.Sprintf("o%d", i))
		}
		return "[" + strings.Join(ids, ",") + "]"
	}
	tests := []struct {
		name      string
		in        string
		want      quiz.Answers
		wantField string // non-empty: an Invalid error naming this field
	}{
		{name: "lists", in: `{"q1":["a","b"],"q2":["c"]}`, want: quiz.Answers{"q1": {"a", "b"}, "q2": {"c"}}},
		{name: "single string", in: `{"q1":"a"}`, want: quiz.Answers{"q1": {"a"}}},
		{name: "empty list", in: `{"q1":[]}`, want: quiz.Answers{"q1": {}}},
		{name: "empty object", in: `{}`, want: quiz.Answers{}},
		{name: "whitespace", in: " \n{ \"q1\" : [ \"a\" ] }\n ", want: quiz.Answers{"q1": {"a"}}},
		{name: "escapes", in: `{"q\u0031":["\u0061"]}`, want: quiz.Answers{"q1": {"a"}}},
		{name: "longest ids", in: fmt.Sprintf(`{%q:[%q]}`, long, long), want: quiz.Answers{long: {long}}},
		{name: "most questions", in: many(quiz.MaxAnswered, `"a"`), want: func() quiz.Answers {
			a := quiz.Answers{}
			for i := range quiz.MaxAnswered {
				a[fmt.Sprintf("q%d", i)] = []string{"a"}
			}
			return a
		}()},
		{name: "most options", in: `{"q":` + options(quiz.MaxChosen) + `}`, want: func() quiz.Answers {
			a := quiz.Answers{"q": {}}
			for i := range quiz.MaxChosen {
				a["q"] = append(a["q"], fmt.Sprintf("o%d", i))
			}
			return a
		}()},
		// Duplicate options pass parsing; Validate rejects them against the attempt.
		{name: "duplicate option", in: `{"q":["a","a"]}`, want: quiz.Answers{"q": {"a", "a"}}},

		{name: "empty body", in: ``, wantField: "answers"},
		{name: "only whitespace", in: "  ", wantField: "answers"},
		{name: "null", in: `null`, wantField: "answers"},
		{name: "array", in: `[["a"]]`, wantField: "answers"},
		{name: "string", in: `"a"`, wantField: "answers"},
		{name: "number", in: `1`, wantField: "answers"},
		{name: "truncated", in: `{"q1":["a"`, wantField: "answers"},
		{name: "syntax error", in: `{"q1" ["a"]}`, wantField: "answers"},
		{name: "trailing object", in: `{} {}`, wantField: "answers"},
		{name: "trailing garbage", in: `{}x`, wantField: "answers"},
		{name: "wrapped in the request", in: `{"answers":{"q1":["a"]}}`, wantField: "answers.answers"},
		{name: "null value", in: `{"q1":null}`, wantField: "answers.q1"},
		{name: "number value", in: `{"q1":1}`, wantField: "answers.q1"},
		{name: "bool value", in: `{"q1":true}`, wantField: "answers.q1"},
		{name: "object value", in: `{"q1":{"a":true}}`, wantField: "answers.q1"},
		{name: "number option", in: `{"q1":["a",2]}`, wantField: "answers.q1"},
		{name: "null option", in: `{"q1":[null]}`, wantField: "answers.q1"},
		{name: "nested list", in: `{"q1":[["a"]]}`, wantField: "answers.q1"},
		{name: "empty question id", in: `{"":["a"]}`, wantField: "answers"},
		{name: "long question id", in: fmt.Sprintf(`{%q:["a"]}`, long+"x"), wantField: "answers"},
		{name: "empty option id", in: `{"q1":[""]}`, wantField: "answers.q1"},
		{name: "empty option string", in: `{"q1":""}`, wantField: "answers.q1"},
		{name: "long option id", in: fmt.Sprintf(`{"q1":[%q]}`, long+"x"), wantField: "answers.q1"},
		{name: "long option string", in: fmt.Sprintf(`{"q1":%q}`, long+"x"), wantField: "answers.q1"},
		{name: "question answered twice", in: `{"q1":["a"],"q1":["b"]}`, wantField: "answers.q1"},
		{name: "too many questions", in: many(quiz.MaxAnswered+1, `"a"`), wantField: "answers"},
		{name: "too many options", in: `{"q":` + options(quiz.MaxChosen+1) + `}`, wantField: "answers.q"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := quiz.ParseAnswers([]byte(tt.in))
			if tt.wantField != "" {
				e := errs.As(err)
				if e == nil || e.Kind != errs.Invalid || e.Code != "invalid_answers" || e.Fields[tt.wantField] == "" {
					t.Fatalf("ParseAnswers = %v, %v; want Invalid naming %s", got, err, tt.wantField)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseAnswers: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	drawn := []quiz.Drawn{
		{QuestionID: "s", Type: quiz.Single, OptionIDs: []string{"c", "a", "b"}},
		{QuestionID: "m", Type: quiz.Multiple, OptionIDs: []string{"b", "a"}},
		{QuestionID: "t", Type: quiz.TrueFalse, OptionIDs: []string{"true", "false"}},
	}
	tests := []struct {
		name       string
		answers    quiz.Answers
		wantFields []string
	}{
		{name: "nothing answered", answers: nil},
		{name: "some answered", answers: quiz.Answers{"s": {"a"}, "m": {}}},
		{name: "all answered", answers: quiz.Answers{"s": {"c"}, "m": {"a", "b"}, "t": {"false"}}},
		{name: "unknown question", answers: quiz.Answers{"x": {"a"}}, wantFields: []string{"answers.x"}},
		{name: "unknown option", answers: quiz.Answers{"m": {"c"}}, wantFields: []string{"answers.m"}},
		{name: "duplicate option", answers: quiz.Answers{"m": {"b", "b"}}, wantFields: []string{"answers.m"}},
		{name: "two options for single", answers: quiz.Answers{"s": {"a", "b"}}, wantFields: []string{"answers.s"}},
		{name: "two options for truefalse", answers: quiz.Answers{"t": {"false", "true"}}, wantFields: []string{"answers.t"}},
		{name: "all problems at once", answers: quiz.Answers{"s": {"a", "a"}, "m": {"a", "z"}, "t": {"yes"}, "y": {}},
			wantFields: []string{"answers.m", "answers.s", "answers.t", "answers.y"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := quiz.Validate(drawn, tt.answers)
			if tt.wantFields == nil {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			e := errs.As(err)
			if e == nil || e.Kind != errs.Invalid {
				t.Fatalf("Validate = %v, want Invalid", err)
			}
			var got []string
			for f, why := range e.Fields {
				if why == "" {
					t.Errorf("field %s without a reason", f)
				}
				got = append(got, f)
			}
			slices.Sort(got)
			if !reflect.DeepEqual(got, tt.wantFields) {
				t.Errorf("fields %v, want %v", e.Fields, tt.wantFields)
			}
		})
	}
}

func TestValidateWithoutType(t *testing.T) {
	// An attempt without types (stored by an older version) still catches
	// unknown options; Grade then marks two options for a single question wrong.
	pool := []quiz.Question{single("s", "", "a", "a", "b")}
	drawn := []quiz.Drawn{{QuestionID: "s", OptionIDs: []string{"a", "b"}}}
	if err := quiz.Validate(drawn, quiz.Answers{"s": {"x"}}); errs.KindOf(err) != errs.Invalid {
		t.Errorf("unknown option: %v", err)
	}
	res, err := quiz.Grade(lookup(pool), drawn, quiz.Answers{"s": {"a", "b"}}, 80)
	if err != nil || res.Correct != 0 {
		t.Errorf("two options for single: %+v, %v", res, err)
	}
}
