package web

import (
	"html/template"
	"strings"
	"testing"

	"kipass/internal/store"
	"kipass/quiz"
)

func TestRenderQuizFormEscapes(t *testing.T) {
	v, err := loadViews()
	if err != nil {
		t.Fatal(err)
	}
	q := &quizView{AttemptID: `x"><script>`, Remaining: 90, Questions: []apiQuestion{
		{ID: "q1", Type: quiz.Multiple, Text: `<script>alert(1)</script> & "quotes"`, Options: []apiOption{{ID: `a" onclick="x`, Text: "<b>bold</b>"}, {ID: "b", Text: "ok"}}},
		{ID: "q2", Type: quiz.TrueFalse, Text: "Richtig?", Options: []apiOption{{ID: "true", Text: "Richtig"}, {ID: "false", Text: "Falsch"}}},
	}}
	html := string(v.renderQuizForm("de", q, `tok"en`))
	for _, bad := range []string{"<script", "<b>", `" onclick="`, `tok"en`} {
		if strings.Contains(html, bad) {
			t.Errorf("unescaped %q in\n%s", bad, html)
		}
	}
	for _, want := range []string{`type="checkbox" name="q-q1"`, `type="radio" name="q-q2" value="true"`, `data-deadline="90"`,
		"Frage 1 von 2.", "Wählen Sie alle richtigen Antworten.", "&lt;script&gt;"} {
		if !strings.Contains(html, want) {
			t.Errorf("missing %q in\n%s", want, html)
		}
	}
	// The output must parse as the same HTML html/template would accept.
	if _, err := template.New("x").Parse(html); err != nil {
		t.Fatal(err)
	}
}

// The pre-rendered shell must produce exactly what the full layout
// template produces.
func TestShellMatchesLayout(t *testing.T) {
	v, err := loadViews()
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{"de", "en"} {
		for _, user := range []*store.User{nil, {Name: "Erika", Role: store.RoleEmployee}, {Name: "Hanna", Role: store.RoleHR}, {Name: "Ada", Role: store.RoleAdmin}} {
			i := shellIndex(user)
			pd := pageData{Lang: lang, OtherLang: "xx", Title: `Titel <&> "q"`, CSRF: "tok-en_1", LangURL: "/setup?lang=en&token=a%2Fb", User: user}
			var full, shelled strings.Builder
			tpl := v.pages[lang]["home"]
			pd.Data = homeView{}
			if err := tpl.ExecuteTemplate(&full, "layout", pd); err != nil {
				t.Fatal(err)
			}
			sh := v.shells[lang][i]
			sh.writeHead(&shelled, pd.Title, pd.CSRF, pd.LangURL)
			if err := tpl.ExecuteTemplate(&shelled, "content", pd); err != nil {
				t.Fatal(err)
			}
			shelled.Write(sh.foot)
			if strings.ReplaceAll(full.String(), `lang="xx" hreflang="xx"`, "") != strings.ReplaceAll(shelled.String(), `lang="`+map[string]string{"de": "en", "en": "de"}[lang]+`" hreflang="`+map[string]string{"de": "en", "en": "de"}[lang]+`"`, "") {
				t.Fatalf("%s/%d: shell differs from layout:\n%s\n---\n%s", lang, i, full.String(), shelled.String())
			}
		}
	}
}

func TestSwitchLangURLKeepsQuery(t *testing.T) {
	for in, want := range map[string]string{
		"/setup?token=abc":          "/setup?lang=en&token=abc",
		"/login?next=%2Fme&lang=de": "/login?lang=en&next=%2Fme",
		"/courses/x":                "/courses/x?lang=en",
		`/"><script>?a=<b>`:         `/%22%3E%3Cscript%3E?a=%3Cb%3E&lang=en`,
		"//evil.example/path?x=1":   "/evil.example/path?lang=en&x=1",
		`/\evil.example/`:           "/evil.example/?lang=en",
	} {
		if got := switchLangURL(in, "en"); got != want {
			t.Errorf("%q: got %q, want %q", in, got, want)
		}
	}
}
