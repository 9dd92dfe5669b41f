package web

import "github.com/gofiber/fiber/v2"

func (s *server) healthz(c *fiber.Ctx) error {
	if err := s.store.Ping(c.UserContext()); err != nil {
		s.log.Error("health check failed", "err", err)
		return c.Status(fiber.StatusServiceUnavailable).SendString("database unavailable")
	}
	return c.SendString("ok")
}

func (s *server) home(c *fiber.Ctx) error {
	return s.render(c, fiber.StatusOK, "home", "home.title", nil, nil)
}

func (s *server) mePage(c *fiber.Ctx) error {
	return s.render(c, fiber.StatusOK, "me", "me.title", nil, nil)
}
