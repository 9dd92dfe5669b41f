package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"time"

	"kipass/courses"
	"kipass/internal/errs"
	"kipass/quiz"
)

// SubmitGrace is how late an exam submission may arrive and still count:
// the time the browser needs to send the form after the countdown ends.
const SubmitGrace = 30 * time.Second

// ExamWindow is the period over which Config.ExamAttemptsPerDay counts.
const ExamWindow = 24 * time.Hour

var attemptIDPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{22}$`)

var (
	errNoAttempt = errs.New(errs.NotFound, "not_found", "No such attempt.")
	// ErrNoCourse is the answer for a course or module that the catalogue
	// does not hold.
	ErrNoCourse   = errs.New(errs.NotFound, "not_found", "There is no such course or module.")
	errExamLocked = errs.New(errs.Forbidden, "exam_locked", "The final exam opens once every module quiz is passed.")
	errCourseGone = errs.New(errs.NotFound, "course_removed", "The course of this attempt is no longer offered.")
)

const examLimitMessage = "You have used your %d exam attempts for the last 24 hours. Please try again later."

// ValidAttemptID reports whether id has the shape of an attempt id; any
// other is not found without asking the store.
func ValidAttemptID(id string) bool { return attemptIDPattern.MatchString(id) }

// CourseStatus is a person's progress in a course and what it unlocks.
type CourseStatus struct {
	Course       *courses.Course
	Modules      []ModuleStatus
	Passed       int // modules passed
	Percent      int // modules passed, in percent
	ExamUnlocked bool
	ExamPassed   bool
	ExamPassedAt time.Time
}

// ModuleStatus is one module of a CourseStatus.
type ModuleStatus struct {
	Module   *courses.Module
	Passed   bool
	PassedAt time.Time
}

// NewCourseStatus applies the unlock rule to stored progress: the exam
// opens once every module quiz is passed.
func NewCourseStatus(co *courses.Course, p Progress) CourseStatus {
	v := CourseStatus{Course: co, ExamPassedAt: p.ExamPassedAt, ExamPassed: !p.ExamPassedAt.IsZero()}
	for _, m := range co.Modules {
		at, ok := p.ModulesPassed[m.ID]
		v.Modules = append(v.Modules, ModuleStatus{Module: m, Passed: ok, PassedAt: at})
		if ok {
			v.Passed++
		}
	}
	if n := len(co.Modules); n > 0 {
		v.Percent = v.Passed * 100 / n
	}
	v.ExamUnlocked = v.Passed == len(co.Modules)
	return v
}

// CourseStatus returns the person's status in the course; userID 0 (not
// logged in) has no progress.
func (a *App) CourseStatus(ctx context.Context, userID int64, co *courses.Course) (CourseStatus, error) {
	if userID == 0 {
		return NewCourseStatus(co, Progress{ModulesPassed: map[string]time.Time{}}), nil
	}
	p, err := a.att.CourseProgress(ctx, userID, co.ID)
	if err != nil {
		return CourseStatus{}, err
	}
	return NewCourseStatus(co, p), nil
}

// ExamAllowance is how many exam attempts a person has used in the last
// ExamWindow and how many the rules allow.
type ExamAllowance struct {
	Used, Limit, Remaining int
}

// ExamAllowance counts the person's exam attempts in the window.
func (a *App) ExamAllowance(ctx context.Context, userID int64, courseID string) (ExamAllowance, error) {
	al := ExamAllowance{Limit: a.cfg.ExamAttemptsPerDay}
	used, err := a.att.ExamAttemptsSince(ctx, userID, courseID, a.now().Add(-ExamWindow))
	if err != nil {
		return al, err
	}
	al.Used, al.Remaining = used, max(0, al.Limit-used)
	return al, nil
}

// Started is a new attempt with its drawn questions.
type Started struct {
	Attempt   Attempt
	Course    *courses.Course
	Questions []quiz.Drawn
}

// StartAttempt draws a new attempt for a module, or for the exam when
// moduleID is "". The exam needs every module passed and is limited to
// Config.ExamAttemptsPerDay starts per ExamWindow; the store checks the
// limit and inserts in one transaction, so parallel starts cannot exceed it.
func (a *App) StartAttempt(ctx context.Context, u User, courseID, moduleID, lang string) (Started, error) {
	co, ok := a.Course(courseID)
	if !ok {
		return Started{}, ErrNoCourse
	}
	now := a.now()
	att := Attempt{ID: newID(), UserID: u.ID, CourseID: co.ID, ModuleID: moduleID, Lang: lang,
		ContentVersion: co.Version, StartedAt: now}
	var pool []quiz.Question
	var spec quiz.DrawSpec
	limit := 0
	if moduleID == "" {
		st, err := a.CourseStatus(ctx, u.ID, co)
		if err != nil {
			return Started{}, err
		}
		if !st.ExamUnlocked {
			return Started{}, errExamLocked
		}
		att.Kind, pool, limit = KindExam, co.Questions(), a.cfg.ExamAttemptsPerDay
		spec = quiz.DrawSpec{N: co.Exam.Questions, MinPerModule: co.Exam.MinPerModule}
		att.ExpiresAt = now.Add(time.Duration(co.Exam.Minutes) * time.Minute)
	} else {
		m, ok := co.Module(moduleID)
		if !ok {
			return Started{}, ErrNoCourse
		}
		att.Kind, pool, spec = KindModule, m.Questions, quiz.DrawSpec{N: co.QuizQuestions}
	}
	drawn, err := quiz.Draw(pool, spec, a.rand())
	if err != nil {
		return Started{}, err
	}
	if att.Questions, err = encodeDrawn(drawn); err != nil {
		return Started{}, err
	}
	if err := a.att.CreateAttempt(ctx, att, limit, ExamWindow); err != nil {
		if errors.Is(err, ErrAttemptLimit) {
			return Started{}, errs.New(errs.Throttled, "exam_limit_reached", fmt.Sprintf(examLimitMessage, limit))
		}
		return Started{}, err
	}
	return Started{Attempt: att, Course: co, Questions: drawn}, nil
}

// encodeDrawn and DecodeDrawn are the one place that knows how an
// attempt's drawn questions are stored (a draft or opaque option ids would
// extend them here).
func encodeDrawn(drawn []quiz.Drawn) ([]byte, error) { return json.Marshal(drawn) }

// DecodeDrawn returns the questions drawn for an attempt, in order.
func DecodeDrawn(a Attempt) ([]quiz.Drawn, error) {
	var drawn []quiz.Drawn
	if err := json.Unmarshal(a.Questions, &drawn); err != nil {
		return nil, err
	}
	return drawn, nil
}

// Result is the contract's answer to a submission. It is stored with the
// attempt and returned unchanged when the attempt is submitted again.
type Result struct {
	ScorePercent  int              `json:"score_percent"`
	Passed        bool             `json:"passed"`
	Expired       bool             `json:"expired,omitempty"`
	Correct       int              `json:"correct"`
	Total         int              `json:"total"`
	Results       []QuestionResult `json:"results"`
	CertificateID string           `json:"certificate_id,omitempty"`
}

// QuestionResult is one graded question of a Result.
type QuestionResult struct {
	QuestionID     string   `json:"question_id"`
	Correct        bool     `json:"correct"`
	Chosen         []string `json:"chosen"`
	CorrectOptions []string `json:"correct_options"`
	Explanation    string   `json:"explanation"`
}

// DecodeResult returns the stored result of a submitted attempt.
func DecodeResult(a Attempt) (Result, error) {
	var res Result
	err := json.Unmarshal(a.Result, &res)
	return res, err
}

// AnswerReader returns the answers of a submission. It is called once the
// attempt's drawn questions are known (a form names its fields after them)
// and only for an open attempt of the caller, so a body is never read for
// an attempt that is not theirs.
type AnswerReader func(drawn []quiz.Drawn) (quiz.Answers, error)

// loadAttempt loads the caller's attempt and, when it is open, its drawn
// questions: the first step of Submit (and of a future SaveDraft).
func (a *App) loadAttempt(ctx context.Context, u User, id string) (Attempt, []quiz.Drawn, error) {
	if !ValidAttemptID(id) {
		return Attempt{}, nil, errNoAttempt
	}
	att, err := a.att.AttemptFor(ctx, id, u.ID)
	if err != nil {
		return att, nil, err
	}
	if !att.Open() {
		return att, nil, nil
	}
	drawn, err := DecodeDrawn(att)
	return att, drawn, err
}

// Submit grades an attempt once. A second submission returns the first
// result unchanged; someone else's attempt is not found. An exam submitted
// more than SubmitGrace after its time ran out is recorded as failed and
// expired. A passed exam issues a certificate (see IssueCertificate) in
// the same transaction as the pass.
func (a *App) Submit(ctx context.Context, u User, id string, read AnswerReader) (Attempt, Result, error) {
	att, drawn, err := a.loadAttempt(ctx, u, id)
	if err != nil {
		return att, Result{}, err
	}
	if !att.Open() {
		res, err := DecodeResult(att)
		return att, res, err
	}
	ans, err := read(drawn)
	if err != nil {
		return att, Result{}, err
	}
	if err := quiz.Validate(drawn, ans); err != nil {
		return att, Result{}, err
	}
	co, ok := a.Course(att.CourseID)
	if !ok {
		return att, Result{}, errCourseGone
	}
	now := a.now()
	res, sub, err := grade(co, att, drawn, ans, now)
	if err != nil {
		return att, res, err
	}
	// The certificate decision rests on the holder's current certificate;
	// when a parallel pass or a revocation changes it before the
	// submission is recorded, the store says so and we decide again.
	for try := 0; ; try++ {
		if sub.Passed && att.Kind == KindExam {
			iss, err := a.IssueCertificate(ctx, u, co, att, now)
			if err != nil {
				return att, res, err
			}
			sub.Certificate, sub.CurrentCertificate, res.CertificateID = iss.New, iss.Current, iss.ID
		}
		if sub.Result, err = json.Marshal(res); err != nil {
			return att, res, err
		}
		stored, first, err := a.att.SubmitAttempt(ctx, att.ID, u.ID, sub)
		if errors.Is(err, ErrStale) && try < 3 {
			continue
		}
		if err != nil {
			return stored, res, err
		}
		if !first { // a parallel submission won: return its result
			res, err := DecodeResult(stored)
			return stored, res, err
		}
		return stored, res, nil
	}
}

// grade scores the answers with the pure quiz package and applies the
// late-submission rule. It returns the result (without a certificate) and
// the submission to record.
func grade(co *courses.Course, att Attempt, drawn []quiz.Drawn, ans quiz.Answers, now time.Time) (Result, Submission, error) {
	pass := co.PassPercent
	if att.Kind == KindExam {
		pass = co.Exam.PassPercent
	}
	graded, err := quiz.Grade(co.Question, drawn, ans, pass)
	if err != nil {
		return Result{}, Submission{}, err
	}
	res := Result{ScorePercent: graded.ScorePercent, Passed: graded.Passed, Correct: graded.Correct, Total: graded.Total}
	if !att.ExpiresAt.IsZero() && now.After(att.ExpiresAt.Add(SubmitGrace)) {
		res.Passed, res.Expired = false, true
	}
	for _, qr := range graded.Questions {
		q, _ := co.Question(qr.QuestionID)
		res.Results = append(res.Results, QuestionResult{QuestionID: qr.QuestionID, Correct: qr.Correct, Chosen: qr.Chosen,
			CorrectOptions: qr.CorrectOptions, Explanation: q.Explanation.Get(att.Lang)})
	}
	ansJSON, err := json.Marshal(ans)
	if err != nil {
		return res, Submission{}, err
	}
	return res, Submission{Answers: ansJSON, ScorePercent: res.ScorePercent, Passed: res.Passed, SubmittedAt: now}, nil
}

// PresentedOption is an option as the learner sees it.
type PresentedOption struct {
	ID   string `json:"id"`
	Text string `json:"text"`
}

// PresentedQuestion is a drawn question as the learner sees it: in the
// drawn order, without the answer key.
type PresentedQuestion struct {
	ID      string            `json:"id"`
	Type    quiz.Type         `json:"type"`
	Text    string            `json:"text"`
	Options []PresentedOption `json:"options"`
}

// Present returns the drawn questions as the learner sees them.
func Present(co *courses.Course, drawn []quiz.Drawn, lang string) []PresentedQuestion {
	out := make([]PresentedQuestion, 0, len(drawn))
	for _, d := range drawn {
		q, _ := co.Question(d.QuestionID)
		aq := PresentedQuestion{ID: d.QuestionID, Type: q.Type, Text: q.Text.Get(lang), Options: []PresentedOption{}}
		for _, oid := range d.OptionIDs {
			for _, o := range q.Options {
				if o.ID == oid {
					aq.Options = append(aq.Options, PresentedOption{ID: o.ID, Text: o.Text.Get(lang)})
				}
			}
		}
		out = append(out, aq)
	}
	return out
}

// Attempt returns the caller's attempt; anyone else's is not found.
func (a *App) Attempt(ctx context.Context, u User, id string) (Attempt, error) {
	if !ValidAttemptID(id) {
		return Attempt{}, errNoAttempt
	}
	return a.att.AttemptFor(ctx, id, u.ID)
}

// OpenAttempt returns the person's open attempt of a module (or the exam,
// moduleID ""), or nil.
func (a *App) OpenAttempt(ctx context.Context, userID int64, courseID, moduleID string) (*Attempt, error) {
	return orNil(a.att.OpenAttempt(ctx, userID, courseID, moduleID))
}

// LatestSubmitted returns the person's newest graded attempt of a module
// (or the exam), or nil.
func (a *App) LatestSubmitted(ctx context.Context, userID int64, courseID, moduleID string) (*Attempt, error) {
	return orNil(a.att.LatestSubmitted(ctx, userID, courseID, moduleID))
}

// ModuleState returns the person's state in a module (or the exam).
func (a *App) ModuleState(ctx context.Context, userID int64, courseID, moduleID string) (ModuleState, error) {
	return a.att.ModuleState(ctx, userID, courseID, moduleID)
}

func orNil(att Attempt, err error) (*Attempt, error) {
	if errs.KindOf(err) == errs.NotFound {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &att, nil
}
