package store

import (
	"context"
	"database/sql"
	"time"

	"kipass/internal/errs"
)

// CreateAssignment stores an assignment and returns its id.
func (db *DB) CreateAssignment(ctx context.Context, a Assignment) (_ int64, err error) {
	defer wrapErr(&err, "create assignment")
	var id int64
	err = db.tx(ctx, func(tx *sql.Tx) error {
		var uid, by any
		if a.UserID != 0 {
			uid = a.UserID
		}
		if a.CreatedBy != 0 {
			by = a.CreatedBy
		}
		return tx.QueryRowContext(ctx, `INSERT INTO assignments (course_id, scope, department, user_id, due_at, created_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, a.CourseID, a.Scope, a.Department, uid, a.DueAt.Unix(), by, db.now()).Scan(&id)
	})
	return id, err
}

// Assignments lists all assignments, newest first.
func (db *DB) Assignments(ctx context.Context) (_ []Assignment, err error) {
	defer wrapErr(&err, "assignments")
	rows, err := db.query(ctx, `SELECT id, course_id, scope, department, coalesce(user_id, 0), due_at, coalesce(created_by, 0), created_at
		FROM assignments ORDER BY created_at DESC, id DESC`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Assignment
	for rows.Next() {
		var a Assignment
		var due, created int64
		if err := rows.Scan(&a.ID, &a.CourseID, &a.Scope, &a.Department, &a.UserID, &due, &a.CreatedBy, &created); err != nil {
			return nil, err
		}
		a.DueAt, a.CreatedAt = time.Unix(due, 0), time.Unix(created, 0)
		out = append(out, a)
	}
	return out, rows.Err()
}

// DeleteAssignment removes an assignment.
func (db *DB) DeleteAssignment(ctx context.Context, id int64) (err error) {
	defer wrapErr(&err, "delete assignment")
	return db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM assignments WHERE id = ?`, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.New(errs.NotFound, "not_found", "No such assignment.")
		}
		return nil
	})
}
