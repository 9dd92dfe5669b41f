package web

import "github.com/gofiber/fiber/v2"

// privacyView is the privacy notice: the configuration plus the facts of
// how kipass works.
type privacyView struct {
	Privacy
	Organisation string
	Cookies      []string
}

// privacyPage shows the privacy notice, generated from the configuration in
// the visitor's language.
func (s *server) privacyPage(c *fiber.Ctx) error {
	o := s.organisation(c.UserContext())
	v := privacyView{Privacy: s.cfg.Privacy, Organisation: o.Name, Cookies: []string{s.cookies.session, s.cookies.csrf, s.flashCookieName()}}
	v.Contact, v.DPO = o.PrivacyContact, o.DPO
	if v.Controller == "" {
		v.Controller = o.Name
	}
	return s.render(c, fiber.StatusOK, "privacy", "privacy.title", nil, v)
}
