package web

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/gofiber/fiber/v2"

	"kipass/internal/evidence"
)

// evidencePDF sends the audit-ready evidence report for one course (the
// first by default) and optionally one department, within the caller's
// departments. In works-council mode it holds department totals only.
func (s *server) evidencePDF(c *fiber.Ctx) error {
	lang := langOf(c)
	cat := s.catalog()
	course := c.Query("course")
	if course == "" && len(cat.Courses) > 0 {
		course = cat.Courses[0].ID
	}
	co, ok := cat.Course(course)
	if !ok {
		return errNoCourse
	}
	q := readReportQuery(c)
	q.Course = co.ID
	v, err := s.exportRows(c, q)
	if err != nil {
		return err
	}
	rows := v.rows
	u := currentUser(c)
	r := evidence.Report{Lang: lang, Messages: s.views.messages, Zone: s.location(), Organisation: s.issuer(c.UserContext()).Name, GeneratedAt: s.now(),
		GeneratedBy: fmt.Sprintf(s.views.t(lang, "hr.generated_by"), s.views.t(lang, "role."+u.Role), u.ID),
		CourseTitle: co.Title.Get(lang), CourseID: co.ID, ContentVersion: co.Version, VerifyURL: s.signer.Issuer.URL + "/verify",
		AggregateOnly: s.cfg.AggregateOnly, MinGroup: s.cfg.MinGroup}
	// The scope names the filters and, outside works-council mode, the
	// number of people (which there could single out a small group).
	r.Scope = s.scopeLine(lang, v)
	if s.cfg.AggregateOnly {
		r.Scope = strings.Join(v.parts, ", ")
	}
	for _, m := range co.Modules {
		r.Modules = append(r.Modules, m.Title.Get(lang))
	}
	loc := s.location()
	for _, p := range rows {
		// Dates as the organisation sees them; due (the assignment) and
		// valid until (recertification) apart, as on the dashboard.
		row := evidence.Row{Name: p.Name, Department: p.Department, Status: p.Status, CertificateID: p.CertificateID}
		if !p.IssuedAt.IsZero() {
			row.PassedAt = p.IssuedAt.In(loc)
		}
		if !p.DueAt.IsZero() {
			row.DueAt = p.DueAt.In(loc)
		}
		if !p.CertificateEnd.IsZero() {
			row.ValidUntil = p.CertificateEnd.In(loc)
		}
		r.Rows = append(r.Rows, row)
	}
	// A report of a large company takes seconds and a few hundred MB while
	// it is built: at most two are built at once, the others wait.
	select {
	case s.evidenceSlots <- struct{}{}:
		defer func() { <-s.evidenceSlots }()
	case <-c.UserContext().Done():
		return c.UserContext().Err()
	}
	var buf bytes.Buffer
	if err := evidence.Render(&buf, r); err != nil {
		return err
	}
	if err := s.app.Audit(c.UserContext(), *u, "evidence.exported", 0,
		exportDetail(q)+fmt.Sprintf(" rows=%d aggregate_only=%t", len(rows), s.cfg.AggregateOnly)); err != nil {
		return err
	}
	attachment(c, "application/pdf", s.fileName(v, "pdf"))
	return c.Send(buf.Bytes())
}
