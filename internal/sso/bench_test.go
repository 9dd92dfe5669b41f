package sso

import (
	"context"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"testing"

	"golang.org/x/oauth2"
)

// authorize runs a sign-in at the provider up to the redirect to kipass's
// callback and returns the transaction and the callback's query.
func authorize(tb testing.TB, k *kipassSide, username string) (LoginTransaction, url.Values) {
	tb.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(r *http.Request, via []*http.Request) error {
		if r.URL.Path == CallbackPath {
			return http.ErrUseLastResponse
		}
		return nil
	}}
	tx, u, err := k.rp.Begin(context.Background(), "/")
	if err != nil {
		tb.Fatal(err)
	}
	page, err := c.Get(u)
	if err != nil {
		tb.Fatal(err)
	}
	page.Body.Close()
	resp := loginAtProvider(tb, c, page, username, "verysecure")
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || loc.Query().Get("code") == "" {
		tb.Fatalf("no code: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	return tx, loc.Query()
}

func benchSide(b *testing.B) *kipassSide {
	k, p := newKipassSide(b, "hr=kipass-hr,admin=kipass-admins", nil)
	// All claims in the ID token, as Entra ID and Keycloak send them, so
	// the callback needs no userinfo request.
	p.set(func(p *testProvider) { p.claimsInToken = true })
	u := person("u-bench", "Bruno", "Bench", "bruno@example.com", true)
	u.Department, u.Groups = ptr("Controlling"), []string{"staff", "kipass-hr", "all-employees", "building-3"}
	p.addUser(u)
	return k
}

// BenchmarkCallbackVerify measures what the callback does after the token
// response arrived: ID token signature (keys cached), issuer, audience,
// expiry, nonce, claims, and the account decision. The network time to the
// provider (the code exchange) is not in it.
func BenchmarkCallbackVerify(b *testing.B) {
	k := benchSide(b)
	tx, q := authorize(b, k, "u-bench")
	d, err := k.rp.discover(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, k.rp.client)
	tok, err := d.oauth.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(tx.Verifier))
	if err != nil {
		b.Fatal(err)
	}
	if _, err := k.rp.complete(ctx, d, tx, tok); err != nil { // fetches and caches the keys
		b.Fatal(err)
	}
	existing := &Account{ID: 1, Email: "bruno@example.com", Name: "Bruno Bench", Role: RoleEmployee, Active: true, Issuer: k.cfg.Issuer, Subject: "u-bench"}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		res, err := k.rp.complete(ctx, d, tx, tok)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := k.cfg.Decide(res.Identity, Known{BySubject: existing}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCallbackLoopback measures the whole RP.Finish, code exchange
// with the provider on loopback included (the provider's own time too).
func BenchmarkCallbackLoopback(b *testing.B) {
	k := benchSide(b)
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		tx, q := authorize(b, k, "u-bench")
		b.StartTimer()
		if _, err := k.rp.Finish(context.Background(), tx, q); err != nil {
			b.Fatal(err)
		}
	}
}
