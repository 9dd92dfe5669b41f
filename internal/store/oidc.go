package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"strings"
	"time"

	"kipass/internal/app"
	"kipass/internal/errs"
	"kipass/internal/sso"
)

// SaveOIDCLogin keeps a sign-in in progress under the SHA-256 of its id
// until expires, and drops the expired ones (so the table stays small
// without a job of its own).
func (db *DB) SaveOIDCLogin(ctx context.Context, tx sso.LoginTransaction, expires time.Time) error {
	h := sha256.Sum256([]byte(tx.ID))
	now := db.now()
	return db.txQuiet(ctx, func(t *sql.Tx) error {
		if _, err := t.ExecContext(ctx, `DELETE FROM oidc_logins WHERE expires_at <= ?`, now); err != nil {
			return err
		}
		_, err := t.ExecContext(ctx, `INSERT INTO oidc_logins (id_hash, state, nonce, verifier, next, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			h[:], tx.State, tx.Nonce, tx.Verifier, tx.Next, tx.CreatedAt.UnixMilli(), expires.Unix())
		return err
	})
}

// TakeOIDCLogin returns the sign-in kept under id and deletes it in the
// same statement, so that two callbacks with one cookie cannot both take
// it. An unknown or expired id is not found.
func (db *DB) TakeOIDCLogin(ctx context.Context, id string) (sso.LoginTransaction, error) {
	h := sha256.Sum256([]byte(id))
	var tx sso.LoginTransaction
	var created, expires int64
	err := db.txQuiet(ctx, func(t *sql.Tx) error {
		return t.QueryRowContext(ctx, `DELETE FROM oidc_logins WHERE id_hash = ? RETURNING state, nonce, verifier, next, created_at, expires_at`, h[:]).
			Scan(&tx.State, &tx.Nonce, &tx.Verifier, &tx.Next, &created, &expires)
	})
	if errors.Is(err, sql.ErrNoRows) || (err == nil && expires <= db.now()) {
		return sso.LoginTransaction{}, errs.New(errs.NotFound, "not_found", "No such sign-in.")
	}
	if err != nil {
		return sso.LoginTransaction{}, err
	}
	tx.ID, tx.CreatedAt = id, time.UnixMilli(created)
	return tx, nil
}

// SetSessionIDToken keeps the provider's ID token with a session, for the
// provider's logout.
func (db *DB) SetSessionIDToken(ctx context.Context, tokenHash []byte, idToken string) error {
	return db.txQuiet(ctx, func(t *sql.Tx) error {
		_, err := t.ExecContext(ctx, `INSERT INTO session_id_tokens (token_hash, id_token) VALUES (?, ?) ON CONFLICT (token_hash) DO UPDATE SET id_token = excluded.id_token`, tokenHash, idToken)
		return err
	})
}

// SessionIDToken returns the ID token kept with a session; "" when the
// session did not start through the provider.
func (db *DB) SessionIDToken(ctx context.Context, tokenHash []byte) (string, error) {
	var tok string
	err := db.queryRow(ctx, `SELECT id_token FROM session_id_tokens WHERE token_hash = ?`, tokenHash).Scan(&tok)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return tok, err
}

const oidcAccountColumns = `id, email, name, department, role, active, coalesce(oidc_issuer, ''), coalesce(oidc_subject, '')`

func scanOIDCAccount(r row) (*sso.Account, error) {
	var a sso.Account
	err := r.Scan(&a.ID, &a.Email, &a.Name, &a.Department, &a.Role, &a.Active, &a.Issuer, &a.Subject)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &a, nil
}

// SignInOIDC applies a sign-in through the provider in one transaction:
// it looks up the account bound to (issuer, subject) and the one with
// email, lets decide say what to do, writes the decision (a new account,
// the link, the updated name, department and role) and its audit entry.
// A role change ends the account's other sessions, as an admin's edit
// does. decide's error is returned as it is, and nothing is written.
func (db *DB) SignInOIDC(ctx context.Context, issuer, subject, email string, decide func(sso.Known) (sso.Decision, error)) (int64, sso.Decision, error) {
	now := db.now()
	var id int64
	var d sso.Decision
	err := db.tx(ctx, func(tx *sql.Tx) error {
		var k sso.Known
		var err error
		if k.BySubject, err = scanOIDCAccount(tx.QueryRowContext(ctx, `SELECT `+oidcAccountColumns+` FROM users WHERE oidc_issuer = ? AND oidc_subject = ?`, issuer, subject)); err != nil {
			return err
		}
		if email != "" {
			if k.ByEmail, err = scanOIDCAccount(tx.QueryRowContext(ctx, `SELECT `+oidcAccountColumns+` FROM users WHERE email = ?`, email)); err != nil {
				return err
			}
		}
		if d, err = decide(k); err != nil {
			return err
		}
		actor := Actor{Role: RoleSystem}
		switch d.Action {
		case sso.Create:
			if id, err = insertUser(ctx, tx, NewUser{Email: d.Email, Name: d.Name, Department: d.Department, Role: d.Role}, now); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE users SET oidc_issuer = ?, oidc_subject = ? WHERE id = ?`, d.Issuer, d.Subject, id); err != nil {
				return err
			}
			return audit(ctx, tx, now, actor, "account.created", id, "single sign-on; role "+d.Role)
		case sso.Link, sso.Update:
			old := k.BySubject
			if d.Action == sso.Link {
				old = k.ByEmail
			}
			if old == nil || old.ID != d.AccountID {
				return errors.New("store: sign-in decision names another account than the one found")
			}
			id = d.AccountID
			if len(d.Changed) == 0 {
				return nil
			}
			if _, err := tx.ExecContext(ctx, `UPDATE users SET name = ?, department = ?, role = ?, oidc_issuer = ?, oidc_subject = ?, updated_at = ? WHERE id = ?`,
				d.Name, d.Department, d.Role, d.Issuer, d.Subject, now, id); err != nil {
				return err
			}
			if d.Role != old.Role {
				if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = ?`, id); err != nil {
					return err
				}
				if d.Role != RoleHR {
					if _, err := tx.ExecContext(ctx, `DELETE FROM hr_departments WHERE user_id = ?`, id); err != nil {
						return err
					}
				}
			}
			action := "account.sso_updated"
			if d.Action == sso.Link {
				action = "account.sso_linked"
			}
			return audit(ctx, tx, now, actor, action, id, ssoChangeDetail(*old, d))
		}
		return errors.New("store: unknown sign-in action " + string(d.Action))
	})
	if isUnique(err) {
		// Another sign-in of the same identity or email won the race.
		return 0, sso.Decision{}, app.ErrStale
	}
	return id, d, err
}

// ssoChangeDetail lists what a sign-in changed, without the name.
func ssoChangeDetail(old sso.Account, d sso.Decision) string {
	var parts []string
	for _, c := range d.Changed {
		switch c {
		case "subject":
			parts = append(parts, "provider identity linked")
		case "name":
			parts = append(parts, "name changed")
		case "department":
			parts = append(parts, "department "+quote(old.Department)+" -> "+quote(d.Department))
		case "role":
			parts = append(parts, "role "+old.Role+" -> "+d.Role)
		}
	}
	return "single sign-on: " + strings.Join(parts, "; ")
}

// UnlinkOIDC removes the provider identity from an account, so that the
// next sign-in may link it again by verified email (after a move to
// another provider or issuer), and audits it. An account without one is
// left as it is; an unknown account is not found.
func (db *DB) UnlinkOIDC(ctx context.Context, userID int64, by Actor) error {
	now := db.now()
	return db.tx(ctx, func(tx *sql.Tx) error {
		var linked bool
		if err := tx.QueryRowContext(ctx, `SELECT oidc_subject IS NOT NULL FROM users WHERE id = ?`, userID).Scan(&linked); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return errNoUser
			}
			return err
		}
		if !linked {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET oidc_issuer = NULL, oidc_subject = NULL, updated_at = ? WHERE id = ?`, now, userID); err != nil {
			return err
		}
		return audit(ctx, tx, now, by, "account.sso_unlinked", userID, "")
	})
}
