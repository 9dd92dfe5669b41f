// Package evidence renders the HR evidence report: an A4 PDF, in German or
// English, that documents who in an organisation has completed which
// training and when, for audits of AI literacy measures (EU AI Act Art. 4)
// and of staff training (GDPR Art. 39(1)(b)).
//
// The package is pure: the caller passes every fact, including the time of
// generation, and the same Report always gives the same bytes. It knows
// nothing about the database or HTTP; the web layer collects the rows and
// streams the result.
//
// A report either lists every person (name, department, status, dates,
// certificate id) or, in works-council mode (Report.AggregateOnly), only
// totals per department, where departments smaller than Report.MinGroup
// are combined so that no individual can be singled out by name.
package evidence

import (
	"errors"
	"fmt"
	"io"
	"time"

	"kipass/internal/i18n"
)

// The statuses a Row can have; the same strings as in
// kipass/internal/reports.
const (
	notStarted = "not_started"
	inProgress = "in_progress"
	passed     = "passed"
	expired    = "expired"
	overdue    = "overdue"
	invited    = "invited"
)

// defaultMinGroup is the smallest department shown by name in
// works-council mode when Report.MinGroup is not set.
const defaultMinGroup = 5

// Report is everything an evidence report shows.
type Report struct {
	Lang string // "de" or "en"; anything else -> "en"
	// Messages is the catalog of the report's words (evidence.*);
	// required.
	Messages *i18n.Catalog
	// Zone is the organisation's time zone: every date and time is
	// printed in it (nil: UTC).
	Zone           *time.Location
	Organisation   string    // issuer / organisation name
	GeneratedAt    time.Time // required; printed in Zone, in UTC the PDF's creation date
	GeneratedBy    string    // e.g. "HR account #12" (no email)
	Scope          string    // human text of the filter, e.g. "Department: Sales"; "" for everyone
	CourseTitle    string
	CourseID       string
	ContentVersion string   // content version hash
	Modules        []string // module titles in order
	VerifyURL      string   // where certificates are checked, e.g. "https://kipass.example.com/verify"
	Rows           []Row    // per-person rows, already sorted by the caller
	// AggregateOnly is works-council mode: no per-person rows and no names
	// anywhere; only department totals of groups with at least MinGroup
	// people, the others folded into one "other" line.
	AggregateOnly bool
	MinGroup      int // 5 when 0 or less
}

// Row is one person's status in the course.
type Row struct {
	Name, Department string
	Status           string    // not_started, invited, in_progress, passed, expired or overdue
	PassedAt, DueAt  time.Time // zero = none; printed as days in Report.Zone
	ValidUntil       time.Time // the certificate's end of validity (recertification); zero = none
	CertificateID    string
}

// Total is the count of people per status in one department.
type Total struct {
	Department                                               string
	People, Passed, Overdue, Expired, InProgress, NotStarted int
	Invited                                                  int // of NotStarted: the invitation is not accepted yet
}

// Render writes r as a PDF to w. It fails if r.GeneratedAt is zero, if
// r.Messages is nil, or if gofpdf or w fails. Any text is accepted: what
// the Go fonts cannot draw is replaced as certificates.SafeText does, and
// what does not fit its place is shortened with "…". Every date and time
// is printed in r.Zone, the way i18n.Printer writes them.
//
// gofpdf keeps every page in memory until it writes the file, and w gets
// the PDF only at the end: expect about 0.1 s and 12 MB of live heap for
// 2,000 rows (44 pages), and a few seconds and about 150 MB for 100,000
// rows (2,129 pages).
func Render(w io.Writer, r Report) error {
	_, err := render(w, r)
	return err
}

// render is Render that also returns the number of pages.
func render(w io.Writer, r Report) (int, error) {
	if r.GeneratedAt.IsZero() {
		return 0, errors.New("evidence: render: GeneratedAt is required")
	}
	if r.Messages == nil {
		return 0, errors.New("evidence: render: Messages is required")
	}
	r = normalise(r)
	d := newDoc(r)
	totals := Totals(r.Rows)
	d.newPage()
	d.cover()
	d.summary(Sum(totals))
	if len(r.Rows) > 0 {
		d.departments(totals)
		if !r.AggregateOnly {
			d.people()
		}
	}
	pages := d.f.PageCount()
	d.footers(pages)
	if err := d.f.Output(w); err != nil {
		return 0, fmt.Errorf("evidence: render: %w", err)
	}
	return pages, nil
}

// normalise fills in the defaults of r.
func normalise(r Report) Report {
	if r.Lang != "de" {
		r.Lang = "en"
	}
	if r.MinGroup <= 0 {
		r.MinGroup = defaultMinGroup
	}
	r.GeneratedAt = r.GeneratedAt.UTC()
	return r
}
