package app

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"time"

	"kipass/internal/auth"
	"kipass/internal/errs"
)

// AccountStore keeps accounts and failed logins.
type AccountStore interface {
	// CreateUser creates an account; a taken email is ErrEmailTaken.
	CreateUser(ctx context.Context, nu NewUser) (int64, error)
	UserByEmail(ctx context.Context, email string) (User, error)
	UserByID(ctx context.Context, id int64) (User, error)
	// CountAdmins counts the active admin accounts.
	CountAdmins(ctx context.Context) (int, error)
	RecordLoginFailure(ctx context.Context, emailHash []byte) error
	LoginFailures(ctx context.Context, emailHash []byte, since time.Time) (int, error)
	ClearLoginFailures(ctx context.Context, emailHash []byte) error
	// RecordAddressFailure counts a failed login from a client address
	// (its keyed hash) in a window that starts with the address's first
	// failure after windowFrom; AddressFailures returns the count of the
	// window that started after windowFrom.
	RecordAddressFailure(ctx context.Context, addrKey []byte, windowFrom time.Time) error
	AddressFailures(ctx context.Context, addrKey []byte, windowFrom time.Time) (int, error)
	// ImportUsers creates or updates all accounts in one transaction;
	// created[i] reports whether row i was new.
	ImportUsers(ctx context.Context, users []ImportUser, inviteExpires time.Time, progress func(done int)) (created []bool, err error)
	// EraseUser deletes an account and what belongs to it, keeping or
	// revoking its certificates, and audits it.
	EraseUser(ctx context.Context, userID int64, keepCertificates bool, loginKey []byte, by Actor) error
}

// AuditStore records who did what.
type AuditStore interface {
	// Audit records an action; detail holds no names or email addresses.
	Audit(ctx context.Context, by Actor, action string, subject int64, detail string) error
}

// ErrEmailTaken is the one answer for an email address that another
// account has: at registration, when an admin creates or edits an account,
// and at import.
var ErrEmailTaken = &errs.Error{Kind: errs.Conflict, Code: "email_taken", Message: "An account with this email address exists already.",
	Fields: map[string]string{"email": "email_taken"}}

// ErrBadCredentials is the answer to a wrong password and an unknown email
// address alike.
var ErrBadCredentials = errs.New(errs.Unauthorized, "invalid_credentials", "Email address or password is wrong.")

// ErrWrongPassword is the answer when a logged-in person's password does
// not confirm a destructive step.
var ErrWrongPassword = &errs.Error{Kind: errs.Forbidden, Code: "wrong_password", Message: "The password is not correct.",
	Fields: map[string]string{"password": "wrong_password"}}

var errRegistrationClosed = errs.New(errs.Forbidden, "registration_closed", "Self-registration is switched off. Ask your administrator for an invitation.")

// LoginKey identifies an account for throttling without storing its email.
func LoginKey(email string) []byte {
	h := sha256.Sum256([]byte("login-throttle\x00" + auth.NormalizeEmail(email)))
	return h[:]
}

// Register validates and creates an employee account when
// self-registration is on. lang is the language the person uses.
func (a *App) Register(ctx context.Context, r auth.Registration, lang string) (int64, error) {
	if !a.cfg.Registration {
		return 0, errRegistrationClosed
	}
	if err := r.Clean(); err != nil {
		return 0, err
	}
	if err := a.registrationDepartment(ctx, r.Department); err != nil {
		return 0, err
	}
	hash, err := a.hasher.Hash(ctx, r.Password)
	if err != nil {
		return 0, err
	}
	return a.accounts.CreateUser(ctx, NewUser{Email: r.Email, Name: r.Name, Department: r.Department,
		Role: RoleEmployee, PasswordHash: hash, Lang: lang})
}

// errRegistrationDepartment answers a self-registration naming a department
// that the admins have not listed.
var errRegistrationDepartment = &errs.Error{Kind: errs.Invalid, Code: "unknown_department",
	Message: "This department is not in the organisation's list; choose one from the list or leave it empty.",
	Fields:  map[string]string{"department": "unknown_department"}}

// registrationDepartment checks the department a person picks when they
// register: it must be one of the admin-kept list, so that a typo cannot
// start a department of its own ("Vetrieb"); none is always fine. With an
// empty list there is nothing to pick, so any department is refused.
func (a *App) registrationDepartment(ctx context.Context, name string) error {
	if name == "" || a.depts == nil {
		return nil
	}
	known, _, err := a.depts.DepartmentPeople(ctx, name)
	if err != nil || known {
		return err
	}
	return errRegistrationDepartment
}

