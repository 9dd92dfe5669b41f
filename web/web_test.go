package web

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"kipass/certificates"
	"kipass/courses"
	kapp "kipass/internal/app"
	"kipass/internal/auth"
	"kipass/internal/sso"
	"kipass/internal/store"
	"kipass/internal/store/storetest"
)

// testApp is a real server over a real SQLite file (or PostgreSQL, see
// storetest).
type testApp struct {
	t      *testing.T
	app    *fiber.App
	db     *store.DB
	log    *bytes.Buffer
	now    func() time.Time
	signer *Signer
	hasher *auth.Hasher
	uc     *kapp.App // the use cases the server runs
}

func newTestApp(t *testing.T, mod func(*Config)) *testApp {
	t.Helper()
	a := buildTestApp(t, mod, nil)
	a.t = t
	return a
}

// buildTestApp builds the app over a real SQLite file with the embedded
// course and a fresh key store. Logs go to a.log, or to logTo when given
// (a fuzzer's long run would otherwise keep every line). a.t is left for
// the caller: a *testing.F binds each iteration's *testing.T.
func buildTestApp(tb testing.TB, mod func(*Config), logTo io.Writer) *testApp {
	tb.Helper()
	return buildTestAppDeps(tb, mod, logTo, nil)
}

// buildTestAppDeps is buildTestApp with a hook that changes the use
// cases' collaborators (a mail sender, for instance) before they are built.
func buildTestAppDeps(tb testing.TB, mod func(*Config), logTo io.Writer, deps func(*kapp.Deps)) *testApp {
	tb.Helper()
	db := storetest.Open(tb)
	base, _ := url.Parse("http://kipass.test")
	cfg := Config{BaseURL: base, Config: kapp.Config{Registration: true, BaseURL: base.String(), Organisation: kapp.OrgFlags{Name: "Muster GmbH"},
		Location: time.UTC}}
	if mod != nil {
		mod(&cfg)
	}
	var logs bytes.Buffer
	if logTo == nil {
		logTo = &logs
	}
	ta := &testApp{db: db, log: &logs, now: time.Now}
	cat := realCatalog(tb)
	ks, err := certificates.OpenKeyStore(filepath.Join(tb.TempDir(), "keys"), time.Now)
	if err != nil {
		tb.Fatal(err)
	}
	ta.signer = &Signer{Keys: func() *certificates.KeyStore { return ks }, Issuer: certificates.Issuer{URL: cfg.BaseURL.String()}}
	hasher := auth.NewHasher(auth.Params{Memory: 64, Time: 1, Threads: 1}, 4)
	d := kapp.Deps{Config: cfg.Config, Attempts: db, Certificates: db, Accounts: db, Reports: db, Assignments: db, Audit: db,
		Sessions: db, Tokens: db, Directory: db, Outreach: db, Departments: db, Passwords: db, Learner: db, Settings: db, Hasher: hasher, Catalog: func() *courses.Catalog { return cat }, Now: func() time.Time { return ta.now() }}
	if deps != nil {
		deps(&d)
	}
	uc := kapp.New(d)
	srv, err := NewServer(Deps{Config: cfg, App: uc, SCIM: uc.SCIM(db, kapp.SCIMConfig{}), SignOn: uc.SignOn(db, sso.Config{PasswordLogin: true}), Logger: slog.New(slog.NewTextHandler(logTo, nil)), Catalog: func() *courses.Catalog { return cat }, Now: func() time.Time { return ta.now() }, Signer: ta.signer})
	ta.hasher = hasher
	if err != nil {
		tb.Fatal(err)
	}
	ta.app, ta.uc = srv.app, uc
	return ta
}

