package courses

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"kipass/quiz"
)

// FuzzLoadCourse feeds arbitrary bytes as the course.yaml of the valid test
// course. Load must never panic; Load and Check must agree; every problem
// names a file; and a course that loads keeps every promise the web layer
// relies on: its numbers are in range and both a module quiz and the exam
// can be drawn from its pools.
func FuzzLoadCourse(f *testing.F) {
	fsys := readTree(f, "testdata/valid")
	const file = "testkurs/course.yaml"
	valid := string(fsys[file].Data)
	f.Add([]byte(valid))
	for _, seed := range []string{
		"",
		"id: testkurs",
		"id: other\n",
		"- a\n- b\n",
		"id: testkurs\nlanguages: [de, de]\n",
		"id: testkurs\nlanguages: [xx-YY]\ntitle: {xx-YY: T}\npass_percent: 80\nquiz_questions: 1\nvalidity_months: 1\n" +
			"exam: {questions: 2, min_per_module: 1, pass_percent: 1, minutes: 1}\nmodules: [passwoerter, ki-werkzeuge]\n",
		"a: &x [*x, *x]\n",
		"pass_percent: 1e400\nquiz_questions: -1\nvalidity_months: 0x7fffffffffffffff\n",
		"exam: {questions: 9223372036854775807, min_per_module: 9223372036854775807}\n",
		"modules: [passwoerter, passwoerter, ../x, {a: b}]\n",
		"title: !!binary aGVsbG8=\n",
		"\ufeffid: testkurs\n",
		"id: testkurs\n---\nid: second\n",
	} {
		f.Add([]byte(seed))
	}
	// Variations of the valid file, one key changed at a time.
	for _, r := range [][2]string{
		{"quiz_questions: 2", "quiz_questions: 99"},
		{"questions: 4", "questions: 1"},
		{"min_per_module: 1", "min_per_module: 3"},
		{"pass_percent: 80", "pass_percent: 101"},
		{"languages: [de, en]", "languages: [de]"},
		{"  - ki-werkzeuge\n", ""},
	} {
		f.Add([]byte(strings.Replace(valid, r[0], r[1], 1)))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m := fstest.MapFS{}
		for name, mf := range fsys {
			m[name] = mf
		}
		m[file] = &fstest.MapFile{Data: data}
		cat, err := Load(m)
		problems := Check(m)
		if (err == nil) != (len(problems) == 0) {
			t.Fatalf("Load error %v but Check found %d problems", err, len(problems))
		}
		for _, p := range problems {
			if p.File == "" || p.Line < 0 || p.Message == "" {
				t.Fatalf("problem without a place or message: %+v", p)
			}
		}
		if err != nil {
			return
		}
		c, ok := cat.Course("testkurs")
		if !ok || len(cat.Courses) != 1 {
			t.Fatalf("loaded catalogue without the course: %+v", cat.Courses)
		}
		checkLoadedCourse(t, c)
	})
}

func checkLoadedCourse(t *testing.T, c *Course) {
	t.Helper()
	if len(c.Languages) == 0 || c.PassPercent < 1 || c.PassPercent > 100 || c.Exam.PassPercent < 1 || c.Exam.PassPercent > 100 ||
		c.QuizQuestions < 1 || c.ValidityMonths < 1 || c.Exam.Questions < 1 || c.Exam.Minutes < 1 || c.Exam.MinPerModule < 0 {
		t.Fatalf("out-of-range settings: %+v", c)
	}
	ids := []string{}
	for _, mod := range c.Modules {
		ids = append(ids, mod.ID)
		for _, lang := range c.Languages {
			if mod.HTML[lang] == "" || mod.Title[lang] == "" {
				t.Fatalf("module %s has no %s text", mod.ID, lang)
			}
		}
	}
	slices.Sort(ids)
	if !slices.Equal(ids, []string{"ki-werkzeuge", "passwoerter"}) {
		t.Fatalf("modules %v", ids)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, mod := range c.Modules {
		if _, err := quiz.Draw(mod.Questions, quiz.DrawSpec{N: c.QuizQuestions}, rng); err != nil {
			t.Fatalf("module quiz of %s cannot be drawn: %v", mod.ID, err)
		}
	}
	if _, err := quiz.Draw(c.Questions(), quiz.DrawSpec{N: c.Exam.Questions, MinPerModule: c.Exam.MinPerModule}, rng); err != nil {
		t.Fatalf("exam cannot be drawn: %v", err)
	}
}