// addressKey identifies a client address for throttling without storing
// it: an HMAC under the instances' shared key (Deps.AddressKey), cut to
// 16 bytes. Unkeyed, the hash of an IPv4 address could be reversed by
// trying all 2^32.
func (a *App) addressKey(addr string) []byte {
	m := hmac.New(sha256.New, a.addrKey)
	m.Write([]byte("login-address\x00" + addr))
	return m.Sum(nil)[:16]
}

// errAddressThrottled answers a client address that used up its failed
// logins.
var errAddressThrottled = errs.New(errs.Throttled, "too_many_attempts", "Too many failed logins from your network. Please wait 15 minutes.")

// Authenticate checks an email address and password, allowing
// Config.AccountLimit failures per account in Config.LoginWindow. Unknown
// accounts, deactivated ones and wrong passwords get ErrBadCredentials and
// take the same time (the hasher checks a dummy hash). It does not
// throttle per client address: AuthenticateFrom does.
func (a *App) Authenticate(ctx context.Context, email, password string) (User, error) {
	return a.AuthenticateFrom(ctx, email, password, "")
}

// AuthenticateFrom is Authenticate for a login from the client address
// addr, which may also have only Config.AddressLimit failed logins in
// Config.LoginWindow (the window starts with its first failure), counted
// in the database so that every instance sees them. "" skips that limit.
func (a *App) AuthenticateFrom(ctx context.Context, email, password, addr string) (User, error) {
	var addrKey []byte
	windowFrom := a.now().Add(-a.cfg.LoginWindow)
	if addr != "" {
		addrKey = a.addressKey(addr)
		n, err := a.accounts.AddressFailures(ctx, addrKey, windowFrom)
		if err != nil {
			return User{}, err
		}
		if n >= a.cfg.AddressLimit {
			return User{}, errAddressThrottled
		}
	}
	u, err := a.authenticate(ctx, email, password)
	if errors.Is(err, ErrBadCredentials) && addrKey != nil {
		if err := a.accounts.RecordAddressFailure(ctx, addrKey, windowFrom); err != nil {
			return u, err
		}
	}
	return u, err
}

func (a *App) authenticate(ctx context.Context, email, password string) (User, error) {
	email = auth.NormalizeEmail(email)
	key := LoginKey(email)
	n, err := a.accounts.LoginFailures(ctx, key, a.now().Add(-a.cfg.LoginWindow))
	if err != nil {
		return User{}, err
	}
	if n >= a.cfg.AccountLimit {
		return User{}, errs.New(errs.Throttled, "too_many_attempts", "Too many failed logins for this account. Please wait 15 minutes.")
	}
	u, err := a.accounts.UserByEmail(ctx, email)
	if err != nil && errs.KindOf(err) != errs.NotFound {
		return u, err
	}
	ok, err := a.hasher.Verify(ctx, u.PasswordHash, password)
	if err != nil {
		return u, err
	}
	if !ok || !u.Active {
		if err := a.accounts.RecordLoginFailure(ctx, key); err != nil {
			return u, err
		}
		return u, ErrBadCredentials
	}
	return u, a.accounts.ClearLoginFailures(ctx, key)
}

// ConfirmPassword checks a logged-in person's own password before a
// destructive step. Wrong passwords count as failed logins of the account,
// so the same limit holds as at login.
func (a *App) ConfirmPassword(ctx context.Context, u User, password string) (bool, error) {
	key := LoginKey(u.Email)
	n, err := a.accounts.LoginFailures(ctx, key, a.now().Add(-a.cfg.LoginWindow))
	if err != nil {
		return false, err
	}
	if n >= a.cfg.AccountLimit {
		return false, errs.New(errs.Throttled, "too_many_attempts", "Too many wrong passwords for this account. Please wait 15 minutes.")
	}
	ok, err := a.hasher.Verify(ctx, u.PasswordHash, password)
	if err != nil || ok {
		return ok, err
	}
	return false, a.accounts.RecordLoginFailure(ctx, key)
}

