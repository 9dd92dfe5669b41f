package web

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"

	"kipass/internal/app"
	"kipass/internal/errs"
	"kipass/internal/reports"
)

// actorOf is the account as an audit-log actor.
func actorOf(u *app.User) app.Actor { return app.Actor{ID: u.ID, Role: u.Role} }

// scope returns the departments the caller may see in reports: nil means
// all (admins, and HR accounts without a limit). It is looked up once per
// request (the dashboard asks for it in several places).
func (s *server) scope(c *fiber.Ctx) ([]string, error) {
	u := currentUser(c)
	if u.Role != app.RoleHR {
		return nil, nil
	}
	if d, ok := c.Locals(localScope).([]string); ok {
		return d, nil
	}
	d, err := s.store.HRDepartments(c.UserContext(), u.ID)
	if err != nil {
		return nil, err
	}
	if len(d) == 0 {
		d = nil
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

// personRow is one person's status in one course.
type personRow struct {
	app.ReportRow
	Course string
	Status string
	Due    time.Time // zero: not assigned
	key    string    // the name in lower case, for sorting and search
}

// personRows derives every person's status in the course (all courses when
// course is "") for the departments (nil: all), and says as of when. An
// unknown course gives no rows. The result is shared: callers must not
// change it.
func (s *server) personRows(ctx context.Context, course string, depts []string) ([]personRow, time.Time, error) {
	now := s.now()
	if depts != nil && len(depts) == 0 {
		return nil, now, nil
	}
	key := fmt.Sprintf("%q %t %q", course, depts == nil, depts)
	gen := s.store.Generation()
	if rows, at, ok := s.reports.get(key, gen, now); ok {
		return rows, at, nil
	}
	var out []personRow
	for _, co := range s.catalog().Courses {
		if course != "" && course != co.ID {
			continue
		}
		rows, err := s.store.CourseReport(ctx, co.ID, depts)
		if err != nil {
			return nil, now, err
		}
		out = slices.Grow(out, len(rows))
		for _, r := range rows {
			due := reports.DueDate(r.DueAt, r.CertificateEnd)
			st := reports.Status(reports.Facts{Started: r.Started, CertificateEnd: r.CertificateEnd, Assigned: !due.IsZero(), DueAt: due}, now)
			out = append(out, personRow{ReportRow: r, Course: co.ID, Status: st, Due: due, key: strings.ToLower(r.Name)})
		}
	}
	s.reports.put(key, gen, now, out)
	return out, now, nil
}

// reportCache keeps the rows of recent reports while the database is
// unchanged, for at most reportCacheTTL (statuses also change with time):
// paging, sorting and filtering the dashboard of a large company then
// does not read the whole company again.
type reportCache struct {
	mu      sync.Mutex
	entries map[string]reportEntry
}

type reportEntry struct {
	gen  uint64
	at   time.Time
	rows []personRow
}

const (
	reportCacheTTL     = time.Minute
	reportCacheEntries = 4
)

func (rc *reportCache) get(key string, gen uint64, now time.Time) ([]personRow, time.Time, bool) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	e, ok := rc.entries[key]
	if !ok || e.gen != gen || now.Sub(e.at) > reportCacheTTL || now.Before(e.at) {
		return nil, time.Time{}, false
	}
	return e.rows, e.at, true
}

func (rc *reportCache) put(key string, gen uint64, now time.Time, rows []personRow) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if rc.entries == nil || len(rc.entries) >= reportCacheEntries {
		rc.entries = map[string]reportEntry{}
	}
	rc.entries[key] = reportEntry{gen: gen, at: now, rows: rows}
}

// errAggregateOnly answers requests for per-person data in works-council mode.
var errAggregateOnly = errs.New(errs.Forbidden, "aggregate_only",
	"This installation shows department totals only (works-council mode); per-person reports and exports are off.")
