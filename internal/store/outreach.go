package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"kipass/internal/errs"
)

// errNotInvited answers a new invitation for an account that has a
// password already, is deactivated or does not exist.
var errNotInvited = errs.New(errs.NotFound, "not_invited", "This person has no pending invitation.")

// storeInvite stores an invitation token for the account and notes the
// invitation's time.
func storeInvite(ctx context.Context, tx *sql.Tx, userID int64, tokenHash []byte, now int64, expires time.Time) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO one_time_tokens (token_hash, purpose, user_id, created_at, expires_at) VALUES (?, 'invite', ?, ?, ?)`,
		tokenHash, userID, now, expires.Unix()); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `UPDATE users SET invited_at = ? WHERE id = ?`, now, userID)
	return err
}

// ReissueInvite replaces an invited account's invitation with a new token
// valid until expires (the old links stop working) and notes the time. An
// account with a password, a deactivated or a missing one is not found
// ("not_invited").
func (db *DB) ReissueInvite(ctx context.Context, userID int64, tokenHash []byte, expires time.Time) error {
	now := db.now()
	return db.tx(ctx, func(tx *sql.Tx) error {
		var pending bool
		err := tx.QueryRowContext(ctx, `SELECT password_hash = '' FROM users WHERE id = ? AND active = TRUE`, userID).Scan(&pending)
		if errors.Is(err, sql.ErrNoRows) || err == nil && !pending {
			return errNotInvited
		}
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM one_time_tokens WHERE user_id = ? AND purpose = 'invite'`, userID); err != nil {
			return err
		}
		return storeInvite(ctx, tx, userID, tokenHash, now, expires)
	})
}

// InvitedAt returns when the person was last invited (zero: never) and
// whether the invitation is pending: the status "invited" of the report.
func (db *DB) InvitedAt(ctx context.Context, userID int64) (time.Time, bool, error) {
	var at int64
	var pending bool
	err := db.queryRow(ctx, `SELECT invited_at, password_hash = '' AND invited_at > 0 FROM users WHERE id = ?`, userID).Scan(&at, &pending)
	if errors.Is(err, sql.ErrNoRows) || at == 0 {
		return time.Time{}, false, nil
	}
	return time.Unix(at, 0), pending, err
}
