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

const fixture = "../../courses/testdata/valid"

func TestContentCheck(t *testing.T) {
	if code, _, errOut := runCmd(t, "content", "check"); code != 0 || !strings.Contains(errOut, "embedded content: ok") {
		t.Fatalf("embedded: %d %q", code, errOut)
	}
	if code, _, _ := runCmd(t, "content", "check", fixture); code != 0 {
		t.Fatalf("fixture: %d", code)
	}
	dir := copyDir(t, fixture)
	q := filepath.Join(dir, "testkurs", "passwoerter", "questions.yaml")
	b, _ := os.ReadFile(q)
	os.WriteFile(q, []byte(strings.Replace(string(b), "correct: true", "correct: false", 1)), 0o644)
	os.Remove(filepath.Join(dir, "testkurs", "ki-werkzeuge", "en.md"))
	code, out, errOut := runCmd(t, "content", "check", dir)
	if code != 1 || !strings.Contains(errOut, "2 problem(s)") {
		t.Fatalf("broken: %d %q %q", code, out, errOut)
	}
	if !strings.Contains(out, "testkurs/passwoerter/questions.yaml:") || !strings.Contains(out, "testkurs/ki-werkzeuge/en.md") {
		t.Fatalf("problems not reported by file: %q", out)
	}
	if code, _, _ := runCmd(t, "content", "check", filepath.Join(dir, "missing")); code != 1 {
		t.Fatalf("missing dir: %d", code)
	}
	if code, _, _ := runCmd(t, "content", "frobnicate"); code != 2 {
		t.Fatalf("bad subcommand: %d", code)
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
				ID        string            `json:"id"`
				Title     map[string]string `json:"title"`
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
		if len(m.Questions) < 10 || m.Title["de"] == "" || m.Title["en"] == "" {
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
