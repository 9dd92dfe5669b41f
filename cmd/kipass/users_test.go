package main

import (
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestUsersImport(t *testing.T) {
	data := t.TempDir()
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.csv")
	os.WriteFile(bad, []byte("email;name;department;role\nok@example.com;Ok;IT;employee\nnope;X;;employee\nz@example.com;Z;;chief\nw@example.com;W\u202eW;IT;employee\n"), 0o600)
	code, out, errOut := runCmd(t, "users", "import", bad, "--data", data)
	if code != 1 || !strings.Contains(errOut, "bad.csv:3: email \"nope\"") || !strings.Contains(errOut, "bad.csv:4: role \"chief\"") ||
		!strings.Contains(errOut, "bad.csv:5: name contains invisible formatting or text-direction characters (invalid_name)") ||
		!strings.Contains(errOut, "nothing was imported") || out != "" {
		t.Fatalf("bad file: %d %q %q", code, out, errOut)
	}

	var b strings.Builder
	b.WriteString("\uFEFFemail;name;department;role\n")
	for i := range 2000 {
		fmt.Fprintf(&b, "person%d@example.com;Person %d;Abteilung %d;employee\n", i, i, i%7)
	}
	good := filepath.Join(dir, "staff.csv")
	os.WriteFile(good, []byte(b.String()), 0o600)
	invites := filepath.Join(dir, "invites.csv")
	code, _, errOut = runCmd(t, "users", "import", good, "--data", data, "--base-url", "https://kipass.example.com", "--invites", invites)
	if code != 0 || !strings.Contains(errOut, "2000 new") || !strings.Contains(errOut, "100% 2000/2000") {
		t.Fatalf("import: %d %q", code, errOut)
	}
	links, _ := os.ReadFile(invites)
	lines := strings.Split(strings.TrimSpace(string(links)), "\n")
	if len(lines) != 2001 || !strings.HasPrefix(lines[1], "person0@example.com,https://kipass.example.com/invite?token=") {
		t.Fatalf("invites: %d lines, %q", len(lines), lines[:2])
	}
	// Importing again updates and creates nothing new.
	if code, _, errOut = runCmd(t, "users", "import", good, "--data", data); code != 0 || !strings.Contains(errOut, "0 new") {
		t.Fatalf("re-import: %d %q", code, errOut)
	}

	// The invitation sets the password; then the person can log in.
	s := startServer(t, nil, "--data", data)
	token := lines[1][strings.Index(lines[1], "token=")+6:]
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Get(s.url + "/invite?token=" + token)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("invite page: %v %v", res, err)
	}
	var csrf *http.Cookie
	for _, c := range res.Cookies() {
		if c.Name == "kipass_csrf" {
			csrf = c
		}
	}
	form := url.Values{"_csrf": {csrf.Value}, "token": {token}, "password": {"my new password"}}
	req, _ := http.NewRequest("POST", s.url+"/invite", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(csrf)
	res, err = client.Do(req)
	if err != nil || res.StatusCode != 303 {
		t.Fatalf("set password: %v %v", res, err)
	}
	login(t, s.url, "person0@example.com", "my new password")
	// Without a password, an imported account cannot log in.
	if code, _ := apiCall(t, "POST", s.url+"/api/v1/login", "", map[string]string{"email": "person1@example.com", "password": ""}); code != 401 {
		t.Fatalf("login without password: %d", code)
	}
}
