package app

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"kipass/internal/auth"
	"kipass/internal/errs"
	"kipass/internal/reports"
	"kipass/internal/ttlcache"
)

// ReportStore reads what HR reports are made of.
type ReportStore interface {
	// CourseReport returns every active account's facts in the course (of
	// the departments, when not nil).
	CourseReport(ctx context.Context, courseID string, departments []string) ([]ReportRow, error)
	// HRDepartments returns the departments an HR account is limited to
	// (none: all).
	HRDepartments(ctx context.Context, userID int64) ([]string, error)
	// Generation counts committed writes; equal generations mean no data
	// changed in between.
	Generation() uint64
}

// AssignmentStore keeps course assignments.
type AssignmentStore interface {
	CreateAssignment(ctx context.Context, a Assignment) (int64, error)
	Assignments(ctx context.Context) ([]Assignment, error)
	DeleteAssignment(ctx context.Context, id int64) error
}

// PersonStatus is one person's status in one course: the stored facts and
// what the rules make of them. It is the one place the HR status is
// derived; the dashboard, the CSV and PDF exports and the reminder emails
// all read it.
type PersonStatus struct {
	ReportRow
	Course string
	Status string    // one of the reports statuses
	Due    time.Time // when a valid certificate is due; zero: not assigned
	// Key is the name in lower case, for sorting and search.
	Key string
}

// NewPersonStatus derives a person's status in a course at now.
func NewPersonStatus(courseID string, r ReportRow, now time.Time) PersonStatus {
	due := reports.DueDate(r.DueAt, r.CertificateEnd)
	st := reports.Status(reports.Facts{Started: r.Started, CertificateEnd: r.CertificateEnd, Assigned: !due.IsZero(), DueAt: due,
		Invited: r.Invited}, now)
	return PersonStatus{ReportRow: r, Course: courseID, Status: st, Due: due, Key: strings.ToLower(r.Name)}
}

// HRScope returns the departments a person may see in reports: nil means
// all (admins, and HR accounts without a limit); an employee sees none.
func (a *App) HRScope(ctx context.Context, u User) ([]string, error) {
	switch u.Role {
	case RoleAdmin:
		return nil, nil
	case RoleHR:
		d, err := a.reports.HRDepartments(ctx, u.ID)
		if err != nil || len(d) == 0 {
			return nil, err
		}
		return d, nil
	}
	return []string{}, nil
}

// HRReport returns every person's status in the course (all courses when
// courseID is "") for the departments (nil: all) and the time it was
// derived at. An unknown course gives no rows. Rows are kept while the
// database is unchanged and for at most a minute (statuses also change
// with time), so paging and filtering a large company's dashboard does not
// read it again. The result is shared: callers must not change it.
func (a *App) HRReport(ctx context.Context, courseID string, depts []string) ([]PersonStatus, time.Time, error) {
	now := a.now()
	if depts != nil && len(depts) == 0 {
		return nil, now, nil
	}
	a.reportOnce.Do(func() { a.reportRows = ttlcache.New[string, reportEntry](reportCacheEntries, reportCacheTTL, a.now) })
	key := fmt.Sprintf("%q %t %q", courseID, depts == nil, depts)
	gen := a.reports.Generation()
	if e, at, ok := a.reportRows.Get(key); ok && e.gen == gen {
		return e.rows, at, nil
	}
	out, err := a.HRReportAt(ctx, courseID, depts, now)
	if err != nil {
		return nil, now, err
	}
	a.reportRows.Add(key, reportEntry{gen: gen, rows: out})
	return out, now, nil
}

// HRReportAt is HRReport as of the time given, read afresh (for the
// scheduled jobs, which run with their own clock).
func (a *App) HRReportAt(ctx context.Context, courseID string, depts []string, now time.Time) ([]PersonStatus, error) {
	if depts != nil && len(depts) == 0 {
		return nil, nil
	}
	var out []PersonStatus
	for _, co := range a.catalog().Courses {
		if courseID != "" && courseID != co.ID {
			continue
		}
		rows, err := a.reports.CourseReport(ctx, co.ID, depts)
		if err != nil {
			return nil, err
		}
		out = slices.Grow(out, len(rows))
		for _, r := range rows {
			out = append(out, NewPersonStatus(co.ID, r, now))
		}
	}
	return out, nil
}

