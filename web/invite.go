package web

import (
	"github.com/gofiber/fiber/v2"

	"kipass/internal/app"
	"kipass/internal/auth"
	"kipass/internal/errs"
)

// invitePage lets a new (imported) account set its password.
func (s *server) invitePage(c *fiber.Ctx) error {
	token := c.Query("token")
	ok, err := s.inviteValid(c, token)
	if err != nil {
		return err
	}
	if !ok {
		return s.render(c, fiber.StatusNotFound, "invite", "invite.title", nil, inviteView{})
	}
	v := inviteView{OK: true}
	if u, err := s.app.InvitedUser(c.UserContext(), auth.HashToken(token)); err == nil {
		for _, co := range s.catalog().Courses {
			lc, err := s.app.LearnerCourse(c.UserContext(), u, co, langOf(c))
			if err != nil {
				return err
			}
			if !lc.Due.IsZero() {
				v.Courses = append(v.Courses, lc)
			}
		}
	} else if errs.KindOf(err) != errs.NotFound {
		return err
	}
	return s.render(c, fiber.StatusOK, "invite", "invite.title", &form{Values: map[string]string{"token": token}}, v)
}

// inviteView is the invitation page: whether the link works, and the
// courses assigned to the account with their due dates.
type inviteView struct {
	OK      bool
	Courses []app.LearnerCourse
}

// inviteValid checks an invitation token, throttled per client address
// like login: a made-up token costs one hash lookup and counts as a
// failure of the address, and an address with too many failures is
// answered 429 before anything is looked up.
func (s *server) inviteValid(c *fiber.Ctx, token string) (bool, error) {
	addr := s.clientAddr(c)
	if s.inviteThrottle.blocked(addr) {
		return false, errs.New(errs.Throttled, "too_many_attempts", "Too many invalid invitation links from your network. Please wait 15 minutes.")
	}
	ok := false
	if token != "" && len(token) <= 128 {
		var err error
		if ok, err = s.app.InviteValid(c.UserContext(), token); err != nil {
			return false, err
		}
	}
	if !ok {
		s.inviteThrottle.fail(addr)
	}
	return ok, nil
}

// inviteForm sets the password of an invited account. The token is checked
// before the password is hashed, so a made-up token does no argon2 work.
func (s *server) inviteForm(c *fiber.Ctx) error {
	token, pw := c.FormValue("token"), c.FormValue("password")
	ok, err := s.inviteValid(c, token)
	if err != nil {
		return err
	}
	if !ok {
		return s.render(c, fiber.StatusNotFound, "invite", "invite.title", nil, inviteView{})
	}
	uid, err := s.app.AcceptInvite(c.UserContext(), token, pw)
	if e := errs.As(err); e != nil && e.Kind == errs.Invalid {
		return s.render(c, fiber.StatusBadRequest, "invite", "invite.title",
			&form{Values: map[string]string{"token": token}, Errors: e.Fields, Message: "form.error"}, inviteView{OK: true})
	}
	if errs.KindOf(err) == errs.NotFound {
		return s.render(c, fiber.StatusNotFound, "invite", "invite.title", nil, inviteView{})
	}
	if err != nil {
		return err
	}
	s.sessions.dropUser(uid)
	if _, _, err := s.startSession(c, uid, app.SessionBrowser); err != nil {
		return err
	}
	return c.Redirect("/", fiber.StatusSeeOther)
}
