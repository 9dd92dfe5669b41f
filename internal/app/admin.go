package app

import (
	"context"
	"slices"
)

// DirectoryStore lists and edits accounts for admins, and answers the
// person's own data requests.
type DirectoryStore interface {
	// ListUsers returns one page of matching accounts and the number of all.
	ListUsers(ctx context.Context, f UserFilter) ([]User, int, error)
	// Departments lists the departments in use.
	Departments(ctx context.Context) ([]string, error)
	// UpdateAccount edits an account; the last active admin keeps the role.
	UpdateAccount(ctx context.Context, id int64, ch AccountChange, by Actor) error
	// AuditLog returns audit entries, newest first, and the number of matches.
	AuditLog(ctx context.Context, f AuditFilter) ([]AuditEntry, int, error)
	// ExportUser collects everything stored about the person.
	ExportUser(ctx context.Context, userID int64) (Export, error)
	// SetUserLang remembers the account's language.
	SetUserLang(ctx context.Context, id int64, lang string) error
	// Ping checks that the store answers.
	Ping(ctx context.Context) error
	// JoinedPeople counts the active employee and HR accounts that have
	// signed in at least once (a password of their own, or single sign-on).
	JoinedPeople(ctx context.Context) (int, error)
}

// Ping checks that the store answers (the health check).
func (a *App) Ping(ctx context.Context) error { return a.dir.Ping(ctx) }

// UserByID returns an account.
func (a *App) UserByID(ctx context.Context, id int64) (User, error) {
	return a.accounts.UserByID(ctx, id)
}

// ListUsers returns one page of accounts for the admin list.
func (a *App) ListUsers(ctx context.Context, f UserFilter) ([]User, int, error) {
	return a.dir.ListUsers(ctx, f)
}

// Departments lists the departments in use.
func (a *App) Departments(ctx context.Context) ([]string, error) { return a.dir.Departments(ctx) }

// HRDepartments returns the departments an HR account is limited to.
func (a *App) HRDepartments(ctx context.Context, userID int64) ([]string, error) {
	return a.reports.HRDepartments(ctx, userID)
}

// UpdateAccount applies an admin's edit of an account.
func (a *App) UpdateAccount(ctx context.Context, by User, id int64, ch AccountChange) error {
	if err := a.listedDepartment(ctx, ch.Department); err != nil {
		return err
	}
	return a.dir.UpdateAccount(ctx, id, ch, Actor{ID: by.ID, Role: by.Role})
}

// AuditLog returns audit entries for the admin's audit page.
func (a *App) AuditLog(ctx context.Context, f AuditFilter) ([]AuditEntry, int, error) {
	return a.dir.AuditLog(ctx, f)
}

// Audit records an action by a person; detail holds no names or email
// addresses.
func (a *App) Audit(ctx context.Context, by User, action string, subject int64, detail string) error {
	return a.audit.Audit(ctx, Actor{ID: by.ID, Role: by.Role}, action, subject, detail)
}

// ExportUser collects everything stored about the person (GDPR Art. 15, 20).
func (a *App) ExportUser(ctx context.Context, userID int64) (Export, error) {
	return a.dir.ExportUser(ctx, userID)
}

// SetLanguage remembers the language a person chose.
func (a *App) SetLanguage(ctx context.Context, userID int64, lang string) error {
	return a.dir.SetUserLang(ctx, userID, lang)
}

// CertificateByID returns a certificate record by id, for public
// verification.
func (a *App) CertificateByID(ctx context.Context, id string) (Certificate, error) {
	return a.certs.CertificateByID(ctx, id)
}

// CertificateFor returns a certificate that the person may download: the
// holder, admins, and HR within its departments; in works-council mode
// only the holder. Anyone else gets "not found".
func (a *App) CertificateFor(ctx context.Context, viewer User, id string) (Certificate, error) {
	if !ValidCertificateID(id) {
		return Certificate{}, errNoCertificate
	}
	rec, err := a.certs.CertificateByID(ctx, id)
	if err != nil || rec.UserID == viewer.ID {
		return rec, err
	}
	if a.cfg.AggregateOnly || (viewer.Role != RoleHR && viewer.Role != RoleAdmin) {
		return rec, errNoCertificate
	}
	scope, err := a.HRScope(ctx, viewer)
	if err != nil || scope == nil {
		return rec, err
	}
	holder, err := a.accounts.UserByID(ctx, rec.UserID)
	if err != nil || !slices.Contains(scope, holder.Department) {
		return rec, errNoCertificate
	}
	return rec, nil
}

// UserCertificates lists a person's certificates, newest first.
func (a *App) UserCertificates(ctx context.Context, userID int64) ([]Certificate, error) {
	return a.certs.UserCertificates(ctx, userID)
}

// RecentCertificates lists the newest certificates of everyone (for admins).
func (a *App) RecentCertificates(ctx context.Context, limit int) ([]Certificate, error) {
	return a.certs.RecentCertificates(ctx, limit)
}

// RevokedIndexes returns the status list positions of revoked certificates.
func (a *App) RevokedIndexes(ctx context.Context) ([]int, error) { return a.certs.RevokedIndexes(ctx) }
