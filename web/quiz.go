package web

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	mrand "math/rand/v2"
	"regexp"
	"time"

	"github.com/gofiber/fiber/v2"

	"kipass/courses"
	"kipass/internal/errs"
	"kipass/internal/store"
	"kipass/quiz"
)

// submitGrace is how late an exam submission may arrive and still count:
// the time the browser needs to send the form after the countdown ends.
const submitGrace = 30 * time.Second

var attemptIDPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{22}$`)

var errNoAttempt = errs.New(errs.NotFound, "not_found", "No such attempt.")

func newAttemptID() string {
	b := make([]byte, 16)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// newCertificateID returns a random 128-bit id, URL-safe.
func newCertificateID() string { return newAttemptID() }

func newRand() *mrand.Rand {
	var seed [32]byte
	rand.Read(seed[:])
	return mrand.New(mrand.NewChaCha8(seed))
}

// startAttempt draws a new attempt for a module, or for the exam when
// moduleID is "".
func (s *server) startAttempt(c *fiber.Ctx, u *store.User, co *courses.Course, moduleID, lang string) (store.Attempt, []quiz.Drawn, error) {
	now := s.now()
	a := store.Attempt{ID: newAttemptID(), UserID: u.ID, CourseID: co.ID, ModuleID: moduleID, Lang: lang,
		ContentVersion: co.Version, StartedAt: now}
	var pool []quiz.Question
	var spec quiz.DrawSpec
	limit := 0
	if moduleID == "" {
		p, err := s.store.CourseProgress(c.UserContext(), u.ID, co.ID)
		if err != nil {
			return a, nil, err
		}
		if !newCourseView(co, p).ExamUnlocked {
			return a, nil, errs.New(errs.Forbidden, "exam_locked", "The final exam opens once every module quiz is passed.")
		}
		a.Kind, pool, limit = store.KindExam, co.Questions(), s.cfg.ExamAttemptsPerDay
		spec = quiz.DrawSpec{N: co.Exam.Questions, MinPerModule: co.Exam.MinPerModule}
		a.ExpiresAt = now.Add(time.Duration(co.Exam.Minutes) * time.Minute)
	} else {
		m, ok := co.Module(moduleID)
		if !ok {
			return a, nil, errNoCourse
		}
		a.Kind, pool, spec = store.KindModule, m.Questions, quiz.DrawSpec{N: co.QuizQuestions}
	}
	drawn, err := quiz.Draw(pool, spec, newRand())
	if err != nil {
		return a, nil, err
	}
	if a.Questions, err = json.Marshal(drawn); err != nil {
		return a, nil, err
	}
	return a, drawn, s.store.CreateAttempt(c.UserContext(), a, limit, 24*time.Hour)
}

// submitResult is the contract's answer to a submission. It is stored with
// the attempt and returned unchanged when the attempt is submitted again.
type submitResult struct {
	ScorePercent  int              `json:"score_percent"`
	Passed        bool             `json:"passed"`
	Expired       bool             `json:"expired,omitempty"`
	Correct       int              `json:"correct"`
	Total         int              `json:"total"`
	Results       []questionResult `json:"results"`
	CertificateID string           `json:"certificate_id,omitempty"`
}

type questionResult struct {
	QuestionID     string   `json:"question_id"`
	Correct        bool     `json:"correct"`
	Chosen         []string `json:"chosen"`
	CorrectOptions []string `json:"correct_options"`
	Explanation    string   `json:"explanation"`
}

// submit grades an attempt once. A second submission returns the first
// result unchanged; someone else's attempt is not found.
func (s *server) submit(c *fiber.Ctx, u *store.User, id string, answers func([]quiz.Drawn) (quiz.Answers, error)) (store.Attempt, submitResult, error) {
	var res submitResult
	if !attemptIDPattern.MatchString(id) {
		return store.Attempt{}, res, errNoAttempt
	}
	a, err := s.store.AttemptFor(c.UserContext(), id, u.ID)
	if err != nil {
		return a, res, err
	}
	if !a.Open() {
		return a, res, json.Unmarshal(a.Result, &res)
	}
	var drawn []quiz.Drawn
	if err := json.Unmarshal(a.Questions, &drawn); err != nil {
		return a, res, err
	}
	ans, err := answers(drawn)
	if err != nil {
		return a, res, err
	}
	if err := quiz.Validate(drawn, ans); err != nil {
		return a, res, err
	}
	co, ok := s.catalog().Course(a.CourseID)
	if !ok {
		return a, res, errs.New(errs.NotFound, "course_removed", "The course of this attempt is no longer offered.")
	}
	pass := co.PassPercent
	if a.Kind == store.KindExam {
		pass = co.Exam.PassPercent
	}
	graded, err := quiz.Grade(co.Question, drawn, ans, pass)
	if err != nil {
		return a, res, err
	}
	now := s.now()
	res = submitResult{ScorePercent: graded.ScorePercent, Passed: graded.Passed, Correct: graded.Correct, Total: graded.Total}
	if !a.ExpiresAt.IsZero() && now.After(a.ExpiresAt.Add(submitGrace)) {
		res.Passed, res.Expired = false, true
	}
	for _, qr := range graded.Questions {
		q, _ := co.Question(qr.QuestionID)
		res.Results = append(res.Results, questionResult{QuestionID: qr.QuestionID, Correct: qr.Correct, Chosen: qr.Chosen,
			CorrectOptions: qr.CorrectOptions, Explanation: q.Explanation.Get(a.Lang)})
	}
	ansJSON, err := json.Marshal(ans)
	if err != nil {
		return a, res, err
	}
	sub := store.Submission{Answers: ansJSON, ScorePercent: res.ScorePercent, Passed: res.Passed, SubmittedAt: now,
		Result: func(certificateID string) ([]byte, error) {
			res.CertificateID = certificateID
			return json.Marshal(res)
		}}
	if a.Kind == store.KindExam {
		sub.Certificate = &store.NewCertificate{ID: newCertificateID(), HolderName: u.Name, ContentVersion: a.ContentVersion,
			Lang: a.Lang, IssuedAt: now, ExpiresAt: now.AddDate(0, co.ValidityMonths, 0)}
	}
	a, first, err := s.store.SubmitAttempt(c.UserContext(), a.ID, u.ID, sub)
	if err != nil {
		return a, res, err
	}
	if !first { // a parallel submission won: return its result
		return a, res, json.Unmarshal(a.Result, &res)
	}
	return a, res, nil
}

// --- JSON API ---

type apiOption struct {
	ID   string `json:"id"`
	Text string `json:"text"`
}

type apiQuestion struct {
	ID      string      `json:"id"`
	Type    quiz.Type   `json:"type"`
	Text    string      `json:"text"`
	Options []apiOption `json:"options"`
}

// presented returns the drawn questions as the learner sees them, without
// the answer key.
func presented(co *courses.Course, drawn []quiz.Drawn, lang string) []apiQuestion {
	out := make([]apiQuestion, 0, len(drawn))
	for _, d := range drawn {
		q, _ := co.Question(d.QuestionID)
		aq := apiQuestion{ID: d.QuestionID, Type: q.Type, Text: q.Text.Get(lang), Options: []apiOption{}}
		for _, oid := range d.OptionIDs {
			for _, o := range q.Options {
				if o.ID == oid {
					aq.Options = append(aq.Options, apiOption{ID: o.ID, Text: o.Text.Get(lang)})
				}
			}
		}
		out = append(out, aq)
	}
	return out
}

func (s *server) apiStartAttempt(c *fiber.Ctx) error {
	co, err := s.course(c)
	if err != nil {
		return err
	}
	lang := apiLang(c)
	a, drawn, err := s.startAttempt(c, currentUser(c), co, c.Params("module"), lang)
	if err != nil {
		return err
	}
	var exp *string
	if !a.ExpiresAt.IsZero() {
		t := a.ExpiresAt.UTC().Format(time.RFC3339)
		exp = &t
	}
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"attempt_id": a.ID, "questions": presented(co, drawn, lang), "expires_at": exp})
}

func (s *server) apiSubmit(c *fiber.Ctx) error {
	var body struct {
		Answers json.RawMessage `json:"answers"`
	}
	_, res, err := s.submit(c, currentUser(c), c.Params("attempt"), func([]quiz.Drawn) (quiz.Answers, error) {
		if err := decodeJSON(c, &body); err != nil {
			return nil, err
		}
		if len(body.Answers) == 0 {
			return nil, errs.Field("answers", "required")
		}
		return quiz.ParseAnswers(body.Answers)
	})
	if err != nil {
		return err
	}
	return c.JSON(res)
}
