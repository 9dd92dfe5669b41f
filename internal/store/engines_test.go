package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver for the test schemas
)

// postgresEnv names the variable with the PostgreSQL server the tests use,
// e.g. postgres://kipass:kipass@127.0.0.1:5432/kipass_test. Each test gets
// a schema of its own there, dropped afterwards. .ci/run sets it, so in CI
// the PostgreSQL tests are required.
const postgresEnv = "KIPASS_TEST_POSTGRES"

// eachEngine runs fn as the subtests "sqlite" (a database in t.TempDir())
// and "postgres" (a fresh schema on $KIPASS_TEST_POSTGRES). Without the
// variable the PostgreSQL subtest skips and says how to run it.
func eachEngine(t *testing.T, fn func(t *testing.T, db *DB)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, openTest(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, openTestPostgres(t)) })
}

// postgresOnly skips the test without a PostgreSQL server and returns the
// server's URL.
func postgresOnly(t testing.TB) string {
	t.Helper()
	base := os.Getenv(postgresEnv)
	if base == "" {
		t.Skipf("PostgreSQL tests skipped: set %s=postgres://user:password@127.0.0.1:5432/db to run them (.ci/run does)", postgresEnv)
	}
	return base
}

// testSchemaURL creates an empty schema on the test server and returns
// the server's URL with search_path set to it; the schema is dropped when
// the test ends.
func testSchemaURL(t testing.TB) string {
	t.Helper()
	base := postgresOnly(t)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 6)
	rand.Read(b)
	schema := "kipass_test_" + hex.EncodeToString(b)
	if _, err := admin.Exec(`CREATE SCHEMA ` + schema); err != nil {
		admin.Close()
		t.Fatalf("create test schema on %s: %v", postgresEnv, err)
	}
	t.Cleanup(func() {
		if _, err := admin.Exec(`DROP SCHEMA ` + schema + ` CASCADE`); err != nil {
			t.Errorf("drop test schema: %v", err)
		}
		admin.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// openTestPostgres opens a migrated PostgreSQL store in a fresh schema.
func openTestPostgres(t testing.TB) *DB {
	t.Helper()
	db, err := OpenPostgres(context.Background(), testSchemaURL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// reopen opens the same database as db again (a restart of the server),
// closed when the test ends.
func reopen(t testing.TB, db *DB) *DB {
	t.Helper()
	var again *DB
	var err error
	if db.pg {
		again, err = OpenPostgres(context.Background(), db.pgURL)
	} else {
		again, err = Open(context.Background(), filepath.Dir(db.path))
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { again.Close() })
	return again
}
