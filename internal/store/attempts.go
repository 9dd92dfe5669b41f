package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"kipass/internal/app"
	"kipass/internal/errs"
)

const attemptColumns = `id, user_id, course_id, module_id, kind, lang, content_version, questions, started_at,
	expires_at, submitted_at, answers, score_percent, passed, result, draft`

func scanAttempt(r row) (Attempt, error) {
	var a Attempt
	var started int64
	var expires, submitted, score sql.NullInt64
	var passed sql.NullBool
	var answers, result, draft sql.NullString
	var questions string
	err := r.Scan(&a.ID, &a.UserID, &a.CourseID, &a.ModuleID, &a.Kind, &a.Lang, &a.ContentVersion, &questions, &started,
		&expires, &submitted, &answers, &score, &passed, &result, &draft)
	if errors.Is(err, sql.ErrNoRows) {
		return a, errs.New(errs.NotFound, "not_found", "No such attempt.")
	}
	if err != nil {
		return a, err
	}
	a.Questions = []byte(questions)
	a.StartedAt = time.Unix(started, 0)
	if expires.Valid {
		a.ExpiresAt = time.Unix(expires.Int64, 0)
	}
	if submitted.Valid {
		a.SubmittedAt = time.Unix(submitted.Int64, 0)
	}
	if answers.Valid {
		a.Answers = []byte(answers.String)
	}
	if result.Valid {
		a.Result = []byte(result.String)
	}
	if draft.Valid {
		a.Draft = []byte(draft.String)
	}
	a.ScorePercent = int(score.Int64)
	a.Passed = passed.Bool
	return a, nil
}

func unixOrNull(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.Unix()
}

// CreateAttempt stores a new attempt. limit > 0 caps the attempts of the
// same course and kind started within the window before a.StartedAt
// (app.ErrAttemptLimit); the check and the insert are one transaction, so
// parallel starts cannot exceed it.
func (db *DB) CreateAttempt(ctx context.Context, a Attempt, limit int, window time.Duration) (err error) {
	defer wrapErr(&err, "create attempt")
	return db.tx(ctx, func(tx *sql.Tx) error {
		if limit > 0 {
			// One count-and-insert per person at a time (PostgreSQL).
			if err := db.lockUser(ctx, tx, a.UserID); err != nil {
				return err
			}
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM attempts WHERE user_id = ? AND course_id = ? AND kind = ? AND started_at > ?`,
				a.UserID, a.CourseID, a.Kind, a.StartedAt.Add(-window).Unix()).Scan(&n); err != nil {
				return fmt.Errorf("count attempts: %w", err)
			}
			if n >= limit {
				return app.ErrAttemptLimit
			}
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO attempts (id, user_id, course_id, module_id, kind, lang, content_version, questions, started_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, a.ID, a.UserID, a.CourseID, a.ModuleID, a.Kind, a.Lang, a.ContentVersion,
			string(a.Questions), a.StartedAt.Unix(), unixOrNull(a.ExpiresAt))
		if err != nil {
			return fmt.Errorf("insert attempt: %w", err)
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO course_starts (course_id, user_id) VALUES (?, ?) ON CONFLICT DO NOTHING`, a.CourseID, a.UserID)
		return err
	})
}

// AttemptFor returns the attempt if it belongs to the user; anyone else's
// attempt is "not found".
func (db *DB) AttemptFor(ctx context.Context, id string, userID int64) (_ Attempt, err error) {
	defer wrapErr(&err, "attempt for")
	return scanAttempt(db.queryRow(ctx, `SELECT `+attemptColumns+` FROM attempts WHERE id = ? AND user_id = ?`, id, userID))
}

// OpenAttempt returns the user's newest unsubmitted, unexpired attempt of a
// module (or the exam, module ""), or errs.NotFound.
func (db *DB) OpenAttempt(ctx context.Context, userID int64, courseID, moduleID string) (_ Attempt, err error) {
	defer wrapErr(&err, "open attempt")
	return scanAttempt(db.queryRow(ctx, `SELECT `+attemptColumns+` FROM attempts
		WHERE user_id = ? AND course_id = ? AND module_id = ? AND submitted_at IS NULL AND (expires_at IS NULL OR expires_at > ?)
		ORDER BY started_at DESC, `+db.insertOrder()+` DESC LIMIT 1`, userID, courseID, moduleID, db.now()))
}

