package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"kipass/internal/app"
	"kipass/internal/errs"
)

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

// currentCertificateQuery finds the holder's unrevoked certificate of a
// course that runs longest: the one a renewal decision looks at.
const currentCertificateQuery = `SELECT ` + certColumns + ` FROM certificates WHERE user_id = ? AND course_id = ? AND revoked_at IS NULL
	ORDER BY expires_at DESC, id LIMIT 1`

// CurrentCertificate returns the holder's unrevoked certificate of the
// course that expires last, expired or not; a zero Certificate (ID "")
// when there is none.
func (db *DB) CurrentCertificate(ctx context.Context, userID int64, courseID string) (Certificate, error) {
	c, err := scanCertificate(db.queryRow(ctx, currentCertificateQuery, userID, courseID))
	if errs.KindOf(err) == errs.NotFound {
		return Certificate{}, nil
	}
	if err != nil {
		return c, fmt.Errorf("store: current certificate: %w", err)
	}
	return c, nil
}

// insertCertificate writes the certificate that a passed exam issues,
// inside the submission's transaction, at the next status list position.
// It first checks that the holder's current certificate is still the one
// the caller decided on; otherwise it returns app.ErrStale. The caller
// holds the holder's row lock (PostgreSQL), so the check stays true until
// the commit.
func (db *DB) insertCertificate(ctx context.Context, tx *sql.Tx, a Attempt, s Submission) error {
	var current string
	err := tx.QueryRowContext(ctx, `SELECT id FROM certificates WHERE user_id = ? AND course_id = ? AND revoked_at IS NULL
		ORDER BY expires_at DESC, id LIMIT 1`, a.UserID, a.CourseID).Scan(&current)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("store: current certificate: %w", err)
	}
	if current != s.CurrentCertificate {
		return app.ErrStale
	}
	nc := s.Certificate
	if nc == nil {
		return nil
	}
	// max+1 is race-free only with one writer: on PostgreSQL the status
	// list lock serialises the issuing transactions (until they commit),
	// so positions are never taken twice and have no gaps.
	if err := db.lock(ctx, tx, lockStatusIndex); err != nil {
		return fmt.Errorf("store: status list lock: %w", err)
	}
	var next int
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(status_index), -1) + 1 FROM certificates`).Scan(&next); err != nil {
		return fmt.Errorf("store: next status index: %w", err)
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO certificates (id, user_id, attempt_id, holder_name, course_id, content_version, lang, issued_at, expires_at, status_index)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, nc.ID, a.UserID, a.ID, nc.HolderName, a.CourseID, nc.ContentVersion, nc.Lang,
		nc.IssuedAt.Unix(), nc.ExpiresAt.Unix(), next)
	if err != nil {
		return fmt.Errorf("store: insert certificate: %w", err)
	}
	return nil
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
