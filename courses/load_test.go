package courses

import (
	"errors"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
)

// readTree returns the files under dir as a MapFS.
func readTree(t testing.TB, dir string) fstest.MapFS {
	t.Helper()
	m := fstest.MapFS{}
	err := filepath.WalkDir(dir, func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(name)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, name)
		m[filepath.ToSlash(rel)] = &fstest.MapFile{Data: b}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// validFS returns the valid fixture with the given files replaced or added.
func validFS(t testing.TB, files map[string]string) fstest.MapFS {
	m := readTree(t, "testdata/valid")
	for name, data := range files {
		m[name] = &fstest.MapFile{Data: []byte(data)}
	}
	return m
}

func TestLoadValid(t *testing.T) {
	cat, err := Load(os.DirFS("testdata/valid"))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if len(cat.Courses) != 1 {
		t.Fatalf("got %d courses, want 1 (README.md is not a course)", len(cat.Courses))
	}
	c, ok := cat.Course("testkurs")
	if !ok || c != cat.Courses[0] {
		t.Fatal(`Course("testkurs") not found`)
	}
	if _, ok := cat.Course("nope"); ok {
		t.Error(`Course("nope") found`)
	}
	if c.Title["en"] != "Safe at the office" || c.CertificateTitle["de"] != "Zertifikat: Sicher im Büro" ||
		c.PassPercent != 80 || c.QuizQuestions != 2 || c.ValidityMonths != 12 ||
		c.Exam != (Exam{Questions: 4, MinPerModule: 1, PassPercent: 75, Minutes: 10}) ||
		strings.Join(c.Languages, ",") != "de,en" {
		t.Errorf("course fields: %+v", c)
	}
	if !strings.HasPrefix(c.Version, "sha256:") || len(c.Version) != len("sha256:")+64 {
		t.Errorf("Version = %q", c.Version)
	}
	if len(c.Modules) != 2 || c.Modules[0].ID != "passwoerter" || c.Modules[1].Index != 1 {
		t.Fatalf("modules: %+v", c.Modules)
	}
	m, ok := c.Module("passwoerter")
	if !ok || m != c.Modules[0] {
		t.Fatal(`Module("passwoerter") not found`)
	}
	if m.Title["de"] != "Gute Passwörter" || m.Minutes["en"] != 2 || len(m.Objectives["de"]) != 2 || len(m.Summary["en"]) != 2 {
		t.Errorf("module fields: %+v", m)
	}
	if !strings.Contains(string(m.HTML["de"]), "<table>") || !strings.Contains(string(m.HTML["en"]), `<h2 id="length-before-complexity">`) {
		t.Errorf("HTML[de] = %s", m.HTML["de"])
	}
	wantTOC := []Heading{{"laenge-vor-komplexitaet", "Länge vor Komplexität", 2}, {"beispiele", "Beispiele", 3}, {"ein-passwort-pro-konto", "Ein Passwort pro Konto", 2}}
	if got := m.TOC["de"]; len(got) != len(wantTOC) || got[0] != wantTOC[0] || got[1] != wantTOC[1] || got[2] != wantTOC[2] {
		t.Errorf("TOC[de] = %+v, want %+v", got, wantTOC)
	}
	qs := c.Questions()
	if len(qs) != 6 || qs[0].ID != "pw-01" || qs[0].Module != "passwoerter" || qs[5].Module != "ki-werkzeuge" {
		t.Errorf("Questions() = %+v", qs)
	}
	q, ok := c.Question("kw-02")
	if !ok || q.Module != "ki-werkzeuge" || q.Type != "truefalse" || !q.Options[1].Correct || q.Options[0].Correct {
		t.Errorf(`Question("kw-02") = %+v, %v`, q, ok)
	}
	if m.Questions[2].Explanation["en"] == "" || m.Questions[0].Options[0].Text["de"] != "tisch wolke apfel radio" {
		t.Errorf("question fields: %+v", m.Questions)
	}
	qs[0].ID = "changed"
	if c.Questions()[0].ID != "pw-01" {
		t.Error("Questions() shares its slice with the catalogue")
	}
}

// TestBrokenFixtures lays each testdata/broken/<case>/ over the valid fixture
// and expects Load to refuse it with the given problems.
func TestBrokenFixtures(t *testing.T) {
	const q = "testkurs/ki-werkzeuge/questions.yaml"
	for _, tc := range []struct {
		name string
		want []string
	}{
		{"bad-yaml", []string{"testkurs/course.yaml:5: invalid YAML: did not find expected ',' or ']'"}},
		{"unknown-key", []string{q + `:8: question "kw-01": unknown key "corect" (known: id, text, correct)`}},
		{"duplicate-ids", []string{
			q + `:2: question "pw-01": duplicate question id (first at testkurs/passwoerter/questions.yaml:2)`,
			q + `:8: question "pw-01": duplicate option id "a" (first on line 6)`,
		}},
		{"answer-keys", []string{
			q + `:5: question "kw-01": a single question needs exactly one correct option, it has 2`,
			q + `:12: question "kw-02": a truefalse question has exactly the options true and false, not ja, nein`,
			q + `:19: question "kw-03": a multiple question needs at least one wrong option`,
			q + `:26: question "kw-04": a multiple question needs at least one correct option`,
			q + `:31: question "kw-05": unknown question type "essay"`,
		}},
		{"missing-language", []string{
			q + `:5: question "kw-01": text: missing en`,
			q + `:8: question "kw-01": option "b": text: en is empty`,
			q + `:10: question "kw-02": missing explanation`,
		}},
		{"new-language", []string{
			"testkurs/passwoerter/fr.md: missing: the course's languages include fr",
			"testkurs/ki-werkzeuge/fr.md: missing",
			`testkurs/passwoerter/questions.yaml:16: question "pw-01": explanation: missing fr`,
		}},
		{"module-folders", []string{
			"testkurs/course.yaml:10: module geist is listed but the folder testkurs/geist/ does not exist",
			"testkurs/course.yaml:8: folder testkurs/ki-werkzeuge/ is not listed in modules",
		}},
		{"reserved-id", []string{
			"testkurs/course.yaml:11: modules: next is reserved for the course's own pages (/courses/COURSE/next); rename the module",
		}},
		{"front-matter", []string{
			`testkurs/passwoerter/de.md:2: id "passwort" does not match the folder name "passwoerter"`,
			"testkurs/passwoerter/de.md:4: minutes must be at least 1, is 0",
			"testkurs/passwoerter/de.md:5: objectives is empty",
			"testkurs/passwoerter/en.md:1: no front matter",
		}},
		{"headings", []string{
			"testkurs/passwoerter/de.md:8: h1 (#) in the body",
			"testkurs/passwoerter/de.md:14: heading level skips from h2 to h4: use ### here",
			"testkurs/passwoerter/en.md:8: empty body",
		}},
		{"pool-sizes", []string{
			"testkurs/course.yaml:8: exam questions (7) exceed the 6 questions of all module pools",
			"testkurs/course.yaml:9: exam min_per_module (4) times 2 modules is 8, more than exam questions (7)",
			"testkurs/passwoerter/questions.yaml:1: the pool has 3 questions, fewer than quiz_questions (4)",
			"testkurs/passwoerter/questions.yaml:1: the pool has 3 questions, fewer than exam min_per_module (4)",
		}},
		{"bad-numbers", []string{
			`testkurs/course.yaml:1: id "kurs" does not match the folder name "testkurs"`,
			"testkurs/course.yaml:4: pass_percent must be between 1 and 100, is 120",
			`testkurs/course.yaml:5: quiz_questions must be a whole number, found "zwei"`,
			"testkurs/course.yaml:6: validity_months must be at least 1, is 0",
			`testkurs/course.yaml:7: exam: unknown key "bonus"`,
			"testkurs/course.yaml:7: exam: pass_percent must be between 1 and 100, is 0",
		}},
		{"questions-key", []string{q + `:1: unknown key "fragen" (known: questions)`, q + ":1: missing questions"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fsys := readTree(t, "testdata/valid")
			for name, f := range readTree(t, path.Join("testdata/broken", tc.name)) {
				fsys[name] = f
			}
			cat, err := Load(fsys)
			if cat != nil || err == nil {
				t.Fatal("Load accepted broken content")
			}
			var problems Problems
			if !errors.As(err, &problems) || len(problems) != len(Check(fsys)) {
				t.Fatalf("Load's error %T does not hold Check's problems", err)
			}
			for _, want := range tc.want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("missing %q in\n%s", want, err)
				}
			}
		})
	}
}

