package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"kipass/internal/app"
	"kipass/internal/errs"
)

// ListUsers returns one page of accounts matching f, ordered by name, and
// the number of all matches.
func (db *DB) ListUsers(ctx context.Context, f UserFilter) (_ []User, _ int, err error) {
	defer wrapErr(&err, "list users")
	if f.Limit <= 0 {
		f.Limit = 50
	}
	like := ""
	if q := strings.TrimSpace(f.Query); q != "" {
		like = "%" + likeEscaper.Replace(strings.ToLower(q)) + "%"
	}
	where := ` FROM users WHERE (?1 = '' OR lower(name) LIKE ?1 ESCAPE '\' OR email LIKE ?1 ESCAPE '\')
		AND (?2 = '' OR department = ?2) AND (?3 = '' OR role = ?3)`
	var total int
	if err := db.queryRow(ctx, `SELECT count(*)`+where, like, f.Department, f.Role).Scan(&total); err != nil {
		return nil, 0, err
	}
	rows, err := db.query(ctx, `SELECT `+userColumns+where+` ORDER BY lower(name), id LIMIT ?4 OFFSET ?5`,
		like, f.Department, f.Role, f.Limit, f.Offset)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []User
	for rows.Next() {
		var u User
		if err := rows.Scan(userDest(&u)...); err != nil {
			return nil, 0, err
		}
		out = append(out, u)
	}
	return out, total, rows.Err()
}

var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// Departments lists the departments of all accounts, sorted.
func (db *DB) Departments(ctx context.Context) (_ []string, err error) {
	defer wrapErr(&err, "departments")
	return db.strings(ctx, `SELECT name FROM departments UNION SELECT department FROM users WHERE department <> '' ORDER BY 1`)
}

// strings runs a query whose rows are one text column.
func (db *DB) strings(ctx context.Context, q string, args ...any) ([]string, error) {
	rows, err := db.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

var errLastAdmin = errs.New(errs.Conflict, "last_admin", "This is the last active administrator; make another account an administrator first.")

// UpdateAccount applies an admin's change to an account in one transaction
// and records it in the audit log. Deactivating an account or changing its
// role ends its sessions; the last active admin cannot lose the role or be
// deactivated.
func (db *DB) UpdateAccount(ctx context.Context, id int64, ch AccountChange, by Actor) (err error) {
	defer wrapErr(&err, "update account")
	now := db.now()
	return db.tx(ctx, func(tx *sql.Tx) error {
		// Two admins demoting each other at once must not leave none
		// (PostgreSQL): changes of accounts take the admins lock.
		if err := db.lock(ctx, tx, lockAdmins); err != nil {
			return err
		}
		var old User
		if err := tx.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE id = ?`+db.forUpdate(), id).Scan(userDest(&old)...); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return errNoUser
			}
			return err
		}
		if old.Role == RoleAdmin && old.Active && (ch.Role != RoleAdmin || !ch.Active) {
			var admins int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM users WHERE role = 'admin' AND active = TRUE`).Scan(&admins); err != nil {
				return err
			}
			if admins <= 1 {
				return errLastAdmin
			}
		}
		deactivated := old.DeactivatedAt
		switch {
		case !ch.Active && old.Active:
			deactivated = now
		case ch.Active:
			deactivated = 0
		}
		if ch.Email == "" {
			ch.Email = old.Email
		}
		_, err := tx.ExecContext(ctx, `UPDATE users SET email = ?, name = ?, department = ?, role = ?, active = ?, deactivated_at = ?, updated_at = ? WHERE id = ?`,
			ch.Email, ch.Name, ch.Department, ch.Role, ch.Active, deactivated, now, id)
		if isUnique(err) {
			return app.ErrEmailTaken
		}
		if err != nil {
			return err
		}
		if err := addDepartment(ctx, tx, ch.Department, now); err != nil {
			return err
		}
		if !ch.Active || ch.Role != old.Role {
			if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = ?`, id); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM hr_departments WHERE user_id = ?`, id); err != nil {
			return err
		}
		if ch.Role == RoleHR {
			for _, d := range ch.HRDepartments {
				if _, err := tx.ExecContext(ctx, `INSERT INTO hr_departments (user_id, department) VALUES (?, ?) ON CONFLICT DO NOTHING`, id, d); err != nil {
					return err
				}
			}
		}
		return audit(ctx, tx, now, by, "account.updated", id, changeDetail(old, ch))
	})
}

// changeDetail describes what changed, without the name (the subject id
// identifies the account).
func changeDetail(old User, ch AccountChange) string {
	var parts []string
	if old.Email != ch.Email {
		parts = append(parts, "email changed")
	}
	if old.Name != ch.Name {
		parts = append(parts, "name changed")
	}
	if old.Department != ch.Department {
		parts = append(parts, "department "+quote(old.Department)+" -> "+quote(ch.Department))
	}
	if old.Role != ch.Role {
		parts = append(parts, "role "+old.Role+" -> "+ch.Role)
	}
	if old.Active != ch.Active {
		if ch.Active {
			parts = append(parts, "reactivated")
		} else {
			parts = append(parts, "deactivated")
		}
	}
	if ch.Role == RoleHR && len(ch.HRDepartments) > 0 {
		b, _ := json.Marshal(ch.HRDepartments)
		parts = append(parts, "hr limited to "+string(b))
	}
	if len(parts) == 0 {
		return "no change"
	}
	return strings.Join(parts, "; ")
}

func quote(s string) string { b, _ := json.Marshal(s); return string(b) }

// HRDepartments returns the departments an HR account is limited to; none
// means it sees all departments.
func (db *DB) HRDepartments(ctx context.Context, userID int64) (_ []string, err error) {
	defer wrapErr(&err, "hr departments")
	return db.strings(ctx, `SELECT department FROM hr_departments WHERE user_id = ? ORDER BY department`, userID)
}

// CreateInvitedUser creates an account without a password and an invitation
// token for it, in one transaction, and records it in the audit log.
func (db *DB) CreateInvitedUser(ctx context.Context, nu NewUser, inviteHash []byte, expires time.Time, by Actor) (_ int64, err error) {
	defer wrapErr(&err, "create invited user")
	var id int64
	now := db.now()
	err = db.tx(ctx, func(tx *sql.Tx) error {
		var err error
		if id, err = insertUser(ctx, tx, nu, now); err != nil {
			return err
		}
		if err := storeInvite(ctx, tx, id, inviteHash, now, expires); err != nil {
			return err
		}
		return audit(ctx, tx, now, by, "account.created", id, "role "+nu.Role)
	})
	return id, err
}

// CreateResetLink stores a one-time password-reset token for an active
// account (older reset tokens of the account stop working) and records it.
func (db *DB) CreateResetLink(ctx context.Context, userID int64, tokenHash []byte, expires time.Time, by Actor) (err error) {
	defer wrapErr(&err, "create reset link")
	now := db.now()
	return db.tx(ctx, func(tx *sql.Tx) error {
		var active bool
		if err := tx.QueryRowContext(ctx, `SELECT active FROM users WHERE id = ?`, userID).Scan(&active); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return errNoUser
			}
			return err
		}
		if !active {
			return errs.New(errs.Conflict, "inactive", "The account is deactivated; reactivate it first.")
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM one_time_tokens WHERE user_id = ? AND purpose = 'reset'`, userID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO one_time_tokens (token_hash, purpose, user_id, created_at, expires_at) VALUES (?, 'reset', ?, ?, ?)`,
			tokenHash, userID, now, expires.Unix()); err != nil {
			return err
		}
		return audit(ctx, tx, now, by, "account.reset_link", userID, "")
	})
}
