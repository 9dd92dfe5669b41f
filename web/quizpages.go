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
	// Draft holds the answers saved so far, in the shown option ids;
	// DraftKey is the draft as stored, naming the pre-rendered form.
	Draft    quiz.Answers
	DraftKey string
	Answered int
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
	// Modules is the exam's score per module.
	Modules []moduleScore
	// KeyShown is set when the result names the correct answers.
	KeyShown bool
	// Cert is the certificate of a passed exam, for the moment of success.
	Cert *myCertificate
}

type resultItem struct {
	Text        string
	Correct     bool
	Options     []resultOption
	Explanation string
	Unanswered  bool
	// KeyShown is set when the result names the correct options; before a
	// module is passed (and always in the exam) it only says right or wrong.
	KeyShown bool
	// Objective is the learning objective the question tests: what to
	// reread when the key is not shown.
	Objective string
}

// moduleScore is the exam's result in one module, for the result page.
type moduleScore struct {
	Module         *courses.Module
	Correct, Total int
	Percent        int
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
	draft, err := app.DecodeDraft(a)
	if err != nil {
		return nil, err
	}
	v := &quizView{AttemptID: a.ID, Exam: a.Kind == app.KindExam, Questions: app.Present(co, drawn, lang), ExpiresAt: a.ExpiresAt,
		Content: co.Version, Draft: quiz.FromContent(drawn, draft), DraftKey: string(a.Draft), Answered: app.Answered(drawn, draft)}
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
	byQuestion := map[string]quiz.Drawn{}
	for _, d := range drawn {
		byQuestion[d.QuestionID] = d
	}
	for _, r := range v.Result.Results {
		q, _ := co.Question(r.QuestionID)
		d := byQuestion[r.QuestionID]
		// Results stored before key secrecy carry the key; newer ones only
		// where the rules showed it.
		it := resultItem{Text: q.Text.Get(lang), Correct: r.Correct, Explanation: r.Explanation, Unanswered: len(r.Chosen) == 0,
			KeyShown: len(r.CorrectOptions) > 0, Objective: objectiveText(co, q, lang)}
		shown := d.Shown()
		for i, oid := range d.OptionIDs {
			for _, o := range q.Options {
				if o.ID == oid {
					it.Options = append(it.Options, resultOption{Text: o.Text.Get(lang), Chosen: contains(r.Chosen, shown[i]), Correct: contains(r.CorrectOptions, shown[i])})
				}
			}
		}
		v.Items = append(v.Items, it)
		v.KeyShown = v.KeyShown || it.KeyShown
	}
	for _, ms := range v.Result.Modules {
		if m, ok := co.Module(ms.ModuleID); ok && ms.Total > 0 {
			v.Modules = append(v.Modules, moduleScore{Module: m, Correct: ms.Correct, Total: ms.Total, Percent: ms.Correct * 100 / ms.Total})
		}
	}
	return v, nil
}

// objectiveText returns the learning objective a question tests, in lang,
// or "" when the content names none.
func objectiveText(co *courses.Course, q quiz.Question, lang string) string {
	m, ok := co.Module(q.Module)
	n := co.Objective(q.ID)
	if !ok || n < 1 || n > len(m.Objectives[lang]) {
		return ""
	}
	return m.Objectives[lang][n-1]
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
		if e := errs.As(err); e != nil && e.Code == "quiz_cooldown" {
			return c.Redirect("/courses/"+co.ID+"/"+m.ID+"?notice=cooldown#quiz", fiber.StatusSeeOther)
		}
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
	Remaining int    // attempts left today
	Notice    string // a message key after a redirect
	// NameEditable is true while the person may still correct the name
	// the certificate will carry (no certificate yet).
	NameEditable bool
}

