package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"kipass/internal/errs"
)

// RenewWindow is how long before a certificate expires a new pass issues a
// new certificate.
const RenewWindow = 60 * 24 * time.Hour

// Certificate is a stored certificate record.
type Certificate struct {
	ID             string
	UserID         int64 // 0 when the holder's account was erased
	AttemptID      string
	HolderName     string
	CourseID       string
	ContentVersion string
	Lang           string
	IssuedAt       time.Time
	ExpiresAt      time.Time
	StatusIndex    int
	RevokedAt      time.Time // zero: not revoked
	RevokeReason   string
}

// Revoked reports whether the certificate was revoked.
func (c Certificate) Revoked() bool { return !c.RevokedAt.IsZero() }

// NewCertificate is what the caller decides about a certificate to issue.
type NewCertificate struct {
	ID             string
	HolderName     string
	ContentVersion string
	Lang           string
	IssuedAt       time.Time
	ExpiresAt      time.Time
}

const certColumns = `id, coalesce(user_id, 0), coalesce(attempt_id, ''), holder_name, course_id, content_version, lang,
	issued_at, expires_at, status_index, revoked_at, coalesce(revoke_reason, '')`

func scanCertificate(r row) (Certificate, error) {
	var c Certificate
	var issued, expires int64
	var revoked sql.NullInt64
	err := r.Scan(&c.ID, &c.UserID, &c.AttemptID, &c.HolderName, &c.CourseID, &c.ContentVersion, &c.Lang,
		&issued, &expires, &c.StatusIndex, &revoked, &c.RevokeReason)
	if errors.Is(err, sql.ErrNoRows) {
		return c, errs.New(errs.NotFound, "not_found", "No such certificate.")
	}
	c.IssuedAt, c.ExpiresAt = time.Unix(issued, 0), time.Unix(expires, 0)
	if revoked.Valid {
		c.RevokedAt = time.Unix(revoked.Int64, 0)
	}
	return c, err
}

// issueCertificate writes a certificate for a passed exam inside the
// submission's transaction, unless the holder has a valid certificate for
// the course that expires later than RenewWindow from now. It returns the id
// of the new certificate, or of the valid one that made a new one needless.
func issueCertificate(ctx context.Context, tx *sql.Tx, a Attempt, nc NewCertificate) (string, error) {
	var current string
	err := tx.QueryRowContext(ctx, `SELECT id FROM certificates WHERE user_id = ? AND course_id = ? AND revoked_at IS NULL AND expires_at > ?
		ORDER BY expires_at DESC LIMIT 1`, a.UserID, a.CourseID, nc.IssuedAt.Add(RenewWindow).Unix()).Scan(&current)
	if err == nil {
		return current, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return "", err
	}
	var next int
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(status_index), -1) + 1 FROM certificates`).Scan(&next); err != nil {
		return "", err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO certificates (id, user_id, attempt_id, holder_name, course_id, content_version, lang, issued_at, expires_at, status_index)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, nc.ID, a.UserID, a.ID, nc.HolderName, a.CourseID, nc.ContentVersion, nc.Lang,
		nc.IssuedAt.Unix(), nc.ExpiresAt.Unix(), next)
	return nc.ID, err
}

// CertificateByID returns a certificate record.
func (db *DB) CertificateByID(ctx context.Context, id string) (Certificate, error) {
	return scanCertificate(db.queryRow(ctx, `SELECT `+certColumns+` FROM certificates WHERE id = ?`, id))
}

// UserCertificates lists a user's certificates, newest first.
func (db *DB) UserCertificates(ctx context.Context, userID int64) ([]Certificate, error) {
	return db.certificates(ctx, `SELECT `+certColumns+` FROM certificates WHERE user_id = ? ORDER BY issued_at DESC, id`, userID)
}

// RecentCertificates lists the newest certificates of all users (for admins).
func (db *DB) RecentCertificates(ctx context.Context, limit int) ([]Certificate, error) {
	return db.certificates(ctx, `SELECT `+certColumns+` FROM certificates ORDER BY issued_at DESC, id LIMIT ?`, limit)
}

func (db *DB) certificates(ctx context.Context, q string, args ...any) ([]Certificate, error) {
	rows, err := db.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Certificate
	for rows.Next() {
		c, err := scanCertificate(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// RevokeCertificate marks a certificate revoked and records it in the audit
// log (the reason stays with the certificate, not in the log); revoking
// twice keeps the first time and reason.
func (db *DB) RevokeCertificate(ctx context.Context, id, reason string, by Actor) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		var holder sql.NullInt64
		err := tx.QueryRowContext(ctx, `UPDATE certificates SET revoked_at = coalesce(revoked_at, ?), revoke_reason = coalesce(revoke_reason, ?) WHERE id = ?
			RETURNING user_id`, db.now(), reason, id).Scan(&holder)
		if errors.Is(err, sql.ErrNoRows) {
			return errs.New(errs.NotFound, "not_found", "No such certificate.")
		}
		if err != nil {
			return err
		}
		return audit(ctx, tx, db.now(), by, "certificate.revoked", holder.Int64, "certificate="+id)
	})
}

// RevokedIndexes returns the status list positions of revoked certificates.
func (db *DB) RevokedIndexes(ctx context.Context) ([]int, error) {
	rows, err := db.query(ctx, `SELECT status_index FROM certificates WHERE revoked_at IS NOT NULL ORDER BY status_index`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int
	for rows.Next() {
		var i int
		if err := rows.Scan(&i); err != nil {
			return nil, err
		}
		out = append(out, i)
	}
	return out, rows.Err()
}
