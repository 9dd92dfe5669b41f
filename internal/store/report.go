package store

import (
	"context"
	"encoding/json"
	"time"
)

// ReportRow is one person's facts for one course.
type ReportRow struct {
	UserID         int64
	Name           string
	Email          string
	Department     string
	Lang           string
	Started        bool
	CertificateID  string
	IssuedAt       time.Time // zero: no certificate
	CertificateEnd time.Time
	DueAt          time.Time // earliest due date of the assignments that cover the person; zero: not assigned
}

// CourseReport returns, for every active account (of the given departments
// when departments is not nil), its progress facts in the course: whether
// it has begun, and its newest unrevoked certificate.
func (db *DB) CourseReport(ctx context.Context, courseID string, departments []string) ([]ReportRow, error) {
	var depts any // NULL: all departments
	if departments != nil {
		b, err := json.Marshal(departments)
		if err != nil {
			return nil, err
		}
		depts = string(b)
	}
	// The newest unrevoked certificate per person is found through the
	// certificates_user index, one lookup per person (a joined window
	// query over all certificates was quadratic on large companies).
	q := `SELECT u.id, u.name, u.email, u.department, u.lang,
			EXISTS (SELECT 1 FROM attempts a WHERE a.user_id = u.id AND a.course_id = ?1),
			coalesce(c.id, ''), coalesce(c.issued_at, 0), coalesce(c.expires_at, 0),
			coalesce((SELECT min(due_at) FROM assignments s WHERE s.course_id = ?1 AND (s.scope = 'all'
				OR (s.scope = 'department' AND s.department = u.department) OR (s.scope = 'user' AND s.user_id = u.id))), 0)
		FROM users u
		LEFT JOIN certificates c ON c.id = (SELECT id FROM certificates
			WHERE user_id = u.id AND course_id = ?1 AND revoked_at IS NULL ORDER BY expires_at DESC, id LIMIT 1)
		WHERE u.active = 1 AND (?2 IS NULL OR u.department IN (SELECT value FROM json_each(?2)))
		ORDER BY u.department, u.name, u.id`
	rows, err := db.query(ctx, q, courseID, depts)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ReportRow
	for rows.Next() {
		var r ReportRow
		var issued, ends, due int64
		if err := rows.Scan(&r.UserID, &r.Name, &r.Email, &r.Department, &r.Lang, &r.Started, &r.CertificateID, &issued, &ends, &due); err != nil {
			return nil, err
		}
		if issued > 0 {
			r.IssuedAt, r.CertificateEnd = time.Unix(issued, 0), time.Unix(ends, 0)
		}
		if due > 0 {
			r.DueAt = time.Unix(due, 0)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
