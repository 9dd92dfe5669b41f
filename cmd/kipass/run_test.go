package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"kipass/internal/store"
)

// syncBuffer is a goroutine-safe output capture.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func envFrom(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// server is a kipass serve process run in-process through run().
type server struct {
	url, setup     string
	stdout, stderr *syncBuffer
	stop           func() error
}

var urlLine = regexp.MustCompile(`running at (\S+) `)
var setupLine = regexp.MustCompile(`(http\S+/setup\?token=\S+)`)

// startServer runs `kipass serve` on port 0 with args and waits until it
// prints its URL.
func startServer(t *testing.T, getenv map[string]string, args ...string) *server {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s := &server{stdout: &syncBuffer{}, stderr: &syncBuffer{}}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, append([]string{"kipass", "serve", "--addr", "127.0.0.1:0"}, args...), envFrom(getenv), strings.NewReader(""), s.stdout, s.stderr)
	}()
	var once sync.Once
	var result error
	s.stop = func() error {
		once.Do(func() { cancel(); result = <-done })
		return result
	}
	t.Cleanup(func() { s.stop() })
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if m := urlLine.FindStringSubmatch(s.stdout.String()); m != nil {
			s.url = m[1]
			if m := setupLine.FindStringSubmatch(s.stdout.String()); m != nil {
				s.setup = m[1]
			}
			return s
		}
		select {
		case err := <-done:
			t.Fatalf("serve exited early: %v\n%s", err, s.stderr.String())
		case <-time.After(10 * time.Millisecond):
		}
	}
	t.Fatalf("no URL printed; stdout %q stderr %q", s.stdout.String(), s.stderr.String())
	return nil
}

func TestServeEndToEnd(t *testing.T) {
	data := t.TempDir()
	s := startServer(t, nil, "--data", data)
	if s.setup == "" {
		t.Fatalf("no setup link printed: %s", s.stdout.String())
	}
	res, err := http.Get(s.url + "/healthz")
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("healthz: %v %v", res, err)
	}
	body := `{"name":"Erika","email":"erika@example.com","password":"correct horse battery"}`
	res, err = http.Post(s.url+"/api/v1/register", "application/json", strings.NewReader(body))
	if err != nil || res.StatusCode != 201 {
		t.Fatalf("register: %v %v", res, err)
	}
	if err := s.stop(); err != nil {
		t.Fatalf("clean shutdown returned %v", err)
	}
	if _, err := os.Stat(filepath.Join(data, "kipass.db")); err != nil {
		t.Fatal(err)
	}

	// After a restart the account and a new session work; the old setup
	// link was replaced by a new one since there is still no admin.
	s2 := startServer(t, nil, "--data", data)
	if s2.setup == "" || s2.setup == s.setup {
		t.Fatalf("setup link not renewed: %q", s2.setup)
	}
	res, err = http.Post(s2.url+"/api/v1/login", "application/json", strings.NewReader(`{"email":"erika@example.com","password":"correct horse battery"}`))
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("login after restart: %v %v", res, err)
	}
	// Logs never carry the email address.
	if strings.Contains(s2.stderr.String()+s.stderr.String(), "erika") {
		t.Fatal("log contains personal data")
	}
}

func TestServeConfigErrors(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	os.WriteFile(file, []byte("x"), 0o600)
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	for _, tc := range []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"bad base url", []string{"--base-url", "ftp://x"}, nil, "--base-url"},
		{"base url without host", []string{"--base-url", "https://"}, nil, "no host"},
		{"base url from env", nil, map[string]string{"KIPASS_BASE_URL": "nonsense"}, "--base-url"},
		{"data dir is a file", []string{"--data", file}, nil, "choose another with --data"},
		{"port in use", []string{"--addr", busy.Addr().String(), "--data", t.TempDir()}, nil, "choose another address with --addr"},
		{"bad proxy", []string{"--trusted-proxies", "proxy.example", "--data", t.TempDir()}, nil, "--trusted-proxies"},
		{"unknown flag", []string{"--nope"}, nil, "flag provided but not defined"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb syncBuffer
			err := run(context.Background(), append([]string{"kipass", "serve"}, tc.args...), envFrom(tc.env), strings.NewReader(""), &out, &errb)
			if code := exitCode(err); code == 0 {
				t.Fatalf("exit 0, want failure")
			}
			if !strings.Contains(errb.String(), tc.want) {
				t.Fatalf("stderr %q lacks %q", errb.String(), tc.want)
			}
			if lines := strings.Count(strings.TrimSpace(errb.String()), "\n"); tc.name != "unknown flag" && lines > 0 {
				t.Fatalf("want one line, got %q", errb.String())
			}
		})
	}
}

