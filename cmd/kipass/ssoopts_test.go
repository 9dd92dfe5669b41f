package main

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"kipass/internal/sso/ssotest"
)

func TestServeSSOOptions(t *testing.T) {
	secret := filepath.Join(t.TempDir(), "secret")
	os.WriteFile(secret, []byte("s3cret\n"), 0o600)
	for _, tc := range []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"--password-login=false"}, nil, "--password-login=false needs --oidc-issuer"},
		{[]string{"--oidc-client-id", "kipass"}, nil, "--oidc-client-id needs --oidc-issuer"},
		{[]string{"--oidc-issuer", "http://idp.example.com", "--oidc-client-id", "k", "--oidc-client-secret-file", secret}, nil, "must use https"},
		{[]string{"--oidc-issuer", "https://idp.example.com", "--oidc-client-id", "k"}, nil, "--oidc-client-secret-file"},
		{[]string{"--oidc-issuer", "https://idp.example.com", "--oidc-client-id", "k", "--oidc-client-secret-file", secret, "--oidc-roles", "boss=x"}, nil, "unknown role"},
		{nil, map[string]string{"KIPASS_OIDC_ISSUER": "https://idp.example.com", "KIPASS_OIDC_CLIENT_ID": "k"}, "--oidc-client-secret-file"},
		{[]string{"--scim-roles", "hr"}, nil, "--scim-roles"},
	} {
		code, _, errOut := runCmdEnv(t, tc.env, append([]string{"serve", "--addr", "127.0.0.1:0", "--data", t.TempDir()}, tc.args...)...)
		if code != 1 || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v %v: %d %q", tc.args, tc.env, code, errOut)
		}
	}

	// With --password-login=false self-registration is off, and only the
	// break-glass admin's password works.
	p := ssotest.Start(t)
	s := startServer(t, nil, "--data", t.TempDir(), "--oidc-issuer", p.URL, "--oidc-client-id", ssotest.ClientID,
		"--oidc-client-secret-file", ssotest.SecretFile(t), "--password-login=false", "--break-glass-admin", "root@example.com")
	res, err := http.Post(s.url+"/api/v1/register", "application/json", strings.NewReader(`{"name":"Erika","email":"erika@example.com","password":"correct horse battery"}`))
	if err != nil || res.StatusCode != 403 {
		t.Fatalf("registration with passwords off: %v %v", res, err)
	}
	res.Body.Close()
}

// runCmdEnv runs a command with KIPASS_* variables.
func runCmdEnv(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb syncBuffer
	err := run(t.Context(), append([]string{"kipass"}, args...), envFrom(env), strings.NewReader(""), &out, &errb)
	return exitCode(err), out.String(), errb.String()
}
