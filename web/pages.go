package web

import "github.com/gofiber/fiber/v2"

func (s *server) healthz(c *fiber.Ctx) error {
	if err := s.app.Ping(c.UserContext()); err != nil {
		s.log.Error("health check failed", "err", err)
		return c.Status(fiber.StatusServiceUnavailable).SendString("database unavailable")
	}
	return c.SendString("ok")
}

// home shows the start page with every course and, when logged in, the
// caller's progress.
func (s *server) home(c *fiber.Ctx) error {
	var list []courseView
	for _, co := range s.catalog().Courses {
		v, err := s.courseStatus(c, co)
		if err != nil {
			return err
		}
		list = append(list, v)
	}
	return s.render(c, fiber.StatusOK, "home", "home.title", nil, list)
}

func (s *server) mePage(c *fiber.Ctx) error {
	certs, err := s.myCertificates(c)
	if err != nil {
		return err
	}
	return s.render(c, fiber.StatusOK, "me", "me.title", nil, certs)
}
