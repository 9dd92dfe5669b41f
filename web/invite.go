package web

import (
	"github.com/gofiber/fiber/v2"

	"kipass/internal/app"
	"kipass/internal/errs"
)

// invitePage lets a new (imported) account set its password.
func (s *server) invitePage(c *fiber.Ctx) error {
	token := c.Query("token")
	ok := false
	if token != "" && len(token) <= 128 {
		var err error
		if ok, err = s.app.InviteValid(c.UserContext(), token); err != nil {
			return err
		}
	}
	status := fiber.StatusOK
	if !ok {
		status = fiber.StatusNotFound
	}
	return s.render(c, status, "invite", "invite.title", &form{Values: map[string]string{"token": token}}, ok)
}

func (s *server) inviteForm(c *fiber.Ctx) error {
	token, pw := c.FormValue("token"), c.FormValue("password")
	uid, err := s.app.AcceptInvite(c.UserContext(), token, pw)
	if e := errs.As(err); e != nil && e.Kind == errs.Invalid {
		return s.render(c, fiber.StatusBadRequest, "invite", "invite.title",
			&form{Values: map[string]string{"token": token}, Errors: e.Fields, Message: "form.error"}, true)
	}
	if errs.KindOf(err) == errs.NotFound {
		return s.render(c, fiber.StatusNotFound, "invite", "invite.title", nil, false)
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