func (s *server) examPage(c *fiber.Ctx) error {
	// An exam whose time ran out is graded on its saved answers before the
	// page shows it (the periodic job does it for those who never return).
	if u := currentUser(c); u != nil {
		if _, err := s.app.FinishExpired(c.UserContext(), u.ID); err != nil {
			return err
		}
	}
	cv, err := s.courseView(c)
	if err != nil {
		return err
	}
	co := cv.Course
	v := examPage{courseView: cv, Exam: co.Exam, Limit: s.app.Config().ExamAttemptsPerDay, Notice: quizNotice(c)}
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
		if v.NameEditable, err = s.app.NameCorrectable(c.UserContext(), u.ID); err != nil {
			return err
		}
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

// submitForm grades the attempt and shows its result page. The answers
// are saved as the draft first, so that nothing is lost when the rules
// send the learner back: with no answer at all to the quiz with a notice,
// with unanswered exam questions to the review step (where "submit
// anyway" posts confirm=1 and grades the saved answers).
func (s *server) submitForm(c *fiber.Ctx) error {
	u, id := *currentUser(c), c.Params("attempt")
	var read app.AnswerReader = formAnswers(c)
	if c.FormValue("saved") == "1" {
		read = nil // the review step: grade what was saved
	} else if _, err := s.app.SaveDraft(c.UserContext(), u, id, read); err != nil && errs.KindOf(err) != errs.Conflict {
		return err // a closed attempt is graded (late) or shown by Submit below
	}
	a, _, err := s.app.Submit(c.UserContext(), u, id, read, c.FormValue("confirm") == "1")
	switch e := errs.As(err); {
	case e != nil && e.Code == "no_answers":
		return c.Redirect(s.quizLocation(c, a, "no_answers"), fiber.StatusSeeOther)
	case e != nil && e.Code == "unanswered":
		return c.Redirect("/attempts/"+a.ID+"/review", fiber.StatusSeeOther)
	case err != nil:
		return err
	}
	return c.Redirect("/attempts/"+a.ID+"#result", fiber.StatusSeeOther)
}

// quizLocation is where an open attempt is taken, with a notice key.
func (s *server) quizLocation(c *fiber.Ctx, a app.Attempt, notice string) string {
	q := ""
	if notice != "" {
		q = "?notice=" + notice
	}
	if a.Kind == app.KindExam {
		return "/courses/" + a.CourseID + "/exam" + q + "#quiz"
	}
	return "/courses/" + a.CourseID + "/" + a.ModuleID + q + "#quiz"
}

// saveDraftForm saves the answers so far ("save answers" without
// JavaScript) and returns to the attempt.
func (s *server) saveDraftForm(c *fiber.Ctx) error {
	a, err := s.app.SaveDraft(c.UserContext(), *currentUser(c), c.Params("attempt"), formAnswers(c))
	if errs.KindOf(err) == errs.Conflict {
		return c.Redirect("/attempts/"+a.ID, fiber.StatusSeeOther) // graded meanwhile: show the result
	}
	if err != nil {
		return err
	}
	return c.Redirect(s.quizLocation(c, a, "saved"), fiber.StatusSeeOther)
}

// reviewPage lists the unanswered questions of an open exam before it is
// submitted: answer them, or submit anyway.
type reviewPage struct {
	Attempt    app.Attempt
	Course     *courses.Course
	Unanswered []reviewItem
	Answered   int
	Total      int
}

type reviewItem struct {
	Number int
	ID     string
	Text   string
}

func (s *server) reviewPage(c *fiber.Ctx) error {
	a, err := s.app.Attempt(c.UserContext(), *currentUser(c), c.Params("attempt"))
	if err != nil {
		return err
	}
	if !a.Open() {
		return c.Redirect("/attempts/"+a.ID, fiber.StatusSeeOther)
	}
	co, ok := s.catalog().Course(a.CourseID)
	if !ok {
		return errNoCourse
	}
	drawn, err := app.DecodeDrawn(a)
	if err != nil {
		return err
	}
	draft, err := app.DecodeDraft(a)
	if err != nil {
		return err
	}
	lang := langOf(c)
	v := reviewPage{Attempt: a, Course: co, Answered: app.Answered(drawn, draft), Total: len(drawn)}
	for i, d := range drawn {
		if len(draft[d.QuestionID]) == 0 {
			q, _ := co.Question(d.QuestionID)
			v.Unanswered = append(v.Unanswered, reviewItem{Number: i + 1, ID: d.QuestionID, Text: q.Text.Get(lang)})
		}
	}
	return s.renderPage(c, fiber.StatusOK, "review", s.views.t(lang, "review.title"), nil, v)
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
	if v.Cert, err = s.successCertificate(c, a, v.Result); err != nil {
		return err
	}
	title := "result.title"
	return s.renderPage(c, fiber.StatusOK, "result", s.views.t(langOf(c), title), nil, v)
}
