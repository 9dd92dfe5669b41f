package app

import (
	"context"
	"errors"
	"time"

	"kipass/internal/auth"
	"kipass/internal/errs"
	"kipass/internal/sso"
)

// SignOnStore keeps what single sign-on needs: the provider identity of
// accounts, the sign-ins in progress and the ID token of a session.
type SignOnStore interface {
	// SignInOIDC looks up the accounts for the identity, calls decide and
	// applies its decision with an audit entry, all in one transaction;
	// a race with another sign-in of the same person is ErrStale.
	SignInOIDC(ctx context.Context, issuer, subject, email string, decide func(sso.Known) (sso.Decision, error)) (int64, sso.Decision, error)
	// SaveOIDCLogin keeps a sign-in in progress until expires.
	SaveOIDCLogin(ctx context.Context, tx sso.LoginTransaction, expires time.Time) error
	// TakeOIDCLogin returns and deletes a sign-in in one step; gone or
	// expired is an errs.NotFound.
	TakeOIDCLogin(ctx context.Context, id string) (sso.LoginTransaction, error)
	SetSessionIDToken(ctx context.Context, tokenHash []byte, idToken string) error
	// SessionIDToken is "" for a session that did not start at the provider.
	SessionIDToken(ctx context.Context, tokenHash []byte) (string, error)
	// UnlinkOIDC removes an account's provider identity and audits it.
	UnlinkOIDC(ctx context.Context, userID int64, by Actor) error
}

// SignOn runs the single sign-on use cases with the checked configuration.
// The rules are sso.Config.Decide's; SignOn applies them through the store
// and starts the session.
type SignOn struct {
	app   *App
	store SignOnStore
	cfg   sso.Config
}

// SignOn returns the single sign-on use cases over store with cfg (which
// may be disabled: then only PasswordAllowed is meaningful).
func (a *App) SignOn(store SignOnStore, cfg sso.Config) *SignOn {
	return &SignOn{app: a, store: store, cfg: cfg}
}

// Config returns the single sign-on configuration.
func (s *SignOn) Config() sso.Config { return s.cfg }

// Enabled reports whether sign-in through a provider is configured.
func (s *SignOn) Enabled() bool { return s != nil && s.cfg.Enabled }

// PasswordAllowed reports whether the account may sign in with its local
// password (--password-login, --break-glass-admin).
func (s *SignOn) PasswordAllowed(u User) bool {
	return s == nil || s.cfg.PasswordAllowed(u.Email, u.Role)
}

// ErrPasswordLoginOff is the answer to a correct password while local
// passwords are off for the account; it reads like a wrong password with
// the hint where to sign in instead.
var ErrPasswordLoginOff = errs.New(errs.Unauthorized, "password_login_disabled",
	"Passwords are switched off here: please use the sign-in through your organisation.")

// SaveLogin keeps a sign-in in progress for sso.TransactionTTL.
func (s *SignOn) SaveLogin(ctx context.Context, tx sso.LoginTransaction) error {
	return s.store.SaveOIDCLogin(ctx, tx, tx.CreatedAt.Add(sso.TransactionTTL))
}

// TakeLogin returns the sign-in kept under id once; a second call, an
// unknown id and an expired sign-in are sso.LoginExpired.
func (s *SignOn) TakeLogin(ctx context.Context, id string) (sso.LoginTransaction, error) {
	if id == "" || len(id) > 256 {
		return sso.LoginTransaction{}, sso.LoginExpired()
	}
	tx, err := s.store.TakeOIDCLogin(ctx, id)
	if errs.KindOf(err) == errs.NotFound {
		return tx, sso.LoginExpired()
	}
	return tx, err
}

// SignIn applies a verified identity to the accounts (create just in time,
// link by verified email, update name, department and role; refuse a
// takeover, a deactivated account and the break-glass admin) in one
// transaction with its audit entry, and returns the account. A race with
// a parallel sign-in of the same person is decided once more.
func (s *SignOn) SignIn(ctx context.Context, id sso.Identity) (User, error) {
	if !s.Enabled() {
		return User{}, errs.New(errs.NotFound, "not_found", "Single sign-on is not configured.")
	}
	decide := func(k sso.Known) (sso.Decision, error) { return s.cfg.Decide(id, k) }
	var uid int64
	var err error
	for range 2 {
		uid, _, err = s.store.SignInOIDC(ctx, id.Issuer, id.Subject, auth.NormalizeEmail(id.Email), decide)
		if !errors.Is(err, ErrStale) {
			break
		}
	}
	if err != nil {
		return User{}, err
	}
	return s.app.accounts.UserByID(ctx, uid)
}

// StartSession starts a browser session for an account that signed in
// through the provider and keeps the ID token with it for the provider's
// logout.
func (s *SignOn) StartSession(ctx context.Context, userID int64, ttl time.Duration, idToken string) (string, time.Time, error) {
	token, exp, err := s.app.StartSession(ctx, userID, SessionBrowser, ttl)
	if err != nil || idToken == "" {
		return token, exp, err
	}
	return token, exp, s.store.SetSessionIDToken(ctx, auth.HashToken(token), idToken)
}

// SessionIDToken returns the ID token kept with a session ("" for none).
func (s *SignOn) SessionIDToken(ctx context.Context, tokenHash []byte) (string, error) {
	return s.store.SessionIDToken(ctx, tokenHash)
}

// Unlink removes the provider identity from an account (an admin's step
// after a move to another provider: otherwise the account refuses the new
// identity with oidc_subject_mismatch).
func (s *SignOn) Unlink(ctx context.Context, by User, userID int64) error {
	if by.Role != RoleAdmin {
		return errs.New(errs.Forbidden, "forbidden", "You are not allowed to do this.")
	}
	return s.store.UnlinkOIDC(ctx, userID, Actor{ID: by.ID, Role: by.Role})
}
