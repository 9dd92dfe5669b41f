package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"kipass/internal/app"
	"kipass/internal/errs"
)

// CreateMailedResetLink stores a one-time reset token that a person asked
// for by email. Unlike an admin's reset link (CreateResetLink) it leaves
// older ones alone: a stranger asking for links must not break the one the
// owner is about to open.
func (db *DB) CreateMailedResetLink(ctx context.Context, userID int64, tokenHash []byte, expires time.Time) error {
	now := db.now()
	return db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO one_time_tokens (token_hash, purpose, user_id, created_at, expires_at)
			SELECT ?, 'reset', id, ?, ? FROM users WHERE id = ? AND active = TRUE`, tokenHash, now, expires.Unix(), userID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errNoUser
		}
		return audit(ctx, tx, now, Actor{ID: userID, Role: app.RoleEmployee}, "account.reset_requested", userID, "")
	})
}

// ResetLinksSince counts the account's reset tokens created since t.
func (db *DB) ResetLinksSince(ctx context.Context, userID int64, since time.Time) (int, error) {
	var n int
	err := db.queryRow(ctx, `SELECT count(*) FROM one_time_tokens WHERE user_id = ? AND purpose = 'reset' AND created_at > ?`,
		userID, since.Unix()).Scan(&n)
	return n, err
}

// ChangePassword sets a new password hash, ends the account's other
// sessions and its open reset links, and audits it, in one transaction.
func (db *DB) ChangePassword(ctx context.Context, userID int64, passwordHash string, keepSession []byte) error {
	now := db.now()
	return db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ? AND active = TRUE`, passwordHash, now, userID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errNoUser
		}
		if keepSession == nil {
			keepSession = []byte{}
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = ? AND token_hash <> ?`, userID, keepSession); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM one_time_tokens WHERE user_id = ? AND purpose = 'reset'`, userID); err != nil {
			return err
		}
		return audit(ctx, tx, now, Actor{ID: userID, Role: app.RoleEmployee}, "account.password_changed", userID, "")
	})
}

// CorrectName changes the account's name while no certificate carries it.
func (db *DB) CorrectName(ctx context.Context, userID int64, name string) error {
	now := db.now()
	return db.tx(ctx, func(tx *sql.Tx) error {
		var certs int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM certificates WHERE user_id = ?`, userID).Scan(&certs); err != nil {
			return err
		}
		if certs > 0 {
			return app.ErrNameLocked
		}
		res, err := tx.ExecContext(ctx, `UPDATE users SET name = ?, updated_at = ? WHERE id = ?`, name, now, userID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errNoUser
		}
		return audit(ctx, tx, now, Actor{ID: userID, Role: app.RoleEmployee}, "account.name_corrected", userID, "")
	})
}

// ReissueCertificate stores nc in place of certificate oldID and revokes
// the old one with the reason, in one transaction.
func (db *DB) ReissueCertificate(ctx context.Context, oldID string, nc NewCertificate, reason string, by Actor) error {
	now := db.now()
	return db.tx(ctx, func(tx *sql.Tx) error {
		var uid sql.NullInt64
		var attempt sql.NullString
		var course string
		var revoked sql.NullInt64
		err := tx.QueryRowContext(ctx, `SELECT user_id, attempt_id, course_id, revoked_at FROM certificates WHERE id = ?`, oldID).
			Scan(&uid, &attempt, &course, &revoked)
		if errors.Is(err, sql.ErrNoRows) {
			return errs.New(errs.NotFound, "not_found", "No such certificate.")
		}
		if err != nil {
			return err
		}
		if revoked.Valid || !uid.Valid {
			return errs.New(errs.Conflict, "not_reissuable", "Only a valid certificate of an existing account can be reissued.")
		}
		// The new certificate takes a random free position like every
		// other (insertAtFreeStatusIndex), not max + 1.
		if err := db.insertAtFreeStatusIndex(ctx, tx, func(index int) (sql.Result, error) {
			return tx.ExecContext(ctx, `INSERT INTO certificates (id, user_id, attempt_id, holder_name, course_id, content_version, lang, issued_at, expires_at, status_index)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (status_index) DO NOTHING`, nc.ID, uid, attempt, nc.HolderName, course, nc.ContentVersion, nc.Lang,
				nc.IssuedAt.Unix(), nc.ExpiresAt.Unix(), index)
		}); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE certificates SET revoked_at = ?, revoke_reason = ? WHERE id = ?`,
			now, reason+" (reissued as "+nc.ID+")", oldID); err != nil {
			return err
		}
		return audit(ctx, tx, now, by, "certificate.reissued", uid.Int64, "old="+oldID+" new="+nc.ID)
	})
}