// makeUser creates an account with a role directly in the store and returns
// an API token for it.
func (a *testApp) makeUser(email, role string) string {
	a.t.Helper()
	h := auth.NewHasher(auth.Params{Memory: 64, Time: 1, Threads: 1}, 1)
	hash, _ := h.Hash(context.Background(), "correct horse battery")
	if _, err := a.db.CreateUser(context.Background(), store.NewUser{Email: email, Name: "User " + email, Role: role, PasswordHash: hash}); err != nil {
		a.t.Fatal(err)
	}
	r := a.do(req{method: "POST", path: "/api/v1/login", json: map[string]any{"email": email, "password": "correct horse battery"}})
	var out struct{ Token string }
	json.Unmarshal([]byte(r.body), &out)
	return out.Token
}

// multipartWriter writes a multipart form with fields and one file; it
// returns the content type.
func multipartWriter(w io.Writer, fields map[string]string, fileField, fileName string, data []byte) string {
	mw := multipart.NewWriter(w)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	fw, _ := mw.CreateFormFile(fileField, fileName)
	fw.Write(data)
	mw.Close()
	return mw.FormDataContentType()
}

func writeFile(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// realCatalog loads the embedded course from its folder, once per test binary.
var realCatalog = func() func(testing.TB) *courses.Catalog {
	var once sync.Once
	var cat *courses.Catalog
	var err error
	return func(t testing.TB) *courses.Catalog {
		once.Do(func() { cat, err = courses.Load(os.DirFS("../content")) })
		if err != nil {
			t.Fatal(err)
		}
		return cat
	}
}()

// req is one request of a scenario.
type req struct {
	method, path string
	json         any               // JSON body
	form         url.Values        // form body
	raw          string            // raw body with rawType
	rawType      string            //
	headers      map[string]string //
	bearer       string
	cookies      []*http.Cookie
}

type resp struct {
	status  int
	header  http.Header
	body    string
	cookies []*http.Cookie
}

func (a *testApp) do(r req) resp {
	a.t.Helper()
	var body io.Reader
	ct := ""
	switch {
	case r.json != nil:
		b, _ := json.Marshal(r.json)
		body, ct = bytes.NewReader(b), "application/json"
	case r.form != nil:
		body, ct = strings.NewReader(r.form.Encode()), "application/x-www-form-urlencoded"
	case r.raw != "":
		body, ct = strings.NewReader(r.raw), r.rawType
	}
	hr := httptest.NewRequest(r.method, r.path, body)
	if ct != "" {
		hr.Header.Set("Content-Type", ct)
	}
	for k, v := range r.headers {
		hr.Header.Set(k, v)
	}
	if r.bearer != "" {
		hr.Header.Set("Authorization", "Bearer "+r.bearer)
	}
	for _, c := range r.cookies {
		hr.AddCookie(c)
	}
	res, err := a.app.Test(hr, -1)
	if err != nil {
		a.t.Fatalf("%s %s: %v", r.method, r.path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return resp{status: res.StatusCode, header: res.Header, body: string(b), cookies: res.Cookies()}
}

// csrfFor returns a CSRF token the server issues for the browser session
// with the given token ("" for a visitor without a session), as a page
// view hands it out.
func (a *testApp) csrfFor(session string) string {
	a.t.Helper()
	r := req{method: "GET", path: "/privacy"}
	for _, name := range []string{"kipass_session", "__Host-kipass_session"} {
		if session != "" {
			r.cookies = append(r.cookies, &http.Cookie{Name: name, Value: session})
		}
	}
	for _, c := range a.do(r).cookies {
		if strings.HasSuffix(c.Name, "kipass_csrf") {
			return c.Value
		}
	}
	a.t.Fatal("no CSRF cookie issued")
	return ""
}

func cookie(cs []*http.Cookie, name string) *http.Cookie {
	for _, c := range cs {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// browser keeps cookies across requests and fills in the CSRF token.
type browser struct {
	a       *testApp
	cookies map[string]*http.Cookie
	csrf    string
}

func (a *testApp) browser() *browser {
	b := &browser{a: a, cookies: map[string]*http.Cookie{}}
	b.get("/") // receives the CSRF cookie
	return b
}

func (b *browser) send(r req) resp {
	for _, c := range b.cookies {
		r.cookies = append(r.cookies, c)
	}
	res := b.a.do(r)
	for _, c := range res.cookies {
		if c.MaxAge < 0 || c.Value == "" {
			delete(b.cookies, c.Name)
		} else {
			b.cookies[c.Name] = c
		}
	}
	if c := b.cookies["kipass_csrf"]; c != nil {
		b.csrf = c.Value
	}
	return res
}

func (b *browser) get(path string) resp { return b.send(req{method: "GET", path: path}) }

func (b *browser) post(path string, form url.Values) resp {
	form.Set("_csrf", b.csrf)
	return b.send(req{method: "POST", path: path, form: form})
}

// setClock replaces the server's clock and the store's.
func (a *testApp) setClock(now func() time.Time) {
	a.db.Now = now
	a.now = now
}

// listen serves the app over real HTTP and returns its base URL.
func (a *testApp) listen() string {
	a.t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		a.t.Fatal(err)
	}
	go a.app.Listener(ln)
	a.t.Cleanup(func() {
		http.DefaultClient.CloseIdleConnections()
		a.app.ShutdownWithTimeout(2 * time.Second)
	})
	return "http://" + ln.Addr().String()
}

func httpPost(url, token string, body []byte) (int, string, error) {
	r, err := http.NewRequest("POST", url, bytes.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(r)
	if err != nil {
		return 0, "", err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return res.StatusCode, string(b), err
}

func apiErrorCode(t *testing.T, body string) string {
	t.Helper()
	var e apiError
	if err := json.Unmarshal([]byte(body), &e); err != nil {
		t.Fatalf("not an API error: %q", body)
	}
	return e.Error.Code
}

var registration = map[string]any{"name": "Erika Mustermann", "email": "erika@example.com", "password": "correct horse battery"}

func TestAPIScenarios(t *testing.T) {
	a := newTestApp(t, nil)
	for _, tc := range []struct {
		name   string
		req    req
		status int
		code   string
	}{
		{"register", req{method: "POST", path: "/api/v1/register", json: registration}, 201, ""},
		{"register again", req{method: "POST", path: "/api/v1/register", json: map[string]any{"name": "X", "email": " ERIKA@example.com ", "password": "another password"}}, 409, "email_taken"},
		{"register missing fields", req{method: "POST", path: "/api/v1/register", json: map[string]any{}}, 400, "invalid_input"},
		{"register wrong types", req{method: "POST", path: "/api/v1/register", raw: `{"name":1,"email":true}`, rawType: "application/json"}, 400, "invalid_json"},
		{"register malformed", req{method: "POST", path: "/api/v1/register", raw: `{"name":`, rawType: "application/json"}, 400, "invalid_json"},
		{"register not json", req{method: "POST", path: "/api/v1/register", raw: `name=a`, rawType: "text/plain"}, 400, "unsupported_media_type"},
		{"register array", req{method: "POST", path: "/api/v1/register", raw: `[1,2]`, rawType: "application/json"}, 400, "invalid_json"},
		{"login wrong password", req{method: "POST", path: "/api/v1/login", json: map[string]any{"email": "erika@example.com", "password": "wrong password!"}}, 401, "invalid_credentials"},
		{"login unknown email", req{method: "POST", path: "/api/v1/login", json: map[string]any{"email": "nobody@example.com", "password": "wrong password!"}}, 401, "invalid_credentials"},
		{"login null", req{method: "POST", path: "/api/v1/login", raw: `null`, rawType: "application/json"}, 401, "invalid_credentials"},
		{"me anonymous", req{method: "GET", path: "/api/v1/me"}, 401, "unauthorized"},
		{"me bad token", req{method: "GET", path: "/api/v1/me", bearer: "nonsense"}, 401, "invalid_token"},
		{"logout anonymous", req{method: "POST", path: "/api/v1/logout"}, 401, "unauthorized"},
		{"unknown api route", req{method: "GET", path: "/api/v1/nothing"}, 404, "not_found"},
		{"wrong method", req{method: "DELETE", path: "/api/v1/login"}, 405, "method_not_allowed"},
		{"register 2 MiB", req{method: "POST", path: "/api/v1/register", raw: `{"name":"` + strings.Repeat("a", 2<<20) + `"}`, rawType: "application/json"}, 413, "too_large"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := a.do(tc.req)
			if r.status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.status, tc.status, r.body)
			}
			if tc.code != "" {
				if got := apiErrorCode(t, r.body); got != tc.code {
					t.Fatalf("code %q, want %q", got, tc.code)
				}
				if !strings.HasPrefix(r.header.Get("Content-Type"), "application/json") {
					t.Fatalf("content type %q", r.header.Get("Content-Type"))
				}
			}
		})
	}
}

func TestAPILoginMeLogout(t *testing.T) {
	a := newTestApp(t, nil)
	if r := a.do(req{method: "POST", path: "/api/v1/register", json: registration}); r.status != 201 {
		t.Fatal(r.body)
	}
	r := a.do(req{method: "POST", path: "/api/v1/login", json: map[string]any{"email": "Erika@Example.com", "password": "correct horse battery"}})
	var login struct {
		Token     string `json:"token"`
		ExpiresAt string `json:"expires_at"`
	}
	json.Unmarshal([]byte(r.body), &login)
	if r.status != 200 || len(login.Token) != 43 {
		t.Fatalf("login: %d %s", r.status, r.body)
	}
	exp, err := time.Parse(time.RFC3339, login.ExpiresAt)
	if err != nil || exp.Sub(time.Now()) > 12*time.Hour+time.Minute || exp.Sub(time.Now()) < 11*time.Hour {
		t.Fatalf("expires_at %q", login.ExpiresAt)
	}
	r = a.do(req{method: "GET", path: "/api/v1/me", bearer: login.Token})
	var me profile
	json.Unmarshal([]byte(r.body), &me)
	if r.status != 200 || me.Email != "erika@example.com" || me.Role != "employee" || me.Name != "Erika Mustermann" {
		t.Fatalf("me: %d %s", r.status, r.body)
	}
	// A bearer call needs no CSRF token.
	if r := a.do(req{method: "POST", path: "/api/v1/logout", bearer: login.Token}); r.status != 204 {
		t.Fatalf("logout: %d %s", r.status, r.body)
	}
	if r := a.do(req{method: "GET", path: "/api/v1/me", bearer: login.Token}); r.status != 401 {
		t.Fatalf("token alive after logout: %d", r.status)
	}
}

func TestRegistrationOff(t *testing.T) {
	a := newTestApp(t, func(c *Config) { c.Registration = false })
	r := a.do(req{method: "POST", path: "/api/v1/register", json: registration})
	if r.status != 403 || apiErrorCode(t, r.body) != "registration_closed" {
		t.Fatalf("%d %s", r.status, r.body)
	}
	b := a.browser()
	if r := b.get("/register"); !strings.Contains(r.body, "Selbstregistrierung ist ausgeschaltet") {
		t.Fatal("register page does not say registration is off")
	}
}

func TestLoginThrottlePerAccount(t *testing.T) {
	a := newTestApp(t, nil)
	a.do(req{method: "POST", path: "/api/v1/register", json: registration})
	wrong := map[string]any{"email": "erika@example.com", "password": "wrong password!"}
	for i := range 10 {
		// Different claimed addresses change nothing: the limit is per account.
		r := a.do(req{method: "POST", path: "/api/v1/login", json: wrong, headers: map[string]string{"X-Forwarded-For": "10.0.0." + string(rune('1'+i))}})
		if r.status != 401 {
			t.Fatalf("attempt %d: %d", i+1, r.status)
		}
	}
	r := a.do(req{method: "POST", path: "/api/v1/login", json: map[string]any{"email": "erika@example.com", "password": "correct horse battery"}})
	if r.status != 429 || apiErrorCode(t, r.body) != "too_many_attempts" || r.header.Get("Retry-After") == "" {
		t.Fatalf("11th attempt: %d %s", r.status, r.body)
	}
	// Other accounts are not affected.
	a.do(req{method: "POST", path: "/api/v1/register", json: map[string]any{"name": "Max", "email": "max@example.com", "password": "max password 1"}})
	if r := a.do(req{method: "POST", path: "/api/v1/login", json: map[string]any{"email": "max@example.com", "password": "max password 1"}}); r.status != 200 {
		t.Fatalf("other account: %d", r.status)
	}
	// The browser form shows the same limit as a message.
	b := a.browser()
	r = b.post("/login", url.Values{"email": {"erika@example.com"}, "password": {"correct horse battery"}})
	if r.status != 429 || !strings.Contains(r.body, "Zu viele Fehlversuche") {
		t.Fatalf("form: %d", r.status)
	}
}

func TestLoginThrottlePerAddress(t *testing.T) {
	a := newTestApp(t, func(c *Config) { c.AddressLimit = 3 })
	for i := range 3 {
		r := a.do(req{method: "POST", path: "/api/v1/login", json: map[string]any{"email": string(rune('a'+i)) + "@example.com", "password": "wrong password!"}})
		if r.status != 401 {
			t.Fatalf("attempt %d: %d", i, r.status)
		}
	}
	// X-Forwarded-For is not trusted without configured proxies.
	r := a.do(req{method: "POST", path: "/api/v1/login", json: map[string]any{"email": "z@example.com", "password": "x"},
		headers: map[string]string{"X-Forwarded-For": "203.0.113.9"}})
	if r.status != 429 {
		t.Fatalf("address limit: %d", r.status)
	}

	// Behind a trusted proxy the last X-Forwarded-For entry counts: a client
	// cannot escape the limit by sending its own entries first.
	p := newTestApp(t, func(c *Config) { c.AddressLimit = 3; c.TrustedProxies = []string{"0.0.0.0/0"} })
	for i := range 4 {
		r := p.do(req{method: "POST", path: "/api/v1/login", json: map[string]any{"email": string(rune('a'+i)) + "@example.com", "password": "wrong password!"},
			headers: map[string]string{"X-Forwarded-For": fmt.Sprintf("198.51.100.%d, 203.0.113.7", i)}})
		if want := map[bool]int{true: 429, false: 401}[i == 3]; r.status != want {
			t.Fatalf("proxied attempt %d: %d, want %d", i, r.status, want)
		}
	}
}

func TestSecurityHeadersEverywhere(t *testing.T) {
	a := newTestApp(t, nil)
	for _, r := range []req{
		{method: "GET", path: "/"}, {method: "GET", path: "/login"}, {method: "GET", path: "/nowhere"},
		{method: "GET", path: "/api/v1/me"}, {method: "GET", path: "/healthz"}, {method: "GET", path: "/static/style.css"},
		{method: "POST", path: "/api/v1/login", raw: "{", rawType: "application/json"},
	} {
		res := a.do(r)
		csp := res.header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "default-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") || strings.Contains(csp, "unsafe-inline") {
			t.Errorf("%s: CSP %q", r.path, csp)
		}
		if res.header.Get("X-Content-Type-Options") != "nosniff" || res.header.Get("Referrer-Policy") == "" {
			t.Errorf("%s: missing nosniff or referrer policy", r.path)
		}
		if res.header.Get("Strict-Transport-Security") != "" {
			t.Errorf("%s: HSTS over http", r.path)
		}
	}
}

func TestHTTPSCookiesAndHSTS(t *testing.T) {
	a := newTestApp(t, func(c *Config) { c.BaseURL, _ = url.Parse("https://kipass.example.com") })
	a.do(req{method: "POST", path: "/api/v1/register", json: registration})
	res := a.do(req{method: "GET", path: "/login"})
	if res.header.Get("Strict-Transport-Security") == "" {
		t.Fatal("no HSTS with https base URL")
	}
	csrf := cookie(res.cookies, "__Host-kipass_csrf")
	if csrf == nil || !csrf.Secure || !csrf.HttpOnly || csrf.Path != "/" {
		t.Fatalf("csrf cookie %+v", csrf)
	}
	res = a.do(req{method: "POST", path: "/login", cookies: []*http.Cookie{csrf},
		form: url.Values{"_csrf": {csrf.Value}, "email": {"erika@example.com"}, "password": {"correct horse battery"}}})
	sess := cookie(res.cookies, "__Host-kipass_session")
	if res.status != 303 || sess == nil || !sess.Secure || !sess.HttpOnly || sess.SameSite != http.SameSiteLaxMode {
		t.Fatalf("login: %d, session cookie %+v", res.status, sess)
	}
}

func TestBrowserRegisterLoginLogout(t *testing.T) {
	a := newTestApp(t, nil)
	a.listDepartment("Vertrieb") // self-registration picks from the admin-kept list
	b := a.browser()
	form := url.Values{"name": {"Erika Mustermann"}, "email": {"erika@example.com"}, "password": {"correct horse battery"}, "department": {"Vertrieb"}}

	// Without the CSRF token the form is refused.
	if r := a.do(req{method: "POST", path: "/register", form: form}); r.status != 403 || !strings.Contains(r.body, "Formular ist abgelaufen") {
		t.Fatalf("register without csrf: %d", r.status)
	}
	// Bad input: the form again, values kept, never the password.
	bad := url.Values{"name": {"Erika"}, "email": {"erika@"}, "password": {"short pw secret"[:8]}}
	r := b.post("/register", bad)
	if r.status != 400 || !strings.Contains(r.body, `value="erika@"`) || strings.Contains(r.body, "short pw") ||
		!strings.Contains(r.body, "Zu kurz") || !strings.Contains(r.body, "gültige E-Mail-Adresse") {
		t.Fatalf("bad register: %d\n%s", r.status, r.body)
	}
	r = b.post("/register", form)
	if r.status != 303 || b.cookies["kipass_session"] == nil {
		t.Fatalf("register: %d", r.status)
	}
	if r = b.get("/me"); r.status != 200 || !strings.Contains(r.body, "Erika Mustermann") || !strings.Contains(r.body, "Vertrieb") {
		t.Fatalf("me: %d", r.status)
	}
	if r = b.post("/logout", url.Values{}); r.status != 303 {
		t.Fatalf("logout: %d", r.status)
	}
	if r = b.get("/me"); r.status != 303 || !strings.HasPrefix(r.header.Get("Location"), "/login?next=") {
		t.Fatalf("me after logout: %d %s", r.status, r.header.Get("Location"))
	}
	// Log in again through the form, with a next target; an external next is ignored.
	r = b.post("/login", url.Values{"email": {"ERIKA@example.com "}, "password": {"correct horse battery"}, "next": {"/me"}})
	if r.status != 303 || r.header.Get("Location") != "/me" {
		t.Fatalf("login: %d %s", r.status, r.header.Get("Location"))
	}
	b.post("/logout", url.Values{})
	r = b.post("/login", url.Values{"email": {"erika@example.com"}, "password": {"correct horse battery"}, "next": {"//evil.example/"}})
	if r.header.Get("Location") != "/" {
		t.Fatalf("open redirect to %q", r.header.Get("Location"))
	}
	b.post("/logout", url.Values{})
	r = b.post("/login", url.Values{"email": {"erika@example.com"}, "password": {"wrong password"}})
	if r.status != 401 || !strings.Contains(r.body, "E-Mail-Adresse oder Passwort ist falsch") || !strings.Contains(r.body, `value="erika@example.com"`) {
		t.Fatalf("wrong password form: %d", r.status)
	}
}

func TestSetupCreatesFirstAdminOnce(t *testing.T) {
	a := newTestApp(t, nil)
	ctx := context.Background()
	token := auth.NewToken()
	if err := a.db.CreateOneTimeToken(ctx, auth.HashToken(token), store.TokenSetup, 0, time.Now().Add(24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	b := a.browser()
	if r := b.get("/setup?token=wrong"); r.status != 404 || !strings.Contains(r.body, "nicht (mehr) gültig") {
		t.Fatalf("wrong token: %d", r.status)
	}
	if r := b.get("/setup?token=" + token); r.status != 200 || !strings.Contains(r.body, `name="password"`) {
		t.Fatalf("setup page: %d", r.status)
	}
	form := url.Values{"token": {token}, "name": {"Ada Admin"}, "email": {"ada@example.com"}, "password": {"admin password 1"}}
	if r := b.post("/setup", form); r.status != 303 {
		t.Fatalf("setup: %d %s", r.status, r.body)
	}
	u, err := a.db.UserByEmail(ctx, "ada@example.com")
	if err != nil || u.Role != store.RoleAdmin {
		t.Fatalf("admin: %+v %v", u, err)
	}
	if r := b.get("/me"); !strings.Contains(r.body, "Administration") {
		t.Fatal("me does not show the admin role")
	}
	b2 := a.browser()
	form.Set("email", "eve@example.com")
	if r := b2.post("/setup", form); r.status != 404 {
		t.Fatalf("setup link reused: %d", r.status)
	}
}

func TestLanguage(t *testing.T) {
	a := newTestApp(t, nil)
	lang := regexp.MustCompile(`<html lang="(\w+)">`)
	for _, tc := range []struct {
		name    string
		req     req
		want    string
		cookies bool
	}{
		{"default German", req{method: "GET", path: "/login"}, "de", false},
		{"Accept-Language English", req{method: "GET", path: "/login", headers: map[string]string{"Accept-Language": "en-GB,en;q=0.9,de;q=0.5"}}, "en", false},
		{"Accept-Language ranks German", req{method: "GET", path: "/login", headers: map[string]string{"Accept-Language": "fr, en;q=0.4, de;q=0.8"}}, "de", false},
		{"query wins", req{method: "GET", path: "/login?lang=en", headers: map[string]string{"Accept-Language": "de"}}, "en", false},
		{"form field", req{method: "POST", path: "/login", form: url.Values{"lang": {"en"}}, headers: map[string]string{"Accept-Language": "de"}}, "en", false},
		{"bad query ignored", req{method: "GET", path: "/login?lang=xx"}, "de", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := a.do(tc.req)
			m := lang.FindStringSubmatch(r.body)
			if m == nil || m[1] != tc.want {
				t.Fatalf("lang %v, want %s", m, tc.want)
			}
			for _, ck := range r.cookies {
				if strings.Contains(ck.Name, "lang") {
					t.Fatalf("language cookie %s set; only session and CSRF cookies are allowed", ck.Name)
				}
			}
			if strings.Contains(r.body, "??") {
				t.Fatal("missing message key in page")
			}
		})
	}
}

func TestPagesRenderInBothLanguages(t *testing.T) {
	a := newTestApp(t, nil)
	b := a.browser()
	b.post("/register", url.Values{"name": {"Erika"}, "email": {"erika@example.com"}, "password": {"correct horse battery"}})
	for _, lang := range []string{"de", "en"} {
		for _, p := range []string{"/", "/me", "/nowhere", "/setup?token=x"} {
			r := b.get(p + map[bool]string{true: "&", false: "?"}[strings.Contains(p, "?")] + "lang=" + lang)
			if r.status >= 500 || strings.Contains(r.body, "??") || !strings.Contains(r.body, `<html lang="`+lang+`">`) {
				t.Errorf("%s %s: %d", lang, p, r.status)
			}
			// Every input has a label.
			for _, m := range regexp.MustCompile(`<input id="([^"]+)"`).FindAllStringSubmatch(r.body, -1) {
				if !strings.Contains(r.body, `<label for="`+m[1]+`"`) {
					t.Errorf("%s: input %s has no label", p, m[1])
				}
			}
		}
	}
	// Logged out, the same pages also render in both languages.
	for _, p := range []string{"/login", "/register", "/"} {
		for _, lang := range []string{"de", "en"} {
			if r := a.do(req{method: "GET", path: p + "?lang=" + lang}); r.status != 200 || strings.Contains(r.body, "??") {
				t.Errorf("%s %s: %d", lang, p, r.status)
			}
		}
	}
}

func TestLogsHoldNoPersonalData(t *testing.T) {
	a := newTestApp(t, nil)
	a.do(req{method: "POST", path: "/api/v1/register", json: registration})
	r := a.do(req{method: "POST", path: "/api/v1/login", json: map[string]any{"email": "erika@example.com", "password": "correct horse battery"}})
	var login struct{ Token string }
	json.Unmarshal([]byte(r.body), &login)
	a.do(req{method: "GET", path: "/api/v1/me", bearer: login.Token})
	a.do(req{method: "GET", path: "/setup?token=secret-setup-token"})
	a.do(req{method: "GET", path: "/login", headers: map[string]string{"X-Forwarded-For": "198.51.100.7"}})
	logs := a.log.String()
	for _, secret := range []string{"erika", "Erika", "Mustermann", "correct horse", login.Token, "secret-setup-token", "198.51.100.7", "0.0.0.0"} {
		if strings.Contains(logs, secret) {
			t.Errorf("log contains %q", secret)
		}
	}
	if !strings.Contains(logs, "route=/api/v1/login") || !strings.Contains(logs, "status=200") || !strings.Contains(logs, "request_id=") {
		t.Errorf("log lacks route, status or request id:\n%s", logs)
	}
}

func TestHealthz(t *testing.T) {
	a := newTestApp(t, nil)
	if r := a.do(req{method: "GET", path: "/healthz"}); r.status != 200 || r.body != "ok" {
		t.Fatalf("%d %q", r.status, r.body)
	}
	a.db.Close()
	if r := a.do(req{method: "GET", path: "/healthz"}); r.status != 503 {
		t.Fatalf("closed db: %d", r.status)
	}
}

func TestStaticFiles(t *testing.T) {
	a := newTestApp(t, nil)
	r := a.do(req{method: "GET", path: "/static/style.css"})
	if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/css") || !strings.Contains(r.header.Get("Cache-Control"), "immutable") {
		t.Fatalf("%d %v", r.status, r.header)
	}
	for _, p := range []string{"/static/", "/static/nope.css", "/static/../views.go"} {
		if r := a.do(req{method: "GET", path: p}); r.status != 404 {
			t.Errorf("%s: %d", p, r.status)
		}
	}
}

// An oversized body is refused by the HTTP server before routing; over a
// real connection it still gets the contract's JSON error and the headers.
func TestOversizedBodyOverHTTP(t *testing.T) {
	a := newTestApp(t, nil)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go a.app.Listener(ln)
	t.Cleanup(func() { a.app.ShutdownWithTimeout(2 * time.Second) })
	// Announce a 6 MiB body (over even the upload limit) and send only the
	// start: the server must answer from the Content-Length alone.
	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /api/v1/register HTTP/1.1\r\nHost: kipass.test\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n{\"name\":\"", 6<<20)
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != 413 || apiErrorCode(t, string(b)) != "too_large" {
		t.Fatalf("%d %s", res.StatusCode, b)
	}
	if res.Header.Get("Content-Security-Policy") == "" {
		t.Fatal("no security headers on 413")
	}
}
