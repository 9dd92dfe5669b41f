package app

import (
	"context"
	"time"

	"kipass/internal/auth"
	"kipass/internal/errs"
)

// SessionStore keeps logged-in sessions under the hash of their token.
type SessionStore interface {
	CreateSession(ctx context.Context, tokenHash []byte, userID int64, kind string, expiresAt time.Time) error
	// SessionByHash returns a live session with its active user; one idle
	// for longer than idle is ended.
	SessionByHash(ctx context.Context, tokenHash []byte, idle time.Duration) (Session, error)
	DeleteSession(ctx context.Context, tokenHash []byte) error
}

// TokenStore keeps one-time links: the first admin's setup link,
// invitations and password resets.
type TokenStore interface {
	OneTimeTokenValid(ctx context.Context, tokenHash []byte, purpose string) (bool, error)
	// CreateFirstAdmin uses the setup token once to create the first admin.
	CreateFirstAdmin(ctx context.Context, tokenHash []byte, nu NewUser) (int64, error)
	InviteValid(ctx context.Context, tokenHash []byte) (bool, error)
	// SetPasswordWithToken uses an invitation or reset token once.
	SetPasswordWithToken(ctx context.Context, tokenHash []byte, passwordHash string) (int64, error)
	CreateInvitedUser(ctx context.Context, nu NewUser, inviteHash []byte, expires time.Time, by Actor) (int64, error)
	CreateResetLink(ctx context.Context, userID int64, tokenHash []byte, expires time.Time, by Actor) error
	// CreateOneTimeToken stores a one-time token; a new setup token
	// replaces the older ones.
	CreateOneTimeToken(ctx context.Context, tokenHash []byte, purpose string, userID int64, expiresAt time.Time) error
}

// SetupLinkTTL is how long the first admin's setup link works.
const SetupLinkTTL = 24 * time.Hour

// SetupToken makes a one-time setup token for creating the first admin,
// while there is no admin ("" when there is one). Each call makes a new
// one; older ones stop working.
func (a *App) SetupToken(ctx context.Context) (string, error) {
	n, err := a.accounts.CountAdmins(ctx)
	if err != nil || n > 0 {
		return "", err
	}
	token := auth.NewToken()
	return token, a.tokens.CreateOneTimeToken(ctx, auth.HashToken(token), TokenSetup, 0, a.now().Add(SetupLinkTTL))
}

// StartSession creates a session for the account and returns its token
// (to be sent once, as a cookie or to an API client) and its expiry.
func (a *App) StartSession(ctx context.Context, userID int64, kind string, ttl time.Duration) (string, time.Time, error) {
	token := auth.NewToken()
	exp := a.now().Add(ttl)
	return token, exp, a.sessions.CreateSession(ctx, auth.HashToken(token), userID, kind, exp)
}

// SessionByHash returns the live session with the token hash.
func (a *App) SessionByHash(ctx context.Context, tokenHash []byte, idle time.Duration) (Session, error) {
	return a.sessions.SessionByHash(ctx, tokenHash, idle)
}

// DeleteSession ends a session.
func (a *App) DeleteSession(ctx context.Context, tokenHash []byte) error {
	return a.sessions.DeleteSession(ctx, tokenHash)
}

// SetupValid reports whether a setup token may still create the first
// admin: only while there is no admin.
func (a *App) SetupValid(ctx context.Context, token string) (bool, error) {
	if token == "" || len(token) > 128 {
		return false, nil
	}
	n, err := a.accounts.CountAdmins(ctx)
	if err != nil || n > 0 {
		return false, err
	}
	return a.tokens.OneTimeTokenValid(ctx, auth.HashToken(token), TokenSetup)
}

// CreateFirstAdmin uses the setup token to create the first admin from a
// registration.
func (a *App) CreateFirstAdmin(ctx context.Context, token string, r auth.Registration, lang string) (int64, error) {
	if err := r.Clean(); err != nil {
		return 0, err
	}
	hash, err := a.hasher.Hash(ctx, r.Password)
	if err != nil {
		return 0, err
	}
	return a.tokens.CreateFirstAdmin(ctx, auth.HashToken(token),
		NewUser{Email: r.Email, Name: r.Name, Department: r.Department, PasswordHash: hash, Lang: lang})
}

// InviteValid reports whether an invitation or reset token still works.
func (a *App) InviteValid(ctx context.Context, token string) (bool, error) {
	return a.tokens.InviteValid(ctx, auth.HashToken(token))
}

// AcceptInvite sets the password of an invited account (or one with a
// reset link) and uses the token up. It returns the account's id. A
// password that is too short or too long is an errs.Invalid on "password";
// an unknown or used token is not found. The token is checked before the
// password is hashed, so a made-up token costs no argon2 work; it is
// checked again and used up with the new hash in one transaction, so two
// requests with one link cannot both set a password.
func (a *App) AcceptInvite(ctx context.Context, token, password string) (int64, error) {
	if why := auth.CheckPassword(password); why != "" {
		return 0, errs.Field("password", why)
	}
	if ok, err := a.InviteValid(ctx, token); err != nil || !ok {
		if err == nil {
			err = errs.New(errs.NotFound, "not_found", "This link is not valid any more.")
		}
		return 0, err
	}
	hash, err := a.hasher.Hash(ctx, password)
	if err != nil {
		return 0, err
	}
	return a.tokens.SetPasswordWithToken(ctx, auth.HashToken(token), hash)
}

// Invite creates an account with an invitation valid for Config.InviteTTL
// and returns the token of the link (shown once).
func (a *App) Invite(ctx context.Context, by User, nu NewUser) (string, error) {
	if err := a.listedDepartment(ctx, nu.Department); err != nil {
		return "", err
	}
	token := auth.NewToken()
	_, err := a.tokens.CreateInvitedUser(ctx, nu, auth.HashToken(token), a.now().Add(a.cfg.InviteTTL), Actor{ID: by.ID, Role: by.Role})
	return token, err
}

// ResetLink makes a one-time password-reset link for an active account,
// valid for Config.InviteTTL, and returns its token (shown once).
func (a *App) ResetLink(ctx context.Context, by User, userID int64) (string, error) {
	token := auth.NewToken()
	return token, a.tokens.CreateResetLink(ctx, userID, auth.HashToken(token), a.now().Add(a.cfg.InviteTTL), Actor{ID: by.ID, Role: by.Role})
}
