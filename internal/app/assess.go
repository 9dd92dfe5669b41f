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
		att.Kind, pool, limit = KindExam, co.ExamPool(), a.cfg.ExamAttemptsPerDay
		spec = quiz.DrawSpec{N: co.Exam.Questions, MinPerModule: co.Exam.MinPerModule}
		att.ExpiresAt = now.Add(time.Duration(co.Exam.Minutes) * time.Minute)
	} else {
		m, ok := co.Module(moduleID)
		if !ok {
			return Started{}, ErrNoCourse
		}
		if err := a.checkCooldown(ctx, u, co.ID, m.ID, now); err != nil {
			return Started{}, err
		}
		att.Kind, pool, spec = KindModule, m.Questions, quiz.DrawSpec{N: co.QuizQuestions}
	}
	rng := a.rand()
	drawn, err := quiz.Draw(pool, spec, rng)
	if err != nil {
		return Started{}, err
	}
	quiz.Tokenize(drawn, rng)
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
	// KeyShown says whether Results carry the correct options and the
	// explanations: for a module quiz once the module is passed, never
	// for the exam (its questions stay secret; see keyShown).
	KeyShown bool `json:"key_shown"`
	// Modules is the exam's score per module, in course order: what to
	// reread after a failed exam.
	Modules []ModuleScore `json:"modules,omitempty"`
}

// ModuleScore is the exam's result in one module.
type ModuleScore struct {
	ModuleID string `json:"module_id"`
	Correct  int    `json:"correct"`
	Total    int    `json:"total"`
}

// QuestionResult is one graded question of a Result.
type QuestionResult struct {
	QuestionID     string   `json:"question_id"`
	Correct        bool     `json:"correct"`
	Chosen         []string `json:"chosen"`
	CorrectOptions []string `json:"correct_options"`
	Explanation    string   `json:"explanation"`
	// ModuleID is the module the question comes from.
	ModuleID string `json:"module_id,omitempty"`
}

// DecodeResult returns the stored result of a submitted attempt.
func DecodeResult(a Attempt) (Result, error) {
	var res Result
	err := json.Unmarshal(a.Result, &res)
	return res, err
}

// AnswerReader returns the answers of a submission or a draft, in the ids
// the learner was shown (the attempt's option tokens). It is called once
// the attempt's drawn questions are known (a form names its fields after
// them) and only for an open attempt of the caller, so a body is never read
// for an attempt that is not theirs.
type AnswerReader func(drawn []quiz.Drawn) (quiz.Answers, error)

// loadAttempt loads the caller's attempt and, while it is open, its drawn
// questions; the first step of Submit and SaveDraft.
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

// readAnswers reads shown answers and translates them to content ids,
// refusing options the attempt did not show.
func readAnswers(read AnswerReader, drawn []quiz.Drawn) (quiz.Answers, error) {
	shown, err := read(drawn)
	if err != nil {
		return nil, err
	}
	ans, err := quiz.ToContent(drawn, shown)
	if err != nil {
		return nil, err
	}
	if err := quiz.Validate(drawn, ans); err != nil {
		return nil, err
	}
	return ans, nil
}

// DecodeDraft returns an attempt's saved answers in content ids (empty
// when nothing was saved).
func DecodeDraft(att Attempt) (quiz.Answers, error) {
	ans := quiz.Answers{}
	if len(att.Draft) == 0 {
		return ans, nil
	}
	return ans, json.Unmarshal(att.Draft, &ans)
}

// Answered counts the drawn questions that ans answers.
func Answered(drawn []quiz.Drawn, ans quiz.Answers) int {
	n := 0
	for _, d := range drawn {
		if len(ans[d.QuestionID]) > 0 {
			n++
		}
	}
	return n
}

// Unanswered lists the drawn questions that ans leaves open, in order.
func Unanswered(drawn []quiz.Drawn, ans quiz.Answers) []string {
	var out []string
	for _, d := range drawn {
		if len(ans[d.QuestionID]) == 0 {
			out = append(out, d.QuestionID)
		}
	}
	return out
}

var errNoAnswers = errs.New(errs.Invalid, "no_answers", "No question is answered yet; nothing was graded.")

// SaveDraft stores the answers so far of the caller's open attempt, so
// that a reload, a language switch or another device shows them again and
// the exam's timeout grades them. A submitted attempt, or one whose time
// ran out, answers 409 attempt_closed and nothing changes. It returns the
// attempt with the draft as saved.
func (a *App) SaveDraft(ctx context.Context, u User, id string, read AnswerReader) (Attempt, error) {
	att, drawn, err := a.loadAttempt(ctx, u, id)
	if err != nil {
		return att, err
	}
	now := a.now()
	if !att.Open() || (!att.ExpiresAt.IsZero() && !now.Before(att.ExpiresAt)) {
		return att, ErrAttemptClosed
	}
	ans, err := readAnswers(read, drawn)
	if err != nil {
		return att, err
	}
	draft, err := json.Marshal(ans)
	if err != nil {
		return att, err
	}
	if err := a.att.SaveDraft(ctx, att.ID, u.ID, draft, now); err != nil {
		return att, err
	}
	att.Draft = draft
	return att, nil
}

