package web

import (
	"html"
	"io/fs"
	"regexp"
	"strings"
	"testing"
	"text/template"

	"kipass/internal/i18n"
)

// TestEveryMessageInEveryLanguage: the catalog checks itself when it
// loads (every key in every language, plural forms complete, see
// internal/i18n); here every literal key a template asks for must exist.
func TestEveryMessageInEveryLanguage(t *testing.T) {
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	literal := regexp.MustCompile(`\{\{-?\s*t\s+"([^"]+)"`)
	files, _ := fs.Glob(templateFS, "templates/*.html")
	for _, f := range files {
		b, _ := templateFS.ReadFile(f)
		for _, m := range literal.FindAllStringSubmatch(string(b), -1) {
			if !cat.Has(m[1]) {
				t.Errorf("%s asks for %q, which is no message", f, m[1])
			}
		}
	}
}

func TestPluralMessages(t *testing.T) {
	v, err := loadViews()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		lang, key string
		n         int
		want      string
	}{
		{"de", "admin.accounts_found", 1, "1 Konto"},
		{"de", "admin.accounts_found", 2, "2 Konten"},
		{"de", "admin.accounts_found", 0, "0 Konten"},
		{"en", "admin.accounts_found", 1, "1 account"},
		{"en", "admin.accounts_found", 2, "2 accounts"},
		{"de", "admin.import_failed", 1, "1 fehlerhafte Zeile:"},
		{"de", "admin.import_failed", 2, "2 fehlerhafte Zeilen:"},
		{"en", "admin.import_failed", 1, "1 bad row:"},
		{"de", "course.minutes", 1, "etwa 1 Minute"},
		{"de", "hr.hidden_groups", 1, "1 Abteilung wird"},
	} {
		tpl := template.Must(template.New("x").Funcs(template.FuncMap(v.funcs(tc.lang))).Parse(`{{t "` + tc.key + `" .}}`))
		var b strings.Builder
		if err := tpl.Execute(&b, tc.n); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(b.String(), tc.want) {
			t.Errorf("%s %s %d = %q, want %q…", tc.lang, tc.key, tc.n, b.String(), tc.want)
		}
	}
}

// englishWords are words that show an untranslated text on a German page.
var englishWords = regexp.MustCompile(`\b(the|and|with|your|you|Home|Download|Continue|Log in|Sign in|Password|Submit|Back|Settings|Next step|Certificate|Passed|Failed|minutes|Verify)\b`)

func TestNoEnglishOnGermanPages(t *testing.T) {
	a := newTestApp(t, nil)
	tok := a.apiUser("erika@example.com")
	id := passExam(t, a, tok)
	b := a.staffBrowserLogin("erika@example.com")
	anon := a.browser()
	co, _ := realCatalog(t).Course(courseID)
	pages := []struct {
		b    *browser
		path string
	}{
		{anon, "/"}, {anon, "/login"}, {anon, "/register"}, {anon, "/password/forgot"}, {anon, "/verify"},
		{anon, "/verify/" + id}, {anon, "/courses/" + courseID}, {anon, "/privacy"},
		{b, "/"}, {b, "/me"}, {b, "/courses/" + courseID}, {b, "/courses/" + courseID + "/exam"},
		{b, "/courses/" + courseID + "/" + co.Modules[0].ID},
	}
	for _, p := range pages {
		r := p.b.get(p.path + "?lang=de")
		if r.status != 200 {
			t.Errorf("%s: %d", p.path, r.status)
			continue
		}
		text := visibleText(r.body)
		// The language switch names the other language in it on purpose.
		text = strings.ReplaceAll(text, "Read in English", "")
		if m := englishWords.FindString(text); m != "" {
			i := strings.Index(text, m)
			t.Errorf("German %s shows the English %q: …%s…", p.path, m, text[max(0, i-60):min(len(text), i+60)])
		}
	}
}

func TestImportProblemsTranslated(t *testing.T) {
	a := newTestApp(t, nil)
	admin := a.staffBrowser("ada@example.com", "admin")
	csv := "email,name,department,role\nok@example.com,Okay,Sales,employee\nbroken,Bad,Sales,employee\nx@example.com,X,Sales,emperor\n"
	for lang, want := range map[string][]string{
		"de": {"2 fehlerhafte Zeilen", "Zeile 3:", "E-Mail-Adresse „broken“ ist ungültig", "Rolle „emperor“ ist keine von"},
		"en": {"2 bad rows", "email address \"broken\" is not valid", "role \"emperor\" is not employee"},
	} {
		var body strings.Builder
		ct := multipartWriter(&body, map[string]string{"_csrf": admin.csrf}, "file", "people.csv", []byte(csv))
		r := admin.send(req{method: "POST", path: "/admin/import?lang=" + lang, raw: body.String(), rawType: ct})
		text := html.UnescapeString(r.body)
		for _, w := range want {
			if !strings.Contains(text, w) {
				t.Errorf("%s: import page lacks %q", lang, w)
			}
		}
	}
}
