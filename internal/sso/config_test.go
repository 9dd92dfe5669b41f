package sso

import (
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestParseRoles(t *testing.T) {
	tests := []struct {
		in      string
		want    RoleMap
		wantErr string
	}{
		{in: "", want: RoleMap{}},
		{in: "hr=kipass-hr,admin=kipass-admins", want: RoleMap{HR: []string{"kipass-hr"}, Admin: []string{"kipass-admins"}}},
		{in: " HR = /kipass-hr , hr=b ,admin=3f2a-guid", want: RoleMap{HR: []string{"/kipass-hr", "b"}, Admin: []string{"3f2a-guid"}}},
		{in: "hr=a=b", want: RoleMap{HR: []string{"a=b"}}},
		{in: "hr", wantErr: "has no '='"},
		{in: "hr=", wantErr: "no group"},
		{in: "hr=a,,admin=b", wantErr: "empty entry"},
		{in: "employee=all", wantErr: "cannot be mapped"},
		{in: "boss=ceo", wantErr: `unknown role "boss"`},
		{in: "hr=" + strings.Repeat("g", 300), wantErr: "longer than"},
		{in: "hr=\xff", wantErr: "UTF-8"},
	}
	for _, tt := range tests {
		got, err := ParseRoles(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseRoles(%q) error = %v, want %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParseRoles(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
		}
	}
}

func TestRoleMapRole(t *testing.T) {
	m := RoleMap{HR: []string{"hr"}, Admin: []string{"it"}}
	for _, tt := range []struct {
		groups []string
		want   string
	}{
		{nil, RoleEmployee},
		{[]string{"sales"}, RoleEmployee},
		{[]string{"hr"}, RoleHR},
		{[]string{"it"}, RoleAdmin},
		{[]string{"hr", "it"}, RoleAdmin},
		{[]string{"HR"}, RoleEmployee}, // exact match: ids and paths are case-sensitive
	} {
		if got := m.Role(tt.groups); got != tt.want {
			t.Errorf("Role(%v) = %s, want %s", tt.groups, got, tt.want)
		}
	}
}

func secretFile(t testing.TB, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func parse(t *testing.T, args ...string) (Config, error) {
	t.Helper()
	var f Flags
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	f.Register(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	return f.Config("https://kipass.example.com/")
}

func TestFlagsConfig(t *testing.T) {
	sec := secretFile(t, "s3cret\n")
	ok := []string{"--oidc-issuer", "https://idp.example.com/realms/acme", "--oidc-client-id", "kipass", "--oidc-client-secret-file", sec}

	c, err := parse(t, ok...)
	if err != nil {
		t.Fatal(err)
	}
	want := Config{Enabled: true, ProviderName: "idp.example.com", Issuer: "https://idp.example.com/realms/acme", ClientID: "kipass",
		ClientSecret: "s3cret", RedirectURL: "https://kipass.example.com/auth/oidc/callback", Scopes: []string{"openid", "email", "profile"},
		Claims: DefaultClaimNames(), PasswordLogin: true}
	if !reflect.DeepEqual(c, want) {
		t.Errorf("defaults:\n got %+v\nwant %+v", c, want)
	}

	c, err = parse(t, append(ok, "--oidc-scopes", "email groups, profile", "--oidc-claim-groups", "realm_access.roles",
		"--oidc-claim-email_verified", "xms_edov", "--oidc-claim-department", "dept", "--oidc-roles", "hr=kipass-hr,admin=kipass-admins",
		"--password-login=false", "--break-glass-admin", " Root@Example.com ", "--oidc-provider-name", "Acme Keycloak")...)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(c.Scopes, []string{"openid", "email", "groups", "profile"}) || c.Claims.Groups != "realm_access.roles" ||
		c.Claims.EmailVerified != "xms_edov" || c.Claims.Department != "dept" || c.Claims.Email != "email" ||
		c.Roles.Role([]string{"kipass-hr"}) != RoleHR || c.PasswordLogin || c.BreakGlassAdmin != "root@example.com" || c.ProviderName != "Acme Keycloak" {
		t.Errorf("flags not applied: %+v", c)
	}

	bad := []struct {
		args []string
		want string
	}{
		{[]string{"--oidc-client-id", "x"}, "--oidc-client-id needs --oidc-issuer"},
		{[]string{"--password-login=false"}, "nobody could sign in"},
		{[]string{"--oidc-issuer", "http://idp.example.com", "--oidc-client-id", "x", "--oidc-client-secret-file", sec}, "must use https"},
		{[]string{"--oidc-issuer", "idp.example.com", "--oidc-client-id", "x", "--oidc-client-secret-file", sec}, "not an issuer URL"},
		{[]string{"--oidc-issuer", "https://idp.example.com"}, "needs --oidc-client-id"},
		{[]string{"--oidc-issuer", "https://idp.example.com", "--oidc-client-id", "x"}, "needs --oidc-client-secret-file"},
		{[]string{"--oidc-issuer", "https://idp.example.com", "--oidc-client-id", "x", "--oidc-client-secret-file", "/nonexistent/secret"}, "no such file"},
		{[]string{"--oidc-issuer", "https://idp.example.com", "--oidc-client-id", "x", "--oidc-client-secret-file", secretFile(t, "\n")}, "is empty"},
		{append(ok, "--oidc-roles", "hr"), "has no '='"},
		{append(ok, "--oidc-scopes", "openid,\"x"), "cannot have"},
		{append(ok, "--oidc-claim-groups", ".groups"), "not a claim name"},
		{append(ok, "--break-glass-admin", "not an email"), "not an email address"},
		{append(ok, "--oidc-allowed-domains", "example.com,localhost"), "not a domain name"},
		{append(ok, "--oidc-allowed-domains", "exa mple.com;x"), "not a domain name"},
		{[]string{"--oidc-allowed-domains", "example.com"}, "--oidc-allowed-domains needs --oidc-issuer"},
	}
	for _, b := range bad {
		if _, err := parse(t, b.args...); err == nil || !strings.Contains(err.Error(), b.want) {
			t.Errorf("%v: error = %v, want %q", b.args, err, b.want)
		}
	}

	c, err = parse(t, append(ok, "--oidc-allowed-domains", "Example.com, @example.de,example.com")...)
	if err != nil || !reflect.DeepEqual(c.AllowedDomains, []string{"example.com", "example.de"}) || c.RequireHostedDomain {
		t.Errorf("allowed domains: %+v, %v", c.AllowedDomains, err)
	}
	if c, err := parse(t, "--oidc-issuer", "https://accounts.google.com", "--oidc-client-id", "x", "--oidc-client-secret-file", sec,
		"--oidc-allowed-domains", "example.com"); err != nil || !c.RequireHostedDomain {
		t.Errorf("google with allowed domains: hd not required (%v)", err)
	}

	// http is fine for a provider on this machine (tests, a local Keycloak).
	if _, err := parse(t, "--oidc-issuer", "http://127.0.0.1:9000", "--oidc-client-id", "x", "--oidc-client-secret-file", sec); err != nil {
		t.Errorf("loopback http issuer: %v", err)
	}
	// Without an issuer single sign-on is off and passwords stay on.
	if c, err := parse(t); err != nil || c.Enabled || !c.PasswordLogin {
		t.Errorf("no flags: %+v, %v", c, err)
	}
}

func TestPasswordAllowed(t *testing.T) {
	on := Config{PasswordLogin: true}
	off := Config{PasswordLogin: false, BreakGlassAdmin: "root@example.com"}
	for _, tt := range []struct {
		c           Config
		email, role string
		want        bool
	}{
		{on, "anyone@example.com", RoleEmployee, true},
		{off, "anyone@example.com", RoleAdmin, false},
		{off, "ROOT@example.com", RoleAdmin, true},
		{off, "root@example.com", RoleHR, false}, // demoted: the password no longer works
		{Config{}, "root@example.com", RoleAdmin, false},
	} {
		if got := tt.c.PasswordAllowed(tt.email, tt.role); got != tt.want {
			t.Errorf("%+v.PasswordAllowed(%s, %s) = %v", tt.c, tt.email, tt.role, got)
		}
	}
}