func TestCheck(t *testing.T) {
	for _, tc := range []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"course folder at the root", map[string]string{"course.yaml": "id: x\n"},
			"course.yaml: course.yaml at the top: pass the folder that holds the course folders"},
		{"no course", map[string]string{"README.md": "hi\n"}, ".: no course found"},
		{"alias", map[string]string{"testkurs/course.yaml": "id: &a testkurs\ntitle: *a\n"},
			"testkurs/course.yaml:2: YAML aliases (*a) are not supported"},
		{"repeated key", map[string]string{"testkurs/passwoerter/questions.yaml": "questions: []\nquestions: []\n"},
			`testkurs/passwoerter/questions.yaml:2: key "questions" repeated (first on line 1)`},
		{"text without languages", map[string]string{"testkurs/passwoerter/questions.yaml": "questions:\n  - id: x\n    type: single\n    text: Frage\n"},
			`testkurs/passwoerter/questions.yaml:4: question "x": text needs one text per language (de, en), found "Frage"`},
		{"question not a mapping", map[string]string{"testkurs/passwoerter/questions.yaml": "questions:\n  - pw-01\n"},
			`testkurs/passwoerter/questions.yaml:2: expected a mapping (key: value), found "pw-01"`},
		{"bad option id", map[string]string{"testkurs/passwoerter/questions.yaml": "questions:\n  - id: x\n    options:\n      - id: A b\n"},
			`testkurs/passwoerter/questions.yaml:4: question "x": id "A b": use lower-case letters, digits, - and _`},
		{"front matter syntax", map[string]string{"testkurs/passwoerter/en.md": "---\nid: passwoerter\ntitle: [\n---\nText\n"},
			"testkurs/passwoerter/en.md:4: invalid YAML"},
		{"unknown front matter key", map[string]string{"testkurs/passwoerter/en.md": "---\nid: passwoerter\ntitle: T\nminutes: 1\nobjectives: [o]\nauthor: me\n---\nText\n"},
			`testkurs/passwoerter/en.md:6: unknown key "author"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fsys := fstest.MapFS{}
			if tc.name != "course folder at the root" && tc.name != "no course" {
				fsys = validFS(t, nil)
			}
			for name, data := range tc.files {
				fsys[name] = &fstest.MapFile{Data: []byte(data)}
			}
			got := Problems(Check(fsys)).Error()
			if !strings.Contains(got, tc.want) {
				t.Errorf("missing %q in\n%s", tc.want, got)
			}
		})
	}
}

func TestProblemString(t *testing.T) {
	for _, tc := range []struct {
		p    Problem
		want string
	}{
		{Problem{File: "k/m/questions.yaml", Line: 42, Message: "bad"}, "k/m/questions.yaml:42: bad"},
		{Problem{File: "k/m/de.md", Message: "missing"}, "k/m/de.md: missing"},
		{Problem{File: "k/course.yaml", Line: 3, Message: "skewed", Rule: "answer-position-skew"}, "k/course.yaml:3: answer-position-skew: skewed"},
	} {
		if got := tc.p.String(); got != tc.want {
			t.Errorf("String() = %q, want %q", got, tc.want)
		}
	}
}

func TestVersion(t *testing.T) {
	version := func(fsys fs.FS) string {
		t.Helper()
		cat, err := Load(fsys)
		if err != nil {
			t.Fatal(err)
		}
		return cat.Courses[0].Version
	}
	base := version(validFS(t, nil))
	if again := version(validFS(t, nil)); again != base {
		t.Errorf("Version not deterministic: %s then %s", base, again)
	}
	if other := version(validFS(t, map[string]string{"testkurs/notes.txt": "x"})); other == base {
		t.Error("adding a file did not change the Version")
	}
	fsys := validFS(t, nil)
	fsys["testkurs/passwoerter/de.md"].Data = append(fsys["testkurs/passwoerter/de.md"].Data, ' ')
	if other := version(fsys); other == base {
		t.Error("changing a file did not change the Version")
	}
	if other := version(validFS(t, map[string]string{"README.md": "other"})); other != base {
		t.Error("a file outside the course folder changed the Version")
	}
}

// TestRealContent loads the embedded course. Its module folders are written
// step by step; until all of them are complete the test skips and says what
// is missing.
func TestRealContent(t *testing.T) {
	fsys := os.DirFS("../content")
	var missing []string
	for _, course := range []string{"ki-am-arbeitsplatz"} {
		// The module list comes from course.yaml, read with the package's own parser.
		l := &loader{fsys: fsys, files: map[string][]byte{}}
		src, err := fs.ReadFile(fsys, course+"/course.yaml")
		if err != nil {
			t.Fatal(err)
		}
		root := l.yamlDoc(course+"/course.yaml", src, 0)
		if root == nil {
			t.Fatal(Problems(l.problems))
		}
		o := l.obj(course+"/course.yaml", "", root, "id", "title", "description", "certificate_title", "languages",
			"pass_percent", "quiz_questions", "validity_months", "exam", "modules")
		for _, m := range o.strs("modules", true) {
			for _, f := range []string{"de.md", "en.md", "questions.yaml"} {
				if _, err := fs.Stat(fsys, path.Join(course, m, f)); err != nil {
					missing = append(missing, path.Join(course, m, f))
				}
			}
		}
	}
	if len(missing) > 0 {
		t.Skipf("content not complete yet, missing %d files: %s", len(missing), strings.Join(missing, ", "))
	}
	cat, err := Load(fsys)
	if err != nil {
		t.Fatalf("the embedded content has problems:\n%v", err)
	}
	c, ok := cat.Course("ki-am-arbeitsplatz")
	if !ok || len(c.Modules) != 8 {
		t.Fatalf("course ki-am-arbeitsplatz with 8 modules not found")
	}
	for _, m := range c.Modules {
		if len(m.Questions) < 10 {
			t.Errorf("module %s has %d questions, the format asks for at least 10", m.ID, len(m.Questions))
		}
	}
}

func BenchmarkLoad(b *testing.B) {
	for _, bc := range []struct{ name, dir string }{{"fixture", "testdata/valid"}, {"embedded", "../content"}} {
		b.Run(bc.name, func(b *testing.B) {
			fsys := readTree(b, bc.dir)
			if _, err := Load(fsys); err != nil {
				b.Skipf("content does not load: %v", err)
			}
			for b.Loop() {
				_, _ = Load(fsys)
			}
		})
	}
}

// FuzzLoadQuestions feeds arbitrary bytes as a questions.yaml and an
// exam.yaml: Check, and Lint and Stats on what loads, must never panic.
func FuzzLoadQuestions(f *testing.F) {
	fsys := readTree(f, "testdata/valid")
	for _, name := range []string{"passwoerter", "ki-werkzeuge"} {
		f.Add(fsys["testkurs/"+name+"/questions.yaml"].Data)
	}
	for _, seed := range []string{"", "questions:", "questions: [1, [2], {a: b}]", "a: &x [*x]", "questions:\n  - id: &a x\n    type: *a\n", "\t- :"} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m := fstest.MapFS{}
		for name, file := range fsys {
			m[name] = file
		}
		m["testkurs/passwoerter/questions.yaml"] = &fstest.MapFile{Data: data}
		m["testkurs/passwoerter/exam.yaml"] = &fstest.MapFile{Data: data}
		_ = Check(m)
		// What loads is also linted and measured without a panic.
		if cat, err := Load(m); err == nil {
			_ = Lint(cat)
			_ = Stats(cat.Courses[0])
		}
	})
}

// TestReadmeExample checks that the questions.yaml example in content/README.md
// passes Check.
func TestReadmeExample(t *testing.T) {
	readme, err := os.ReadFile("../content/README.md")
	if err != nil {
		t.Skip("content/README.md not found")
	}
	_, rest, ok := strings.Cut(string(readme), "```yaml\nquestions:\n")
	example, _, _ := strings.Cut(rest, "```")
	if !ok {
		t.Fatal("no questions.yaml example in content/README.md")
	}
	fsys := validFS(t, map[string]string{"testkurs/passwoerter/questions.yaml": "questions:\n" + example})
	if problems := Check(fsys); len(problems) > 0 {
		t.Fatalf("the README example has problems:\n%v", Problems(problems))
	}
	// The example teaches the item-writing rules that concern one question.
	cat, err := Load(fsys)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range Lint(cat) {
		if p.File == "testkurs/passwoerter/questions.yaml" && (p.Rule == RuleExplanationRefersToOption || p.Rule == RuleObjectiveMissing) {
			t.Errorf("the README example breaks a lint: %s", p)
		}
	}
}
