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
	ok := false
	if token != "" && len(token) <= 128 {
		var err error
		if ok, err = s.store.InviteValid(c.UserContext(), auth.HashToken(token)); err != nil {
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
	if why := auth.CheckPassword(pw); why != "" {
		return s.render(c, fiber.StatusBadRequest, "invite", "invite.title",
			&form{Values: map[string]string{"token": token}, Errors: map[string]string{"password": why}, Message: "form.error"}, true)
	}
	hash, err := s.hasher.Hash(c.UserContext(), pw)
	if err != nil {
		return err
	}
	uid, err := s.store.SetPasswordWithToken(c.UserContext(), auth.HashToken(token), hash)
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
