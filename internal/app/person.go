package app

import (
	"context"
	"slices"
	"time"

	"kipass/internal/errs"
)

// PersonDetail is what HR sees of one person: the status in each course,
// the modules passed, the attempts (scores and dates, never the answers),
// the certificates and the assignments that cover the person.
type PersonDetail struct {
	User         User
	Courses      []PersonCourse
	Attempts     []AttemptSummary // newest first
	Certificates []Certificate    // newest first
	Assignments  []Assignment     // every assignment that covers the person
	LastReminded time.Time
}

// PersonCourse is the person's state in one course.
type PersonCourse struct {
	Status  PersonStatus
	Modules []ModulePass // modules passed, first pass each, in order of passing
}

// AttemptSummary is an attempt without its questions and answers.
type AttemptSummary struct {
	CourseID, ModuleID, Kind string // ModuleID "" for the exam
	ScorePercent             int
	Passed                   bool
	StartedAt, SubmittedAt   time.Time // SubmittedAt zero: open
}

// errNoPerson answers a person outside the caller's departments exactly as
// one that does not exist.
var errNoPerson = errs.New(errs.NotFound, "not_found", "No such person in your departments.")

// Person returns one active person's detail for HR or an admin, within the
// caller's departments (others are not found); off in works-council mode.
// Each view is audited. The status per course is derived by the same rule
// as the report (NewPersonStatus) from the person's own records, so the
// page does not read the whole company's report.
func (a *App) Person(ctx context.Context, by User, id int64) (PersonDetail, error) {
	if a.cfg.AggregateOnly {
		return PersonDetail{}, ErrAggregateOnly
	}
	if by.Role != RoleHR && by.Role != RoleAdmin {
		return PersonDetail{}, errs.New(errs.Forbidden, "forbidden", "Only HR and administrators may do this.")
	}
	scope, err := a.HRScope(ctx, by)
	if err != nil {
		return PersonDetail{}, err
	}
	if id <= 0 {
		return PersonDetail{}, errNoPerson
	}
	ex, err := a.dir.ExportUser(ctx, id)
	if errs.KindOf(err) == errs.NotFound {
		return PersonDetail{}, errNoPerson
	}
	if err != nil {
		return PersonDetail{}, err
	}
	u := ex.User
	if !u.Active || scope != nil && !slices.Contains(scope, u.Department) {
		return PersonDetail{}, errNoPerson
	}
	all, err := a.assign.Assignments(ctx)
	if err != nil {
		return PersonDetail{}, err
	}
	invitedAt, invited, err := a.outreach.InvitedAt(ctx, u.ID)
	if err != nil {
		return PersonDetail{}, err
	}
	d := PersonDetail{User: u, LastReminded: ex.LastReminded}
	for _, as := range all {
		if as.Scope == ScopeAll || as.Scope == ScopeDepartment && as.Department == u.Department || as.Scope == ScopeUser && as.UserID == u.ID {
			d.Assignments = append(d.Assignments, as)
		}
	}
	for i := len(ex.Attempts) - 1; i >= 0; i-- {
		at := ex.Attempts[i]
		d.Attempts = append(d.Attempts, AttemptSummary{CourseID: at.CourseID, ModuleID: at.ModuleID, Kind: at.Kind,
			ScorePercent: at.ScorePercent, Passed: at.Passed, StartedAt: at.StartedAt, SubmittedAt: at.SubmittedAt})
	}
	d.Certificates = slices.Clone(ex.Certificates)
	slices.SortStableFunc(d.Certificates, func(x, y Certificate) int { return y.IssuedAt.Compare(x.IssuedAt) })
	now := a.now()
	for _, co := range a.catalog().Courses {
		r := ReportRow{UserID: u.ID, Name: u.Name, Email: u.Email, Department: u.Department, Lang: u.Lang,
			Invited: invited, InvitedAt: invitedAt}
		for _, at := range ex.Attempts {
			r.Started = r.Started || at.CourseID == co.ID
		}
		for _, c := range ex.Certificates {
			// The certificate that counts: unrevoked, valid longest (as
			// the report's newestCertificates).
			if c.CourseID == co.ID && !c.Revoked() && (r.CertificateID == "" || c.ExpiresAt.After(r.CertificateEnd) ||
				c.ExpiresAt.Equal(r.CertificateEnd) && c.ID < r.CertificateID) {
				r.CertificateID, r.IssuedAt, r.CertificateEnd = c.ID, c.IssuedAt, c.ExpiresAt
			}
		}
		for _, as := range d.Assignments {
			if as.CourseID == co.ID && (r.DueAt.IsZero() || as.DueAt.Before(r.DueAt)) {
				r.DueAt = as.DueAt
			}
		}
		pc := PersonCourse{Status: NewPersonStatus(co.ID, r, now)}
		for _, p := range ex.ModulePasses {
			if p.CourseID == co.ID && !slices.ContainsFunc(pc.Modules, func(m ModulePass) bool { return m.ModuleID == p.ModuleID }) {
				pc.Modules = append(pc.Modules, p)
			}
		}
		d.Courses = append(d.Courses, pc)
	}
	return d, a.audit.Audit(ctx, Actor{ID: by.ID, Role: by.Role}, "person.viewed", u.ID, "")
}
