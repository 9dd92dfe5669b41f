// Package sso is kipass's OpenID Connect relying party: its configuration
// (the --oidc-* flags), the sign-in transaction (authorization code flow with
// PKCE, state and nonce), the checks of the provider's answer, and the pure
// decision what a verified identity does to the accounts (create, link,
// update or refuse). It knows neither HTTP routing nor SQL: the web layer
// stores LoginTransaction values and calls RP.Begin and RP.Finish, the use
// cases apply the Decision that Decide returns.
package sso

import (
	"errors"
	"flag"
	"fmt"
	"net/mail"
	"net/url"
	"os"
	"slices"
	"strings"
	"unicode/utf8"
)

// Roles of an account; the same strings as the store's.
const (
	RoleEmployee = "employee"
	RoleHR       = "hr"
	RoleAdmin    = "admin"
)

// CallbackPath is where the provider sends the browser back; operators
// register {base-url}/auth/oidc/callback as the redirect URI.
const CallbackPath = "/auth/oidc/callback"

// LoginPath starts a sign-in at the provider.
const LoginPath = "/auth/oidc/login"

// DefaultScopes are requested when --oidc-scopes is not given.
var defaultScopes = []string{"openid", "email", "profile"}

// ClaimNames says under which claim names the provider sends each value.
// A name is looked up as a top-level claim first; if there is none and the
// name has dots, it is followed as a path into nested objects
// ("realm_access.roles"), so namespaced URL claims with dots still work.
type ClaimNames struct {
	Email         string
	EmailVerified string
	Name          string
	Department    string
	Groups        string
}

// DefaultClaimNames are the contract's defaults.
func DefaultClaimNames() ClaimNames {
	return ClaimNames{Email: "email", EmailVerified: "email_verified", Name: "name", Department: "department", Groups: "groups"}
}

// RoleMap maps provider groups to kipass roles. An empty RoleMap means roles
// are not managed by the provider: new accounts are employees and a
// sign-in leaves an existing account's role alone (so admins made on
// /admin are not demoted by a provider that sends no groups).
type RoleMap struct {
	HR    []string
	Admin []string
}

// Empty reports whether no group is mapped.
func (m RoleMap) Empty() bool { return len(m.HR) == 0 && len(m.Admin) == 0 }

// Role returns the role for a member of groups: admin wins over hr, anyone
// in neither is an employee. Group names compare exactly (Entra ID sends
// object ids, Keycloak paths such as "/kipass-hr").
func (m RoleMap) Role(groups []string) string {
	in := func(want []string) bool {
		for _, g := range groups {
			for _, w := range want {
				if g == w {
					return true
				}
			}
		}
		return false
	}
	switch {
	case in(m.Admin):
		return RoleAdmin
	case in(m.HR):
		return RoleHR
	}
	return RoleEmployee
}

// String renders the map in the flag's syntax.
func (m RoleMap) String() string {
	var parts []string
	for _, g := range m.HR {
		parts = append(parts, "hr="+g)
	}
	for _, g := range m.Admin {
		parts = append(parts, "admin="+g)
	}
	return strings.Join(parts, ",")
}

// maxGroupName bounds one group name in --oidc-roles and in claims.
const maxGroupName = 256

// ParseRoles parses --oidc-roles: comma-separated role=GROUP pairs, where
// role is hr or admin; a role may be named more than once to map several
// groups ("hr=personal,hr=hr-leads,admin=it-admins").
func ParseRoles(s string) (RoleMap, error) {
	var m RoleMap
	s = strings.TrimSpace(s)
	if s == "" {
		return m, nil
	}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		role, group, ok := strings.Cut(part, "=")
		role, group = strings.ToLower(strings.TrimSpace(role)), strings.TrimSpace(group)
		switch {
		case part == "":
			return RoleMap{}, fmt.Errorf("--oidc-roles %q: empty entry (give role=GROUP pairs separated by commas, e.g. hr=kipass-hr,admin=kipass-admins)", s)
		case !ok:
			return RoleMap{}, fmt.Errorf("--oidc-roles %q: %q has no '=' (give role=GROUP, e.g. hr=kipass-hr)", s, part)
		case group == "":
			return RoleMap{}, fmt.Errorf("--oidc-roles %q: role %q has no group after '='", s, role)
		case len(group) > maxGroupName || !utf8.ValidString(group):
			return RoleMap{}, fmt.Errorf("--oidc-roles %q: group for %q is not valid UTF-8 or longer than %d bytes", s, role, maxGroupName)
		}
		switch role {
		case RoleHR:
			m.HR = append(m.HR, group)
		case RoleAdmin:
			m.Admin = append(m.Admin, group)
		case RoleEmployee:
			return RoleMap{}, fmt.Errorf("--oidc-roles %q: employee is the role of everyone not in a mapped group and cannot be mapped; map hr and admin only", s)
		default:
			return RoleMap{}, fmt.Errorf("--oidc-roles %q: unknown role %q (only hr and admin can be mapped)", s, role)
		}
	}
	return m, nil
}