// Submit grades an attempt once. A second submission returns the first
// result unchanged; someone else's attempt is not found.
//
//   - read == nil grades the saved draft (the review step's "submit anyway").
//   - No answer at all: 400 no_answers, the attempt stays open and, for the
//     exam, no attempt of the day is used up.
//   - An exam with unanswered questions needs confirm, else 409 unanswered
//     listing them; nothing is graded.
//   - An exam that arrives more than SubmitGrace after its time ran out is
//     graded on the answers saved before the deadline (the draft), as of
//     the deadline, and marked Expired; answers sent late do not count.
//   - A passed exam issues a certificate (see IssueCertificate) in the same
//     transaction as the pass.
func (a *App) Submit(ctx context.Context, u User, id string, read AnswerReader, confirm bool) (Attempt, Result, error) {
	att, drawn, err := a.loadAttempt(ctx, u, id)
	if err != nil {
		return att, Result{}, err
	}
	if !att.Open() {
		res, err := DecodeResult(att)
		return att, res, err
	}
	now := a.now()
	late := !att.ExpiresAt.IsZero() && now.After(att.ExpiresAt.Add(SubmitGrace))
	var ans quiz.Answers
	if read == nil || late {
		if ans, err = DecodeDraft(att); err != nil {
			return att, Result{}, err
		}
	} else if ans, err = readAnswers(read, drawn); err != nil {
		return att, Result{}, err
	}
	if late {
		return a.record(ctx, u, att, drawn, ans, att.ExpiresAt, true)
	}
	if Answered(drawn, ans) == 0 {
		return att, Result{}, errNoAnswers
	}
	if open := Unanswered(drawn, ans); att.Kind == KindExam && len(open) > 0 && !confirm {
		e := errs.New(errs.Conflict, "unanswered", fmt.Sprintf("%d questions are not answered yet. Submit anyway with confirm, or answer them first.", len(open)))
		e.Fields = make(map[string]string, len(open))
		for _, q := range open {
			e.Fields[q] = "unanswered"
		}
		return att, Result{}, e
	}
	return a.record(ctx, u, att, drawn, ans, now, false)
}

