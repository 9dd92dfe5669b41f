package web

import (
	"html/template"
	"io"
	"strconv"
	"strings"
	"testing"

	"kipass/quiz"
)

func prerenderOf(t *testing.T, src string) (prerendered, *template.Template, error) {
	t.Helper()
	tpl := template.Must(template.New("x").Parse(src))
	p, err := prerender(func(w io.Writer, v []string) error {
		return tpl.Execute(w, map[string]string{"A": v[0], "B": v[1]})
	}, 2)
	return p, tpl, err
}

// Filling the holes writes exactly what html/template writes, for values
// with every special character, in text, quoted attributes and URLs.
func TestPrerenderEqualsTemplate(t *testing.T) {
	p, tpl, err := prerenderOf(t, `<title>{{.A}}</title><p title="{{.A}}">{{.B}}</p><a href="{{.B}}">x</a><input value='{{.A}}'>`)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range [][2]string{{`<b>"Tom" & 'Jerry' + 1</b>`, "/x?a=1&b=%2F+c"}, {"\x00ä€", "/"}, {"", ""}} {
		var want, got strings.Builder
		tpl.Execute(&want, map[string]string{"A": v[0], "B": v[1]})
		if !p.fill(&got, []string{v[0], v[1]}) {
			t.Fatalf("fill refused %q", v)
		}
		if got.String() != want.String() {
			t.Fatalf("fill:\n%s\ntemplate:\n%s", got.String(), want.String())
		}
	}
	// A URL hole takes only what the URL normaliser leaves alone.
	var b strings.Builder
	if p.fill(&b, []string{"ok", `/x"><script>`}) || b.Len() != 0 {
		t.Fatal("an unsafe URL was filled in")
	}
}

// A hole where html/template escapes otherwise is an error at start-up.
func TestPrerenderRejectsOtherContexts(t *testing.T) {
	for _, src := range []string{
		`<script>var a = {{.A}};</script>{{.B}}`,
		`<p title={{.A}}>{{.B}}</p>`,
		`<style>p { color: {{.A}} }</style>{{.B}}`,
		`<a onclick="f({{.A}})">{{.B}}</a>`,
	} {
		if _, _, err := prerenderOf(t, src); err == nil {
			t.Errorf("accepted %s", src)
		}
	}
}

// The cached quiz form is what executing the template gives, for every
// CSRF token and time left.
func TestQuizFormPrerenderedEqualsTemplate(t *testing.T) {
	v, err := loadViews()
	if err != nil {
		t.Fatal(err)
	}
	q := &quizView{AttemptID: "AAAAAAAAAAAAAAAAAAAAAA", Remaining: 90, Questions: []apiQuestion{
		{ID: "q1", Type: quiz.Multiple, Text: `A + B & "C" <d>`, Options: []apiOption{{ID: "a", Text: "x'y"}, {ID: "b", Text: "y"}}},
		{ID: "q2", Type: quiz.TrueFalse, Text: "Richtig?", Options: []apiOption{{ID: "true", Text: "Richtig"}, {ID: "false", Text: "Falsch"}}}}}
	for i, csrf := range []string{"tok1", `to"k+2`, "tok1"} {
		q.Remaining = 90 - i
		got := string(v.renderQuizForm("en", q, csrf))
		want := string(v.execQuizForm("en", quizFormData{AttemptID: q.AttemptID, Questions: q.Questions, Timed: true}, []string{csrf, strconv.Itoa(q.Remaining)}))
		if got != want {
			t.Fatalf("pre-rendered:\n%s\ntemplate:\n%s", got, want)
		}
	}
	if v.quizForms.Len() != 1 {
		t.Fatalf("%d forms cached for one attempt", v.quizForms.Len())
	}
}
