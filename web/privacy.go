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
	v := privacyView{Privacy: s.cfg.Privacy, Organisation: s.signer.Issuer.Name, Cookies: []string{s.cookies.session, s.cookies.csrf, s.flashCookieName()}}
	if v.Controller == "" {
		v.Controller = v.Organisation
	}
	return s.render(c, fiber.StatusOK, "privacy", "privacy.title", nil, v)
}
