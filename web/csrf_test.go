package web

import (
	"log/slog"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"kipass/certificates"
	"kipass/courses"
	kapp "kipass/internal/app"
	"kipass/internal/auth"
)

// TestCSRFTokensAreServerIssued: a CSRF cookie the client chose is
// refused (also when the form repeats it), a token is bound to its
// session, it changes at login and at logout, and the old one is dead
// afterwards; forms and the X-CSRF-Token header keep working with the
// server's tokens, also across a key rotation.
func TestCSRFTokensAreServerIssued(t *testing.T) {
	a := newTestApp(t, nil)
	a.do(req{method: "POST", path: "/api/v1/register", json: registration})
	login := url.Values{"email": {"erika@example.com"}, "password": {"correct horse battery"}}
	refused := func(what string, r resp) {
		t.Helper()
		if r.status != 403 || !strings.Contains(r.body, "Formular ist abgelaufen") && !strings.Contains(r.body, "csrf_failed") {
			t.Fatalf("%s: %d, want 403 csrf_failed", what, r.status)
		}
	}

	// A client-chosen token, in the cookie and the form alike, is refused.
	chosen := auth.NewToken()
	withChosen := func(vals url.Values) url.Values {
		v := url.Values{"_csrf": {chosen}}
		for k, vs := range vals {
			v[k] = vs
		}
		return v
	}
	r := a.do(req{method: "POST", path: "/login", form: withChosen(login), cookies: []*http.Cookie{{Name: "kipass_csrf", Value: chosen}}})
	refused("login with a chosen token", r)
	if cookie(r.cookies, "kipass_session") != nil {
		t.Fatal("a session was started")
	}
	if c := cookie(r.cookies, "kipass_csrf"); c == nil || c.Value == chosen {
		t.Fatal("the refused token was not replaced")
	}

	// The browser's own tokens: one before login, a new one after it.
	b := a.browser()
	before := b.csrf
	if !a.csrfValidFor(before, "") {
		t.Fatal("the visitor's token is not valid")
	}
	if r := b.post("/login", login); r.status != 303 {
		t.Fatalf("login: %d", r.status)
	}
	session := b.cookies["kipass_session"].Value
	during := b.csrf
	if during == before || !a.csrfValidFor(during, session) || a.csrfValidFor(before, session) {
		t.Fatalf("the token was not rotated at login: %q -> %q", before, during)
	}
	// The token of before the login no longer works with the session.
	r = a.do(req{method: "POST", path: "/logout", form: url.Values{"_csrf": {before}},
		cookies: []*http.Cookie{{Name: "kipass_session", Value: session}, {Name: "kipass_csrf", Value: before}}})
	refused("logout with the pre-login token", r)
	// Neither does a chosen one, nor one of another session.
	r = a.do(req{method: "POST", path: "/logout", form: url.Values{"_csrf": {chosen}},
		cookies: []*http.Cookie{{Name: "kipass_session", Value: session}, {Name: "kipass_csrf", Value: chosen}}})
	refused("logout with a chosen token", r)
	other := a.browser()
	other.post("/login", login)
	r = a.do(req{method: "POST", path: "/logout", form: url.Values{"_csrf": {other.csrf}},
		cookies: []*http.Cookie{{Name: "kipass_session", Value: session}, {Name: "kipass_csrf", Value: other.csrf}}})
	refused("logout with another session's token", r)
	// The API with the session cookie takes the token in X-CSRF-Token.
	start := "/api/v1/courses/" + courseID + "/modules/dsgvo-grundlagen/attempts"
	r = a.do(req{method: "POST", path: start, headers: map[string]string{"X-CSRF-Token": chosen},
		cookies: []*http.Cookie{{Name: "kipass_session", Value: session}, {Name: "kipass_csrf", Value: chosen}}})
	refused("API call with a chosen token", r)
	if r := b.send(req{method: "POST", path: start, headers: map[string]string{"X-CSRF-Token": b.csrf}}); r.status != 201 {
		t.Fatalf("API call with the session's token: %d %s", r.status, r.body)
	}
	if me := b.get("/me"); me.status != 200 {
		t.Fatalf("the refused requests ended the session: %d", me.status)
	}

	// Tokens survive a key rotation (the retired key still verifies).
	if _, err := a.signer.Keys().Rotate(); err != nil {
		t.Fatal(err)
	}
	if r := b.post("/logout", url.Values{}); r.status != 303 {
		t.Fatalf("logout after a key rotation: %d", r.status)
	}
	after := b.csrf
	if after == during || !a.csrfValidFor(after, "") || a.csrfValidFor(during, "") {
		t.Fatalf("the token was not rotated at logout: %q -> %q", during, after)
	}
	// The session's token is dead with it.
	r = a.do(req{method: "POST", path: "/login", form: url.Values{"_csrf": {during}, "email": login["email"], "password": login["password"]},
		cookies: []*http.Cookie{{Name: "kipass_csrf", Value: during}}})
	refused("login with the logged-out session's token", r)
	if r := b.post("/login", login); r.status != 303 {
		t.Fatalf("login with the new token: %d", r.status)
	}
}

