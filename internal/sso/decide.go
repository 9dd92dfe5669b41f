package sso

import (
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"

	"kipass/internal/errs"
)

// Identity is what a verified ID token (and, for claims it lacks, the
// userinfo endpoint) says about the person signing in.
type Identity struct {
	Issuer  string
	Subject string
	// Email is normalised (trimmed, lower case); "" when the provider sent
	// none.
	Email         string
	EmailVerified bool
	// Name is "" when the provider sent no name.
	Name string
	// Department is the claim's value; HasDepartment is false when the
	// claim was absent, so a provider that never sends it does not clear
	// the departments kept in kipass.
	Department    string
	HasDepartment bool
	Groups        []string
	// HostedDomain is Google's "hd" claim (the Workspace domain); "" when
	// the provider sent none.
	HostedDomain string
}

// Account is what the store holds about an existing account, as far as the
// sign-in decision needs it.
type Account struct {
	ID         int64
	Email      string
	Name       string
	Department string
	Role       string
	Active     bool
	// Issuer and Subject are the provider identity stored at the first
	// sign-in through the provider; both "" when there was none.
	Issuer  string
	Subject string
}

// Known is what the store found for an Identity: the account whose stored
// issuer and subject equal the identity's, and the account whose email
// equals the identity's email. Either may be nil, both may be the same.
type Known struct {
	BySubject *Account
	ByEmail   *Account
}

// Action is what a sign-in does to the accounts.
type Action string

// The actions of a Decision.
const (
	// Create a new account (just in time) bound to the identity.
	Create Action = "create"
	// Link the existing account found by verified email to the identity,
	// then update it.
	Link Action = "link"
	// Update the account found by subject.
	Update Action = "update"
)

// Decision is what to write for a sign-in that is allowed. For Create,
// AccountID is 0 and Email is the new account's; for Link and Update the
// account keeps its email (a changed email at the provider does not move
// the account), and Name, Department and Role are its values after the
// sign-in.
type Decision struct {
	Action     Action
	AccountID  int64
	Email      string
	Name       string
	Department string
	Role       string
	Issuer     string
	Subject    string
	// Changed lists what differs from the stored account ("subject",
	// "name", "department", "role"), for the audit log; every field for
	// Create.
	Changed []string
}

// Codes of refused sign-ins, in errs.Error values of kind Forbidden (or
// Invalid for unusable claims).
const (
	CodeDeactivated     = "oidc_account_deactivated"
	CodeEmailUnverified = "oidc_email_unverified"
	CodeSubjectMismatch = "oidc_subject_mismatch"
	CodeBreakGlass      = "oidc_break_glass_account"
	CodeEmailMissing    = "oidc_email_missing"
	CodeInvalidIdentity = "oidc_invalid_identity"
	CodeInvalidName     = "invalid_name"
	CodeDomainRefused   = "oidc_domain_not_allowed"
)

// Name and department length limits in characters, as for registration.
const (
	maxName       = 100
	maxDepartment = 100
)

