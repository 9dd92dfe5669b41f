package store

import (
	"context"
	"database/sql"
	"strconv"

	"kipass/internal/app"
	"kipass/internal/errs"
)

// DepartmentInfo is one department of the list and how many active people
// are in it.
type DepartmentInfo = app.DepartmentInfo

// errDepartmentExists answers a new name that is taken already.
var errDepartmentExists = errs.New(errs.Conflict, "department_exists", "A department of this name exists already; merge into it instead.")

// errUnknownDepartment answers a department that is not in the list.
var errUnknownDepartment = errs.New(errs.Invalid, "unknown_department", "This department is not in the list.")

// addDepartment lists a department (nothing for "" or a known one).
func addDepartment(ctx context.Context, tx *sql.Tx, name string, now int64) error {
	if name == "" {
		return nil
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO departments (name, created_at) VALUES (?, ?) ON CONFLICT DO NOTHING`, name, now)
	return err
}

// DepartmentList returns the list with the number of active people in each,
// by name.
func (db *DB) DepartmentList(ctx context.Context) ([]DepartmentInfo, error) {
	rows, err := db.query(ctx, `SELECT d.name, (SELECT count(*) FROM users u WHERE u.department = d.name AND u.active = TRUE)
		FROM departments d ORDER BY d.name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []DepartmentInfo{}
	for rows.Next() {
		var d DepartmentInfo
		if err := rows.Scan(&d.Name, &d.People); err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// DepartmentPeople reports whether a department is in the list and how many
// active people it has.
func (db *DB) DepartmentPeople(ctx context.Context, name string) (known bool, people int, err error) {
	err = db.queryRow(ctx, `SELECT (SELECT count(*) FROM departments WHERE name = ?1), (SELECT count(*) FROM users WHERE department = ?1 AND active = TRUE)`,
		name).Scan(&known, &people)
	return known, people, err
}

// CreateDepartment adds a department to the list and audits it; a taken
// name is a conflict ("department_exists").
func (db *DB) CreateDepartment(ctx context.Context, name string, by Actor) error {
	now := db.now()
	return db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO departments (name, created_at) VALUES (?, ?) ON CONFLICT DO NOTHING`, name, now)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errDepartmentExists
		}
		return audit(ctx, tx, now, by, "department.created", 0, "name="+strconv.Quote(name))
	})
}

// RenameDepartment gives a department a new name, with its people, the HR
// accounts limited to it and its assignments; from must be listed ("unknown_department")
// and to must be free ("department_exists").
func (db *DB) RenameDepartment(ctx context.Context, from, to string, by Actor) error {
	now := db.now()
	return db.tx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM departments WHERE name = ?`, to).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return errDepartmentExists
		}
		res, err := tx.ExecContext(ctx, `UPDATE departments SET name = ? WHERE name = ?`, to, from)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errUnknownDepartment
		}
		moved, err := moveDepartment(ctx, tx, from, to, now)
		if err != nil {
			return err
		}
		return audit(ctx, tx, now, by, "department.renamed", 0, "from="+strconv.Quote(from)+" to="+strconv.Quote(to)+" people="+strconv.Itoa(moved))
	})
}

// MergeDepartments moves each merge's people, HR limits and assignments
// from one listed department into another and removes the first from the
// list, all in one transaction; it returns how many people moved. The
// caller has checked the merges (no department into itself, no cycles).
func (db *DB) MergeDepartments(ctx context.Context, merges [][2]string, by Actor) (int, error) {
	now := db.now()
	total := 0
	err := db.tx(ctx, func(tx *sql.Tx) error {
		for _, m := range merges {
			from, into := m[0], m[1]
			var known int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM departments WHERE name IN (?, ?)`, from, into).Scan(&known); err != nil {
				return err
			}
			if known != 2 {
				return errUnknownDepartment
			}
			moved, err := moveDepartment(ctx, tx, from, into, now)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM departments WHERE name = ?`, from); err != nil {
				return err
			}
			total += moved
			if err := audit(ctx, tx, now, by, "department.merged", 0, "from="+strconv.Quote(from)+" into="+strconv.Quote(into)+" people="+strconv.Itoa(moved)); err != nil {
				return err
			}
		}
		return nil
	})
	return total, err
}

// moveDepartment moves people, HR limits and department assignments from
// one name to another and returns how many people moved.
func moveDepartment(ctx context.Context, tx *sql.Tx, from, to string, now int64) (int, error) {
	res, err := tx.ExecContext(ctx, `UPDATE users SET department = ?, updated_at = ? WHERE department = ?`, to, now, from)
	if err != nil {
		return 0, err
	}
	moved, _ := res.RowsAffected()
	if _, err := tx.ExecContext(ctx, `INSERT INTO hr_departments (user_id, department) SELECT user_id, ? FROM hr_departments WHERE department = ? ON CONFLICT DO NOTHING`,
		to, from); err != nil {
		return 0, err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM hr_departments WHERE department = ?`, from); err != nil {
		return 0, err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE assignments SET department = ? WHERE scope = 'department' AND department = ?`, to, from); err != nil {
		return 0, err
	}
	return int(moved), nil
}
