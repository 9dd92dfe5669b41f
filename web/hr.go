package web

import (
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"kipass/internal/auth"
	"kipass/internal/errs"
	"kipass/internal/reports"
	"kipass/internal/store"
)

// reportRow is the contract's HR report row.
type reportRow struct {
	UserID        int64  `json:"user_id"`
	Name          string `json:"name"`
	Email         string `json:"email"`
	Department    string `json:"department"`
	Course        string `json:"course"`
	Status        string `json:"status"`
	PassedAt      string `json:"passed_at"`
	CertificateID string `json:"certificate_id"`
	DueAt         string `json:"due_at"`
}

// apiHRReport lists every person's status per course, filtered by
// department, course and status; format=csv gives a spreadsheet-safe CSV
// (sep=semicolon for German Excel). Unknown filter values give an empty
// report, not an error.
func (s *server) apiHRReport(c *fiber.Ctx) error {
	dept, course, status := c.Query("department"), c.Query("course"), c.Query("status")
	out := []reportRow{}
	now := s.now()
	for _, co := range s.catalog().Courses {
		if course != "" && course != co.ID {
			continue
		}
		rows, err := s.store.CourseReport(c.UserContext(), co.ID, dept)
		if err != nil {
			return err
		}
		for _, r := range rows {
			due := reports.DueDate(r.DueAt, r.CertificateEnd)
			st := reports.Status(reports.Facts{Started: r.Started, CertificateEnd: r.CertificateEnd, Assigned: !due.IsZero(), DueAt: due}, now)
			if status != "" && st != status {
				continue
			}
			row := reportRow{UserID: r.UserID, Name: r.Name, Email: r.Email, Department: r.Department, Course: co.ID, Status: st,
				CertificateID: r.CertificateID}
			if !r.IssuedAt.IsZero() {
				row.PassedAt = rfc3339(r.IssuedAt)
			}
			if !due.IsZero() {
				row.DueAt = rfc3339(due)
			}
			out = append(out, row)
		}
	}
	s.log.Info("hr report viewed", "by_user_id", currentUser(c).ID, "rows", len(out))
	if c.Query("format") != "csv" {
		return c.JSON(out)
	}
	sep := ','
	if c.Query("sep") == "semicolon" || c.Query("sep") == ";" {
		sep = ';'
	}
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="kipass-report-`+now.UTC().Format("2006-01-02")+`.csv"`)
	w, err := reports.NewCSVWriter(c.Response().BodyWriter(), sep)
	if err != nil {
		return err
	}
	w.Write([]string{"user_id", "name", "email", "department", "course", "status", "passed_at", "certificate_id", "due_at"})
	for _, r := range out {
		w.Write([]string{itoa(r.UserID), r.Name, r.Email, r.Department, r.Course, r.Status, r.PassedAt, r.CertificateID, r.DueAt})
	}
	return w.Flush()
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// assignmentIn is a new assignment.
type assignmentIn struct {
	Course     string `json:"course"`
	Scope      string `json:"scope"` // all, department or user
	Department string `json:"department"`
	UserID     int64  `json:"user_id"`
	DueAt      string `json:"due_at"` // RFC 3339, or a date (YYYY-MM-DD, due at the end of that day UTC)
}

type assignmentOut struct {
	ID         int64  `json:"id"`
	Course     string `json:"course"`
	Scope      string `json:"scope"`
	Department string `json:"department,omitempty"`
	UserID     int64  `json:"user_id,omitempty"`
	DueAt      string `json:"due_at"`
	CreatedAt  string `json:"created_at"`
}

func (s *server) apiCreateAssignment(c *fiber.Ctx) error {
	var in assignmentIn
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	fields := map[string]string{}
	if _, ok := s.catalog().Course(in.Course); !ok {
		fields["course"] = "unknown"
	}
	a := store.Assignment{CourseID: in.Course, Scope: in.Scope, CreatedBy: currentUser(c).ID}
	switch in.Scope {
	case store.ScopeAll:
	case store.ScopeDepartment:
		a.Department = auth.CleanName(in.Department)
		if a.Department == "" {
			fields["department"] = "required"
		}
	case store.ScopeUser:
		a.UserID = in.UserID
		if _, err := s.store.UserByID(c.UserContext(), in.UserID); err != nil {
			if errs.KindOf(err) != errs.NotFound {
				return err
			}
			fields["user_id"] = "unknown"
		}
	default:
		fields["scope"] = "invalid"
	}
	due, err := parseDue(in.DueAt)
	if err != nil {
		fields["due_at"] = "invalid"
	}
	a.DueAt = due
	if len(fields) > 0 {
		return &errs.Error{Kind: errs.Invalid, Code: "invalid_input", Message: "Please check the marked fields.", Fields: fields}
	}
	id, err := s.store.CreateAssignment(c.UserContext(), a)
	if err != nil {
		return err
	}
	s.log.Info("assignment created", "by_user_id", currentUser(c).ID, "scope", a.Scope)
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"id": id})
}

// parseDue reads an RFC 3339 time or a date (due at the end of that day, UTC).
func parseDue(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	d, err := time.Parse("2006-01-02", s)
	if err != nil {
		return time.Time{}, err
	}
	return d.Add(24*time.Hour - time.Second), nil
}

func (s *server) apiAssignments(c *fiber.Ctx) error {
	list, err := s.store.Assignments(c.UserContext())
	if err != nil {
		return err
	}
	out := []assignmentOut{}
	for _, a := range list {
		out = append(out, assignmentOut{ID: a.ID, Course: a.CourseID, Scope: a.Scope, Department: a.Department, UserID: a.UserID,
			DueAt: rfc3339(a.DueAt), CreatedAt: rfc3339(a.CreatedAt)})
	}
	return c.JSON(out)
}

func (s *server) apiDeleteAssignment(c *fiber.Ctx) error {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || id <= 0 {
		return errs.New(errs.NotFound, "not_found", "No such assignment.")
	}
	if err := s.store.DeleteAssignment(c.UserContext(), id); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}
