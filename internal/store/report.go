package store

import (
	"context"
	"time"
)

// ReportRow is one person's facts for one course.
type ReportRow struct {
	UserID         int64
	Name           string
	Email          string
	Department     string
	Started        bool
	CertificateID  string
	IssuedAt       time.Time // zero: no certificate
	CertificateEnd time.Time
	DueAt          time.Time // earliest due date of the assignments that cover the person; zero: not assigned
}

// CourseReport returns, for every active account (of one department when
// department is not ""), its progress facts in the course: whether it has
// begun, and its newest unrevoked certificate.
func (db *DB) CourseReport(ctx context.Context, courseID, department string) ([]ReportRow, error) {
	q := `SELECT u.id, u.name, u.email, u.department,
			EXISTS (SELECT 1 FROM attempts a WHERE a.user_id = u.id AND a.course_id = ?1),
			coalesce(c.id, ''), coalesce(c.issued_at, 0), coalesce(c.expires_at, 0),
			coalesce((SELECT min(due_at) FROM assignments s WHERE s.course_id = ?1 AND (s.scope = 'all'
				OR (s.scope = 'department' AND s.department = u.department) OR (s.scope = 'user' AND s.user_id = u.id))), 0)
		FROM users u
		LEFT JOIN (SELECT user_id, id, issued_at, expires_at,
				row_number() OVER (PARTITION BY user_id ORDER BY expires_at DESC, id) AS rn
			FROM certificates WHERE course_id = ?1 AND revoked_at IS NULL AND user_id IS NOT NULL) c
			ON c.user_id = u.id AND c.rn = 1
		WHERE u.active = 1 AND (?2 = '' OR u.department = ?2)
		ORDER BY u.department, u.name, u.id`
	rows, err := db.query(ctx, q, courseID, department)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ReportRow
	for rows.Next() {
		var r ReportRow
		var issued, ends, due int64
		if err := rows.Scan(&r.UserID, &r.Name, &r.Email, &r.Department, &r.Started, &r.CertificateID, &issued, &ends, &due); err != nil {
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
