package web

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"kipass/courses"
	"kipass/internal/app"
	"kipass/internal/errs"
	"kipass/quiz"
)

// quizView is an open attempt as a form.
type quizView struct {
	AttemptID string
	Exam      bool
	Questions []apiQuestion
	ExpiresAt time.Time
	Remaining int // seconds left; 0 when untimed
	// Content is the version of the course texts shown (a reloaded
	// course has a new one).
	Content string
}

// resultView is a graded attempt with its questions, for the result page.
type resultView struct {
	Attempt app.Attempt
	Result  submitResult
	Items   []resultItem
	Course  *courses.Course
	Module  *courses.Module // nil for the exam
	Next    *courses.Module // the module after this one
	Exam    bool
	// ExamUnlocked is set when this pass completed the last module.
	ExamUnlocked bool
}

type resultItem struct {
	Text        string
	Correct     bool
	Options     []resultOption
	Explanation string
	Unanswered  bool
}

type resultOption struct {
	Text    string
	Chosen  bool
	Correct bool
}

func (s *server) quizView(co *courses.Course, a app.Attempt, lang string) (*quizView, error) {
	drawn, err := app.DecodeDrawn(a)
	if err != nil {
		return nil, err
	}
	v := &quizView{AttemptID: a.ID, Exam: a.Kind == app.KindExam, Questions: app.Present(co, drawn, lang), ExpiresAt: a.ExpiresAt,
		Content: co.Version}
	if !a.ExpiresAt.IsZero() {
		v.Remaining = max(0, int(a.ExpiresAt.Sub(s.now()).Seconds()))
	}
	return v, nil
}

// openQuiz returns the caller's open attempt for a module (or the exam).
func (s *server) openQuiz(c *fiber.Ctx, u *app.User, co *courses.Course, moduleID string) (*quizView, error) {
	a, err := s.app.OpenAttempt(c.UserContext(), u.ID, co.ID, moduleID)
	if err != nil || a == nil {
		return nil, err
	}
	return s.quizView(co, *a, langOf(c))
}

// lastResult returns the caller's newest graded attempt of a module (or the exam).
func (s *server) lastResult(c *fiber.Ctx, u *app.User, co *courses.Course, moduleID string) (*resultView, error) {
	a, err := s.app.LatestSubmitted(c.UserContext(), u.ID, co.ID, moduleID)
	if err != nil || a == nil {
		return nil, err
	}
	return s.resultView(co, *a, langOf(c))
}

