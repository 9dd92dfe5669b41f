package web

import (
	"bytes"
	"context"
	"html"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"kipass/certificates"
	"kipass/courses"
	kapp "kipass/internal/app"
	"kipass/internal/auth"
	"kipass/internal/sso"
	"kipass/internal/sso/ssotest"
	"kipass/internal/store"
)

// ssoSite is kipass with single sign-on against the real provider of
// ssotest, on a real listener, driven by an HTTP client with a cookie jar
// as a browser would.
type ssoSite struct {
	t    testing.TB
	url  string
	db   *store.DB
	p    *ssotest.Provider
	logs *bytes.Buffer
}

func startSSOSite(t testing.TB, mutate func(*sso.Flags)) *ssoSite {
	t.Helper()
	p := ssotest.Start(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	p.SetRedirect(base+sso.CallbackPath, base+"/")
	f := sso.Flags{Issuer: p.URL, ClientID: ssotest.ClientID, ClientSecretFile: ssotest.SecretFile(t), ProviderName: "Test IdP",
		Scopes: "openid,email,profile", Claims: sso.DefaultClaimNames(), Roles: "hr=kipass-hr,admin=kipass-admins", PasswordLogin: true}
	if mutate != nil {
		mutate(&f)
	}
	cfg, err := f.Config(base)
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	logs := &bytes.Buffer{}
	log := slog.New(slog.NewTextHandler(logs, nil))
	rp, err := sso.NewRP(cfg, sso.Options{Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	cat := realCatalog(t)
	ks, err := certificates.OpenKeyStore(filepath.Join(t.TempDir(), "keys"), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	uc := kapp.New(kapp.Deps{Config: kapp.Config{Registration: true}, Attempts: db, Certificates: db, Accounts: db, Reports: db, Assignments: db,
		Audit: db, Sessions: db, Tokens: db, Directory: db, Hasher: auth.NewHasher(auth.Params{Memory: 64, Time: 1, Threads: 1}, 2),
		Catalog: func() *courses.Catalog { return cat }})
	bu, _ := url.Parse(base)
	srv, err := NewServer(Deps{Config: Config{BaseURL: bu}, App: uc, SignOn: uc.SignOn(db, cfg), RP: rp, Logger: log,
		Catalog: func() *courses.Catalog { return cat }, Signer: &Signer{Keys: func() *certificates.KeyStore { return ks }, Issuer: certificates.Issuer{Name: "Muster GmbH", URL: base}}})
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Shutdown(time.Second) })
	return &ssoSite{t: t, url: base, db: db, p: p, logs: logs}
}

// browser returns a client with a cookie jar that follows redirects.
func (s *ssoSite) browser() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Timeout: 20 * time.Second}
}

type page struct {
	status int
	url    *url.URL
	body   string
}

func (s *ssoSite) get(c *http.Client, u string) page {
	s.t.Helper()
	res, err := c.Get(u)
	if err != nil {
		s.t.Fatalf("GET %s: %v", u, err)
	}
	return readPage(s.t, res)
}

func (s *ssoSite) post(c *http.Client, u string, form url.Values) page {
	s.t.Helper()
	res, err := c.PostForm(u, form)
	if err != nil {
		s.t.Fatalf("POST %s: %v", u, err)
	}
	return readPage(s.t, res)
}

func readPage(t testing.TB, res *http.Response) page {
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return page{status: res.StatusCode, url: res.Request.URL, body: html.UnescapeString(string(b))}
}

