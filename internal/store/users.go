package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"kipass/internal/app"
	"kipass/internal/errs"
)

const userColumns = `id, email, name, department, role, password_hash, lang, active, created_at, deactivated_at`

// userDest returns the scan destinations for userColumns.
func userDest(u *User) []any {
	return []any{&u.ID, &u.Email, &u.Name, &u.Department, &u.Role, &u.PasswordHash, &u.Lang, &u.Active, &u.CreatedAt, &u.DeactivatedAt}
}

var errNoUser = errs.New(errs.NotFound, "not_found", "No such account.")

func scanUser(r row) (User, error) {
	var u User
	err := r.Scan(userDest(&u)...)
	if errors.Is(err, sql.ErrNoRows) {
		return u, errNoUser
	}
	return u, err
}

// CreateUser creates an account and returns its id. An email that is taken
// gives app.ErrEmailTaken.
func (db *DB) CreateUser(ctx context.Context, nu NewUser) (_ int64, err error) {
	defer wrapErr(&err, "create user")
	var id int64
	err = db.tx(ctx, func(tx *sql.Tx) error {
		var err error
		id, err = insertUser(ctx, tx, nu, db.now())
		return err
	})
	return id, err
}

func insertUser(ctx context.Context, tx *sql.Tx, nu NewUser, now int64) (int64, error) {
	if nu.Lang == "" {
		nu.Lang = "de"
	}
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO users (email, name, department, role, password_hash, lang, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, nu.Email, nu.Name, nu.Department, nu.Role, nu.PasswordHash, nu.Lang, now, now).Scan(&id)
	if isUnique(err) {
		return 0, app.ErrEmailTaken
	}
	if err != nil {
		return 0, fmt.Errorf("insert user: %w", err)
	}
	if err := addDepartment(ctx, tx, nu.Department, now); err != nil {
		return 0, err
	}
	if nu.Role != RoleHR {
		return id, nil
	}
	for _, d := range nu.HRDepartments {
		if _, err := tx.ExecContext(ctx, `INSERT INTO hr_departments (user_id, department) VALUES (?, ?) ON CONFLICT DO NOTHING`, id, d); err != nil {
			return 0, fmt.Errorf("store: insert HR departments: %w", err)
		}
	}
	return id, nil
}

// isUnique reports a unique or primary key violation, on either engine.
func isUnique(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && (se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY) ||
		isUniquePG(err)
}

// UserByEmail returns the account with the normalised email.
func (db *DB) UserByEmail(ctx context.Context, email string) (_ User, err error) {
	defer wrapErr(&err, "user by email")
	return scanUser(db.queryRow(ctx, `SELECT `+userColumns+` FROM users WHERE email = ?`, email))
}

// UserByID returns the account with the id.
func (db *DB) UserByID(ctx context.Context, id int64) (_ User, err error) {
	defer wrapErr(&err, "user by id")
	return scanUser(db.queryRow(ctx, `SELECT `+userColumns+` FROM users WHERE id = ?`, id))
}

// CountAdmins returns the number of active admin accounts.
func (db *DB) CountAdmins(ctx context.Context) (_ int, err error) {
	defer wrapErr(&err, "count admins")
	var n int
	err = db.queryRow(ctx, `SELECT count(*) FROM users WHERE role = 'admin' AND active = TRUE`).Scan(&n)
	return n, err
}

// SetUserLang remembers the account's language.
func (db *DB) SetUserLang(ctx context.Context, id int64, lang string) (err error) {
	defer wrapErr(&err, "set user lang")
	return db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE users SET lang = ?, updated_at = ? WHERE id = ?`, lang, db.now(), id)
		return err
	})
}