// Config is the checked single sign-on configuration.
type Config struct {
	// Enabled is false when no --oidc-issuer is given; the other fields
	// are then zero except PasswordLogin.
	Enabled bool
	// ProviderName is shown on the login page ("Sign in with ...").
	ProviderName string
	Issuer       string
	ClientID     string
	ClientSecret string
	// RedirectURL is {base-url}/auth/oidc/callback.
	RedirectURL string
	Scopes      []string
	Claims      ClaimNames
	Roles       RoleMap
	// PasswordLogin is false when --password-login=false: local passwords
	// work only for BreakGlassAdmin then.
	PasswordLogin bool
	// BreakGlassAdmin is the normalised email of the one admin who may use
	// a password while PasswordLogin is false; it never signs in through
	// the provider (see Decide).
	BreakGlassAdmin string
	// AllowedDomains, when not empty, are the only email domains that may
	// sign in through the provider (lower case). A multi-tenant provider
	// (a Google or Microsoft consumer account) can vouch for an address at
	// any domain; this keeps kipass to the organisation's own.
	AllowedDomains []string
	// RequireHostedDomain is set for Google with AllowedDomains: the ID
	// token's "hd" claim (the Workspace domain) must be one of them, since
	// a consumer Google account can carry a verified company address.
	RequireHostedDomain bool
}

// googleIssuer is Google's issuer; its ID tokens name the Workspace domain
// in "hd".
const googleIssuer = "https://accounts.google.com"

// PasswordAllowed reports whether an account may sign in with its local
// password: always while password login is on; otherwise only the
// break-glass admin's account, and only while it is an admin.
func (c Config) PasswordAllowed(email, role string) bool {
	if c.PasswordLogin {
		return true
	}
	return c.BreakGlassAdmin != "" && normalizeEmail(email) == c.BreakGlassAdmin && role == RoleAdmin
}

// Flags are the command-line settings; Register adds them to a FlagSet and
// Config checks them.
type Flags struct {
	Issuer           string
	ClientID         string
	ClientSecretFile string
	ProviderName     string
	Scopes           string
	Claims           ClaimNames
	Roles            string
	PasswordLogin    bool
	BreakGlassAdmin  string
	AllowedDomains   string
}

// Register adds the single sign-on flags to fs.
func (f *Flags) Register(fs *flag.FlagSet) {
	d := DefaultClaimNames()
	fs.StringVar(&f.Issuer, "oidc-issuer", "", "OpenID Connect issuer `URL` for single sign-on, e.g. https://login.microsoftonline.com/TENANT/v2.0 (default: none, passwords only)")
	fs.StringVar(&f.ClientID, "oidc-client-id", "", "client `ID` of kipass at the OpenID provider")
	fs.StringVar(&f.ClientSecretFile, "oidc-client-secret-file", "", "`file` holding the client secret")
	fs.StringVar(&f.ProviderName, "oidc-provider-name", "", "provider `name` on the login page's \"Sign in with ...\" button (default: the issuer's host)")
	fs.StringVar(&f.Scopes, "oidc-scopes", strings.Join(defaultScopes, ","), "`scopes` to request, separated by commas or spaces (openid is always added)")
	fs.StringVar(&f.Claims.Email, "oidc-claim-email", d.Email, "`claim` holding the email address")
	fs.StringVar(&f.Claims.EmailVerified, "oidc-claim-email_verified", d.EmailVerified, "`claim` saying the email address is verified (true or \"true\"); only verified emails link to existing accounts")
	fs.StringVar(&f.Claims.Name, "oidc-claim-name", d.Name, "`claim` holding the display name")
	fs.StringVar(&f.Claims.Department, "oidc-claim-department", d.Department, "`claim` holding the department")
	fs.StringVar(&f.Claims.Groups, "oidc-claim-groups", d.Groups, "`claim` holding the groups (a list of strings)")
	fs.StringVar(&f.Roles, "oidc-roles", "", "`mapping` of provider groups to roles, e.g. hr=kipass-hr,admin=kipass-admins (everyone else is an employee; default: roles are kept in kipass)")
	fs.BoolVar(&f.PasswordLogin, "password-login", true, "allow local passwords; false allows them only for --break-glass-admin")
	fs.StringVar(&f.AllowedDomains, "oidc-allowed-domains", "", "email `domains` that may sign in through the provider, separated by commas, e.g. example.com,example.de (default: any the provider vouches for; with Google the Workspace domain claim hd must match too)")
	fs.StringVar(&f.BreakGlassAdmin, "break-glass-admin", "", "`email` of the admin account that keeps its password when --password-login=false (for when the provider is down)")
}

