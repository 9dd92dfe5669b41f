package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/binary"
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
func (db *DB) CurrentCertificate(ctx context.Context, userID int64, courseID string) (_ Certificate, err error) {
	defer wrapErr(&err, "current certificate")
	c, err := scanCertificate(db.queryRow(ctx, currentCertificateQuery, userID, courseID))
	if errs.KindOf(err) == errs.NotFound {
		return Certificate{}, nil
	}
	if err != nil {
		return c, err
	}
	return c, nil
}

// statusListSize is the number of status list positions,
// certificates.StatusListSize (a test keeps the two equal; the store does
// not import the certificates package for one number).
const statusListSize = 131072

// statusIndexTries is how many random positions insertCertificate tries
// before it takes the lowest free one. While the list is less than
// nine-tenths full, 64 random tries all hit a used position less than once
// in a thousand issues.
const statusIndexTries = 64

// randomStatusIndex is a uniformly random position in the status list,
// from crypto/rand: 2^32 is a multiple of the list size, so the remainder
// has no bias.
func randomStatusIndex() int {
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return int(binary.BigEndian.Uint32(b[:]) % statusListSize)
}

// insertCertificate writes the certificate that a passed exam issues,
// inside the submission's transaction, at a random unused status list
// position (Bitstring Status List section 2.1: positions SHOULD be random,
// so that a list does not reveal the order of issue). Existing
// certificates keep their positions. It first checks that the holder's
// current certificate is still the one the caller decided on; otherwise
// it returns app.ErrStale. The caller
// holds the holder's row lock (PostgreSQL), so the check stays true until
// the commit.
func (db *DB) insertCertificate(ctx context.Context, tx *sql.Tx, a Attempt, s Submission) error {
	var current string
	err := tx.QueryRowContext(ctx, `SELECT id FROM certificates WHERE user_id = ? AND course_id = ? AND revoked_at IS NULL
		ORDER BY expires_at DESC, id LIMIT 1`, a.UserID, a.CourseID).Scan(&current)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("current certificate: %w", err)
	}
	if current != s.CurrentCertificate {
		return app.ErrStale
	}
	nc := s.Certificate
	if nc == nil {
		return nil
	}
	// ON CONFLICT (status_index) DO NOTHING: a taken position inserts no
	// row and the next one is tried, within the same transaction (a
	// failing statement would abort it on PostgreSQL). A clash of the
	// certificate id is still an error.
	return db.insertAtFreeStatusIndex(ctx, tx, func(index int) (sql.Result, error) {
		return tx.ExecContext(ctx, `INSERT INTO certificates (id, user_id, attempt_id, holder_name, course_id, content_version, lang, issued_at, expires_at, status_index)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (status_index) DO NOTHING`,
			nc.ID, a.UserID, a.ID, nc.HolderName, a.CourseID, nc.ContentVersion, nc.Lang, nc.IssuedAt.Unix(), nc.ExpiresAt.Unix(), index)
	})
}

// insertAtFreeStatusIndex runs insert (an INSERT ... ON CONFLICT
// (status_index) DO NOTHING of one certificate) with random positions
// until one inserts a row, then with the lowest free position. Every new
// certificate (a pass, a reissue) takes its position this way, so no
// engine ever hands out a position twice or in the order of issue.
//
// The lowest free position is asked again after each clash: on
// PostgreSQL a concurrent transaction may hold it uncommitted, and the
// insert then waits for that commit and inserts nothing, while the next
// statement sees the row. Each clash is a position taken for good, so the
// loop ends within the list's size.
func (db *DB) insertAtFreeStatusIndex(ctx context.Context, tx *sql.Tx, insert func(index int) (sql.Result, error)) error {
	pick := db.StatusIndex
	if pick == nil {
		pick = randomStatusIndex
	}
	for try := 0; try < statusIndexTries+statusListSize; try++ {
		var index int
		var err error
		if try < statusIndexTries {
			index = pick()
		} else if index, err = lowestFreeStatusIndex(ctx, tx); err != nil {
			return err
		}
		if index < 0 || index >= statusListSize {
			return fmt.Errorf("store: status index %d outside 0..%d", index, statusListSize-1)
		}
		res, err := insert(index)
		if err != nil {
			return fmt.Errorf("store: insert certificate: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil || n == 1 {
			return err
		}
	}
	return errors.New("store: insert certificate: no free status list position")
}

// lowestFreeStatusIndex is the lowest status list position no certificate
// holds; an error when all are taken.
func lowestFreeStatusIndex(ctx context.Context, tx *sql.Tx) (int, error) {
	var free sql.NullInt64
	err := tx.QueryRowContext(ctx, `SELECT min(i) FROM (
		SELECT 0 AS i WHERE NOT EXISTS (SELECT 1 FROM certificates WHERE status_index = 0)
		UNION ALL
		SELECT c.status_index + 1 FROM certificates c WHERE c.status_index + 1 < ?
			AND NOT EXISTS (SELECT 1 FROM certificates d WHERE d.status_index = c.status_index + 1)
	) AS gaps`, statusListSize).Scan(&free)
	if err != nil {
		return 0, fmt.Errorf("store: free status index: %w", err)
	}
	if !free.Valid {
		return 0, errors.New("store: the status list is full: no free position for a new certificate")
	}
	return int(free.Int64), nil
}

// CertificateByID returns a certificate record.
func (db *DB) CertificateByID(ctx context.Context, id string) (_ Certificate, err error) {
	defer wrapErr(&err, "certificate by id")
	return scanCertificate(db.queryRow(ctx, `SELECT `+certColumns+` FROM certificates WHERE id = ?`, id))
}

// UserCertificates lists a user's certificates, newest first.
func (db *DB) UserCertificates(ctx context.Context, userID int64) (_ []Certificate, err error) {
	defer wrapErr(&err, "user certificates")
	return db.certificates(ctx, `SELECT `+certColumns+` FROM certificates WHERE user_id = ? ORDER BY issued_at DESC, id`, userID)
}

// RecentCertificates lists the newest certificates of all users (for admins).
func (db *DB) RecentCertificates(ctx context.Context, limit int) (_ []Certificate, err error) {
	defer wrapErr(&err, "recent certificates")
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
func (db *DB) RevokeCertificate(ctx context.Context, id, reason string, by Actor) (err error) {
	defer wrapErr(&err, "revoke certificate")
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
func (db *DB) RevokedIndexes(ctx context.Context) (_ []int, err error) {
	defer wrapErr(&err, "revoked indexes")
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
