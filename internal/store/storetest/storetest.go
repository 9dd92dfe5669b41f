// Package storetest opens the store that tests of whole use cases or
// servers run on: SQLite in a temporary directory, or with
// KIPASS_TEST_ENGINE=postgres a fresh schema on $KIPASS_TEST_POSTGRES
// (see pgtest), so the same scenarios prove both engines. .ci/run runs
// those packages once for each engine.
package storetest

import (
	"context"
	"testing"

	"kipass/internal/store"
	"kipass/internal/store/pgtest"
)

// Open opens a migrated, empty store for the test, closed when it ends.
func Open(tb testing.TB) *store.DB {
	tb.Helper()
	var db *store.DB
	var err error
	if pgtest.OnPostgres() {
		db, err = store.OpenPostgres(context.Background(), pgtest.SchemaURL(tb))
	} else {
		db, err = store.Open(context.Background(), tb.TempDir())
	}
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}