// Config checks the flags and reads the client secret file. baseURL is the
// server's public base URL (no trailing slash needed).
func (f *Flags) Config(baseURL string) (Config, error) {
	c := Config{PasswordLogin: f.PasswordLogin}
	if f.BreakGlassAdmin != "" {
		c.BreakGlassAdmin = normalizeEmail(f.BreakGlassAdmin)
		if a, err := mail.ParseAddress(c.BreakGlassAdmin); err != nil || a.Address != c.BreakGlassAdmin {
			return Config{}, fmt.Errorf("--break-glass-admin %q is not an email address", f.BreakGlassAdmin)
		}
	}
	if f.Issuer == "" {
		for _, o := range []struct{ name, v string }{{"--oidc-client-id", f.ClientID}, {"--oidc-client-secret-file", f.ClientSecretFile}, {"--oidc-roles", f.Roles}, {"--oidc-provider-name", f.ProviderName}, {"--oidc-allowed-domains", f.AllowedDomains}} {
			if o.v != "" {
				return Config{}, fmt.Errorf("%s needs --oidc-issuer, the URL of the OpenID provider", o.name)
			}
		}
		if !f.PasswordLogin {
			return Config{}, errors.New("--password-login=false needs --oidc-issuer: without single sign-on nobody could sign in")
		}
		return c, nil
	}
	iss, err := url.Parse(f.Issuer)
	switch {
	case err != nil || iss.Host == "" || iss.User != nil || iss.RawQuery != "" || iss.Fragment != "":
		return Config{}, fmt.Errorf("--oidc-issuer %q is not an issuer URL; give it as the provider documents it, e.g. https://accounts.google.com", f.Issuer)
	case iss.Scheme != "https" && !(iss.Scheme == "http" && isLoopback(iss.Hostname())):
		return Config{}, fmt.Errorf("--oidc-issuer %q must use https (http only for localhost)", f.Issuer)
	}
	if f.ClientID == "" {
		return Config{}, errors.New("--oidc-issuer needs --oidc-client-id, the client ID that the provider gave kipass")
	}
	if f.ClientSecretFile == "" {
		return Config{}, errors.New("--oidc-issuer needs --oidc-client-secret-file, a file holding the client secret")
	}
	b, err := os.ReadFile(f.ClientSecretFile)
	if err != nil {
		return Config{}, fmt.Errorf("--oidc-client-secret-file: %v", err)
	}
	secret := strings.TrimSpace(string(b))
	if secret == "" {
		return Config{}, fmt.Errorf("--oidc-client-secret-file %s is empty", f.ClientSecretFile)
	}
	base, err := url.Parse(strings.TrimRight(baseURL, "/"))
	if err != nil || base.Host == "" || (base.Scheme != "https" && base.Scheme != "http") {
		return Config{}, fmt.Errorf("single sign-on needs the public base URL (--base-url) to build the redirect URI, got %q", baseURL)
	}
	scopes, err := parseScopes(f.Scopes)
	if err != nil {
		return Config{}, err
	}
	claims, err := checkClaims(f.Claims)
	if err != nil {
		return Config{}, err
	}
	roles, err := ParseRoles(f.Roles)
	if err != nil {
		return Config{}, err
	}
	domains, err := parseDomains(f.AllowedDomains)
	if err != nil {
		return Config{}, err
	}
	name := strings.TrimSpace(f.ProviderName)
	if name == "" {
		name = iss.Hostname()
	}
	if utf8.RuneCountInString(name) > 60 {
		return Config{}, fmt.Errorf("--oidc-provider-name is longer than 60 characters")
	}
	c.Enabled = true
	c.ProviderName = name
	c.Issuer = f.Issuer
	c.ClientID = f.ClientID
	c.ClientSecret = secret
	c.RedirectURL = base.Scheme + "://" + base.Host + strings.TrimRight(base.Path, "/") + CallbackPath
	c.Scopes = scopes
	c.Claims = claims
	c.Roles = roles
	c.AllowedDomains = domains
	c.RequireHostedDomain = len(domains) > 0 && strings.TrimRight(f.Issuer, "/") == googleIssuer
	return c, nil
}

