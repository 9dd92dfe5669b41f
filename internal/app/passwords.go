package app

import (
	"context"
	"log/slog"
	netmail "net/mail"
	"strings"
	"time"

	"kipass/internal/auth"
	"kipass/internal/errs"
	"kipass/internal/i18n"
	"kipass/internal/mail"
)

// ResetTTL is how long a password-reset link sent by email works.
const ResetTTL = time.Hour

// ResetMailsPerHour caps the reset emails one account gets in an hour;
// requests beyond it get the same answer and send nothing, so that a
// stranger cannot flood someone's mailbox.
const ResetMailsPerHour = 3

// PasswordStore keeps what self-service account changes need.
type PasswordStore interface {
	// CreateMailedResetLink stores a one-time reset token for an active
	// account (older ones keep working until used or expired) and audits it.
	CreateMailedResetLink(ctx context.Context, userID int64, tokenHash []byte, expires time.Time) error
	// ResetLinksSince counts the reset tokens made for the account since t.
	ResetLinksSince(ctx context.Context, userID int64, since time.Time) (int, error)
	// ChangePassword sets the password hash, ends every session of the
	// account except keepSession (a session token hash; nil ends all),
	// drops its open reset links and audits it.
	ChangePassword(ctx context.Context, userID int64, passwordHash string, keepSession []byte) error
	// CorrectName changes the account's name while it holds no
	// certificate (ErrNameLocked after) and audits it.
	CorrectName(ctx context.Context, userID int64, name string) error
	// ReissueCertificate stores nc as a copy of certificate oldID (same
	// holder, course, attempt and dates, new id and name) and revokes the
	// old one with the reason, in one transaction, and audits it.
	ReissueCertificate(ctx context.Context, oldID string, nc NewCertificate, reason string, by Actor) error
}

// ErrNameLocked is the answer to a name correction once a certificate
// carries the name: from then on an administrator corrects it and
// reissues the certificate.
var ErrNameLocked = &errs.Error{Kind: errs.Conflict, Code: "name_locked",
	Message: "A certificate carries this name already; ask an administrator to correct it and reissue the certificate.",
	Fields:  map[string]string{"name": "name_locked"}}

// ErrNoMail is the answer to a reset request when no SMTP server is
// configured: an administrator makes reset links by hand.
var ErrNoMail = errs.New(errs.Conflict, "mail_not_configured", "Password reset by email is not available; ask an administrator for a reset link.")

// MailEnabled reports whether kipass can send email (password resets).
func (a *App) MailEnabled() bool { return a.resetMail != nil }

// RequestPasswordReset emails a one-time link to linkBase +
// "/password/reset?token=..." valid for ResetTTL, when the address belongs
// to an active account that got fewer than ResetMailsPerHour such links in
// the last hour. The answer is the same for unknown addresses, and the
// email is sent in the background, so the response time does not tell
// whether an account exists. Throttling per client address is the caller's.
func (a *App) RequestPasswordReset(ctx context.Context, email, lang, linkBase string) error {
	if a.resetMail == nil {
		return ErrNoMail
	}
	email = auth.NormalizeEmail(email)
	if auth.CheckEmail(email) != "" {
		return errs.Field("email", "invalid_email")
	}
	u, err := a.accounts.UserByEmail(ctx, email)
	if errs.KindOf(err) == errs.NotFound || (err == nil && !u.Active) {
		return nil
	}
	if err != nil {
		return err
	}
	now := a.now()
	n, err := a.passwords.ResetLinksSince(ctx, u.ID, now.Add(-time.Hour))
	if err != nil || n >= ResetMailsPerHour {
		return err
	}
	token := auth.NewToken()
	if err := a.passwords.CreateMailedResetLink(ctx, u.ID, auth.HashToken(token), now.Add(ResetTTL)); err != nil {
		return err
	}
	if u.Lang != "" {
		lang = u.Lang
	}
	msgs, err := a.messages()
	if err != nil {
		return err
	}
	m := resetMessage(msgs, u, lang, strings.TrimRight(linkBase, "/")+"/password/reset?token="+token)
	sendCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), mail.DefaultTimeout)
	a.background.Go(func() {
		defer cancel()
		if err := a.resetMail.Send(sendCtx, m); err != nil {
			a.log.Warn("password reset email not sent", "user_id", u.ID, "err", err)
		}
	})
	return nil
}

