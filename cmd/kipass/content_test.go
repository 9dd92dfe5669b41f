package main

import (
	"context"
	"encoding/json"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// copyDir copies the test fixture course into a temporary folder.
func copyDir(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

func runCmd(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb syncBuffer
	err := run(context.Background(), append([]string{"kipass"}, args...), envFrom(nil), strings.NewReader(""), &out, &errb)
	return exitCode(err), out.String(), errb.String()
}

const (
	// fixture is a small course in the format of before the lints (no
	// exam.yaml, no objectives): it loads and serves, but does not lint clean.
	fixture = "../../courses/testdata/valid"
	// lintFixture is a course that passes every lint; testdata/lint/<rule>/
	// holds overlays that break one rule each.
	lintFixture = "../../courses/testdata/lint"
)

// lintDir copies the clean lint fixture with the given overlays into a temporary folder.
func lintDir(t *testing.T, overlays ...string) string {
	t.Helper()
	dir := copyDir(t, filepath.Join(lintFixture, "clean"))
	for _, o := range overlays {
		over := copyDir(t, filepath.Join(lintFixture, o))
		err := filepath.WalkDir(over, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			rel, _ := filepath.Rel(over, p)
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			return os.WriteFile(filepath.Join(dir, rel), b, 0o644)
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestContentCheck runs `content check` on the embedded course, which must
// pass every lint, and on fixtures.
func TestContentCheck(t *testing.T) {
	if code, out, errOut := runCmd(t, "content", "check"); code != 0 || !strings.Contains(errOut, "embedded content: ok") {
		t.Errorf("embedded: %d\n%s%s", code, out, errOut)
	}
	code, out, errOut := runCmd(t, "content", "check", filepath.Join(lintFixture, "clean"))
	if code != 0 || out != "" || !strings.Contains(errOut, "lintkurs: a test-wise guesser passes the final exam with de 0.0000 %, en 0.0000 % (exact") {
		t.Fatalf("clean fixture: %d %q %q", code, out, errOut)
	}

	// Format problems are reported, and the lints wait until they are fixed.
	dir := copyDir(t, fixture)
	q := filepath.Join(dir, "testkurs", "passwoerter", "questions.yaml")
	b, _ := os.ReadFile(q)
	os.WriteFile(q, []byte(strings.Replace(string(b), "correct: true", "correct: false", 1)), 0o644)
	os.Remove(filepath.Join(dir, "testkurs", "ki-werkzeuge", "en.md"))
	code, out, errOut = runCmd(t, "content", "check", dir)
	if code != 1 || !strings.Contains(errOut, "2 problem(s)") {
		t.Fatalf("broken: %d %q %q", code, out, errOut)
	}
	if !strings.Contains(out, "testkurs/passwoerter/questions.yaml:") || !strings.Contains(out, "testkurs/ki-werkzeuge/en.md") {
		t.Fatalf("problems not reported by file: %q", out)
	}

	// Content of the old format loads but fails the lints.
	code, out, _ = runCmd(t, "content", "check", fixture)
	if code != 1 || !strings.Contains(out, "testkurs/passwoerter/questions.yaml:1: small-pool: the module pool has 3 questions") ||
		!strings.Contains(out, `objective-missing: question "pw-01"`) {
		t.Fatalf("old fixture: %d %q", code, out)
	}

	// A lint problem fails the check; an opt-out with a reason turns the rule off.
	code, out, _ = runCmd(t, "content", "check", lintDir(t, "small-pool"))
	if code != 1 || !strings.HasSuffix(out, "lintkurs/backups/questions.yaml:1: small-pool: the module pool has 15 questions, fewer than 16: a quiz retaken a few times shows them all\n") {
		t.Fatalf("small pool: %d %q", code, out)
	}
	code, out, errOut = runCmd(t, "content", "check", lintDir(t, "small-pool", "opt-out"))
	if code != 0 || out != "" || !strings.Contains(errOut, "lintkurs: lint rule small-pool is off (course.yaml: a fixture") {
		t.Fatalf("opt-out: %d %q %q", code, out, errOut)
	}
	code, out, _ = runCmd(t, "content", "check", lintDir(t, "opt-out-without-reason"))
	if code != 1 || !strings.Contains(out, "lintkurs/course.yaml:17: lint: allow: rule small-pool needs a reason") {
		t.Fatalf("opt-out without reason: %d %q", code, out)
	}

	if code, _, _ := runCmd(t, "content", "check", filepath.Join(dir, "missing")); code != 1 {
		t.Fatalf("missing dir: %d", code)
	}
	if code, _, _ := runCmd(t, "content", "frobnicate"); code != 2 {
		t.Fatalf("bad subcommand: %d", code)
	}
}

func TestContentStats(t *testing.T) {
	code, out, errOut := runCmd(t, "content", "stats", lintDir(t, "guessable-exam"))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{
		"  exam: 4 questions from the exam pools (exam.yaml), at least 2 per module, pass at 75 %\n",
		"\nmodule phishing: 16 in questions.yaml, 3 in exam.yaml\n",
		"  single choice: 10; correct option: a 3 (30 %), d 3 (30 %), b 2 (20 %), c 2 (20 %)\n",
		"  true/false: 5; true 2 (40 %), false 3 (60 %)\n",
		"\ncourse lintkurs, all pools: 32 in questions.yaml, 6 in exam.yaml\n",
		"  length cue (correct option longest by more than 15 %): de 1 of 18 (6 %) ph-e2; en 1 of 18 (6 %) ph-e2\n",
		"computed exactly over the exam draw (not simulated)",
		"  de 55.5556 %, en 55.5556 %\n", // 5/9, see courses.TestGuessFixture
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
	// Old content: the exam draws from the module pools.
	code, out, _ = runCmd(t, "content", "stats", fixture)
	if code != 0 || !strings.Contains(out, "  exam: 4 questions from the module pools (no exam.yaml), at least 1 per module, pass at 75 %") ||
		!strings.Contains(out, "  objectives without a question: 1, 2\n") {
		t.Fatalf("old fixture: %d\n%s", code, out)
	}
	// Broken content: the problems, exit 1.
	dir := copyDir(t, fixture)
	os.Remove(filepath.Join(dir, "testkurs", "ki-werkzeuge", "en.md"))
	if code, _, errOut := runCmd(t, "content", "stats", dir); code != 1 || !strings.Contains(errOut, "ki-werkzeuge/en.md") {
		t.Fatalf("broken: %d %q", code, errOut)
	}
	if code, _, errOut := runCmd(t, "content", "stats", "--help"); code != 0 || !strings.Contains(errOut, "usage: kipass content stats [DIR]") {
		t.Fatalf("--help: %d %q", code, errOut)
	}
	if _, out, _ := runCmd(t, "--help"); !strings.Contains(out, "kipass content stats [DIR]") {
		t.Errorf("kipass --help does not list content stats:\n%s", out)
	}
}

func TestContentExport(t *testing.T) {
	code, out, _ := runCmd(t, "content", "export")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	var doc struct {
		Courses []struct {
			ID          string   `json:"id"`
			Version     string   `json:"version"`
			Languages   []string `json:"languages"`
			PassPercent int      `json:"pass_percent"`
			Modules     []struct {
				ID            string            `json:"id"`
				Title         map[string]string `json:"title"`
				ExamQuestions []struct {
					ID string `json:"id"`
				} `json:"exam_questions"`
				Questions []struct {
					ID      string            `json:"id"`
					Type    string            `json:"type"`
					Text    map[string]string `json:"text"`
					Options []struct {
						ID      string `json:"id"`
						Correct bool   `json:"correct"`
					} `json:"options"`
				} `json:"questions"`
			} `json:"modules"`
			Exam struct {
				Questions, PassPercent, Minutes int
			} `json:"exam"`
		} `json:"courses"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	c := doc.Courses[0]
	if c.ID != "ki-am-arbeitsplatz" || !strings.HasPrefix(c.Version, "sha256:") || c.PassPercent != 80 || len(c.Modules) != 8 || c.Exam.Questions != 16 {
		t.Fatalf("export: %+v", c)
	}
	seen := map[string]bool{}
	for _, m := range c.Modules {
		if len(m.Questions) < 10 || m.Title["de"] == "" || m.Title["en"] == "" || m.ExamQuestions == nil {
			t.Fatalf("module %s", m.ID)
		}
		for _, q := range m.Questions {
			if seen[q.ID] {
				t.Fatalf("question id %s not unique in the course", q.ID)
			}
			seen[q.ID] = true
			correct := 0
			for _, o := range q.Options {
				if o.Correct {
					correct++
				}
			}
			if correct == 0 || q.Text["de"] == "" || q.Text["en"] == "" {
				t.Fatalf("question %s", q.ID)
			}
		}
	}
}

func TestServeContentFolderAndWatch(t *testing.T) {
	broken := copyDir(t, fixture)
	os.Remove(filepath.Join(broken, "testkurs", "passwoerter", "de.md"))
	var out, errb syncBuffer
	err := run(context.Background(), []string{"kipass", "serve", "--addr", "127.0.0.1:0", "--data", t.TempDir(), "--content", broken}, envFrom(nil), strings.NewReader(""), &out, &errb)
	if exitCode(err) != 1 || !strings.Contains(errb.String(), "passwoerter/de.md") || strings.Contains(out.String(), "running at") {
		t.Fatalf("broken content started: %v %q", err, errb.String())
	}
	if code, _, errOut := runCmd(t, "serve", "--watch"); code != 1 || !strings.Contains(errOut, "--watch needs --content") {
		t.Fatalf("--watch alone: %d %q", code, errOut)
	}

	dir := copyDir(t, fixture)
	s := startServer(t, nil, "--data", t.TempDir(), "--content", dir, "--watch")
	title := func() string {
		res, err := http.Get(s.url + "/courses/testkurs?lang=de")
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode != 200 {
			t.Fatalf("status %d", res.StatusCode)
		}
		return string(b)
	}
	if !strings.Contains(title(), "Sicher im Büro") {
		t.Fatal("content folder not served")
	}
	courseFile := filepath.Join(dir, "testkurs", "course.yaml")
	orig, _ := os.ReadFile(courseFile)
	// A broken change is not served; the old version stays.
	os.WriteFile(courseFile, []byte(strings.Replace(string(orig), "pass_percent: 80", "pass_percent: 180", 1)), 0o644)
	waitFor(t, func() bool { return strings.Contains(s.stderr.String(), "keeping the previous version") })
	if !strings.Contains(title(), "Sicher im Büro") {
		t.Fatal("old version not kept")
	}
	// A good change is served.
	os.WriteFile(courseFile, []byte(strings.Replace(string(orig), "de: Sicher im Büro", "de: Sicher im Homeoffice", 1)), 0o644)
	waitFor(t, func() bool { return strings.Contains(title(), "Sicher im Homeoffice") })
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 10s")
		}
		time.Sleep(100 * time.Millisecond)
	}
}