// LatestSubmitted returns the user's newest submitted attempt of a module
// (or the exam, module ""), or errs.NotFound.
func (db *DB) LatestSubmitted(ctx context.Context, userID int64, courseID, moduleID string) (_ Attempt, err error) {
	defer wrapErr(&err, "latest submitted")
	return scanAttempt(db.queryRow(ctx, `SELECT `+attemptColumns+` FROM attempts
		WHERE user_id = ? AND course_id = ? AND module_id = ? AND submitted_at IS NOT NULL
		ORDER BY submitted_at DESC, `+db.insertOrder()+` DESC LIMIT 1`, userID, courseID, moduleID))
}

// SubmitAttempt records the graded submission once. When the attempt was
// submitted already (a double click, a retry), it changes nothing and
// returns the stored attempt with first=false. A passed module attempt
// records the module pass in the same transaction, so a pass is never
// recorded without what it triggers. A passed exam inserts s.Certificate
// (when set) in the same transaction: a crash never leaves a pass without
// its certificate or a certificate without its pass. When the holder's
// current certificate is no longer s.CurrentCertificate, nothing is
// written and the error is app.ErrStale: the caller decides again.
func (db *DB) SubmitAttempt(ctx context.Context, id string, userID int64, s Submission) (a Attempt, first bool, err error) {
	err = db.tx(ctx, func(tx *sql.Tx) error {
		// On PostgreSQL the person's row is locked first: two submissions
		// of one person (a double click, two exam attempts passing at once)
		// are decided one after the other, so the second sees the first's
		// submission and certificate. The attempt row is locked too.
		if err := db.lockUser(ctx, tx, userID); err != nil {
			if errs.KindOf(err) == errs.NotFound {
				return errs.New(errs.NotFound, "not_found", "No such attempt.")
			}
			return err
		}
		a, err = scanAttempt(tx.QueryRowContext(ctx, `SELECT `+attemptColumns+` FROM attempts WHERE id = ? AND user_id = ?`+db.forUpdate(), id, userID))
		if err != nil || !a.Open() {
			return err
		}
		if s.Passed && a.Kind == KindExam {
			if err := db.insertCertificate(ctx, tx, a, s); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE attempts SET submitted_at = ?, answers = ?, score_percent = ?, passed = ?, result = ?, draft = NULL, draft_at = NULL
			WHERE id = ? AND submitted_at IS NULL`, s.SubmittedAt.Unix(), string(s.Answers), s.ScorePercent, s.Passed, string(s.Result), id); err != nil {
			return fmt.Errorf("mark submitted: %w", err)
		}
		a.SubmittedAt, a.Answers, a.ScorePercent, a.Passed, a.Result = time.Unix(s.SubmittedAt.Unix(), 0), s.Answers, s.ScorePercent, s.Passed, s.Result
		first = true
		if !s.Passed {
			return nil
		}
		if a.Kind == KindModule {
			_, err := tx.ExecContext(ctx, `INSERT INTO module_passes (user_id, course_id, module_id, attempt_id, passed_at)
				VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`, userID, a.CourseID, a.ModuleID, id, s.SubmittedAt.Unix())
			if err != nil {
				return fmt.Errorf("record module pass: %w", err)
			}
		}
		return nil
	})
	return a, first, err
}

// CourseProgress returns the modules the user passed and the newest exam pass.
func (db *DB) CourseProgress(ctx context.Context, userID int64, courseID string) (_ Progress, err error) {
	defer wrapErr(&err, "course progress")
	p := Progress{ModulesPassed: map[string]time.Time{}}
	rows, err := db.query(ctx, `SELECT module_id, passed_at FROM module_passes WHERE user_id = ? AND course_id = ?`, userID, courseID)
	if err != nil {
		return p, err
	}
	defer rows.Close()
	for rows.Next() {
		var m string
		var at int64
		if err := rows.Scan(&m, &at); err != nil {
			return p, err
		}
		p.ModulesPassed[m] = time.Unix(at, 0)
	}
	if err := rows.Err(); err != nil {
		return p, err
	}
	var exam sql.NullInt64
	err = db.queryRow(ctx, `SELECT max(submitted_at) FROM attempts WHERE user_id = ? AND course_id = ? AND kind = 'exam' AND passed = TRUE`,
		userID, courseID).Scan(&exam)
	if exam.Valid {
		p.ExamPassedAt = time.Unix(exam.Int64, 0)
	}
	return p, err
}

// ModuleState returns the user's state in a module (or the exam, module "")
// in one query over the newest attempts: the module page needs it on every
// view. Last carries only the id, score and pass of the graded attempt.
func (db *DB) ModuleState(ctx context.Context, userID int64, courseID, moduleID string) (_ ModuleState, err error) {
	defer wrapErr(&err, "module state")
	var st ModuleState
	rows, err := db.query(ctx, `SELECT id, submitted_at IS NULL, coalesce(expires_at, 0), questions, coalesce(score_percent, 0), coalesce(passed, FALSE),
			started_at, coalesce(draft, ''), EXISTS (SELECT 1 FROM module_passes WHERE user_id = ?1 AND course_id = ?2 AND module_id = ?3)
		FROM attempts WHERE user_id = ?1 AND course_id = ?2 AND module_id = ?3
		ORDER BY started_at DESC, `+db.insertOrder()+` DESC LIMIT 20`, userID, courseID, moduleID)
	if err != nil {
		return st, err
	}
	defer rows.Close()
	now := db.now()
	for rows.Next() {
		var a Attempt
		var open bool
		var expires, started int64
		var questions, draft string
		if err := rows.Scan(&a.ID, &open, &expires, &questions, &a.ScorePercent, &a.Passed, &started, &draft, &st.Passed); err != nil {
			return st, err
		}
		switch {
		case open && st.Open == nil && (expires == 0 || expires > now):
			a.UserID, a.CourseID, a.ModuleID, a.StartedAt = userID, courseID, moduleID, time.Unix(started, 0)
			a.Kind, a.Questions = KindModule, []byte(questions)
			if draft != "" {
				a.Draft = []byte(draft)
			}
			if moduleID == "" {
				a.Kind = KindExam
			}
			if expires > 0 {
				a.ExpiresAt = time.Unix(expires, 0)
			}
			st.Open = &a
		case !open && st.Last == nil:
			st.Last = &Graded{ID: a.ID, ScorePercent: a.ScorePercent, Passed: a.Passed}
		}
	}
	return st, rows.Err()
}

// ExamAttemptsSince counts the user's exam attempts started after t.
func (db *DB) ExamAttemptsSince(ctx context.Context, userID int64, courseID string, t time.Time) (_ int, err error) {
	defer wrapErr(&err, "exam attempts since")
	var n int
	err = db.queryRow(ctx, `SELECT count(*) FROM attempts WHERE user_id = ? AND course_id = ? AND kind = 'exam' AND started_at > ?`,
		userID, courseID, t.Unix()).Scan(&n)
	return n, err
}

// SaveDraft stores the answers so far of an open attempt. It changes
// nothing and answers app.ErrAttemptClosed when the attempt is submitted or
// its time ran out by now; anyone else's attempt is not found.
func (db *DB) SaveDraft(ctx context.Context, id string, userID int64, draft []byte, now time.Time) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE attempts SET draft = ?, draft_at = ?
			WHERE id = ? AND user_id = ? AND submitted_at IS NULL AND (expires_at IS NULL OR expires_at > ?)`,
			string(draft), now.Unix(), id, userID, now.Unix())
		if err != nil {
			return fmt.Errorf("store: save draft: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 1 {
			return nil
		}
		var exists bool
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM attempts WHERE id = ? AND user_id = ?)`, id, userID).Scan(&exists); err != nil {
			return fmt.Errorf("store: save draft: %w", err)
		}
		if !exists {
			return errs.New(errs.NotFound, "not_found", "No such attempt.")
		}
		return app.ErrAttemptClosed
	})
}

// ExpiredExams returns up to limit open exam attempts whose time ran out
// before t, oldest first; userID 0 means everyone's.
func (db *DB) ExpiredExams(ctx context.Context, userID int64, t time.Time, limit int) ([]Attempt, error) {
	q := `SELECT ` + attemptColumns + ` FROM attempts WHERE submitted_at IS NULL AND kind = 'exam' AND expires_at < ?`
	args := []any{t.Unix()}
	if userID != 0 {
		q += ` AND user_id = ?`
		args = append(args, userID)
	}
	rows, err := db.query(ctx, q+` ORDER BY expires_at LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("store: expired exams: %w", err)
	}
	defer rows.Close()
	var out []Attempt
	for rows.Next() {
		a, err := scanAttempt(rows)
		if err != nil {
			return nil, fmt.Errorf("store: expired exams: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// ModuleFailures counts the user's failed, submitted attempts of a module
// since t and returns when the newest of them was submitted.
func (db *DB) ModuleFailures(ctx context.Context, userID int64, courseID, moduleID string, since time.Time) (int, time.Time, error) {
	var n int
	var last sql.NullInt64
	err := db.queryRow(ctx, `SELECT count(*), max(submitted_at) FROM attempts
		WHERE user_id = ? AND course_id = ? AND module_id = ? AND kind = 'module' AND submitted_at > ? AND passed = FALSE`,
		userID, courseID, moduleID, since.Unix()).Scan(&n, &last)
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("store: module failures: %w", err)
	}
	var at time.Time
	if last.Valid {
		at = time.Unix(last.Int64, 0)
	}
	return n, at, nil
}
