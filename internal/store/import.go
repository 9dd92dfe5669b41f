package store

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// ImportUsers creates or updates all accounts in one transaction: all or
// nothing. New accounts have no password until their invitation is used.
// progress, when set, is called after each row. created[i] reports whether
// row i was new.
func (db *DB) ImportUsers(ctx context.Context, users []ImportUser, inviteExpires time.Time, progress func(done int)) (created []bool, err error) {
	now := db.now()
	created = make([]bool, len(users))
	err = db.tx(ctx, func(tx *sql.Tx) error {
		// Imports run one at a time and not beside an account change
		// (PostgreSQL), as on SQLite's one writer: the same new address in
		// two imports is created once and updated by the second.
		if err := db.lock(ctx, tx, lockAdmins); err != nil {
			return err
		}
		var adminsBefore int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM users WHERE role = 'admin' AND active = TRUE`).Scan(&adminsBefore); err != nil {
			return err
		}
		for i, u := range users {
			var id int64
			err := tx.QueryRowContext(ctx, `SELECT id FROM users WHERE email = ?`, u.Email).Scan(&id)
			switch {
			case errors.Is(err, sql.ErrNoRows):
				if id, err = insertUser(ctx, tx, NewUser{Email: u.Email, Name: u.Name, Department: u.Department, Role: u.Role}, now); err != nil {
					return err
				}
				if err := storeInvite(ctx, tx, id, u.InviteHash, now, inviteExpires); err != nil {
					return err
				}
				created[i] = true
			case err != nil:
				return err
			default:
				if _, err := tx.ExecContext(ctx, `UPDATE users SET name = ?, department = ?, role = ?, updated_at = ? WHERE id = ?`,
					u.Name, u.Department, u.Role, now, id); err != nil {
					return err
				}
				if err := addDepartment(ctx, tx, u.Department, now); err != nil {
					return err
				}
			}
			if progress != nil {
				progress(i + 1)
			}
		}
		var admins int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM users WHERE role = 'admin' AND active = TRUE`).Scan(&admins); err != nil {
			return err
		}
		if adminsBefore > 0 && admins == 0 {
			return errLastAdmin
		}
		return nil
	})
	return created, err
}

// SetPasswordWithToken uses an invitation or reset token to set the
// account's password; every session of the account ends.
func (db *DB) SetPasswordWithToken(ctx context.Context, tokenHash []byte, passwordHash string) (_ int64, err error) {
	defer wrapErr(&err, "set password with token")
	var uid int64
	now := db.now()
	err = db.tx(ctx, func(tx *sql.Tx) error {
		var n sql.NullInt64
		err := tx.QueryRowContext(ctx, `DELETE FROM one_time_tokens WHERE token_hash = ? AND purpose IN ('invite', 'reset') AND expires_at > ? RETURNING user_id`,
			tokenHash, now).Scan(&n)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && !n.Valid) {
			return errTokenInvalid
		}
		if err != nil {
			return err
		}
		uid = n.Int64
		if _, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ? AND active = TRUE`, passwordHash, now, uid); err != nil {
			return err
		}
		// The other reset links of the account die with this one: a link
		// mailed earlier must not set the password once more.
		if _, err := tx.ExecContext(ctx, `DELETE FROM one_time_tokens WHERE user_id = ? AND purpose = 'reset'`, uid); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = ?`, uid)
		return err
	})
	return uid, err
}

// InviteValid reports whether an invitation or reset token can be used.
func (db *DB) InviteValid(ctx context.Context, tokenHash []byte) (_ bool, err error) {
	defer wrapErr(&err, "invite valid")
	var n int
	err = db.queryRow(ctx, `SELECT count(*) FROM one_time_tokens WHERE token_hash = ? AND purpose IN ('invite', 'reset') AND expires_at > ?`,
		tokenHash, db.now()).Scan(&n)
	return n > 0, err
}
