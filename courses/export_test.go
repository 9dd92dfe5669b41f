package courses

import (
	"bytes"
	"encoding/json"
	"os"
	"testing"
)

// TestExport compares the export of the valid fixture with
// testdata/golden/export.json (-update rewrites it) and checks the contract's shape.
func TestExport(t *testing.T) {
	cat, err := Load(os.DirFS("testdata/valid"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := Export(cat)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := Export(cat)
	if !bytes.Equal(got, again) {
		t.Error("Export is not deterministic")
	}
	const golden = "testdata/golden/export.json"
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("export differs from %s (go test -update rewrites it):\n%s", golden, got)
	}

	// The fields the contract promises.
	var doc struct {
		Courses []struct {
			ID, Version string
			Languages   []string
			PassPercent int `json:"pass_percent"`
			Modules     []struct {
				ID        string
				Title     map[string]string
				Questions []struct {
					ID, Type string
					Text     map[string]string
					Options  []struct {
						ID      string
						Text    map[string]string
						Correct bool
					}
				}
			}
			Exam struct{ Questions, PassPercent, Minutes int }
		}
	}
	if err := json.Unmarshal(got, &doc); err != nil {
		t.Fatal(err)
	}
	c := doc.Courses[0]
	q := c.Modules[0].Questions[0]
	if c.ID != "testkurs" || c.Version != cat.Courses[0].Version || len(c.Languages) != 2 || c.PassPercent != 80 ||
		c.Modules[0].Title["en"] != "Good passwords" || q.ID != "pw-01" || q.Type != "single" ||
		q.Text["de"] == "" || q.Options[0].ID != "a" || !q.Options[0].Correct || q.Options[1].Correct ||
		c.Exam.Questions != 4 {
		t.Errorf("export misses contract fields: %+v", c)
	}
}

// TestExportExamPools checks that the export lists each module's exam pool
// and each question's objective.
func TestExportExamPools(t *testing.T) {
	cat, err := Load(lintFS(t))
	if err != nil {
		t.Fatal(err)
	}
	b, err := Export(cat)
	if err != nil {
		t.Fatal(err)
	}
	type question struct {
		ID        string
		Module    *string
		Objective int
	}
	var doc struct {
		Courses []struct {
			Modules []struct {
				ID            string
				Questions     []question
				ExamQuestions []question `json:"exam_questions"`
			}
		}
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	m := doc.Courses[0].Modules[0]
	if m.ID != "phishing" || len(m.Questions) != 16 || len(m.ExamQuestions) != 3 ||
		m.ExamQuestions[0].ID != "ph-e1" || m.ExamQuestions[0].Objective != 2 || m.Questions[0].Objective != 1 ||
		m.ExamQuestions[0].Module != nil {
		t.Errorf("export: %+v", m)
	}
	if !bytes.Contains(b, []byte(`"exam_questions": [`)) {
		t.Error("no exam_questions array")
	}
}
