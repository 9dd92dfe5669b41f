package web

import (
	"time"

	"html/template"

	"github.com/gofiber/fiber/v2"

	"kipass/courses"
	"kipass/internal/app"
)

var errNoCourse = app.ErrNoCourse

// course returns the course named in the route.
func (s *server) course(c *fiber.Ctx) (*courses.Course, error) {
	co, ok := s.catalog().Course(c.Params("course"))
	if !ok {
		return nil, errNoCourse
	}
	return co, nil
}

// courseView is a course with the caller's progress, for templates.
type courseView = app.CourseStatus

// courseStatus returns the caller's status in a course; empty when anonymous.
func (s *server) courseStatus(c *fiber.Ctx, co *courses.Course) (courseView, error) {
	var uid int64
	if u := currentUser(c); u != nil {
		uid = u.ID
	}
	return s.app.CourseStatus(c.UserContext(), uid, co)
}

// courseView returns the route's course with the caller's progress.
func (s *server) courseView(c *fiber.Ctx) (courseView, error) {
	co, err := s.course(c)
	if err != nil {
		return courseView{}, err
	}
	return s.courseStatus(c, co)
}

func (s *server) coursePage(c *fiber.Ctx) error {
	u := currentUser(c)
	var who app.User
	if u != nil {
		who = *u
		if _, err := s.app.FinishExpired(c.UserContext(), u.ID); err != nil {
			return err
		}
	}
	co, err := s.course(c)
	if err != nil {
		return err
	}
	v, err := s.app.LearnerCourse(c.UserContext(), who, co, langOf(c))
	if err != nil {
		return err
	}
	return s.renderPage(c, fiber.StatusOK, "course", co.Title.Get(langOf(c)), nil, v)
}

// nextStep sends the learner to the next step of a course: the first
// module not passed, else the exam (reminder emails link here).
func (s *server) nextStep(c *fiber.Ctx) error {
	co, err := s.course(c)
	if err != nil {
		return err
	}
	v, err := s.app.LearnerCourse(c.UserContext(), *currentUser(c), co, langOf(c))
	if err != nil {
		return err
	}
	switch {
	case v.Next != nil && v.OpenExam == nil:
		return c.Redirect("/courses/"+co.ID+"/"+v.Next.Module.ID, fiber.StatusSeeOther)
	case !v.ExamPassed || v.OpenExam != nil:
		return c.Redirect("/courses/"+co.ID+"/exam", fiber.StatusSeeOther)
	}
	return c.Redirect("/courses/"+co.ID, fiber.StatusSeeOther)
}

// modulePage is the module text, then its quiz: the open attempt's form, or
// the last result and a start button. The text around the quiz is rendered
// once per module and language.
type modulePage struct {
	Top, Bottom template.HTML
	Course      *courses.Course
	Module      *courses.Module
	Passed      bool
	Quiz        *quizView   // the open attempt, if any
	Last        *app.Graded // the newest graded attempt, if any
	Notice      string      // a message key after a redirect (see quizNotice)
	// CooldownUntil is when the next quiz attempt opens after repeated
	// failures; zero when it is open.
	CooldownUntil time.Time
}

// quizNotice returns the known notice named in ?notice=, as a message key.
func quizNotice(c *fiber.Ctx) string {
	switch n := c.Query("notice"); n {
	case "no_answers", "saved", "cooldown":
		return "quiz.notice_" + n
	}
	return ""
}

// courseModule returns the course and module named in the route.
func (s *server) courseModule(c *fiber.Ctx) (*courses.Course, *courses.Module, error) {
	co, err := s.course(c)
	if err != nil {
		return nil, nil, err
	}
	m, ok := co.Module(c.Params("module"))
	if !ok {
		return nil, nil, errNoCourse
	}
	return co, m, nil
}

func (s *server) modulePage(c *fiber.Ctx) error {
	co, m, err := s.courseModule(c)
	if err != nil {
		return err
	}
	lang := langOf(c)
	parts, err := s.articles.get(s.views, co, m, lang)
	if err != nil {
		return err
	}
	v := modulePage{Top: parts.top, Bottom: parts.bottom, Course: co, Module: m, Notice: quizNotice(c)}
	if u := currentUser(c); u != nil {
		st, err := s.app.ModuleState(c.UserContext(), u.ID, co.ID, m.ID)
		if err != nil {
			return err
		}
		v.Passed = st.Passed
		if st.Open != nil {
			if v.Quiz, err = s.quizView(co, *st.Open, lang); err != nil {
				return err
			}
		} else {
			v.Last = st.Last
			if v.Last != nil && !v.Last.Passed {
				if v.CooldownUntil, err = s.app.QuizCooldown(c.UserContext(), u.ID, co.ID, m.ID); err != nil {
					return err
				}
			}
		}
	}
	return s.renderPage(c, fiber.StatusOK, "module", m.Title.Get(lang), nil, v)
}

// apiCourses lists the courses with the caller's progress.
func (s *server) apiCourses(c *fiber.Ctx) error {
	lang := apiLang(c)
	type moduleOut struct {
		ID      string `json:"id"`
		Title   string `json:"title"`
		Minutes int    `json:"minutes"`
		Passed  bool   `json:"passed"`
	}
	type courseOut struct {
		ID           string      `json:"id"`
		Title        string      `json:"title"`
		Version      string      `json:"version"`
		Modules      []moduleOut `json:"modules"`
		ExamUnlocked bool        `json:"exam_unlocked"`
		Passed       bool        `json:"passed"`
	}
	out := []courseOut{}
	for _, co := range s.catalog().Courses {
		v, err := s.courseStatus(c, co)
		if err != nil {
			return err
		}
		o := courseOut{ID: co.ID, Title: co.Title.Get(lang), Version: co.Version, ExamUnlocked: v.ExamUnlocked, Passed: v.ExamPassed, Modules: []moduleOut{}}
		for _, ms := range v.Modules {
			o.Modules = append(o.Modules, moduleOut{ID: ms.Module.ID, Title: ms.Module.Title.Get(lang), Minutes: ms.Module.Minutes[lang], Passed: ms.Passed})
		}
		out = append(out, o)
	}
	return c.JSON(out)
}

// apiLang is ?lang= for API calls, else the account's language, else German.
func apiLang(c *fiber.Ctx) string {
	if l := c.Query("lang"); validLang(l) {
		return l
	}
	if u := currentUser(c); u != nil && validLang(u.Lang) {
		return u.Lang
	}
	return "de"
}
