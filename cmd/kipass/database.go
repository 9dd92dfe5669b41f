package main

import (
	"context"
	"flag"

	"kipass/internal/store"
)

// databaseUsage is the help text of --database on every command that opens
// the database.
const databaseUsage = "PostgreSQL `URL` to keep the data in instead of SQLite in --data, e.g. postgres://kipass:PASSWORD@db.internal:5432/kipass (see docs/SCALING.md)"

// databaseFlag registers --database (KIPASS_DATABASE).
func databaseFlag(fs *flag.FlagSet) *string {
	return fs.String("database", "", databaseUsage)
}

// checkDatabaseURL reports a --database value that is not a PostgreSQL URL,
// before anything is opened.
func checkDatabaseURL(u string) error {
	if u != "" && !store.IsPostgresURL(u) {
		return fail(2, "--database must be a PostgreSQL URL (postgres://user:password@host:5432/dbname); without it the SQLite database in --data is used")
	}
	return nil
}

// openDatabase opens the PostgreSQL database when databaseURL is set,
// otherwise the SQLite database in dir, and runs pending migrations.
func openDatabase(ctx context.Context, dir, databaseURL string) (*store.DB, error) {
	if databaseURL != "" {
		return store.OpenPostgres(ctx, databaseURL)
	}
	return store.Open(ctx, dir)
}

// databaseName names the database for messages (without a password).
func databaseName(dir, databaseURL string) string {
	if databaseURL != "" {
		return store.Redact(databaseURL)
	}
	return "the database in " + dir
}
