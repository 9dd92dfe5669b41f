package store

import (
	"context"
	"database/sql"
	"time"
)

// Audit records an action. subject is the account concerned (0: none).
// detail must not hold names or email addresses.
func (db *DB) Audit(ctx context.Context, by Actor, action string, subject int64, detail string) (err error) {
	defer wrapErr(&err, "audit")
	return db.txQuiet(ctx, func(tx *sql.Tx) error {
		return audit(ctx, tx, db.now(), by, action, subject, detail)
	})
}

func audit(ctx context.Context, tx *sql.Tx, now int64, by Actor, action string, subject int64, detail string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO audit_log (at, actor_id, actor_role, action, subject_id, detail) VALUES (?, ?, ?, ?, ?, ?)`,
		now, nullID(by.ID), by.Role, action, nullID(subject), detail)
	return err
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// AuditLog returns audit entries, newest first, and the number of matches.
func (db *DB) AuditLog(ctx context.Context, f AuditFilter) (_ []AuditEntry, _ int, err error) {
	defer wrapErr(&err, "audit log")
	if f.Limit <= 0 {
		f.Limit = 100
	}
	where := ` FROM audit_log WHERE (?1 = 0 OR subject_id = ?1) AND (?2 = 0 OR actor_id = ?2) AND (?3 = '' OR action = ?3)`
	var total int
	if err := db.queryRow(ctx, `SELECT count(*)`+where, f.SubjectID, f.ActorID, f.Action).Scan(&total); err != nil {
		return nil, 0, err
	}
	rows, err := db.query(ctx, `SELECT id, at, coalesce(actor_id, 0), actor_role, action, coalesce(subject_id, 0), detail`+where+
		` ORDER BY at DESC, id DESC LIMIT ?4 OFFSET ?5`, f.SubjectID, f.ActorID, f.Action, f.Limit, f.Offset)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []AuditEntry
	for rows.Next() {
		var e AuditEntry
		var at int64
		if err := rows.Scan(&e.ID, &at, &e.ActorID, &e.ActorRole, &e.Action, &e.SubjectID, &e.Detail); err != nil {
			return nil, 0, err
		}
		e.At = time.Unix(at, 0).UTC()
		out = append(out, e)
	}
	return out, total, rows.Err()
}
