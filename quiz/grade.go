package quiz

import (
	"fmt"
	"slices"
)

// Result is a graded attempt.
type Result struct {
	// ScorePercent is floor(100*Correct/Total), 0 for an empty attempt.
	ScorePercent int `json:"score_percent"`
	// Passed reports whether the real percentage reaches the pass mark.
	Passed bool `json:"passed"`
	// Correct is the number of correctly answered questions.
	Correct int `json:"correct"`
	// Total is the number of questions in the attempt.
	Total int `json:"total"`
	// Questions holds one entry per question in presented order.
	Questions []QuestionResult `json:"questions"`
}

// QuestionResult is the outcome of one question. Chosen and CorrectOptions
// list option ids in presented order and are never nil.
type QuestionResult struct {
	QuestionID     string   `json:"question_id"`
	Chosen         []string `json:"chosen"`
	Correct        bool     `json:"correct"`
	CorrectOptions []string `json:"correct_options"`
}

// Grade grades the answers a to the attempt drawn. questions looks up a
// question (with its answer key) by id. A question counts as correct when the
// chosen options are exactly its correct options: for single choice and
// true/false the one correct option, for multiple choice all correct options
// and no wrong one. There is no partial credit; unanswered questions are wrong.
//
// ScorePercent is rounded down, and Passed compares exactly:
// 100*Correct >= passPercent*Total. For an integer pass mark both say the same
// (floor(x) >= p exactly when x >= p), so 4 of 5 = 80 % passes at 80 and
// 15 of 20 = 75 % fails; 2 of 3 = 66.7 % shows as 66 and passes at 66 but not
// at 67. An empty attempt scores 0 and does not pass.
//
// Grade first runs Validate and returns its errs.Invalid error for bad
// answers. A pass mark outside 1..100, a question missing from questions or
// one without a correct option is a bug or a content mismatch, returned as a
// plain (internal) error. Grade does not modify its inputs.
func Grade(questions func(id string) (Question, bool), drawn []Drawn, a Answers, passPercent int) (Result, error) {
	if passPercent < 1 || passPercent > 100 {
		return Result{}, fmt.Errorf("quiz: pass mark %d%% is outside 1..100", passPercent)
	}
	if err := Validate(drawn, a); err != nil {
		return Result{}, err
	}
	res := Result{Total: len(drawn), Questions: make([]QuestionResult, 0, len(drawn))}
	for _, d := range drawn {
		q, ok := questions(d.QuestionID)
		if !ok {
			return Result{}, fmt.Errorf("quiz: grade: question %q of the attempt is not in the course", d.QuestionID)
		}
		qr, err := gradeOne(q, d, a[d.QuestionID])
		if err != nil {
			return Result{}, err
		}
		if qr.Correct {
			res.Correct++
		}
		res.Questions = append(res.Questions, qr)
	}
	if res.Total > 0 {
		res.ScorePercent = 100 * res.Correct / res.Total
		res.Passed = 100*res.Correct >= passPercent*res.Total
	}
	return res, nil
}

// gradeOne grades one validated answer: chosen holds distinct ids out of d.OptionIDs.
func gradeOne(q Question, d Drawn, chosen []string) (QuestionResult, error) {
	var key []string
	for _, o := range q.Options {
		if o.Correct {
			key = append(key, o.ID)
		}
	}
	if len(key) == 0 {
		return QuestionResult{}, fmt.Errorf("quiz: grade: question %q has no correct option", q.ID)
	}
	qr := QuestionResult{QuestionID: d.QuestionID, Chosen: []string{}, CorrectOptions: []string{}}
	for _, id := range d.OptionIDs {
		if slices.Contains(chosen, id) {
			qr.Chosen = append(qr.Chosen, id)
		}
		if slices.Contains(key, id) {
			qr.CorrectOptions = append(qr.CorrectOptions, id)
		}
	}
	// A correct option the attempt did not present (the content changed since
	// the draw) still belongs to the key shown to the learner.
	for _, id := range key {
		if !slices.Contains(qr.CorrectOptions, id) {
			qr.CorrectOptions = append(qr.CorrectOptions, id)
		}
	}
	// chosen has no duplicates, so equal length plus inclusion means equal sets.
	qr.Correct = len(chosen) == len(key)
	for _, id := range chosen {
		qr.Correct = qr.Correct && slices.Contains(key, id)
	}
	return qr, nil
}