// signIn starts at kipass's "Sign in with" link and signs in at the
// provider's login form; it returns the page kipass ends on.
func (s *ssoSite) signIn(c *http.Client, next, username string) page {
	s.t.Helper()
	login := s.get(c, s.url+"/login?next="+url.QueryEscape(next))
	m := regexp.MustCompile(`href="(/auth/oidc/login[^"]*)">Anmelden mit Test IdP<`).FindStringSubmatch(login.body)
	if m == nil {
		s.t.Fatalf("no sign-in button on the login page:\n%s", login.body)
	}
	atProvider := s.get(c, s.url+m[1])
	id := atProvider.url.Query().Get("authRequestID")
	if id == "" || !strings.HasPrefix(atProvider.url.String(), s.p.URL) {
		s.t.Fatalf("not at the provider's login form: %s %d", atProvider.url, atProvider.status)
	}
	return s.post(c, s.p.URL+"/login/username", url.Values{"id": {id}, "username": {username}, "password": {ssotest.Password}})
}

func csrfOf(t *testing.T, body string) string {
	t.Helper()
	m := regexp.MustCompile(`name="_csrf" value="([^"]+)"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no CSRF field on the page")
	}
	return m[1]
}

func TestOIDCSignInEmployeeHRAndLogout(t *testing.T) {
	s := startSSOSite(t, nil)
	ctx := context.Background()
	s.p.AddUser(ssotest.User{ID: "u-erika", Username: "erika", First: "Erika", Last: "Mustermann", Email: "erika@example.com", EmailVerified: true, Department: "Vertrieb"})
	s.p.AddUser(ssotest.User{ID: "u-hanna", Username: "hanna", First: "Hanna", Last: "Personal", Email: "hanna@example.com", EmailVerified: true,
		Department: "Personal", Groups: []string{"staff", "kipass-hr"}})

	// An employee: created just in time with the department from the
	// claim, and sent on to where she wanted to go.
	erika := s.browser()
	me := s.signIn(erika, "/me", "erika")
	if me.status != 200 || me.url.Path != "/me" || !strings.Contains(me.body, "Erika Mustermann") || !strings.Contains(me.body, "Vertrieb") {
		t.Fatalf("after sign-in: %d %s\n%s", me.status, me.url, me.body)
	}
	u, err := s.db.UserByEmail(ctx, "erika@example.com")
	if err != nil || u.Role != kapp.RoleEmployee || u.Department != "Vertrieb" || u.PasswordHash != "" {
		t.Fatalf("account %+v %v", u, err)
	}

	// HR through the group; the HR page opens.
	hanna := s.browser()
	s.signIn(hanna, "/", "hanna")
	if hr := s.get(hanna, s.url+"/hr"); hr.status != 200 {
		t.Fatalf("HR page for the HR group: %d", hr.status)
	}
	if h, _ := s.db.UserByEmail(ctx, "hanna@example.com"); h.Role != kapp.RoleHR || h.Department != "Personal" {
		t.Fatalf("HR account %+v", h)
	}
	// Out of the group at the provider: the next sign-in makes her an
	// employee again, and the audit log says so.
	s.p.AddUser(ssotest.User{ID: "u-hanna", Username: "hanna", First: "Hanna", Last: "Personal", Email: "hanna@example.com", EmailVerified: true, Department: "Personal"})
	again := s.browser()
	s.signIn(again, "/", "hanna")
	if hr := s.get(again, s.url+"/hr"); hr.status != 403 {
		t.Fatalf("HR page after leaving the group: %d", hr.status)
	}
	h, _ := s.db.UserByEmail(ctx, "hanna@example.com")
	entries, _, _ := s.db.AuditLog(ctx, kapp.AuditFilter{SubjectID: h.ID})
	if len(entries) != 2 || entries[0].Action != "account.sso_updated" || entries[0].Detail != "single sign-on: role hr -> employee" || entries[1].Action != "account.created" {
		t.Fatalf("audit %+v", entries)
	}

	// Logout: the kipass session ends, then the provider's.
	home := s.get(erika, s.url+"/me")
	out := s.post(erika, s.url+"/logout", url.Values{"_csrf": {csrfOf(t, home.body)}})
	m := regexp.MustCompile(`id="provider-logout" href="([^"]+)"`).FindStringSubmatch(out.body)
	if out.status != 200 || m == nil || !strings.HasPrefix(m[1], s.p.URL) || !strings.Contains(out.body, `http-equiv="refresh"`) {
		t.Fatalf("logout page: %d\n%s", out.status, out.body)
	}
	back := s.get(erika, m[1])
	if back.url.String() != s.url+"/" || back.status != 200 {
		t.Fatalf("after the provider's logout: %s %d", back.url, back.status)
	}
	if got := s.p.Terminated(); len(got) != 1 || got[0] != "u-erika" {
		t.Fatalf("provider ended sessions of %v", got)
	}
	if again := s.get(erika, s.url+"/me"); again.url.Path != "/login" {
		t.Fatalf("/me after logout: %s", again.url)
	}
	for _, secret := range []string{"erika@example.com", "Mustermann", "hanna@"} {
		if strings.Contains(s.logs.String(), secret) {
			t.Fatalf("log holds %q", secret)
		}
	}
}

