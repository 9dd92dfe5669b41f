package store

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"kipass/internal/app"
	"kipass/internal/auth"
	"kipass/internal/scim"
)

// scimDirectory fills the store with n accounts managed by SCIM and returns
// the SCIM handler over them, with a usable token.
func scimDirectory(tb testing.TB, n int) (*scim.Handler, string) {
	tb.Helper()
	db := openTest(tb)
	ctx := context.Background()
	err := db.tx(ctx, func(tx *sql.Tx) error {
		for i := range n {
			if _, err := tx.ExecContext(ctx, `INSERT INTO users (email, name, department, role, created_at, updated_at, scim_id, scim_external_id)
				VALUES (?, ?, ?, 'employee', 1, 1, ?, ?)`, fmt.Sprintf("user%05d@example.com", i), fmt.Sprintf("User %05d", i),
				fmt.Sprintf("Abteilung %d", i%40), fmt.Sprintf("scim-%05d", i), fmt.Sprintf("ext-%05d", i)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	s := app.New(app.Deps{Accounts: db, Audit: db}).SCIM(db, app.SCIMConfig{})
	if _, err := db.CreateSCIMToken(ctx, "bench", auth.HashToken("bench-token"), Actor{Role: RoleSystem}); err != nil {
		tb.Fatal(err)
	}
	h, err := scim.NewHandler(scim.Config{Service: s, Authenticate: s.Authenticate, BaseURL: "https://kipass.example/scim/v2"})
	if err != nil {
		tb.Fatal(err)
	}
	return h, "bench-token"
}

// TestSCIMListPagesThroughTheStore pages through 10,000 accounts with the
// real store and checks that every account comes exactly once.
func TestSCIMListPagesThroughTheStore(t *testing.T) {
	h, token := scimDirectory(t, 10000)
	seen := map[string]bool{}
	for start := 1; start <= 10000; start += 100 {
		resp := h.Serve(context.Background(), scim.Request{Method: "GET", Path: "/Users", RawQuery: fmt.Sprintf("startIndex=%d&count=100", start), Authorization: "Bearer " + token})
		if resp.Status != 200 || !strings.Contains(string(resp.Body), `"totalResults":10000`) {
			t.Fatalf("page %d: %d %.200s", start, resp.Status, resp.Body)
		}
		for _, part := range strings.Split(string(resp.Body), `"id":"`)[1:] {
			id, _, _ := strings.Cut(part, `"`)
			if seen[id] {
				t.Fatalf("%s twice", id)
			}
			seen[id] = true
		}
	}
	if len(seen) != 10000 {
		t.Fatalf("%d accounts seen", len(seen))
	}
}

// BenchmarkSCIMList10k is a page of 100 of 10,000 accounts through the
// SCIM handler, app.SCIM and the SQLite store: the token check, the count,
// the page query and the JSON.
func BenchmarkSCIMList10k(b *testing.B) {
	h, token := scimDirectory(b, 10000)
	for _, tc := range []struct{ name, query string }{
		{"startIndex=1", "startIndex=1&count=100"},
		{"startIndex=5001", "startIndex=5001&count=100"},
		{"startIndex=9901", "startIndex=9901&count=100"},
		{"filter=userName", "filter=" + url.QueryEscape(`userName eq "user04711@example.com"`)},
	} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				resp := h.Serve(context.Background(), scim.Request{Method: "GET", Path: "/Users", RawQuery: tc.query, Authorization: "Bearer " + token})
				if resp.Status != 200 {
					b.Fatalf("%d %s", resp.Status, resp.Body)
				}
			}
		})
	}
}
