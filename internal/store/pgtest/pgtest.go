// Package pgtest gives tests a PostgreSQL database of their own: a fresh
// schema on the server named by KIPASS_TEST_POSTGRES, dropped when the
// test ends. Without the variable the test skips and says how to run it;
// .ci/run sets it, so there the PostgreSQL tests are required.
package pgtest

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver for creating schemas
)

// Env names the variable with the test server's URL, e.g.
// postgres://kipass:kipass@127.0.0.1:5432/kipass_test.
const Env = "KIPASS_TEST_POSTGRES"

// EngineEnv, set to "postgres", makes test suites that build a whole
// server (web, internal/app) run on PostgreSQL instead of SQLite; .ci/run
// runs them once more that way.
const EngineEnv = "KIPASS_TEST_ENGINE"

// OnPostgres reports whether EngineEnv asks for PostgreSQL.
func OnPostgres() bool { return os.Getenv(EngineEnv) == "postgres" }

// Server returns the test server's URL or skips the test.
func Server(tb testing.TB) string {
	tb.Helper()
	base := os.Getenv(Env)
	if base == "" {
		tb.Skipf("PostgreSQL tests skipped: set %s=postgres://user:password@127.0.0.1:5432/db to run them (.ci/run does)", Env)
	}
	return base
}

// SchemaURL creates an empty schema on the test server and returns the
// server's URL with search_path set to it; the schema is dropped when the
// test ends. It skips the test without a server.
func SchemaURL(tb testing.TB) string {
	tb.Helper()
	base := Server(tb)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		tb.Fatal(err)
	}
	b := make([]byte, 6)
	rand.Read(b)
	schema := "kipass_test_" + hex.EncodeToString(b)
	if _, err := admin.Exec(`CREATE SCHEMA ` + schema); err != nil {
		admin.Close()
		tb.Fatalf("create a test schema on %s: %v", Env, err)
	}
	tb.Cleanup(func() {
		if _, err := admin.Exec(`DROP SCHEMA ` + schema + ` CASCADE`); err != nil {
			tb.Errorf("drop test schema: %v", err)
		}
		admin.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		tb.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