func TestOIDCCallbackReplayAndForeignBrowser(t *testing.T) {
	s := startSSOSite(t, nil)
	s.p.AddUser(ssotest.User{ID: "u-max", Username: "max", First: "Max", Last: "M", Email: "max@example.com", EmailVerified: true})
	c := s.browser()
	// Stop at the callback to keep its URL.
	var callback string
	c.CheckRedirect = func(r *http.Request, via []*http.Request) error {
		if r.URL.Path == sso.CallbackPath && callback == "" {
			callback = r.URL.String()
		}
		return nil
	}
	if p := s.signIn(c, "/", "max"); p.status != 200 || callback == "" {
		t.Fatalf("sign-in %d, callback %q", p.status, callback)
	}
	// The same callback again, in the same browser: the transaction was
	// taken.
	replay := s.get(c, callback)
	if replay.status != 400 || !strings.Contains(replay.body, "abgelaufen oder wurde schon verwendet") || !strings.Contains(replay.body, `href="/auth/oidc/login"`) {
		t.Fatalf("replayed callback: %d\n%s", replay.status, replay.body)
	}
	// In another browser (a link sent to someone): no transaction there.
	if other := s.get(s.browser(), callback); other.status != 400 {
		t.Fatalf("callback in another browser: %d", other.status)
	}
	// Signing in again in the same browser replaces its session.
	atProvider := s.get(c, s.url+sso.LoginPath)
	s.post(c, s.p.URL+"/login/username", url.Values{"id": {atProvider.url.Query().Get("authRequestID")}, "username": {"max"}, "password": {ssotest.Password}})
	max, _ := s.db.UserByEmail(context.Background(), "max@example.com")
	if exp, _ := s.db.ExportUser(context.Background(), max.ID); len(exp.Sessions) != 1 {
		t.Fatalf("%d sessions after signing in twice in one browser", len(exp.Sessions))
	}
	// An unverified email that matches an existing account is not linked.
	s.p.AddUser(ssotest.User{ID: "u-evil", Username: "evil", First: "E", Last: "Vil", Email: "max@example.com"})
	refused := s.signIn(s.browser(), "/", "evil")
	if refused.status != 403 || !strings.Contains(refused.body, "nicht bestätigt") {
		t.Fatalf("unverified email: %d\n%s", refused.status, refused.body)
	}
}

