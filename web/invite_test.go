package web

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"kipass/internal/auth"
	"kipass/internal/store"
)

// TestInviteChecksTokenBeforeHashing: a made-up invitation token does no
// argon2 work (the hasher's own counter stays put) and, after the address
// limit, is answered 429 with Retry-After; a real link still costs exactly
// one hash, and failed logins are counted apart.
func TestInviteChecksTokenBeforeHashing(t *testing.T) {
	a := newTestApp(t, func(c *Config) { c.AddressLimit = 5 })
	ctx := context.Background()
	token := auth.NewToken()
	if _, err := a.db.CreateInvitedUser(ctx, store.NewUser{Email: "neu@example.com", Name: "Nora Neu", Role: store.RoleEmployee},
		auth.HashToken(token), time.Now().Add(time.Hour), store.Actor{}); err != nil {
		t.Fatal(err)
	}
	b := a.browser()
	before := a.hasher.Computed()
	if r := b.post("/invite", url.Values{"token": {token}, "password": {"a new long password"}}); r.status != 303 {
		t.Fatalf("real invitation: %d", r.status)
	}
	if n := a.hasher.Computed() - before; n != 1 {
		t.Fatalf("a real invitation ran %d hashes, want 1", n)
	}

	before = a.hasher.Computed()
	anon := a.browser()
	for i := range 5 {
		r := anon.post("/invite", url.Values{"token": {auth.NewToken()}, "password": {"a new long password"}})
		if r.status != 404 || !strings.Contains(r.body, "nicht (mehr) gültig") {
			t.Fatalf("made-up token %d: %d", i, r.status)
		}
	}
	if n := a.hasher.Computed() - before; n != 0 {
		t.Fatalf("made-up invitation tokens ran %d argon2 hashes", n)
	}
	// The used link is now made-up too; it counts, but the limit is reached.
	for _, r := range []resp{
		anon.post("/invite", url.Values{"token": {token}, "password": {"a new long password"}}),
		anon.post("/invite", url.Values{"token": {"x"}, "password": {"short"}}),
		anon.get("/invite?token=" + auth.NewToken()),
	} {
		if r.status != 429 || r.header.Get("Retry-After") == "" {
			t.Fatalf("after the limit: %d, Retry-After %q", r.status, r.header.Get("Retry-After"))
		}
	}
	if n := a.hasher.Computed() - before; n != 0 {
		t.Fatalf("made-up invitation tokens ran %d argon2 hashes", n)
	}
	// Logins from the same address are not blocked by invitation failures.
	if tok := a.login("neu@example.com", "a new long password"); tok == "" {
		t.Fatal("login blocked")
	}
}
