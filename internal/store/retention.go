package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Retention is how long kipass keeps data; a zero period keeps it.
type Retention struct {
	AnswerDays        int // answer-level detail of submitted attempts
	DeactivatedMonths int // accounts deactivated this long are erased
	AuditMonths       int // audit log entries
}

// RetentionResult counts what one run removed.
type RetentionResult struct {
	AnswersCleared, AccountsErased, AuditDeleted int
}

// ApplyRetention deletes what is older than the periods allow: the answers
// and per-question results of attempts submitted more than AnswerDays ago (score
// and pass stay), accounts deactivated more than DeactivatedMonths ago (as
// EraseUser does, certificates kept verifiable), and audit entries older
// than AuditMonths. It writes one audit line about the run.
func (db *DB) ApplyRetention(ctx context.Context, r Retention, now time.Time) (_ RetentionResult, err error) {
	defer wrapErr(&err, "apply retention")
	var res RetentionResult
	var erase []int64
	err = db.tx(ctx, func(tx *sql.Tx) error {
		if r.AnswerDays > 0 {
			cut := now.AddDate(0, 0, -r.AnswerDays).Unix()
			// The graded result keeps score, pass and certificate; its
			// per-question part (what was chosen) goes with the answers.
			q := `UPDATE attempts SET answers = NULL,
					result = CASE WHEN result IS NULL THEN NULL ELSE json_set(result, '$.results', json('[]')) END
				WHERE submitted_at IS NOT NULL AND submitted_at < ?
					AND (answers IS NOT NULL OR coalesce(json_array_length(result, '$.results'), 0) > 0)`
			if db.pg {
				q = `UPDATE attempts SET answers = NULL,
					result = CASE WHEN result IS NULL THEN NULL ELSE jsonb_set(result::jsonb, '{results}', '[]'::jsonb)::text END
				WHERE submitted_at IS NOT NULL AND submitted_at < ?
					AND (answers IS NOT NULL OR (jsonb_typeof(result::jsonb -> 'results') = 'array' AND jsonb_array_length(result::jsonb -> 'results') > 0))`
			}
			n, err := exec(ctx, tx, q, cut)
			if err != nil {
				return err
			}
			res.AnswersCleared = n
			// Drafts of attempts never submitted go after the same period.
			d, err := exec(ctx, tx, `UPDATE attempts SET draft = NULL, draft_at = NULL
				WHERE submitted_at IS NULL AND draft_at < ?`, cut)
			if err != nil {
				return err
			}
			res.AnswersCleared += d
		}
		if r.AuditMonths > 0 {
			n, err := exec(ctx, tx, `DELETE FROM audit_log WHERE at < ?`, now.AddDate(0, -r.AuditMonths, 0).Unix())
			if err != nil {
				return err
			}
			res.AuditDeleted = n
		}
		if r.DeactivatedMonths > 0 {
			rows, err := tx.QueryContext(ctx, `SELECT id FROM users WHERE active = FALSE AND deactivated_at > 0 AND deactivated_at < ?`,
				now.AddDate(0, -r.DeactivatedMonths, 0).Unix())
			if err != nil {
				return err
			}
			for rows.Next() {
				var id int64
				if err := rows.Scan(&id); err != nil {
					rows.Close()
					return err
				}
				erase = append(erase, id)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
			for _, id := range erase {
				if _, err := tx.ExecContext(ctx, `DELETE FROM users WHERE id = ?`, id); err != nil {
					return err
				}
				if err := audit(ctx, tx, now.Unix(), Actor{Role: RoleSystem}, "account.erased", 0,
					fmt.Sprintf("deactivated for more than %d months; certificates kept verifiable", r.DeactivatedMonths)); err != nil {
					return err
				}
			}
			res.AccountsErased = len(erase)
		}
		return audit(ctx, tx, now.Unix(), Actor{Role: RoleSystem}, "retention.run", 0,
			fmt.Sprintf("answers_cleared=%d accounts_erased=%d audit_deleted=%d", res.AnswersCleared, res.AccountsErased, res.AuditDeleted))
	})
	if err != nil {
		return res, err
	}
	if !db.pg && (res.AccountsErased > 0 || res.AnswersCleared > 0) {
		_, err = db.write.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`)
	}
	return res, err
}

func exec(ctx context.Context, tx *sql.Tx, q string, args ...any) (int, error) {
	r, err := tx.ExecContext(ctx, q, args...)
	if err != nil {
		return 0, err
	}
	n, err := r.RowsAffected()
	return int(n), err
}

// JobLastRun returns when the named periodic job last ran (zero: never).
func (db *DB) JobLastRun(ctx context.Context, name string) (_ time.Time, err error) {
	defer wrapErr(&err, "job last run")
	var at int64
	err = db.queryRow(ctx, `SELECT last_at FROM job_runs WHERE name = ?`, name).Scan(&at)
	if err == sql.ErrNoRows {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, err
	}
	return time.Unix(at, 0), nil
}

// SetJobRun records that the named job ran at t.
func (db *DB) SetJobRun(ctx context.Context, name string, t time.Time) (err error) {
	defer wrapErr(&err, "set job run")
	return db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO job_runs (name, last_at) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET last_at = excluded.last_at`, name, t.Unix())
		return err
	})
}

// LastReminders returns when each person last got a reminder email.
func (db *DB) LastReminders(ctx context.Context) (_ map[int64]time.Time, err error) {
	defer wrapErr(&err, "last reminders")
	rows, err := db.query(ctx, `SELECT user_id, sent_at FROM reminders_sent`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]time.Time{}
	for rows.Next() {
		var id, at int64
		if err := rows.Scan(&id, &at); err != nil {
			return nil, err
		}
		out[id] = time.Unix(at, 0)
	}
	return out, rows.Err()
}

// MarkReminded records that the person got a reminder at t.
func (db *DB) MarkReminded(ctx context.Context, userID int64, t time.Time) (err error) {
	defer wrapErr(&err, "mark reminded")
	return db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO reminders_sent (user_id, sent_at) VALUES (?, ?)
			ON CONFLICT (user_id) DO UPDATE SET sent_at = excluded.sent_at`, userID, t.Unix())
		return err
	})
}
