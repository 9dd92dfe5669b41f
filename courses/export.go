package courses

import (
	"bytes"
	"encoding/json"
	"fmt"

	"kipass/quiz"
)

// The JSON of `kipass content export`: the contract's shape plus the fields a
// translator or auditor also needs (titles, minutes, explanations, validity,
// each module's exam pool and each question's objective).
type (
	exportCatalog struct {
		Courses []exportCourse `json:"courses"`
	}
	exportCourse struct {
		ID               string         `json:"id"`
		Version          string         `json:"version"`
		Title            quiz.Text      `json:"title"`
		Description      quiz.Text      `json:"description,omitempty"`
		CertificateTitle quiz.Text      `json:"certificate_title"`
		Languages        []string       `json:"languages"`
		PassPercent      int            `json:"pass_percent"`
		QuizQuestions    int            `json:"quiz_questions"`
		ValidityMonths   int            `json:"validity_months"`
		Modules          []exportModule `json:"modules"`
		Exam             exportExam     `json:"exam"`
	}
	exportModule struct {
		ID            string           `json:"id"`
		Title         quiz.Text        `json:"title"`
		Minutes       map[string]int   `json:"minutes"`
		Questions     []exportQuestion `json:"questions"`
		ExamQuestions []exportQuestion `json:"exam_questions"` // exam.yaml, empty without one
	}
	// exportQuestion is a question with the objective it tests (0, left out, when none).
	exportQuestion struct {
		quiz.Question
		Objective int `json:"objective,omitempty"`
	}
	exportExam struct {
		Questions    int `json:"questions"`
		MinPerModule int `json:"min_per_module"`
		PassPercent  int `json:"pass_percent"`
		Minutes      int `json:"minutes"`
	}
)

// Export returns the catalogue as indented JSON, answer keys and explanations
// included, for translators and auditors (`kipass content export`). The output
// depends only on the content: courses, modules, questions and options keep
// their order and map keys are sorted.
func Export(cat *Catalog) ([]byte, error) {
	out := exportCatalog{Courses: []exportCourse{}}
	for _, c := range cat.Courses {
		ec := exportCourse{
			ID: c.ID, Version: c.Version, Title: c.Title, Description: c.Description,
			CertificateTitle: c.CertificateTitle, Languages: c.Languages, PassPercent: c.PassPercent,
			QuizQuestions: c.QuizQuestions, ValidityMonths: c.ValidityMonths,
			Exam: exportExam(c.Exam), Modules: []exportModule{},
		}
		for _, m := range c.Modules {
			em := exportModule{ID: m.ID, Title: m.Title, Minutes: m.Minutes,
				Questions: exportQuestions(c, m.Questions), ExamQuestions: exportQuestions(c, m.ExamQuestions)}
			ec.Modules = append(ec.Modules, em)
		}
		out.Courses = append(out.Courses, ec)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // texts are for reading, not for pasting into HTML
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		return nil, fmt.Errorf("courses: export: %w", err)
	}
	return buf.Bytes(), nil
}

// exportQuestions returns qs for the export, never nil.
func exportQuestions(c *Course, qs []quiz.Question) []exportQuestion {
	out := []exportQuestion{}
	for _, q := range qs {
		q.Module = "" // implied by the enclosing module
		out = append(out, exportQuestion{Question: q, Objective: c.Objective(q.ID)})
	}
	return out
}
