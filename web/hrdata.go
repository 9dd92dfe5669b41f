package web

import (
	"context"
	"slices"
	"time"

	"github.com/gofiber/fiber/v2"

	"kipass/internal/errs"
	"kipass/internal/reports"
	"kipass/internal/store"
)

// actorOf is the account as an audit-log actor.
func actorOf(u *store.User) store.Actor { return store.Actor{ID: u.ID, Role: u.Role} }

// scope returns the departments the caller may see in reports: nil means
// all (admins, and HR accounts without a limit).
func (s *server) scope(c *fiber.Ctx) ([]string, error) {
	u := currentUser(c)
	if u.Role != store.RoleHR {
		return nil, nil
	}
	d, err := s.store.HRDepartments(c.UserContext(), u.ID)
	if err != nil || len(d) == 0 {
		return nil, err
	}
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

// personRow is one person's status in one course.
type personRow struct {
	store.ReportRow
	Course string
	Status string
	Due    time.Time // zero: not assigned
}

// personRows derives every person's status in the course (all courses when
// course is "") for the departments (nil: all). An unknown course gives no
// rows.
func (s *server) personRows(ctx context.Context, course string, depts []string) ([]personRow, error) {
	var out []personRow
	if depts != nil && len(depts) == 0 {
		return out, nil
	}
	now := s.now()
	for _, co := range s.catalog().Courses {
		if course != "" && course != co.ID {
			continue
		}
		rows, err := s.store.CourseReport(ctx, co.ID, depts)
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			due := reports.DueDate(r.DueAt, r.CertificateEnd)
			st := reports.Status(reports.Facts{Started: r.Started, CertificateEnd: r.CertificateEnd, Assigned: !due.IsZero(), DueAt: due}, now)
			out = append(out, personRow{ReportRow: r, Course: co.ID, Status: st, Due: due})
		}
	}
	return out, nil
}

// errAggregateOnly answers requests for per-person data in works-council mode.
var errAggregateOnly = errs.New(errs.Forbidden, "aggregate_only",
	"This installation shows department totals only (works-council mode); per-person reports and exports are off.")