// Erase deletes an account (GDPR Art. 17): the person's own, or any as an
// admin. by confirms with their own password; the last active admin is
// never erased. keepCertificates keeps the certificates valid (holder
// name only); otherwise they are revoked.
func (a *App) Erase(ctx context.Context, by User, userID int64, password string, keepCertificates bool) error {
	if by.ID != userID && by.Role != RoleAdmin {
		return errs.New(errs.Forbidden, "forbidden", "You are not allowed to do this.")
	}
	ok, err := a.ConfirmPassword(ctx, by, password)
	if err != nil {
		return err
	}
	if !ok {
		return ErrWrongPassword
	}
	u := by
	if userID != by.ID {
		if u, err = a.accounts.UserByID(ctx, userID); err != nil {
			return err
		}
	}
	if u.Role == RoleAdmin && u.Active {
		n, err := a.accounts.CountAdmins(ctx)
		if err != nil {
			return err
		}
		if n <= 1 {
			msg := "This is the last active administrator; make another account an administrator first."
			if u.ID == by.ID {
				msg = "You are the only administrator. Make someone else an administrator first."
			}
			return errs.New(errs.Conflict, "last_admin", msg)
		}
	}
	return a.accounts.EraseUser(ctx, u.ID, keepCertificates, LoginKey(u.Email), Actor{ID: by.ID, Role: by.Role})
}

// ImportRow is one checked row of an import (see internal/people).
type ImportRow struct {
	Email, Name, Department, Role string
}

// Imported is the outcome of an import: for each new account its
// invitation token (to be sent as a link, shown once), and how many
// existing accounts were updated.
type Imported struct {
	// Invites are the new accounts' rows and tokens, in input order.
	Invites []Invite
	Updated int
}

// Invite is a new account's one-time invitation.
type Invite struct {
	Email, Token string
}

// Import creates or updates the accounts of checked rows in one
// transaction: all or nothing. New accounts get an invitation valid for
// Config.InviteTTL and no password until it is used. by is the admin
// (the audit log names them; a zero Actor is the command line). progress,
// when set, is called after each row.
func (a *App) Import(ctx context.Context, by Actor, rows []ImportRow, progress func(done int)) (Imported, error) {
	if by.ID != 0 && by.Role != RoleAdmin {
		return Imported{}, errs.New(errs.Forbidden, "forbidden", "You are not allowed to do this.")
	}
	users := make([]ImportUser, len(rows))
	tokens := make([]string, len(rows))
	for i, r := range rows {
		tokens[i] = auth.NewToken()
		users[i] = ImportUser{Email: r.Email, Name: r.Name, Department: r.Department, Role: r.Role, InviteHash: auth.HashToken(tokens[i])}
	}
	created, err := a.accounts.ImportUsers(ctx, users, a.now().Add(a.cfg.InviteTTL), progress)
	if err != nil {
		return Imported{}, err
	}
	var out Imported
	for i, isNew := range created {
		if isNew {
			out.Invites = append(out.Invites, Invite{Email: rows[i].Email, Token: tokens[i]})
		} else {
			out.Updated++
		}
	}
	if by.ID != 0 {
		if err := a.audit.Audit(ctx, by, "accounts.imported", 0, "new="+itoa(int64(len(out.Invites)))+" updated="+itoa(int64(out.Updated))); err != nil {
			return out, err
		}
	}
	return out, nil
}

// CreateAccount creates an account of any role with a password, for the
// command line (`kipass admin create`): the same checks as a registration,
// and a taken email is ErrEmailTaken. hrDepartments limit an HR account (none: it
// sees every department).
func (a *App) CreateAccount(ctx context.Context, r auth.Registration, role string, hrDepartments ...string) (int64, error) {
	if !ValidRole(role) {
		return 0, errs.Field("role", "invalid")
	}
	if err := r.Clean(); err != nil {
		return 0, err
	}
	hash, err := a.hasher.Hash(ctx, r.Password)
	if err != nil {
		return 0, err
	}
	return a.accounts.CreateUser(ctx, NewUser{Email: r.Email, Name: r.Name, Department: r.Department, Role: role, PasswordHash: hash,
		HRDepartments: hrDepartments})
}

// SummaryRecipients are the people who get the weekly HR summary: active
// admins and active HR accounts that see every department.
func (a *App) SummaryRecipients(ctx context.Context) ([]User, error) {
	var to []User
	for _, role := range []string{RoleHR, RoleAdmin} {
		users, _, err := a.dir.ListUsers(ctx, UserFilter{Role: role, Limit: 10_000})
		if err != nil {
			return nil, err
		}
		for _, u := range users {
			if !u.Active {
				continue
			}
			if scope, err := a.HRScope(ctx, u); err != nil {
				return nil, err
			} else if scope == nil {
				to = append(to, u)
			}
		}
	}
	return to, nil
}
