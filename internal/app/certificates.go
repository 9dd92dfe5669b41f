package app

import (
	"context"
	"regexp"
	"strings"
	"time"

	"kipass/courses"
	"kipass/internal/errs"
)

// RenewWindow is how long before a certificate expires a new pass issues a
// new certificate; before that, a pass keeps the current one.
const RenewWindow = 60 * 24 * time.Hour

var certIDPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{16,64}$`)

var errNoCertificate = errs.New(errs.NotFound, "not_found", "No such certificate.")

// ValidCertificateID reports whether id has the shape of a certificate id.
func ValidCertificateID(id string) bool { return certIDPattern.MatchString(id) }

// Issuance is the decision about the certificate of a passed exam.
type Issuance struct {
	ID      string          // the certificate the pass stands on: New's, or the kept one
	New     *NewCertificate // nil: the current certificate is kept
	Current string          // the holder's current certificate the decision rests on ("": none)
}

// IssueCertificate decides what a passed exam at time now issues: a new
// certificate valid for the course's ValidityMonths, unless the holder has
// an unrevoked one that runs longer than RenewWindow; that one is kept.
// Submit records the decision with the pass in one transaction.
func (a *App) IssueCertificate(ctx context.Context, holder User, co *courses.Course, exam Attempt, now time.Time) (Issuance, error) {
	cur, err := a.certs.CurrentCertificate(ctx, holder.ID, co.ID)
	if err != nil {
		return Issuance{}, err
	}
	return decideCertificate(cur, holder, co, exam, now), nil
}

// decideCertificate is IssueCertificate's rule, without I/O.
func decideCertificate(cur Certificate, holder User, co *courses.Course, exam Attempt, now time.Time) Issuance {
	if KeepsCertificate(cur, now) {
		return Issuance{ID: cur.ID, Current: cur.ID}
	}
	nc := &NewCertificate{ID: newID(), HolderName: holder.Name, ContentVersion: exam.ContentVersion, Lang: exam.Lang,
		IssuedAt: now, ExpiresAt: now.AddDate(0, co.ValidityMonths, 0)}
	return Issuance{ID: nc.ID, New: nc, Current: cur.ID}
}

// KeepsCertificate reports whether a pass at now keeps cur instead of
// issuing a new certificate (the renewal rule of IssueCertificate).
func KeepsCertificate(cur Certificate, now time.Time) bool {
	return cur.ID != "" && !cur.Revoked() && cur.ExpiresAt.After(now.Add(RenewWindow))
}

// Revoke revokes a certificate with a reason (1 to 500 bytes), on behalf
// of an admin. Revoking twice keeps the first time and reason.
func (a *App) Revoke(ctx context.Context, by User, id, reason string) error {
	if by.Role != RoleAdmin {
		return errs.New(errs.Forbidden, "forbidden", "You are not allowed to do this.")
	}
	reason = strings.TrimSpace(reason)
	if reason == "" || len(reason) > 500 {
		return errs.Field("reason", "required")
	}
	if !ValidCertificateID(id) {
		return errNoCertificate
	}
	return a.certs.RevokeCertificate(ctx, id, reason, Actor{ID: by.ID, Role: by.Role})
}
