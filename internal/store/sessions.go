package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"kipass/internal/errs"
)

// CreateSession stores a session under the SHA-256 of its token.
func (db *DB) CreateSession(ctx context.Context, tokenHash []byte, userID int64, kind string, expiresAt time.Time) (err error) {
	defer wrapErr(&err, "create session")
	now := db.now()
	return db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO sessions (token_hash, user_id, kind, created_at, last_seen_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?)`, tokenHash, userID, kind, now, now, expiresAt.Unix())
		return err
	})
}

// SessionByHash returns the live session with the token hash and its active
// user. A browser session idle for longer than idle has ended. The last-seen
// time is written at most once a minute, so reads stay reads.
func (db *DB) SessionByHash(ctx context.Context, tokenHash []byte, idle time.Duration) (_ Session, err error) {
	defer wrapErr(&err, "session by hash")
	now := db.now()
	var s Session
	r := db.queryRow(ctx, `SELECT s.kind, s.created_at, s.last_seen_at, s.expires_at, `+prefixed("u.", userColumns)+`
		FROM sessions s JOIN users u ON u.id = s.user_id
		WHERE s.token_hash = ? AND s.expires_at > ? AND u.active = TRUE`, tokenHash, now)
	err = r.Scan(append([]any{&s.Kind, &s.CreatedAt, &s.LastSeenAt, &s.ExpiresAt}, userDest(&s.User)...)...)
	if errors.Is(err, sql.ErrNoRows) {
		return s, errs.New(errs.Unauthorized, "unauthorized", "Please log in.")
	}
	if err != nil {
		return s, err
	}
	if s.Kind == SessionBrowser && now-s.LastSeenAt > int64(idle/time.Second) {
		return s, errs.New(errs.Unauthorized, "session_expired", "Your session has ended. Please log in again.")
	}
	if now-s.LastSeenAt >= 60 {
		err = db.tx(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `UPDATE sessions SET last_seen_at = ? WHERE token_hash = ?`, now, tokenHash)
			return err
		})
		s.LastSeenAt = now
	}
	return s, err
}

// DeleteSession ends one session.
func (db *DB) DeleteSession(ctx context.Context, tokenHash []byte) (err error) {
	defer wrapErr(&err, "delete session")
	return db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE token_hash = ?`, tokenHash)
		return err
	})
}

// DeleteUserSessions ends every session of a user.
func (db *DB) DeleteUserSessions(ctx context.Context, userID int64) (err error) {
	defer wrapErr(&err, "delete user sessions")
	return db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = ?`, userID)
		return err
	})
}

// PurgeExpired deletes ended sessions, used one-time tokens, old login
// failures and ended address windows; idle is the browser idle timeout, window the throttling window.
func (db *DB) PurgeExpired(ctx context.Context, idle, window time.Duration) (err error) {
	defer wrapErr(&err, "purge expired")
	now := db.now()
	return db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE expires_at <= ? OR (kind = 'browser' AND last_seen_at < ?)`,
			now, now-int64(idle/time.Second)); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM one_time_tokens WHERE expires_at <= ?`, now); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM login_failures WHERE at < ?`, now-int64(window/time.Second)); err != nil {
			return err
		}
		// An address's row is over when its window is.
		_, err := tx.ExecContext(ctx, `DELETE FROM address_failures WHERE window_start <= ?`, now-int64(window/time.Second))
		return err
	})
}

func prefixed(p, cols string) string {
	parts := strings.Split(cols, ",")
	for i := range parts {
		parts[i] = p + strings.TrimSpace(parts[i])
	}
	return strings.Join(parts, ", ")
}