func TestFlagsFromEnvironment(t *testing.T) {
	data := t.TempDir()
	s := startServer(t, map[string]string{"KIPASS_DATA": data, "KIPASS_REGISTRATION": "false", "KIPASS_BASE_URL": "https://kipass.example.com/"})
	if s.url != "https://kipass.example.com" {
		t.Fatalf("base url %q", s.url)
	}
	if !strings.HasPrefix(s.setup, "https://kipass.example.com/setup?token=") {
		t.Fatalf("setup link %q", s.setup)
	}
	if _, err := os.Stat(filepath.Join(data, "kipass.db")); err != nil {
		t.Fatal("KIPASS_DATA ignored")
	}
}

func TestRegistrationFlagOff(t *testing.T) {
	s := startServer(t, nil, "--data", t.TempDir(), "--registration=false")
	addr := strings.TrimPrefix(s.url, "http://")
	res, err := http.Post("http://"+addr+"/api/v1/register", "application/json",
		strings.NewReader(`{"name":"E","email":"e@example.com","password":"correct horse battery"}`))
	if err != nil || res.StatusCode != 403 {
		t.Fatalf("%v %v", res, err)
	}
}

func TestAdminCreate(t *testing.T) {
	data := t.TempDir()
	create := func(stdin string, args ...string) (int, string, string) {
		var out, errb syncBuffer
		err := run(context.Background(), append([]string{"kipass", "admin", "create", "--data", data}, args...), envFrom(nil), strings.NewReader(stdin), &out, &errb)
		return exitCode(err), out.String(), errb.String()
	}
	code, out, errOut := create("admin password 1\n", "--email", "Ada@Example.com", "--name", "Ada Admin", "--role", "admin", "--password-stdin")
	if code != 0 || !strings.Contains(out, "created admin account") {
		t.Fatalf("create: %d %q %q", code, out, errOut)
	}
	if code, _, errOut = create("other password 1\n", "--email", "ada@example.com", "--name", "Ada", "--role", "hr", "--password-stdin"); code != 1 || !strings.Contains(errOut, "exists already") {
		t.Fatalf("duplicate: %d %q", code, errOut)
	}
	if code, _, errOut = create("short\n", "--email", "b@example.com", "--name", "B", "--role", "hr", "--password-stdin"); code != 1 || !strings.Contains(errOut, "password: too_short") {
		t.Fatalf("short password: %d %q", code, errOut)
	}
	if code, _, _ = create("x\n", "--email", "b@example.com", "--name", "B", "--role", "boss", "--password-stdin"); code != 2 {
		t.Fatalf("bad role: %d", code)
	}
	if code, _, _ = create("", "--email", "b@example.com", "--name", "B", "--role", "hr"); code != 2 {
		t.Fatalf("no --password-stdin: %d", code)
	}
	// Role hr: --department sets the scope, --hr-departments overrides it,
	// "*" or neither means every department, and the scope is printed.
	db := func() *store.DB {
		t.Helper()
		d, err := store.Open(context.Background(), data)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d.Close() })
		return d
	}
	scopes := []struct {
		args  []string
		want  []string
		print string
	}{
		{[]string{"--department", "Vertrieb"}, []string{"Vertrieb"}, "HR scope: Vertrieb\n"},
		{[]string{"--department", "Personal", "--hr-departments", "Vertrieb, Lager,Vertrieb"}, []string{"Lager", "Vertrieb"}, "HR scope: Vertrieb, Lager\n"},
		{[]string{"--department", "Personal", "--hr-departments", "*"}, nil, "HR scope: every department"},
		{nil, nil, "HR scope: every department"},
	}
	for i, sc := range scopes {
		email := fmt.Sprintf("hr%d@example.com", i)
		code, out, errOut := create("hr password 123\n", append([]string{"--email", email, "--name", "Hanna", "--role", "hr", "--password-stdin"}, sc.args...)...)
		if code != 0 || !strings.Contains(out, sc.print) {
			t.Fatalf("hr %v: %d %q %q", sc.args, code, out, errOut)
		}
		d := db()
		u, err := d.UserByEmail(context.Background(), email)
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := d.HRDepartments(context.Background(), u.ID); !slices.Equal(got, sc.want) {
			t.Fatalf("hr %v: scope %v, want %v", sc.args, got, sc.want)
		}
		d.Close()
	}
	if code, _, _ = create("x password 123\n", "--email", "e@example.com", "--name", "E", "--role", "employee", "--hr-departments", "IT", "--password-stdin"); code != 2 {
		t.Fatalf("--hr-departments for an employee: %d", code)
	}
	if code, _, errOut = create("x password 123\n", "--email", "e@example.com", "--name", "E", "--role", "hr", "--hr-departments", "IT,\u202eTI", "--password-stdin"); code != 1 || !strings.Contains(errOut, "invalid_name") {
		t.Fatalf("bidi in --hr-departments: %d %q", code, errOut)
	}
	for _, bad := range []string{"--name", "--department"} {
		args := []string{"--email", "e@example.com", "--name", "E", "--role", "employee", "--password-stdin"}
		args = append(args, bad, "Ada\u202eecalevoL")
		if code, _, errOut = create("x password 123\n", args...); code != 1 || !strings.Contains(errOut, "invalid_name") {
			t.Fatalf("bidi in %s: %d %q", bad, code, errOut)
		}
	}

	var hout, herr syncBuffer
	if err := run(context.Background(), []string{"kipass", "admin", "create", "--help"}, envFrom(nil), strings.NewReader(""), &hout, &herr); exitCode(err) != 0 || !strings.Contains(herr.String(), "-password-stdin") {
		t.Fatalf("--help: %v %q", err, herr.String())
	}

	// With an admin present, serve prints no setup link, and the admin can log in.
	s := startServer(t, nil, "--data", data)
	if s.setup != "" || strings.Contains(s.stdout.String(), "setup?token") {
		t.Fatal("setup link printed although an admin exists")
	}
	res, err := http.Post(s.url+"/api/v1/login", "application/json", strings.NewReader(`{"email":"ada@example.com","password":"admin password 1"}`))
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("admin login: %v %v", res, err)
	}
	var tok struct{ Token string }
	json.NewDecoder(res.Body).Decode(&tok)
	req, _ := http.NewRequest("GET", s.url+"/api/v1/me", nil)
	req.Header.Set("Authorization", "Bearer "+tok.Token)
	res, _ = http.DefaultClient.Do(req)
	b, _ := io.ReadAll(res.Body)
	if !strings.Contains(string(b), `"role":"admin"`) {
		t.Fatalf("me: %s", b)
	}
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{{"kipass"}, {"kipass", "frobnicate"}, {"kipass", "admin"}} {
		var out, errb syncBuffer
		if code := exitCode(run(context.Background(), args, envFrom(nil), strings.NewReader(""), &out, &errb)); code != 2 {
			t.Errorf("%v: exit %d", args, code)
		}
	}
	var out, errb syncBuffer
	if code := exitCode(run(context.Background(), []string{"kipass", "serve", "--help"}, envFrom(nil), strings.NewReader(""), &out, &errb)); code != 0 ||
		!strings.Contains(errb.String(), "-base-url") {
		t.Errorf("serve --help: %d %q", code, errb.String())
	}
}
