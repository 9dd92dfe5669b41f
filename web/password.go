package web

import (
	"errors"

	"github.com/gofiber/fiber/v2"

	"kipass/internal/app"
	"kipass/internal/errs"
)

// passwordView is what the forgot and reset pages show.
type passwordView struct {
	// Mode is "forgot" (the email form), "sent" (the one answer for every
	// address), "nomail" (no SMTP: ask an administrator), "reset" (the
	// new-password form) or "invalid" (a used, expired or unknown link).
	Mode string
}

// forgotPage asks for the email address of the account.
func (s *server) forgotPage(c *fiber.Ctx) error {
	mode := "forgot"
	if !s.app.MailEnabled() {
		mode = "nomail"
	}
	return s.render(c, fiber.StatusOK, "password", "password.forgot_title", &form{}, passwordView{Mode: mode})
}

// forgotForm sends a reset link (app.RequestPasswordReset). Every request
// counts against the client address, so one address cannot send mail to
// many accounts; the answer is the same whether the address is known.
func (s *server) forgotForm(c *fiber.Ctx) error {
	if !s.app.MailEnabled() {
		return s.render(c, fiber.StatusOK, "password", "password.forgot_title", &form{}, passwordView{Mode: "nomail"})
	}
	addr := s.clientAddr(c)
	if s.resetThrottle.blocked(addr) {
		return s.render(c, fiber.StatusTooManyRequests, "password", "password.forgot_title",
			&form{Values: map[string]string{"email": c.FormValue("email")}, Message: "password.throttled"}, passwordView{Mode: "forgot"})
	}
	s.resetThrottle.fail(addr)
	email := c.FormValue("email")
	err := s.app.RequestPasswordReset(c.UserContext(), email, langOf(c), s.cfg.BaseURL.String())
	if e := errs.As(err); e != nil && e.Kind == errs.Invalid {
		return s.render(c, fiber.StatusBadRequest, "password", "password.forgot_title",
			&form{Values: map[string]string{"email": email}, Errors: e.Fields, Message: "form.error"}, passwordView{Mode: "forgot"})
	}
	if errors.Is(err, app.ErrNoMail) {
		return s.render(c, fiber.StatusOK, "password", "password.forgot_title", &form{}, passwordView{Mode: "nomail"})
	}
	if err != nil {
		return err
	}
	return s.render(c, fiber.StatusOK, "password", "password.forgot_title", &form{}, passwordView{Mode: "sent"})
}

// resetPage shows the new-password form for a reset link. It shares the
// invitation's token check and throttle (a reset token is one of them).
func (s *server) resetPage(c *fiber.Ctx) error {
	token := c.Query("token")
	ok, err := s.inviteValid(c, token)
	if err != nil {
		return err
	}
	if !ok {
		return s.render(c, fiber.StatusNotFound, "password", "password.reset_title", &form{}, passwordView{Mode: "invalid"})
	}
	return s.render(c, fiber.StatusOK, "password", "password.reset_title", &form{Values: map[string]string{"token": token}}, passwordView{Mode: "reset"})
}

// resetForm sets the new password; the link is used up, every session of
// the account ends and this browser is logged in.
func (s *server) resetForm(c *fiber.Ctx) error {
	token := c.FormValue("token")
	ok, err := s.inviteValid(c, token)
	if err != nil {
		return err
	}
	invalid := func() error {
		return s.render(c, fiber.StatusNotFound, "password", "password.reset_title", &form{}, passwordView{Mode: "invalid"})
	}
	if !ok {
		return invalid()
	}
	uid, err := s.app.AcceptInvite(c.UserContext(), token, c.FormValue("password"))
	if e := errs.As(err); e != nil && e.Kind == errs.Invalid {
		return s.render(c, fiber.StatusBadRequest, "password", "password.reset_title",
			&form{Values: map[string]string{"token": token}, Errors: e.Fields, Message: "form.error"}, passwordView{Mode: "reset"})
	}
	if errs.KindOf(err) == errs.NotFound {
		return invalid()
	}
	if err != nil {
		return err
	}
	s.sessions.dropUser(uid)
	if _, _, err := s.startSession(c, uid, app.SessionBrowser); err != nil {
		return err
	}
	return c.Redirect("/me?notice=password_changed", fiber.StatusSeeOther)
}

// changePasswordForm changes the logged-in person's password on /me.
func (s *server) changePasswordForm(c *fiber.Ctx) error {
	u := currentUser(c)
	keep, _ := c.Locals(localSession).([]byte)
	err := s.app.ChangePassword(c.UserContext(), *u, c.FormValue("current_password"), c.FormValue("new_password"), keep)
	if e := errs.As(err); e != nil && (e.Kind == errs.Invalid || e.Code == "wrong_password") {
		return s.renderMe(c, fiber.StatusBadRequest, &form{Errors: e.Fields, Message: "me.password_error"})
	}
	if err != nil {
		return err
	}
	s.sessions.dropUser(u.ID)
	return c.Redirect("/me?notice=password_changed#password", fiber.StatusSeeOther)
}

// nameForm lets the person correct their name until a certificate exists.
func (s *server) nameForm(c *fiber.Ctx) error {
	u := currentUser(c)
	name := c.FormValue("name")
	err := s.app.CorrectName(c.UserContext(), *u, name)
	if e := errs.As(err); e != nil && (e.Kind == errs.Invalid || e.Code == "name_locked") {
		return s.renderMe(c, fiber.StatusBadRequest, &form{Values: map[string]string{"name": name}, Errors: e.Fields, Message: "form.error"})
	}
	if err != nil {
		return err
	}
	s.sessions.dropUser(u.ID)
	next := "/me?notice=name_changed#profile"
	if c.FormValue("next") == "exam" {
		next = "/courses/" + c.FormValue("course") + "/exam"
		if _, ok := s.app.Course(c.FormValue("course")); !ok {
			next = "/me?notice=name_changed#profile"
		}
	}
	return c.Redirect(next, fiber.StatusSeeOther)
}

// reissueForm is the admin's "reissue certificate" after a name correction.
func (s *server) reissueForm(c *fiber.Ctx) error {
	if !confirmed(c) {
		return s.renderAdminCertificates(c, fiber.StatusBadRequest, notConfirmed())
	}
	id, err := s.app.Reissue(c.UserContext(), *currentUser(c), c.Params("id"), c.FormValue("reason"))
	if err != nil {
		return err
	}
	s.statusCache.drop()
	s.setFlash(c, flash("flash.certificate_reissued"))
	return c.Redirect("/admin/certificates?reissued="+id, fiber.StatusSeeOther)
}
