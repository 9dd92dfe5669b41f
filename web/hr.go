package web

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"kipass/internal/app"
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
	// InvitedAt is when a person with status invited was (last) invited.
	InvitedAt string `json:"invited_at,omitempty"`
}

// filterDetail describes report filters for the audit log.
func filterDetail(dept, course, status string) string {
	d := "department=" + quoteDetail(dept) + " course=" + quoteDetail(course)
	if status != "" {
		d += " status=" + quoteDetail(status)
	}
	return d
}

// quoteDetail quotes a filter value for the audit log, shortened so that a
// long value cannot flood it.
func quoteDetail(v string) string { return app.QuoteDetail(v) }

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// assignmentIn is a new assignment.
type assignmentIn struct {
	Course     string `json:"course"`
	Scope      string `json:"scope"` // all, department or user
	Department string `json:"department"`
	UserID     int64  `json:"user_id"`
	DueAt      string `json:"due_at"` // RFC 3339, or a date (YYYY-MM-DD, due at the end of that day in the organisation's zone)
	// ConfirmPastDue confirms a due date in the past.
	ConfirmPastDue bool `json:"confirm_past_due"`
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
	a, err := s.assign(c, in, "")
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"id": a.ID})
}

func (s *server) apiAssignments(c *fiber.Ctx) error {
	list, _, err := s.visibleAssignments(c)
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
	if err := s.deleteAssignment(c); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}
