package sso

// End-to-end sign-ins against the real provider of provider_test.go. The
// kipass side is a small HTTP server doing what the web layer will do
// (keep the transaction server-side under a cookie, take it once, call
// Finish, apply Decide to the accounts), so the whole code flow runs
// through an http.Client with a cookie jar, as a browser would.

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zitadel/oidc/v3/example/server/storage"

	"kipass/internal/errs"
)

const txCookie = "kipass_oidc"

// kipassSide is the web layer's part of a sign-in, with the accounts kept
// in memory (the store is not wired yet).
type kipassSide struct {
	t   testing.TB
	cfg Config
	rp  *RP
	srv *httptest.Server

	mu        sync.Mutex
	txs       map[string]LoginTransaction
	accounts  []*Account
	lastTx    LoginTransaction
	lastQuery url.Values
	last      Result
}

func newKipassSide(t testing.TB, roles string, mutate func(*Flags)) (*kipassSide, *testProvider) {
	t.Helper()
	k := &kipassSide{t: t, txs: map[string]LoginTransaction{}}
	k.srv = httptest.NewUnstartedServer(nil)
	base := "http://" + k.srv.Listener.Addr().String()
	p := startProvider(t, base+CallbackPath, base+"/logged-out")
	f := Flags{Issuer: p.URL, ClientID: testClientID, ClientSecretFile: secretFile(t, testClientSecret), Scopes: "openid email profile",
		Claims: DefaultClaimNames(), Roles: roles, PasswordLogin: true, ProviderName: "Test IdP"}
	if mutate != nil {
		mutate(&f)
	}
	cfg, err := f.Config(base)
	if err != nil {
		t.Fatal(err)
	}
	k.cfg = cfg
	k.rp, err = NewRP(cfg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+LoginPath, k.login)
	mux.HandleFunc("GET "+CallbackPath, k.callback)
	mux.HandleFunc("GET /logged-out", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "logged out of kipass") })
	k.srv.Config.Handler = mux
	k.srv.Start()
	t.Cleanup(k.srv.Close)
	return k, p
}

func (k *kipassSide) login(w http.ResponseWriter, r *http.Request) {
	tx, u, err := k.rp.Begin(r.Context(), r.URL.Query().Get("next"))
	if err != nil {
		writeErr(w, err)
		return
	}
	k.mu.Lock()
	k.txs[tx.ID] = tx
	k.mu.Unlock()
	http.SetCookie(w, &http.Cookie{Name: txCookie, Value: tx.ID, Path: "/auth/oidc", HttpOnly: true, SameSite: http.SameSiteLaxMode, MaxAge: 600})
	http.Redirect(w, r, u, http.StatusFound)
}

func (k *kipassSide) callback(w http.ResponseWriter, r *http.Request) {
	var tx LoginTransaction
	var ok bool
	if c, err := r.Cookie(txCookie); err == nil {
		k.mu.Lock()
		tx, ok = k.txs[c.Value]
		delete(k.txs, c.Value) // single use: taken before anything is checked
		if ok {
			k.lastTx, k.lastQuery = tx, r.URL.Query()
		}
		k.mu.Unlock()
	}
	if !ok {
		writeErr(w, LoginExpired())
		return
	}
	res, err := k.rp.Finish(r.Context(), tx, r.URL.Query())
	if err != nil {
		writeErr(w, err)
		return
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	k.last = res
	var known Known
	for _, a := range k.accounts {
		if a.Issuer == res.Identity.Issuer && a.Subject == res.Identity.Subject {
			known.BySubject = a
		}
		if a.Email == res.Identity.Email {
			known.ByEmail = a
		}
	}
	d, err := k.cfg.Decide(res.Identity, known)
	if err != nil {
		writeErr(w, err)
		return
	}
	acc := &Account{ID: int64(len(k.accounts) + 1), Email: d.Email, Active: true}
	if d.Action == Create {
		k.accounts = append(k.accounts, acc)
	} else {
		for _, a := range k.accounts {
			if a.ID == d.AccountID {
				acc = a
			}
		}
	}
	acc.Name, acc.Department, acc.Role, acc.Issuer, acc.Subject = d.Name, d.Department, d.Role, d.Issuer, d.Subject
	json.NewEncoder(w).Encode(map[string]any{"action": d.Action, "account": acc, "next": res.Next, "changed": d.Changed})
}

func writeErr(w http.ResponseWriter, err error) {
	e := errs.As(err)
	status := map[errs.Kind]int{errs.Invalid: 400, errs.Forbidden: 403, errs.Unavailable: 503}[errs.KindOf(err)]
	if e == nil || status == 0 {
		e, status = &errs.Error{Code: "internal", Message: err.Error()}, 500
	}
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"error": map[string]string{"code": e.Code, "message": e.Message}})
}

func (k *kipassSide) addAccount(a Account) *Account {
	k.mu.Lock()
	defer k.mu.Unlock()
	a.ID = int64(len(k.accounts) + 1)
	k.accounts = append(k.accounts, &a)
	return &a
}

// outcome is the kipass side's JSON answer to the callback.
type outcome struct {
	Status  int
	URL     *url.URL
	Action  Action   `json:"action"`
	Account Account  `json:"account"`
	Next    string   `json:"next"`
	Changed []string `json:"changed"`
	Error   struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

func browser(t testing.TB) *http.Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, Timeout: 20 * time.Second}
}

func readOutcome(t testing.TB, resp *http.Response) outcome {
	t.Helper()
	defer resp.Body.Close()
	var o outcome
	body, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(body, &o); err != nil {
		t.Fatalf("%s: status %d, not JSON: %.300s", resp.Request.URL, resp.StatusCode, body)
	}
	o.Status, o.URL = resp.StatusCode, resp.Request.URL
	return o
}

// signIn clicks "Sign in with ..." and logs in at the provider.
func (k *kipassSide) signIn(c *http.Client, username, next string) outcome {
	k.t.Helper()
	page, err := c.Get(k.srv.URL + LoginPath + "?next=" + url.QueryEscape(next))
	if err != nil {
		k.t.Fatal(err)
	}
	if page.Request.URL.Host == strings.TrimPrefix(k.srv.URL, "http://") {
		return readOutcome(k.t, page) // kipass answered itself: an error
	}
	io.Copy(io.Discard, page.Body)
	page.Body.Close()
	return readOutcome(k.t, loginAtProvider(k.t, c, page, username, "verysecure"))
}

func person(id, first, last, email string, verified bool) tpUser {
	return tpUser{User: storage.User{ID: id, Username: id, FirstName: first, LastName: last, Email: email, EmailVerified: verified}}
}

func ptr[T any](v T) *T { return &v }
