package web

import (
	"context"
	"slices"
	"time"

	"github.com/gofiber/fiber/v2"

	"kipass/internal/app"
	"kipass/internal/errs"
)

// actorOf is the account as an audit-log actor.
func actorOf(u *app.User) app.Actor { return app.Actor{ID: u.ID, Role: u.Role} }

// scope returns the departments the caller may see in reports
// (app.HRScope): nil means all. It is looked up once per request (the
// dashboard asks for it in several places).
func (s *server) scope(c *fiber.Ctx) ([]string, error) {
	u := currentUser(c)
	if u.Role != app.RoleHR {
		return nil, nil
	}
	if d, ok := c.Locals(localScope).([]string); ok {
		return d, nil
	}
	d, err := s.app.HRScope(c.UserContext(), *u)
	if err != nil {
		return nil, err
	}
	c.Locals(localScope, d)
	return d, nil
}

// narrow applies a department filter to a scope: the result is the
// departments to report on (nil: all). A department outside the scope gives
// an empty list: an empty report, not an error.
func narrow(scope []string, dept string) []string {
	switch {
	case dept == "":
		return scope
	case scope == nil || slices.Contains(scope, dept):
		return []string{dept}
	default:
		return []string{}
	}
}

// personRow is one person's status in one course, derived by the use case.
type personRow = app.PersonStatus

// personRows returns every person's status in the course (all courses when
// course is "") for the departments (nil: all), and as of when
// (app.HRReport). The result is shared: callers must not change it.
func (s *server) personRows(ctx context.Context, course string, depts []string) ([]personRow, time.Time, error) {
	return s.app.HRReport(ctx, course, depts)
}

// errAggregateOnly answers requests for per-person data in works-council mode.
var errAggregateOnly = errs.New(errs.Forbidden, "aggregate_only",
	"This installation shows department totals only (works-council mode); per-person reports and exports are off.")