// parseDomains reads --oidc-allowed-domains: domain names separated by
// commas or spaces, lower-cased, without duplicates.
func parseDomains(s string) ([]string, error) {
	var out []string
	for _, d := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' }) {
		d = strings.ToLower(strings.TrimPrefix(d, "@"))
		if !validDomain(d) {
			return nil, fmt.Errorf("--oidc-allowed-domains %q: %q is not a domain name such as example.com", s, d)
		}
		if !slices.Contains(out, d) {
			out = append(out, d)
		}
	}
	return out, nil
}

// validDomain accepts a DNS name of at least two labels of letters, digits
// and hyphens (internationalised domains in their xn-- form).
func validDomain(d string) bool {
	labels := strings.Split(d, ".")
	if len(d) > 253 || len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for _, r := range l {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
				return false
			}
		}
	}
	return true
}

// domainAllowed reports whether an identity may sign in under
// AllowedDomains: its email is verified and at an allowed domain, and the
// hosted domain claim, where required or sent, is allowed too.
func (c Config) domainAllowed(id Identity) bool {
	if len(c.AllowedDomains) == 0 {
		return true
	}
	_, domain, ok := strings.Cut(normalizeEmail(id.Email), "@")
	if !ok || !id.EmailVerified || !slices.Contains(c.AllowedDomains, domain) {
		return false
	}
	hd := strings.ToLower(strings.TrimSpace(id.HostedDomain))
	if hd == "" {
		return !c.RequireHostedDomain
	}
	return slices.Contains(c.AllowedDomains, hd)
}

func parseScopes(s string) ([]string, error) {
	scopes := []string{"openid"}
	for _, sc := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' }) {
		for _, r := range sc {
			// RFC 6749 3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
			if r < 0x21 || r == 0x22 || r == 0x5c || r > 0x7e {
				return nil, fmt.Errorf("--oidc-scopes %q: scope %q has a character that scopes cannot have", s, sc)
			}
		}
		dup := false
		for _, have := range scopes {
			dup = dup || have == sc
		}
		if !dup {
			scopes = append(scopes, sc)
		}
	}
	return scopes, nil
}

func checkClaims(c ClaimNames) (ClaimNames, error) {
	d := DefaultClaimNames()
	for _, n := range []struct {
		flag string
		v    *string
		def  string
	}{{"email", &c.Email, d.Email}, {"email_verified", &c.EmailVerified, d.EmailVerified}, {"name", &c.Name, d.Name}, {"department", &c.Department, d.Department}, {"groups", &c.Groups, d.Groups}} {
		*n.v = strings.TrimSpace(*n.v)
		if *n.v == "" {
			*n.v = n.def
		}
		if len(*n.v) > 256 || !utf8.ValidString(*n.v) || strings.HasPrefix(*n.v, ".") || strings.HasSuffix(*n.v, ".") {
			return ClaimNames{}, fmt.Errorf("--oidc-claim-%s %q is not a claim name", n.flag, *n.v)
		}
	}
	return c, nil
}

func isLoopback(host string) bool {
	return host == "localhost" || host == "::1" || strings.HasPrefix(host, "127.")
}

func normalizeEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }
