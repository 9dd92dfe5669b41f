package courses

import (
	"math"
	"path"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"kipass/quiz"
)

// lintFS returns the clean lint fixture (testdata/lint/clean) with the
// overlays testdata/lint/<name>/ laid over it.
func lintFS(t testing.TB, overlays ...string) fstest.MapFS {
	t.Helper()
	fsys := readTree(t, "testdata/lint/clean")
	for _, o := range overlays {
		for name, f := range readTree(t, path.Join("testdata/lint", o)) {
			fsys[name] = f
		}
	}
	return fsys
}

// lint loads fsys, which must be free of format problems, and lints it.
func lint(t *testing.T, fsys fstest.MapFS) []Problem {
	t.Helper()
	cat, err := Load(fsys)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return Lint(cat)
}

func TestLintClean(t *testing.T) {
	if problems := lint(t, lintFS(t)); len(problems) > 0 {
		t.Errorf("the clean fixture has lint problems:\n%v", Problems(problems))
	}
}

// TestLintRules lays each testdata/lint/<rule>/ over the clean fixture and
// expects exactly the given problems, all of that rule.
func TestLintRules(t *testing.T) {
	const (
		ph = "lintkurs/phishing/questions.yaml"
		bk = "lintkurs/backups/questions.yaml"
	)
	for _, tc := range []struct {
		rule string
		want []string
	}{
		{RuleExplanationRefersToOption, []string{
			ph + `:19: explanation-refers-to-option: question "ph-01": the de explanation refers to an option by its id ("Richtig ist a")`,
			ph + `:59: explanation-refers-to-option: question "ph-03": the en explanation refers to an option by its id ("Options a and c")`,
			ph + `:111: explanation-refers-to-option: question "ph-06": the de explanation refers to an option by its id ("Antworten (b, c)")`,
		}},
		{RuleAnswerPositionSkew, []string{
			"lintkurs/course.yaml:15: answer-position-skew: option a is the correct one in 17 of 18 single-choice questions (94 %), more than 35 %",
			"lintkurs/course.yaml:15: answer-position-skew: the correct set {a,b} occurs in 8 of 10 multiple-choice questions (80 %), more than 35 %",
		}},
		{RuleLengthCue, []string{
			"lintkurs/course.yaml:15: length-cue: in 16 of 18 single-choice questions (89 %) the correct de option is the longest by more than 15 %, more than 35 %: ph-01, ph-02,",
		}},
		{RuleNearDuplicate, []string{
			bk + `:26: near-duplicate: question "bk-02": its en text shares 86 % of its words with question "ph-01" (lintkurs/phishing/questions.yaml:7), more than 60 %`,
			`lintkurs/phishing/de.md:14: near-duplicate: the example repeats question "ph-04" (lintkurs/phishing/questions.yaml:64): 100 % of its words`,
		}},
		{RuleSmallPool, []string{bk + ":1: small-pool: the module pool has 15 questions, fewer than 16"}},
		{RuleObjectiveMissing, []string{`lintkurs/phishing/exam.yaml:21: objective-missing: question "ph-e2" has no objective`}},
		{RuleGuessableExam, []string{
			`lintkurs/course.yaml:10: guessable-exam: a test-wise guesser reading de (longest option; in multiple choice all but the shortest; "false") passes the final exam with probability 55.5556 %, the limit is under 0.5000 %`,
			`lintkurs/course.yaml:10: guessable-exam: a test-wise guesser reading en`,
		}},
	} {
		t.Run(tc.rule, func(t *testing.T) {
			problems := lint(t, lintFS(t, tc.rule))
			got := Problems(problems).Error()
			if len(problems) != len(tc.want) {
				t.Errorf("got %d problems, want %d:\n%s", len(problems), len(tc.want), got)
			}
			for _, p := range problems {
				if p.Rule != tc.rule {
					t.Errorf("problem of rule %q, want only %q: %s", p.Rule, tc.rule, p)
				}
			}
			for _, want := range tc.want {
				if !strings.Contains(got, want) {
					t.Errorf("missing %q in\n%s", want, got)
				}
			}
		})
	}
}

