package web

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"kipass/internal/reports"
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
			st := reports.Status(reports.Facts{Started: r.Started, CertificateEnd: r.CertificateEnd}, now)
			if status != "" && st != status {
				continue
			}
			row := reportRow{UserID: r.UserID, Name: r.Name, Email: r.Email, Department: r.Department, Course: co.ID, Status: st,
				CertificateID: r.CertificateID}
			if !r.IssuedAt.IsZero() {
				row.PassedAt = rfc3339(r.IssuedAt)
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