// record grades ans (content ids) as the attempt's submission at time at
// and stores it once, with the certificate a passed exam issues.
func (a *App) record(ctx context.Context, u User, att Attempt, drawn []quiz.Drawn, ans quiz.Answers, at time.Time, expired bool) (Attempt, Result, error) {
	co, ok := a.Course(att.CourseID)
	if !ok {
		return att, Result{}, errCourseGone
	}
	passedBefore := false
	if att.Kind == KindModule {
		p, err := a.att.CourseProgress(ctx, u.ID, att.CourseID)
		if err != nil {
			return att, Result{}, err
		}
		_, passedBefore = p.ModulesPassed[att.ModuleID]
	}
	res, sub, err := grade(co, att, drawn, ans, at, expired, passedBefore)
	if err != nil {
		return att, res, err
	}
	// The certificate decision rests on the holder's current certificate;
	// when a parallel pass or a revocation changes it before the
	// submission is recorded, the store says so and we decide again.
	for try := 0; ; try++ {
		if sub.Passed && att.Kind == KindExam {
			iss, err := a.IssueCertificate(ctx, u, co, att, at)
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

// FinishExpired grades every open exam whose time (and SubmitGrace) ran
// out on the answers saved before the deadline, as if submitted then:
// the learner who never comes back gets the result of the work saved.
// userID 0 means everyone's (the periodic job); a page passes the
// viewer's id so that their exam is settled before it is shown. It returns
// how many exams it graded.
func (a *App) FinishExpired(ctx context.Context, userID int64) (int, error) {
	done := 0
	for {
		batch, err := a.att.ExpiredExams(ctx, userID, a.now().Add(-SubmitGrace), 100)
		if err != nil || len(batch) == 0 {
			return done, err
		}
		for _, att := range batch {
			u, err := a.accounts.UserByID(ctx, att.UserID)
			if err != nil {
				return done, fmt.Errorf("app: finish expired exam: %w", err)
			}
			drawn, err := DecodeDrawn(att)
			if err != nil {
				return done, err
			}
			ans, err := DecodeDraft(att)
			if err != nil {
				return done, err
			}
			if _, _, err := a.record(ctx, u, att, drawn, ans, att.ExpiresAt, true); err != nil {
				return done, fmt.Errorf("app: finish expired exam: %w", err)
			}
			done++
		}
		if len(batch) < 100 {
			return done, nil
		}
	}
}

// Cooldown after failed module quizzes: after CooldownFailures failures
// within CooldownWindow, the next attempt of that module waits
// Config.QuizCooldown (DefaultCooldown) after the last failure, so that
// guessing through a pool costs time.
const (
	CooldownFailures = 3
	CooldownWindow   = time.Hour
	DefaultCooldown  = 10 * time.Minute
)

// checkCooldown refuses a module attempt during the wait after repeated
// failures, with the time it ends.
func (a *App) checkCooldown(ctx context.Context, u User, courseID, moduleID string, now time.Time) error {
	until, err := a.cooldownEnd(ctx, u.ID, courseID, moduleID, now)
	if err != nil || until.IsZero() {
		return err
	}
	e := errs.New(errs.Throttled, "quiz_cooldown", fmt.Sprintf("After %d failed attempts within an hour, the next attempt opens at %s.",
		CooldownFailures, until.UTC().Format(time.RFC3339)))
	e.Fields = map[string]string{"retry_at": until.UTC().Format(time.RFC3339)}
	return e
}

// QuizCooldown returns when the person's next attempt of a module opens,
// or the zero time when it is open now.
func (a *App) QuizCooldown(ctx context.Context, userID int64, courseID, moduleID string) (time.Time, error) {
	return a.cooldownEnd(ctx, userID, courseID, moduleID, a.now())
}

func (a *App) cooldownEnd(ctx context.Context, userID int64, courseID, moduleID string, now time.Time) (time.Time, error) {
	if a.cfg.QuizCooldown < 0 {
		return time.Time{}, nil
	}
	n, last, err := a.att.ModuleFailures(ctx, userID, courseID, moduleID, now.Add(-CooldownWindow))
	if err != nil || n < CooldownFailures {
		return time.Time{}, err
	}
	if until := last.Add(a.cfg.QuizCooldown); now.Before(until) {
		return until, nil
	}
	return time.Time{}, nil
}

// grade scores the answers (content ids) with the pure quiz package. It
// returns the result in the ids the learner was shown (without a
// certificate) and the submission to record. The key (correct options and
// explanations) is part of the result only where keyShown allows it.
func grade(co *courses.Course, att Attempt, drawn []quiz.Drawn, ans quiz.Answers, at time.Time, expired, passedBefore bool) (Result, Submission, error) {
	pass := co.PassPercent
	if att.Kind == KindExam {
		pass = co.Exam.PassPercent
	}
	graded, err := quiz.Grade(co.Question, drawn, ans, pass)
	if err != nil {
		return Result{}, Submission{}, err
	}
	shown := quiz.ShownResult(drawn, graded)
	res := Result{ScorePercent: graded.ScorePercent, Passed: graded.Passed, Expired: expired, Correct: graded.Correct, Total: graded.Total,
		Results: []QuestionResult{}}
	res.KeyShown = keyShown(att.Kind, graded.Passed || passedBefore)
	perModule := map[string]*ModuleScore{}
	for _, qr := range shown.Questions {
		q, _ := co.Question(qr.QuestionID)
		r := QuestionResult{QuestionID: qr.QuestionID, Correct: qr.Correct, Chosen: qr.Chosen, CorrectOptions: []string{}, ModuleID: q.Module}
		if res.KeyShown {
			r.CorrectOptions, r.Explanation = qr.CorrectOptions, q.Explanation.Get(att.Lang)
		}
		res.Results = append(res.Results, r)
		ms := perModule[q.Module]
		if ms == nil {
			ms = &ModuleScore{ModuleID: q.Module}
			perModule[q.Module] = ms
		}
		ms.Total++
		if qr.Correct {
			ms.Correct++
		}
	}
	if att.Kind == KindExam {
		for _, m := range co.Modules {
			if ms := perModule[m.ID]; ms != nil {
				res.Modules = append(res.Modules, *ms)
			}
		}
	}
	ansJSON, err := json.Marshal(ans)
	if err != nil {
		return res, Submission{}, err
	}
	return res, Submission{Answers: ansJSON, ScorePercent: res.ScorePercent, Passed: res.Passed, SubmittedAt: at}, nil
}

// keyShown is the rule of key secrecy: a module quiz shows the correct
// options and explanations once the module is passed (by this attempt or
// before); before that it says only which answers were wrong, so that the
// key cannot be harvested by failing on purpose. The exam never shows its
// key: its questions come from a pool no quiz shows, and a result that
// named the answers would hand them on.
func keyShown(kind string, modulePassed bool) bool {
	return kind == KindModule && modulePassed
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
		shown := d.Shown()
		for i, oid := range d.OptionIDs {
			for _, o := range q.Options {
				if o.ID == oid {
					aq.Options = append(aq.Options, PresentedOption{ID: shown[i], Text: o.Text.Get(lang)})
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
