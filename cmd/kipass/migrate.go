package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"kipass/internal/store"
)

// cmdMigrate copies a SQLite installation into an empty PostgreSQL
// database: kipass migrate --from-sqlite DIR --to postgres://...
func cmdMigrate(ctx context.Context, args []string, e env) error {
	fs := newFlags("migrate", e)
	from := fs.String("from-sqlite", "", "data `directory` of the SQLite installation to copy (its kipass.db)")
	to := fs.String("to", "", "`URL` of the new, empty PostgreSQL database (postgres://user:password@host:5432/db)")
	fs.Usage = func() {
		fmt.Fprintln(e.stderr, "usage: kipass migrate --from-sqlite DIR --to postgres://...")
		fmt.Fprintln(e.stderr, "\nCopies every table of DIR/kipass.db (accounts, sessions, attempts, certificates, the audit log, ...)")
		fmt.Fprintln(e.stderr, "into an empty PostgreSQL database in one transaction, then compares row counts and a checksum per")
		fmt.Fprintln(e.stderr, "table. It refuses a database that holds any row. The signing keys (DIR/keys) are files, not")
		fmt.Fprintln(e.stderr, "tables: give the PostgreSQL instances the same keys (docs/SCALING.md).")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args, e); err != nil {
		return err
	}
	if *from == "" || *to == "" {
		fs.Usage()
		return fail(2, "give --from-sqlite DIR and --to postgres://...")
	}
	if err := checkDatabaseURL(*to); err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(*from, store.FileName)); err != nil {
		return fail(1, "no kipass database in %s", *from)
	}
	src, err := store.Open(ctx, *from)
	if err != nil {
		return fail(1, "cannot open the database in %s: %v", *from, err)
	}
	defer src.Close()
	dst, err := store.OpenPostgres(ctx, *to)
	if err != nil {
		return fail(1, "cannot open %s: %v", store.Redact(*to), err)
	}
	defer dst.Close()
	copied, err := src.CopyTo(ctx, dst)
	if err != nil {
		return fail(1, "%v", err)
	}
	total := 0
	for _, c := range copied {
		fmt.Fprintf(e.stdout, "%-16s %8d rows  checksum %s\n", c.Table, c.Rows, c.Checksum[:16])
		total += c.Rows
	}
	fmt.Fprintf(e.stdout, "copied %d rows into %s; counts and checksums match. Start the instances with --database and the keys of %s.\n",
		total, store.Redact(*to), filepath.Join(*from, "keys"))
	return nil
}
