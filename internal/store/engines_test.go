package store

import (
	"context"
	"path/filepath"
	"testing"

	"kipass/internal/store/pgtest"
)

// eachEngine runs fn as the subtests "sqlite" (a database in t.TempDir())
// and "postgres" (a fresh schema on $KIPASS_TEST_POSTGRES, see pgtest). Without the
// variable the PostgreSQL subtest skips and says how to run it.
func eachEngine(t *testing.T, fn func(t *testing.T, db *DB)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, openTest(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, openTestPostgres(t)) })
}

// openTestPostgres opens a migrated PostgreSQL store in a fresh schema.
func openTestPostgres(t testing.TB) *DB {
	t.Helper()
	db, err := OpenPostgres(context.Background(), pgtest.SchemaURL(t))
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