func TestLintOptOut(t *testing.T) {
	// With a reason, the rule is off for the course and nothing else changes.
	if problems := lint(t, lintFS(t, "small-pool", "opt-out")); len(problems) > 0 {
		t.Errorf("small-pool allowed, still:\n%v", Problems(problems))
	}
	cat, _ := Load(lintFS(t, "opt-out"))
	if got := cat.Courses[0].Allow; len(got) != 1 || !strings.HasPrefix(got[RuleSmallPool], "a fixture") {
		t.Errorf("Allow = %v", got)
	}
	// Without a reason, or for an unknown rule, the course file is broken.
	got := Problems(Check(lintFS(t, "opt-out-without-reason"))).Error()
	for _, want := range []string{
		"lintkurs/course.yaml:17: lint: allow: rule small-pool needs a reason",
		`lintkurs/course.yaml:18: lint: allow: unknown rule "no-such-rule" (rules: explanation-refers-to-option, answer-position-skew,`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in\n%s", want, got)
		}
	}
}

// TestGuessFixture checks the guesser's exact pass probability on
// testdata/lint/guessable-exam, small enough to compute by hand. The exam
// draws 4 questions, 2 from each module's 3 exam questions, and passes at 75 %
// (3 of 4). The guesser gets right: phishing ph-e1 ("false" is the key) and
// ph-e2 (the key is the longest option), not ph-e3 (the key is the shortest);
// backups bk-e1 ("false"), not bk-e2 ("true"), and bk-e3 (the only wrong
// option is the shortest). Each module's pair of 3 is uniform: both right with
// 1/3, one right with 2/3. Passing needs 2+2, 2+1 or 1+2:
// 1/9 + 2/9 + 2/9 = 5/9.
func TestGuessFixture(t *testing.T) {
	cat, err := Load(lintFS(t, "guessable-exam"))
	if err != nil {
		t.Fatal(err)
	}
	st := Stats(cat.Courses[0])
	for _, lang := range []string{"de", "en"} {
		if got := st.Guess[lang]; math.Abs(got-5.0/9) > 1e-12 {
			t.Errorf("Guess[%s] = %v, want 5/9", lang, got)
		}
	}
	clean, _ := Load(lintFS(t))
	if got := Stats(clean.Courses[0]).Guess; got["de"] != 0 || got["en"] != 0 {
		t.Errorf("clean fixture: guesser passes with %v, want 0 (at most one right per module)", got)
	}
}

