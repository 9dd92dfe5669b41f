package web

import (
	"net/url"

	"github.com/gofiber/fiber/v2"

	"kipass/internal/app"
)

func (s *server) healthz(c *fiber.Ctx) error {
	if err := s.app.Ping(c.UserContext()); err != nil {
		s.log.Error("health check failed", "err", err)
		return c.Status(fiber.StatusServiceUnavailable).SendString("database unavailable")
	}
	return c.SendString("ok")
}

// home shows the start page with every course and, when logged in, the
// caller's progress.
// homeView is the start page: for a logged-in person each course as a
// dashboard (next step, progress, deadline, time left, exam, certificate);
// for visitors what the courses are.
type homeView struct {
	Courses []app.LearnerCourse
	// StaffStart is the HR or admin start page for those roles ("": none).
	StaffStart string
	// Org and Logo name the organisation that offers the course (Logo:
	// its logo's URL, "" for none).
	Org, Logo string
}

func (s *server) home(c *fiber.Ctx) error {
	u := currentUser(c)
	var v homeView
	var who app.User
	if u != nil {
		who = *u
		if _, err := s.app.FinishExpired(c.UserContext(), u.ID); err != nil {
			return err
		}
		v.StaffStart = staffStart(u.Role)
	}
	if o := s.organisation(c.UserContext()); o.Name != "" {
		v.Org = o.Name
		if o.LogoVersion != "" {
			v.Logo = logoPath + "?v=" + o.LogoVersion
		}
	}
	for _, co := range s.catalog().Courses {
		lc, err := s.app.LearnerCourse(c.UserContext(), who, co, langOf(c))
		if err != nil {
			return err
		}
		v.Courses = append(v.Courses, lc)
	}
	return s.render(c, fiber.StatusOK, "home", "home.title", nil, v)
}

// staffStart is the start page of a role: HR and admins land there after
// logging in.
func staffStart(role string) string {
	switch role {
	case app.RoleAdmin:
		return "/admin"
	case app.RoleHR:
		return "/hr"
	}
	return ""
}

// meView is what /me shows.
type meView struct {
	Certs   []myCertificate
	Courses []app.LearnerCourse // assigned courses with their due dates
	// NameEditable is true while no certificate carries the name.
	NameEditable bool
	Notice       string // a message key after a redirect
}

// meNotice returns the message key of a known ?notice= on /me.
func meNotice(n string) string {
	switch n {
	case "password_changed", "name_changed":
		return "me." + n
	}
	return ""
}

func (s *server) mePage(c *fiber.Ctx) error { return s.renderMe(c, fiber.StatusOK, nil) }

// renderMe renders /me, with a form shown again when f is set.
func (s *server) renderMe(c *fiber.Ctx, status int, f *form) error {
	certs, err := s.myCertificates(c)
	if err != nil {
		return err
	}
	v := meView{Certs: certs, NameEditable: len(certs) == 0, Notice: meNotice(c.Query("notice"))}
	for _, co := range s.catalog().Courses {
		lc, err := s.app.LearnerCourse(c.UserContext(), *currentUser(c), co, langOf(c))
		if err != nil {
			return err
		}
		if !lc.Due.IsZero() || lc.Certificate.ID != "" {
			v.Courses = append(v.Courses, lc)
		}
	}
	return s.render(c, status, "me", "me.title", f, v)
}

// languageForm is the navigation's language button for logged-in people:
// it saves the language named in next (the current page with ?lang= set)
// on the account, then returns to that page. It is a POST so that no GET
// writes to the database.
func (s *server) languageForm(c *fiber.Ctx) error {
	next := safeNext(c.FormValue("next"))
	u := currentUser(c)
	if v, err := url.ParseRequestURI(next); err == nil && u != nil {
		if lang := v.Query().Get("lang"); validLang(lang) && lang != u.Lang {
			if err := s.app.SetLanguage(c.UserContext(), u.ID, lang); err != nil {
				return err
			}
			s.sessions.dropUser(u.ID)
		}
	}
	return c.Redirect(next, fiber.StatusSeeOther)
}