// csrfValidFor asks the server whether token is one it issued for the
// browser session ("" for none): a form post that changes nothing (a
// verification of a junk token) passes the CSRF check or is refused by it.
func (a *testApp) csrfValidFor(token, session string) bool {
	a.t.Helper()
	cs := []*http.Cookie{{Name: "kipass_csrf", Value: token}}
	if session != "" {
		cs = append(cs, &http.Cookie{Name: "kipass_session", Value: session})
	}
	r := a.do(req{method: "POST", path: "/verify", form: url.Values{"_csrf": {token}, "token": {"x"}}, cookies: cs})
	return r.status != 403
}

// TestCSRFTokensWorkAcrossInstances: a second instance on the same
// database and keys (behind a load balancer) accepts the tokens the first
// one issued, for visitors and for sessions; one with other keys does not.
func TestCSRFTokensWorkAcrossInstances(t *testing.T) {
	a := newTestApp(t, nil)
	a.do(req{method: "POST", path: "/api/v1/register", json: registration})
	twin := func(signer *Signer) *testApp {
		cat := realCatalog(t)
		uc := kapp.New(kapp.Deps{Config: kapp.Config{Registration: true}, Attempts: a.db, Certificates: a.db, Accounts: a.db, Reports: a.db,
			Assignments: a.db, Audit: a.db, Sessions: a.db, Tokens: a.db, Directory: a.db, Hasher: a.hasher, Catalog: func() *courses.Catalog { return cat }})
		app, err := NewServer(Deps{Config: Config{BaseURL: mustURL(t, "http://kipass.test")}, App: uc,
			Logger: slog.New(slog.DiscardHandler), Catalog: func() *courses.Catalog { return realCatalog(t) }, Signer: signer})
		if err != nil {
			t.Fatal(err)
		}
		return &testApp{t: t, app: app.app, db: a.db, log: a.log, now: time.Now, signer: signer, hasher: a.hasher}
	}
	b := twin(a.signer)
	visitor := a.csrfFor("")
	if !b.csrfValidFor(visitor, "") {
		t.Fatal("the second instance refuses the first one's visitor token")
	}
	br := a.browser()
	br.post("/login", url.Values{"email": {"erika@example.com"}, "password": {"correct horse battery"}})
	session := br.cookies["kipass_session"].Value
	if !b.csrfValidFor(br.csrf, session) {
		t.Fatal("the second instance refuses the first one's session token")
	}
	ks, err := certificates.OpenKeyStore(filepath.Join(t.TempDir(), "keys"), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	other := twin(&Signer{Keys: func() *certificates.KeyStore { return ks }, Issuer: a.signer.Issuer})
	if other.csrfValidFor(visitor, "") || other.csrfValidFor(br.csrf, session) {
		t.Fatal("an instance with other keys accepts the tokens")
	}
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