// resetMessage is the reset email in the account's language (German
// unless it is "en").
func resetMessage(msgs *i18n.Catalog, u User, lang, link string) mail.Message {
	if lang != "en" {
		lang = "de"
	}
	to := (&netmail.Address{Name: u.Name, Address: u.Email}).String()
	return mail.Message{To: to, Lang: lang, Kind: "password_reset", Subject: msgs.T(lang, "mail.reset.subject"),
		Body: msgs.T(lang, "mail.reset.greeting", u.Name) + "\n\n" + msgs.T(lang, "mail.reset.text") + "\n\n" + link + "\n\n" +
			msgs.T(lang, "mail.reset.once") + "\n"}
}

// messages is the catalog the emails are written from: Config.Messages,
// else the embedded one.
func (a *App) messages() (*i18n.Catalog, error) {
	if a.cfg.Messages != nil {
		return a.cfg.Messages, nil
	}
	return i18n.Load()
}

// ChangePassword sets a new password for a logged-in person after checking
// the current one (wrong ones count as failed logins). Every other session
// of the account ends; keepSession is the hash of the session that asked.
func (a *App) ChangePassword(ctx context.Context, u User, current, next string, keepSession []byte) error {
	if why := auth.CheckPassword(next); why != "" {
		return errs.Field("new_password", why)
	}
	ok, err := a.ConfirmPassword(ctx, u, current)
	if err != nil {
		return err
	}
	if !ok {
		return &errs.Error{Kind: errs.Forbidden, Code: "wrong_password", Message: "The current password is not correct.",
			Fields: map[string]string{"current_password": "wrong_password"}}
	}
	hash, err := a.hasher.Hash(ctx, next)
	if err != nil {
		return err
	}
	return a.passwords.ChangePassword(ctx, u.ID, hash, keepSession)
}

// NameCorrectable reports whether the person may still correct their own
// name: only while no certificate (valid, expired or revoked) carries it.
func (a *App) NameCorrectable(ctx context.Context, userID int64) (bool, error) {
	list, err := a.certs.UserCertificates(ctx, userID)
	return len(list) == 0, err
}

// CorrectName lets a person correct the name that certificates will show,
// until the first certificate exists (ErrNameLocked after).
func (a *App) CorrectName(ctx context.Context, u User, name string) error {
	name = auth.CleanName(name)
	if why := auth.CheckName(name, true, 100); why != "" {
		return auth.InputError(map[string]string{"name": why})
	}
	if name == u.Name {
		return nil
	}
	return a.passwords.CorrectName(ctx, u.ID, name)
}

// Reissue issues a new certificate under the holder's current name in
// place of certificate id (after an admin corrected the name), with the
// same course, attempt and dates, and revokes the old one with the
// reason. It returns the new certificate's id. A revoked certificate, or
// one whose holder's account was erased, is not reissued.
func (a *App) Reissue(ctx context.Context, by User, id, reason string) (string, error) {
	if by.Role != RoleAdmin {
		return "", errs.New(errs.Forbidden, "forbidden", "You are not allowed to do this.")
	}
	reason = strings.TrimSpace(reason)
	if reason == "" || len(reason) > 500 {
		return "", errs.Field("reason", "required")
	}
	if !ValidCertificateID(id) {
		return "", errNoCertificate
	}
	old, err := a.certs.CertificateByID(ctx, id)
	if err != nil {
		return "", err
	}
	if old.Revoked() || old.UserID == 0 {
		return "", errs.New(errs.Conflict, "not_reissuable", "Only a valid certificate of an existing account can be reissued.")
	}
	holder, err := a.accounts.UserByID(ctx, old.UserID)
	if err != nil {
		return "", err
	}
	nc := NewCertificate{ID: newID(), HolderName: holder.Name, ContentVersion: old.ContentVersion, Lang: old.Lang,
		IssuedAt: old.IssuedAt, ExpiresAt: old.ExpiresAt}
	return nc.ID, a.passwords.ReissueCertificate(ctx, old.ID, nc, reason, Actor{ID: by.ID, Role: by.Role})
}

// discardLogger is the logger of use cases built without one.
func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }
