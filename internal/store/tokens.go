package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"kipass/internal/errs"
)

var errTokenInvalid = errs.New(errs.NotFound, "invalid_token", "This link is not valid (any more).")

// CreateOneTimeToken stores a single-use token (by its hash). For the setup
// purpose every older setup token is dropped, so only the newest link works.
func (db *DB) CreateOneTimeToken(ctx context.Context, tokenHash []byte, purpose string, userID int64, expiresAt time.Time) (err error) {
	defer wrapErr(&err, "create one time token")
	return db.tx(ctx, func(tx *sql.Tx) error {
		if purpose == TokenSetup {
			if _, err := tx.ExecContext(ctx, `DELETE FROM one_time_tokens WHERE purpose = 'setup'`); err != nil {
				return err
			}
		}
		var uid any
		if userID != 0 {
			uid = userID
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO one_time_tokens (token_hash, purpose, user_id, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?)`, tokenHash, purpose, uid, db.now(), expiresAt.Unix())
		return err
	})
}

// OneTimeTokenValid reports whether an unexpired token of the purpose exists.
func (db *DB) OneTimeTokenValid(ctx context.Context, tokenHash []byte, purpose string) (_ bool, err error) {
	defer wrapErr(&err, "one time token valid")
	var n int
	err = db.queryRow(ctx, `SELECT count(*) FROM one_time_tokens WHERE token_hash = ? AND purpose = ? AND expires_at > ?`,
		tokenHash, purpose, db.now()).Scan(&n)
	return n > 0, err
}

func consumeToken(ctx context.Context, tx *sql.Tx, tokenHash []byte, purpose string, now int64) (sql.NullInt64, error) {
	var uid sql.NullInt64
	err := tx.QueryRowContext(ctx, `DELETE FROM one_time_tokens WHERE token_hash = ? AND purpose = ? AND expires_at > ? RETURNING user_id`,
		tokenHash, purpose, now).Scan(&uid)
	if errors.Is(err, sql.ErrNoRows) {
		return uid, errTokenInvalid
	}
	return uid, err
}

// CreateFirstAdmin uses the setup token and creates the first admin in one
// transaction. It fails when the token is invalid or an admin exists already.
func (db *DB) CreateFirstAdmin(ctx context.Context, tokenHash []byte, nu NewUser) (_ int64, err error) {
	defer wrapErr(&err, "create first admin")
	var id int64
	now := db.now()
	err = db.tx(ctx, func(tx *sql.Tx) error {
		// Two setup links used at once create one admin (PostgreSQL).
		if err := db.lock(ctx, tx, lockAdmins); err != nil {
			return err
		}
		if _, err := consumeToken(ctx, tx, tokenHash, TokenSetup, now); err != nil {
			return err
		}
		var admins int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM users WHERE role = 'admin'`).Scan(&admins); err != nil {
			return err
		}
		if admins > 0 {
			return errTokenInvalid
		}
		nu.Role = RoleAdmin
		var err error
		id, err = insertUser(ctx, tx, nu, now)
		return err
	})
	return id, err
}

// RecordLoginFailure notes one failed login for the account key.
func (db *DB) RecordLoginFailure(ctx context.Context, emailHash []byte) (err error) {
	defer wrapErr(&err, "record login failure")
	return db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO login_failures (email_hash, at) VALUES (?, ?)`, emailHash, db.now())
		return err
	})
}

// LoginFailures counts the failed logins for the account key since the time.
func (db *DB) LoginFailures(ctx context.Context, emailHash []byte, since time.Time) (_ int, err error) {
	defer wrapErr(&err, "login failures")
	var n int
	err = db.queryRow(ctx, `SELECT count(*) FROM login_failures WHERE email_hash = ? AND at > ?`,
		emailHash, since.Unix()).Scan(&n)
	return n, err
}

// RecordAddressFailure counts one failed login from the client address
// key (a keyed hash, see app.AddressKey) in one upsert: the first failure,
// or the first after the address's window ended (window_start at or before
// windowFrom), starts a new window at now with one failure; later ones add
// to it. It is not a counted change (no report shows it).
func (db *DB) RecordAddressFailure(ctx context.Context, key []byte, windowFrom time.Time) (err error) {
	defer wrapErr(&err, "record address failure")
	now, from := db.now(), windowFrom.Unix()
	return db.txQuiet(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO address_failures (address_key, window_start, failures) VALUES (?, ?, 1)
			ON CONFLICT (address_key) DO UPDATE SET
				failures = CASE WHEN address_failures.window_start > ? THEN address_failures.failures + 1 ELSE 1 END,
				window_start = CASE WHEN address_failures.window_start > ? THEN address_failures.window_start ELSE excluded.window_start END`,
			key, now, from, from)
		return err
	})
}

// AddressFailures returns the failed logins from the client address key in
// its current window, one that started after windowFrom (0 when none).
func (db *DB) AddressFailures(ctx context.Context, key []byte, windowFrom time.Time) (_ int, err error) {
	defer wrapErr(&err, "address failures")
	var n int
	err = db.queryRow(ctx, `SELECT failures FROM address_failures WHERE address_key = ? AND window_start > ?`,
		key, windowFrom.Unix()).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return n, err
}

// ClearLoginFailures forgets the failures after a successful login.
func (db *DB) ClearLoginFailures(ctx context.Context, emailHash []byte) (err error) {
	defer wrapErr(&err, "clear login failures")
	return db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM login_failures WHERE email_hash = ?`, emailHash)
		return err
	})
}
