package store

import (
	"context"
	"database/sql"
	"time"
)

// ExportUser collects everything stored about the user.
func (db *DB) ExportUser(ctx context.Context, userID int64) (_ Export, err error) {
	defer wrapErr(&err, "export user")
	var ex Export
	if ex.User, err = db.UserByID(ctx, userID); err != nil {
		return ex, err
	}
	rows, err := db.query(ctx, `SELECT course_id, module_id, attempt_id, passed_at FROM module_passes WHERE user_id = ? ORDER BY passed_at`, userID)
	if err != nil {
		return ex, err
	}
	for rows.Next() {
		var p ModulePass
		var at int64
		if err := rows.Scan(&p.CourseID, &p.ModuleID, &p.AttemptID, &at); err != nil {
			rows.Close()
			return ex, err
		}
		p.PassedAt = time.Unix(at, 0)
		ex.ModulePasses = append(ex.ModulePasses, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return ex, err
	}
	rows, err = db.query(ctx, `SELECT `+attemptColumns+` FROM attempts WHERE user_id = ? ORDER BY started_at, id`, userID)
	if err != nil {
		return ex, err
	}
	for rows.Next() {
		a, err := scanAttempt(rows)
		if err != nil {
			rows.Close()
			return ex, err
		}
		ex.Attempts = append(ex.Attempts, a)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return ex, err
	}
	if ex.Certificates, err = db.UserCertificates(ctx, userID); err != nil {
		return ex, err
	}
	if ex.Audit, err = db.auditAbout(ctx, userID); err != nil {
		return ex, err
	}
	if ex.HRDepartments, err = db.HRDepartments(ctx, userID); err != nil {
		return ex, err
	}
	all, err := db.Assignments(ctx)
	if err != nil {
		return ex, err
	}
	for _, a := range all {
		if a.Scope == ScopeUser && a.UserID == userID {
			ex.Assignments = append(ex.Assignments, a)
		}
	}
	var at int64
	if err := db.queryRow(ctx, `SELECT coalesce(max(sent_at), 0) FROM reminders_sent WHERE user_id = ?`, userID).Scan(&at); err != nil {
		return ex, err
	}
	if at > 0 {
		ex.LastReminded = time.Unix(at, 0)
	}
	rows, err = db.query(ctx, `SELECT kind, created_at, last_seen_at, expires_at FROM sessions WHERE user_id = ? ORDER BY created_at`, userID)
	if err != nil {
		return ex, err
	}
	defer rows.Close()
	for rows.Next() {
		var si SessionInfo
		var c, l, e int64
		if err := rows.Scan(&si.Kind, &c, &l, &e); err != nil {
			return ex, err
		}
		si.CreatedAt, si.LastSeen, si.ExpiresAt = time.Unix(c, 0), time.Unix(l, 0), time.Unix(e, 0)
		ex.Sessions = append(ex.Sessions, si)
	}
	return ex, rows.Err()
}

// auditAbout returns every audit entry about the account or by it.
func (db *DB) auditAbout(ctx context.Context, userID int64) ([]AuditEntry, error) {
	rows, err := db.query(ctx, `SELECT id, at, coalesce(actor_id, 0), actor_role, action, coalesce(subject_id, 0), detail
		FROM audit_log WHERE subject_id = ?1 OR actor_id = ?1 ORDER BY at, id`, userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []AuditEntry{}
	for rows.Next() {
		var e AuditEntry
		var at int64
		if err := rows.Scan(&e.ID, &at, &e.ActorID, &e.ActorRole, &e.Action, &e.SubjectID, &e.Detail); err != nil {
			return nil, err
		}
		e.At = time.Unix(at, 0).UTC()
		out = append(out, e)
	}
	return out, rows.Err()
}

// EraseUser deletes the account with its sessions, attempts, answers and
// progress (rows are deleted, not flagged; secure_delete overwrites them).
// With keepCertificates the certificates stay verifiable with name, course
// and dates only; otherwise they are revoked and the name is removed. The
// WAL is checkpointed and truncated afterwards, so no copy of the deleted
// rows stays in it. loginKey is the account's login-throttling key. The
// audit log keeps one line that an account was erased, by whom, without
// pointing at it.
func (db *DB) EraseUser(ctx context.Context, userID int64, keepCertificates bool, loginKey []byte, by Actor) (err error) {
	defer wrapErr(&err, "erase user")
	err = db.tx(ctx, func(tx *sql.Tx) error {
		if !keepCertificates {
			if _, err := tx.ExecContext(ctx, `UPDATE certificates SET holder_name = '', revoked_at = coalesce(revoked_at, ?),
				revoke_reason = coalesce(revoke_reason, 'erased at the holder''s request') WHERE user_id = ?`, db.now(), userID); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM login_failures WHERE email_hash = ?`, loginKey); err != nil {
			return err
		}
		// Sessions, attempts, module passes and tokens go with the user
		// (ON DELETE CASCADE); certificates lose their link (SET NULL).
		res, err := tx.ExecContext(ctx, `DELETE FROM users WHERE id = ?`, userID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errNoUser
		}
		detail := "certificates revoked"
		if keepCertificates {
			detail = "certificates kept verifiable"
		}
		if by.ID == userID {
			by.ID, detail = 0, "by the holder; "+detail
		}
		return audit(ctx, tx, db.now(), by, "account.erased", 0, detail)
	})
	if err != nil || db.pg {
		// PostgreSQL: VACUUM reclaims the dead rows later; docs/SCALING.md
		// ("Limits to know") says what stays in its files and WAL until then.
		return err
	}
	_, err = db.write.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`)
	return err
}
