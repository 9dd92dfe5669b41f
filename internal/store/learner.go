package store

import (
	"context"
	"time"
)

// ModulesTried returns the modules of the course in which the person
// started at least one quiz attempt.
func (db *DB) ModulesTried(ctx context.Context, userID int64, courseID string) (map[string]bool, error) {
	ids, err := db.strings(ctx, `SELECT DISTINCT module_id FROM attempts WHERE user_id = ? AND course_id = ? AND kind = 'module'`, userID, courseID)
	if err != nil {
		return nil, err
	}
	out := make(map[string]bool, len(ids))
	for _, id := range ids {
		out[id] = true
	}
	return out, nil
}

// AssignedDue returns the earliest due date of the course's assignments
// that cover the person; zero when none does.
func (db *DB) AssignedDue(ctx context.Context, userID int64, department, courseID string) (time.Time, error) {
	d, err := db.assignmentsOf(ctx, courseID)
	if err != nil {
		return time.Time{}, err
	}
	return d.earliest(userID, department), nil
}

// InvitedUser returns the account of an unexpired invitation or reset token.
func (db *DB) InvitedUser(ctx context.Context, tokenHash []byte) (User, error) {
	return scanUser(db.queryRow(ctx, `SELECT `+userColumns+` FROM users WHERE id = (SELECT user_id FROM one_time_tokens
		WHERE token_hash = ? AND purpose IN ('invite', 'reset') AND expires_at > ?)`, tokenHash, db.now()))
}