// reportCacheTTL is how long HR report rows are reused (see HRReport);
// reportCacheEntries how many reports (course and departments) are kept.
const (
	reportCacheTTL     = time.Minute
	reportCacheEntries = 4
)

// reportEntry is a cached report: valid while the store's generation is gen.
type reportEntry struct {
	gen  uint64
	rows []PersonStatus
}

// assignmentAllowed reports whether an HR account limited to departments
// (scope not nil) may see or change an assignment: only those for its
// departments or for people in them.
func assignmentAllowed(scope []string, as Assignment, personDept string) bool {
	switch {
	case scope == nil:
		return true
	case as.Scope == ScopeDepartment:
		return slices.Contains(scope, as.Department)
	case as.Scope == ScopeUser:
		return slices.Contains(scope, personDept)
	}
	return false
}

// Assignments lists the assignments a person may see, with the people
// that personal assignments name.
func (a *App) Assignments(ctx context.Context, by User) ([]Assignment, map[int64]User, error) {
	scope, err := a.HRScope(ctx, by)
	if err != nil {
		return nil, nil, err
	}
	list, err := a.assign.Assignments(ctx)
	if err != nil {
		return nil, nil, err
	}
	people := map[int64]User{}
	var out []Assignment
	for _, as := range list {
		if as.Scope == ScopeUser {
			if _, ok := people[as.UserID]; !ok {
				u, err := a.accounts.UserByID(ctx, as.UserID)
				if err != nil && errs.KindOf(err) != errs.NotFound {
					return nil, nil, err
				}
				people[as.UserID] = u
			}
		}
		if assignmentAllowed(scope, as, people[as.UserID].Department) {
			out = append(out, as)
		}
	}
	return out, people, nil
}

// AssignmentInput is an assignment as HR enters it. A personal assignment
// names the person by UserID or, when Person is set, by email address.
type AssignmentInput struct {
	Course     string
	Scope      string
	Department string
	UserID     int64
	Person     string
	DueAt      string // YYYY-MM-DD, the end of that day in UTC; or RFC 3339
	// ConfirmPastDue confirms a due date in the past (everyone covered is
	// overdue at once); without it such a date is refused.
	ConfirmPastDue bool
}

// Assign checks and stores an assignment on behalf of HR or an admin, and
// audits it. An HR account limited to departments may assign only within
// them; an invalid input is an errs.Invalid naming the fields.
func (a *App) Assign(ctx context.Context, by User, in AssignmentInput) (Assignment, error) {
	scope, err := a.HRScope(ctx, by)
	if err != nil {
		return Assignment{}, err
	}
	fields := map[string]string{}
	if _, ok := a.Course(in.Course); !ok {
		fields["course"] = "unknown"
	}
	as := Assignment{CourseID: in.Course, Scope: in.Scope, CreatedBy: by.ID}
	unknownDept := false
	personField := "user_id"
	if in.Person != "" {
		personField = "person"
	}
	switch in.Scope {
	case ScopeAll:
		if scope != nil {
			fields["scope"] = "not_allowed"
		}
	case ScopeDepartment:
		as.Department = auth.CleanName(in.Department)
		if why := auth.CheckName(as.Department, true, 100); why != "" {
			fields["department"] = why
		} else if scope != nil && !slices.Contains(scope, as.Department) {
			fields["department"] = "not_allowed"
		} else if known, people, err := a.depts.DepartmentPeople(ctx, as.Department); err != nil {
			return as, err
		} else if !known || people == 0 {
			unknownDept = true
		}
	case ScopeUser:
		var u User
		var err error
		if in.Person != "" {
			u, err = a.accounts.UserByEmail(ctx, auth.NormalizeEmail(in.Person))
		} else {
			u, err = a.accounts.UserByID(ctx, in.UserID)
		}
		if err != nil {
			if errs.KindOf(err) != errs.NotFound {
				return as, err
			}
			fields[personField] = "unknown"
		}
		as.UserID = u.ID
		if err == nil && scope != nil && !slices.Contains(scope, u.Department) {
			fields[personField] = "unknown"
		}
	default:
		fields["scope"] = "invalid"
	}
	due, err := ParseDue(in.DueAt, a.Zone())
	if err != nil {
		fields["due_at"] = "invalid"
	} else if due.Before(a.now()) && !in.ConfirmPastDue {
		fields["due_at"] = "past_needs_confirmation"
	}
	as.DueAt = due
	if unknownDept && len(fields) == 0 {
		return as, ErrUnknownDepartment
	}
	if unknownDept {
		fields["department"] = "unknown_department"
	}
	if len(fields) > 0 {
		return as, auth.InputError(fields)
	}
	if as.ID, err = a.assign.CreateAssignment(ctx, as); err != nil {
		return as, err
	}
	detail := "id=" + itoa(as.ID) + " course=" + QuoteDetail(as.CourseID) + " scope=" + as.Scope + " due=" + as.DueAt.UTC().Format("2006-01-02")
	if as.Scope == ScopeDepartment {
		detail += " department=" + QuoteDetail(as.Department)
	}
	return as, a.audit.Audit(ctx, Actor{ID: by.ID, Role: by.Role}, "assignment.created", as.UserID, detail)
}

