package web

import (
	"context"
	"errors"

	"github.com/gofiber/fiber/v2"

	"kipass/internal/errs"
)

// errTimeout is the answer when a request's deadline passed before its
// work was done.
var errTimeout = errs.New(errs.Unavailable, "timeout", "This took too long. Please try again.")

// requestContext gives every request a context with a deadline
// (Config.RequestTimeout) and hands it to the handlers through
// c.UserContext(): the use cases and the store run their work on it, so a
// request that ran out of time stops waiting for a password-hash slot, an
// evidence-PDF slot or the database, and its transaction rolls back.
//
// fasthttp tells a handler nothing when the client closes its connection,
// so the deadline is what bounds the work of a client that went away. The
// context is deliberately not the fasthttp request context: that one ends
// when a graceful shutdown begins, and the requests in flight are meant to
// finish then, not to fail.
func (s *server) requestContext(c *fiber.Ctx) error {
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.RequestTimeout)
	defer cancel()
	c.SetUserContext(ctx)
	err := c.Next()
	if err != nil && errs.As(err) == nil && errors.Is(err, context.DeadlineExceeded) && ctx.Err() != nil {
		return errTimeout
	}
	return err
}