func TestOIDCProviderDownPasswordStillWorks(t *testing.T) {
	s := startSSOSite(t, nil)
	hash, _ := auth.NewHasher(auth.Params{Memory: 64, Time: 1, Threads: 1}, 1).Hash(context.Background(), "correct horse battery")
	if _, err := s.db.CreateUser(context.Background(), kapp.NewUser{Email: "pia@example.com", Name: "Pia", Role: kapp.RoleEmployee, PasswordHash: hash}); err != nil {
		t.Fatal(err)
	}
	s.p.Stop()
	c := s.browser()
	down := s.get(c, s.url+sso.LoginPath)
	if down.status != 503 || !strings.Contains(down.body, "Die Anmeldung mit Test IdP ist gerade nicht möglich") || !strings.Contains(down.body, `href="/login"`) {
		t.Fatalf("provider down: %d\n%s", down.status, down.body)
	}
	login := s.get(c, s.url+"/login")
	in := s.post(c, s.url+"/login", url.Values{"_csrf": {csrfOf(t, login.body)}, "email": {"pia@example.com"}, "password": {"correct horse battery"}, "next": {"/me"}})
	if in.status != 200 || in.url.Path != "/me" || !strings.Contains(in.body, "Pia") {
		t.Fatalf("password login while the provider is down: %d %s", in.status, in.url)
	}
}

func TestOIDCPasswordLoginOffKeepsBreakGlass(t *testing.T) {
	s := startSSOSite(t, func(f *sso.Flags) { f.PasswordLogin, f.BreakGlassAdmin = false, "root@example.com" })
	h := auth.NewHasher(auth.Params{Memory: 64, Time: 1, Threads: 1}, 1)
	hash, _ := h.Hash(context.Background(), "correct horse battery")
	for _, u := range []kapp.NewUser{{Email: "root@example.com", Name: "Root", Role: kapp.RoleAdmin, PasswordHash: hash},
		{Email: "emp@example.com", Name: "Emp", Role: kapp.RoleEmployee, PasswordHash: hash}} {
		if _, err := s.db.CreateUser(context.Background(), u); err != nil {
			t.Fatal(err)
		}
	}
	c := s.browser()
	login := s.get(c, s.url+"/login")
	if !strings.Contains(login.body, "Anmelden mit Test IdP") || !strings.Contains(login.body, "Notfallzugang") || strings.Contains(login.body, `class="below-form"`) {
		t.Fatalf("login page with passwords off:\n%s", login.body)
	}
	refused := s.post(c, s.url+"/login", url.Values{"_csrf": {csrfOf(t, login.body)}, "email": {"emp@example.com"}, "password": {"correct horse battery"}})
	if refused.status != 401 || !strings.Contains(refused.body, "Passwörter sind hier abgeschaltet") {
		t.Fatalf("employee password: %d\n%s", refused.status, refused.body)
	}
	in := s.post(c, s.url+"/login", url.Values{"_csrf": {csrfOf(t, refused.body)}, "email": {"root@example.com"}, "password": {"correct horse battery"}, "next": {"/admin"}})
	if in.status != 200 || in.url.Path != "/admin" {
		t.Fatalf("break-glass admin: %d %s", in.status, in.url)
	}
}

// BenchmarkOIDCCallback measures kipass's callback over HTTP: taking the
// transaction, the code exchange with the provider on loopback (the
// provider's own time included), the ID token checks (keys cached), the
// account update in one transaction and the new session.
func BenchmarkOIDCCallback(b *testing.B) {
	s := startSSOSite(b, nil)
	s.p.AddUser(ssotest.User{ID: "u-bench", Username: "bench", First: "Bruno", Last: "Bench", Email: "bruno@example.com", EmailVerified: true,
		Department: "Controlling", Groups: []string{"staff", "kipass-hr"}})
	c := s.browser()
	var callback string
	c.CheckRedirect = func(r *http.Request, via []*http.Request) error {
		if r.URL.Path == sso.CallbackPath {
			callback = r.URL.String()
			return http.ErrUseLastResponse
		}
		return nil
	}
	follow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		// A new browser each time: the one before is signed in.
		c.Jar, _ = cookiejar.New(nil)
		follow.Jar = c.Jar
		callback = ""
		s.signIn(c, "/", "bench")
		b.StartTimer()
		res, err := follow.Get(callback)
		if err != nil || res.StatusCode != http.StatusSeeOther {
			b.Fatalf("callback: %v %v", res, err)
		}
		res.Body.Close()
	}
}