// Decide says what a verified identity does to the accounts, given what the
// store found. It is pure: the caller looks the accounts up, and applies the
// decision in one transaction (re-checking that nothing changed in between).
//
// The rules: an account bound to the identity is updated unless it is
// deactivated. Otherwise an account with the same email is linked only when
// the provider verified the email and the account is bound to no other
// identity (no takeover). With neither, a new account is created. The
// break-glass admin never signs in through the provider, so a compromised
// provider cannot take that account over. Roles follow the groups when
// --oidc-roles maps any; otherwise they stay as kept in kipass.
func (c Config) Decide(id Identity, k Known) (Decision, error) {
	if id.Subject == "" || id.Issuer == "" || len(id.Subject) > 255 {
		return Decision{}, errs.New(errs.Invalid, CodeInvalidIdentity, "The identity provider sent no usable subject.")
	}
	if !c.domainAllowed(id) {
		// Checked before the account lookup's outcome, so an account that
		// exists does not sign in from a foreign domain either.
		return Decision{}, errs.New(errs.Forbidden, CodeDomainRefused,
			"This sign-in is not from your organisation's accounts. Sign in with your work account, or ask the administrator.")
	}
	email := normalizeEmail(id.Email)
	name, dept, err := cleanProfile(id.Name, id.Department)
	if err != nil {
		return Decision{}, err
	}
	if acc := k.BySubject; acc != nil {
		if c.isBreakGlass(acc.Email) {
			return Decision{}, breakGlass()
		}
		if !acc.Active {
			return Decision{}, deactivated()
		}
		return c.update(Update, acc, id, name, dept), nil
	}
	if email == "" {
		return Decision{}, errs.New(errs.Invalid, CodeEmailMissing, "The identity provider sent no email address; kipass needs one for the account.")
	}
	if why := checkEmail(email); why != "" {
		return Decision{}, errs.New(errs.Invalid, CodeInvalidIdentity, "The identity provider sent an email address that is not valid.")
	}
	if c.isBreakGlass(email) {
		return Decision{}, breakGlass()
	}
	if acc := k.ByEmail; acc != nil {
		if !id.EmailVerified {
			return Decision{}, errs.New(errs.Forbidden, CodeEmailUnverified,
				"An account with this email exists, but the identity provider has not verified the email, so it is not linked. Ask the provider's administrator to verify it.")
		}
		if acc.Subject != "" || acc.Issuer != "" {
			return Decision{}, errs.New(errs.Forbidden, CodeSubjectMismatch,
				"The account with this email belongs to another identity at the provider. An administrator must unlink it first.")
		}
		if !acc.Active {
			return Decision{}, deactivated()
		}
		return c.update(Link, acc, id, name, dept), nil
	}
	if name == "" {
		// The email's local part beats an empty name on certificates; the
		// person can correct it at the provider.
		name, _, _ = strings.Cut(email, "@")
	}
	role := RoleEmployee
	if !c.Roles.Empty() {
		role = c.Roles.Role(id.Groups)
	}
	return Decision{Action: Create, Email: email, Name: name, Department: dept, Role: role, Issuer: id.Issuer, Subject: id.Subject,
		Changed: []string{"subject", "name", "department", "role"}}, nil
}

func (c Config) update(action Action, acc *Account, id Identity, name, dept string) Decision {
	d := Decision{Action: action, AccountID: acc.ID, Email: acc.Email, Name: acc.Name, Department: acc.Department, Role: acc.Role,
		Issuer: id.Issuer, Subject: id.Subject}
	if action == Link {
		d.Changed = append(d.Changed, "subject")
	}
	if name != "" && name != acc.Name {
		d.Name = name
		d.Changed = append(d.Changed, "name")
	}
	if id.HasDepartment && dept != acc.Department {
		d.Department = dept
		d.Changed = append(d.Changed, "department")
	}
	if !c.Roles.Empty() {
		if r := c.Roles.Role(id.Groups); r != acc.Role {
			d.Role = r
			d.Changed = append(d.Changed, "role")
		}
	}
	return d
}

func (c Config) isBreakGlass(email string) bool {
	return c.BreakGlassAdmin != "" && normalizeEmail(email) == c.BreakGlassAdmin
}

func deactivated() error {
	return errs.New(errs.Forbidden, CodeDeactivated, "This account is deactivated.")
}

func breakGlass() error {
	return errs.New(errs.Forbidden, CodeBreakGlass, "This is the break-glass admin account; it signs in with its password only.")
}

// cleanProfile cleans the name and department as registration does and
// refuses values that registration refuses (too long, bidi controls or
// invisible format characters, which could make a certificate show another
// name than the one stored).
func cleanProfile(name, dept string) (string, string, error) {
	name, dept = cleanText(name), cleanText(dept)
	for _, f := range []struct {
		v   string
		max int
	}{{name, maxName}, {dept, maxDepartment}} {
		if utf8.RuneCountInString(f.v) > f.max || strings.IndexFunc(f.v, func(r rune) bool { return unicode.Is(unicode.Cf, r) }) >= 0 {
			return "", "", errs.New(errs.Invalid, CodeInvalidName,
				"The name or department that the identity provider sent is too long or has invisible characters; ask its administrator to correct it.")
		}
	}
	return name, dept, nil
}

// cleanText turns control characters and invalid UTF-8 into spaces and
// collapses whitespace.
func cleanText(s string) string {
	s = strings.ToValidUTF8(s, " ")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

func checkEmail(email string) string {
	if len(email) > 254 {
		return "too_long"
	}
	a, err := mail.ParseAddress(email)
	if err != nil || a.Address != email || a.Name != "" || strings.IndexFunc(email, func(r rune) bool { return unicode.IsControl(r) || unicode.IsSpace(r) }) >= 0 {
		return "invalid_email"
	}
	return ""
}