func (s *server) resultView(co *courses.Course, a app.Attempt, lang string) (*resultView, error) {
	res, err := app.DecodeResult(a)
	if err != nil {
		return nil, err
	}
	v := &resultView{Attempt: a, Result: res, Course: co, Exam: a.Kind == app.KindExam}
	if m, ok := co.Module(a.ModuleID); ok {
		v.Module = m
		if m.Index+1 < len(co.Modules) {
			v.Next = co.Modules[m.Index+1]
		}
	}
	drawn, err := app.DecodeDrawn(a)
	if err != nil {
		return nil, err
	}
	order := map[string][]string{}
	for _, d := range drawn {
		order[d.QuestionID] = d.OptionIDs
	}
	for _, r := range v.Result.Results {
		q, _ := co.Question(r.QuestionID)
		it := resultItem{Text: q.Text.Get(lang), Correct: r.Correct, Explanation: q.Explanation.Get(lang), Unanswered: len(r.Chosen) == 0}
		for _, oid := range order[r.QuestionID] {
			for _, o := range q.Options {
				if o.ID == oid {
					it.Options = append(it.Options, resultOption{Text: o.Text.Get(lang), Chosen: contains(r.Chosen, oid), Correct: contains(r.CorrectOptions, oid)})
				}
			}
		}
		v.Items = append(v.Items, it)
	}
	return v, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// formAnswers reads the radio buttons and checkboxes named q-<question id>.
func formAnswers(c *fiber.Ctx) func([]quiz.Drawn) (quiz.Answers, error) {
	return func(drawn []quiz.Drawn) (quiz.Answers, error) {
		a := quiz.Answers{}
		args := c.Request().PostArgs()
		for _, d := range drawn {
			for _, v := range args.PeekMulti("q-" + d.QuestionID) {
				a[d.QuestionID] = append(a[d.QuestionID], string(v))
			}
		}
		return a, nil
	}
}

// startQuizForm starts (or resumes) the module quiz and shows it under the module.
func (s *server) startQuizForm(c *fiber.Ctx) error {
	co, m, err := s.courseModule(c)
	if err != nil {
		return err
	}
	u := currentUser(c)
	target := "/courses/" + co.ID + "/" + m.ID + "#quiz"
	if open, err := s.openQuiz(c, u, co, m.ID); err != nil || open != nil {
		if err != nil {
			return err
		}
		return c.Redirect(target, fiber.StatusSeeOther)
	}
	if _, err := s.app.StartAttempt(c.UserContext(), *u, co.ID, m.ID, langOf(c)); err != nil {
		return err
	}
	return c.Redirect(target, fiber.StatusSeeOther)
}

// examPage shows the exam: locked, running (the form with the time left),
// or the last result with the option to try again.
type examPage struct {
	courseView
	Quiz      *quizView
	Last      *resultView
	Used      int // exam attempts in the last 24 hours
	Limit     int
	LimitHit  bool
	Exam      courses.Exam
	Remaining int // attempts left today
}

func (s *server) examPage(c *fiber.Ctx) error {
	cv, err := s.courseView(c)
	if err != nil {
		return err
	}
	co := cv.Course
	v := examPage{courseView: cv, Exam: co.Exam, Limit: s.app.Config().ExamAttemptsPerDay}
	if u := currentUser(c); u != nil {
		if v.Quiz, err = s.openQuiz(c, u, co, ""); err != nil {
			return err
		}
		if v.Last, err = s.lastResult(c, u, co, ""); err != nil {
			return err
		}
		al, err := s.app.ExamAllowance(c.UserContext(), u.ID, co.ID)
		if err != nil {
			return err
		}
		v.Used, v.Limit, v.Remaining = al.Used, al.Limit, al.Remaining
		v.LimitHit = v.Remaining == 0
	}
	return s.renderPage(c, fiber.StatusOK, "exam", s.views.t(langOf(c), "exam.title"), nil, v)
}

func (s *server) startExamForm(c *fiber.Ctx) error {
	co, err := s.course(c)
	if err != nil {
		return err
	}
	u := currentUser(c)
	target := "/courses/" + co.ID + "/exam"
	if open, err := s.openQuiz(c, u, co, ""); err != nil || open != nil {
		if err != nil {
			return err
		}
		return c.Redirect(target, fiber.StatusSeeOther)
	}
	if _, err := s.app.StartAttempt(c.UserContext(), *u, co.ID, "", langOf(c)); err != nil {
		if errs.KindOf(err) == errs.Throttled {
			return c.Redirect(target, fiber.StatusSeeOther) // the page explains the limit
		}
		return err
	}
	return c.Redirect(target, fiber.StatusSeeOther)
}

// submitForm grades the attempt and shows its result page.
func (s *server) submitForm(c *fiber.Ctx) error {
	a, _, err := s.app.Submit(c.UserContext(), *currentUser(c), c.Params("attempt"), formAnswers(c))
	if err != nil {
		return err
	}
	return c.Redirect("/attempts/"+a.ID, fiber.StatusSeeOther)
}

// attemptPage shows a graded attempt; an open one is shown where it is taken.
func (s *server) attemptPage(c *fiber.Ctx) error {
	a, err := s.app.Attempt(c.UserContext(), *currentUser(c), c.Params("attempt"))
	if err != nil {
		return err
	}
	co, ok := s.catalog().Course(a.CourseID)
	if !ok {
		return errNoCourse
	}
	if a.Open() {
		if a.Kind == app.KindExam {
			return c.Redirect("/courses/"+co.ID+"/exam", fiber.StatusSeeOther)
		}
		return c.Redirect("/courses/"+co.ID+"/"+a.ModuleID+"#quiz", fiber.StatusSeeOther)
	}
	v, err := s.resultView(co, a, langOf(c))
	if err != nil {
		return err
	}
	if !v.Exam && v.Result.Passed {
		st, err := s.courseStatus(c, co)
		if err != nil {
			return err
		}
		v.ExamUnlocked = st.ExamUnlocked
	}
	title := "result.title"
	return s.renderPage(c, fiber.StatusOK, "result", s.views.t(langOf(c), title), nil, v)
}