// Unassign removes an assignment the person may see, and audits it.
func (a *App) Unassign(ctx context.Context, by User, id int64) error {
	notFound := errs.New(errs.NotFound, "not_found", "No such assignment.")
	if id <= 0 {
		return notFound
	}
	list, _, err := a.Assignments(ctx, by)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(list, func(as Assignment) bool { return as.ID == id })
	if i < 0 {
		return notFound
	}
	if err := a.assign.DeleteAssignment(ctx, id); err != nil {
		return err
	}
	return a.audit.Audit(ctx, Actor{ID: by.ID, Role: by.Role}, "assignment.deleted", list[i].UserID, "id="+itoa(id))
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// ParseDue reads a due date: RFC 3339, or a date (YYYY-MM-DD), due at the
// end of that day in loc (the organisation's zone; nil: UTC).
func ParseDue(s string, loc *time.Location) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if loc == nil {
		loc = time.UTC
	}
	d, err := time.ParseInLocation("2006-01-02", s, loc)
	if err != nil {
		return time.Time{}, err
	}
	return time.Date(d.Year(), d.Month(), d.Day(), 23, 59, 59, 0, loc), nil
}

// QuoteDetail quotes a value for an audit-log detail, shortened to 80
// characters; "" is "all".
func QuoteDetail(v string) string {
	if v == "" {
		return "all"
	}
	if r := []rune(v); len(r) > 80 {
		v = string(r[:80]) + "…"
	}
	return strconv.Quote(v)
}

// ReportQuery is one view of the HR report: the filters the dashboard
// shows and every export repeats, so that a file holds exactly the people
// on the screen.
type ReportQuery struct {
	Course     string // a course id; "" all courses
	Department string // "" all departments in the caller's scope
	Status     string // one status; "" all
	Q          string // search in name, email, department and certificate id
}

// Matches reports whether a row (of the query's course and departments)
// passes the status and search filters.
func (q ReportQuery) Matches(r *PersonStatus) bool {
	if q.Status != "" && r.Status != q.Status {
		return false
	}
	s := strings.ToLower(strings.TrimSpace(q.Q))
	if s == "" {
		return true
	}
	return strings.Contains(r.Key, s) || strings.Contains(strings.ToLower(r.Email), s) ||
		strings.Contains(strings.ToLower(r.Department), s) || strings.Contains(strings.ToLower(r.CertificateID), s)
}

// HRView returns the rows of a view within the caller's departments (see
// HRScope) and the time they were derived at. A department outside the
// scope gives no rows, not an error. The rows point into the shared report
// (HRReport): callers must not change them.
func (a *App) HRView(ctx context.Context, by User, q ReportQuery) ([]*PersonStatus, time.Time, error) {
	scope, err := a.HRScope(ctx, by)
	if err != nil {
		return nil, time.Time{}, err
	}
	depts := scope
	switch {
	case q.Department == "":
	case scope == nil || slices.Contains(scope, q.Department):
		depts = []string{q.Department}
	default:
		depts = []string{}
	}
	rows, at, err := a.HRReport(ctx, q.Course, depts)
	if err != nil {
		return nil, at, err
	}
	out := make([]*PersonStatus, 0, len(rows))
	for i := range rows {
		if q.Matches(&rows[i]) {
			out = append(out, &rows[i])
		}
	}
	return out, at, nil
}