func TestGuess(t *testing.T) {
	opt := func(id, text string, correct bool) quiz.Option {
		return quiz.Option{ID: id, Text: quiz.Text{"de": text, "en": "same"}, Correct: correct}
	}
	for _, tc := range []struct {
		name string
		q    quiz.Question
		lang string
		want float64
	}{
		{"single, key longest", quiz.Question{Type: quiz.Single, Options: []quiz.Option{opt("a", "kurz", false), opt("b", "viel länger", true)}}, "de", 1},
		{"single, key not longest", quiz.Question{Type: quiz.Single, Options: []quiz.Option{opt("a", "viel länger", false), opt("b", "kurz", true)}}, "de", 0},
		{"single, three tied", quiz.Question{Type: quiz.Single, Options: []quiz.Option{opt("a", "x", true), opt("b", "y", false), opt("c", "z", false)}}, "en", 1.0 / 3},
		{"multiple, only wrong is shortest", quiz.Question{Type: quiz.Multiple, Options: []quiz.Option{opt("a", "lang eins", true), opt("b", "lang zwei", true), opt("c", "k", false)}}, "de", 1},
		{"multiple, two wrong", quiz.Question{Type: quiz.Multiple, Options: []quiz.Option{opt("a", "lang eins", true), opt("b", "zz", false), opt("c", "k", false)}}, "de", 0},
		{"multiple, shortest tied", quiz.Question{Type: quiz.Multiple, Options: []quiz.Option{opt("a", "lang", true), opt("b", "k", true), opt("c", "k", false)}}, "de", 0.5},
		{"truefalse false", quiz.Question{Type: quiz.TrueFalse, Options: []quiz.Option{opt("true", "Trifft zu", false), opt("false", "Trifft nicht zu", true)}}, "de", 1},
		{"truefalse true", quiz.Question{Type: quiz.TrueFalse, Options: []quiz.Option{opt("true", "Trifft zu", true), opt("false", "Trifft nicht zu", false)}}, "de", 0},
	} {
		if got := Guess(tc.q, tc.lang); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("%s: Guess = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestOptionReference(t *testing.T) {
	q := quiz.Question{Type: quiz.Multiple}
	for _, id := range []string{"a", "b", "c", "d"} {
		q.Options = append(q.Options, quiz.Option{ID: id})
	}
	refs := []string{
		"Richtig ist a.", "Richtig ist a: weil", "Richtig sind a, b und c.", "Korrekt sind nur b und d.",
		"a is correct.", "A is correct because", "a, b and c are correct", "b und c sind richtig",
		"Option b übertreibt.", "Options a and c are correct", "Antwort c ist falsch.", "Die Antworten a und b",
		"The answer is d.", "Storage space (d) says nothing", "(b, c)", "Die Lösung lautet: c.",
	}
	for _, s := range refs {
		if optionReference(q, s) == "" {
			t.Errorf("%q: reference not found", s)
		}
	}
	plain := []string{
		"Art. 6 Abs. 1 lit. a DSGVO erlaubt das.", "Art. 6(1)(a) GDPR applies.", "see point (b) of Art. 9(2)",
		"Art. 5 (1) (c) GDPR", "This is a correct answer.", "An answer a colleague gives", "Option to object remains.",
		"Richtig ist auch, dass", "What is correct is a judgement call.", "Nr. (a) der Anlage", "Art. 9 Abs. 2 Buchst. b",
	}
	for _, s := range plain {
		if ref := optionReference(q, s); ref != "" {
			t.Errorf("%q: found a reference %q in a text without one", s, ref)
		}
	}
	// Without an option "a", the article is no reference at all.
	bc := quiz.Question{Type: quiz.Single, Options: []quiz.Option{{ID: "b"}, {ID: "c"}}}
	if ref := optionReference(bc, "Die Antwort a."); ref != "" {
		t.Errorf("no option a: %q", ref)
	}
	if ref := optionReference(bc, "Option c ist falsch."); ref != "Option c" {
		t.Errorf("option c: %q", ref)
	}
	tf := quiz.Question{Type: quiz.TrueFalse, Options: []quiz.Option{{ID: "true"}, {ID: "false"}}}
	if ref := optionReference(tf, "True is correct (Art. 7(3) GDPR)."); ref != "" {
		t.Errorf("true/false: %q", ref)
	}
}

func TestExamPool(t *testing.T) {
	cat, err := Load(lintFS(t))
	if err != nil {
		t.Fatal(err)
	}
	c := cat.Courses[0]
	exam, quizPool := c.ExamPool(), c.Questions()
	if !c.HasExamPools() || len(exam) != 6 || len(quizPool) != 32 || exam[0].ID != "ph-e1" || exam[0].Module != "phishing" || exam[5].Module != "backups" {
		t.Fatalf("ExamPool: %d questions, Questions: %d", len(exam), len(quizPool))
	}
	for _, q := range exam {
		if slices.ContainsFunc(quizPool, func(p quiz.Question) bool { return p.ID == q.ID }) {
			t.Errorf("exam question %s is in a module pool", q.ID)
		}
		if got, ok := c.Question(q.ID); !ok || got.Module != q.Module {
			t.Errorf("Question(%s) not found", q.ID)
		}
	}
	if c.Objective("ph-e1") != 2 || c.Objective("ph-01") != 1 || c.Objective("nope") != 0 {
		t.Errorf("Objective: %d %d", c.Objective("ph-e1"), c.Objective("ph-01"))
	}
	// Content without exam.yaml keeps drawing the exam from the module pools.
	old, err := Load(validFS(t, nil))
	if err != nil {
		t.Fatal(err)
	}
	oc := old.Courses[0]
	if oc.HasExamPools() || len(oc.ExamPool()) != len(oc.Questions()) || oc.ExamPool()[0].ID != "pw-01" {
		t.Errorf("old content: ExamPool = %d questions", len(oc.ExamPool()))
	}
}

// TestExamPoolProblems checks what Load refuses about exam pools and objectives.
func TestExamPoolProblems(t *testing.T) {
	const phExam = "lintkurs/phishing/exam.yaml"
	read := func(fsys fstest.MapFS, name string) string { return string(fsys[name].Data) }
	for _, tc := range []struct {
		name   string
		change func(fsys fstest.MapFS)
		want   []string
	}{
		{"exam pool missing in one module", func(fsys fstest.MapFS) { delete(fsys, "lintkurs/backups/exam.yaml") },
			[]string{"lintkurs/backups/exam.yaml: missing: other modules of the course have an exam pool (exam.yaml), so every module needs one"}},
		{"more exam questions than exam pools", func(fsys fstest.MapFS) {
			fsys["lintkurs/course.yaml"].Data = []byte(strings.Replace(read(fsys, "lintkurs/course.yaml"), "  questions: 4", "  questions: 7", 1))
		}, []string{"lintkurs/course.yaml:11: exam questions (7) exceed the 6 questions of all exam pools (exam.yaml)"}},
		{"exam pool below min_per_module", func(fsys fstest.MapFS) {
			fsys["lintkurs/course.yaml"].Data = []byte(strings.Replace(read(fsys, "lintkurs/course.yaml"), "min_per_module: 2", "min_per_module: 4", 1))
			fsys["lintkurs/course.yaml"].Data = []byte(strings.Replace(read(fsys, "lintkurs/course.yaml"), "  questions: 4", "  questions: 8", 1))
		}, []string{
			phExam + ":1: the pool has 3 questions, fewer than exam min_per_module (4) in lintkurs/course.yaml",
			"lintkurs/course.yaml:11: exam questions (8) exceed the 6 questions of all exam pools",
		}},
		{"exam question id used in a module pool", func(fsys fstest.MapFS) {
			fsys[phExam].Data = []byte(strings.Replace(read(fsys, phExam), "id: ph-e1", "id: bk-03", 1))
		}, []string{`lintkurs/backups/questions.yaml:40: question "bk-03": duplicate question id (first at lintkurs/phishing/exam.yaml:2)`}},
		{"objective out of range", func(fsys fstest.MapFS) {
			fsys[phExam].Data = []byte(strings.Replace(read(fsys, phExam), "objective: 2", "objective: 4", 1))
		}, []string{phExam + `:4: question "ph-e1": objective 4: the module's de.md lists 3 objectives`,
			phExam + `:4: question "ph-e1": objective 4: the module's en.md lists 3 objectives`}},
		{"objective zero", func(fsys fstest.MapFS) {
			fsys[phExam].Data = []byte(strings.Replace(read(fsys, phExam), "objective: 2", "objective: 0", 1))
		}, []string{phExam + `:4: question "ph-e1": objective must be at least 1, is 0`}},
		{"objective shorter in one language", func(fsys fstest.MapFS) {
			en := "lintkurs/phishing/en.md"
			fsys[en].Data = []byte(strings.Replace(read(fsys, en), "  - \"You report incidents at once.\"\n", "", 1))
		}, []string{`lintkurs/phishing/questions.yaml:42: question "ph-03": objective 3: the module's en.md lists 2 objectives`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fsys := lintFS(t)
			tc.change(fsys)
			got := Problems(Check(fsys)).Error()
			for _, want := range tc.want {
				if !strings.Contains(got, want) {
					t.Errorf("missing %q in\n%s", want, got)
				}
			}
		})
	}
}

func BenchmarkLint(b *testing.B) {
	cat, err := Load(readTree(b, "../content"))
	if err != nil {
		b.Skip(err)
	}
	for b.Loop() {
		_ = Lint(cat)
	}
}
