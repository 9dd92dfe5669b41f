package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"kipass/internal/store"
)

func cmdBackup(ctx context.Context, args []string, e env) error {
	fs := newFlags("backup", e)
	data := fs.String("data", "./data", "data `directory` of the kipass installation")
	database := databaseFlag(fs)
	fs.Usage = func() {
		fmt.Fprintln(e.stderr, "usage: kipass backup FILE --data DIR (SQLite; PostgreSQL: pg_dump)")
		fmt.Fprintln(e.stderr, "\nWrites a consistent copy of the database to FILE while the server may keep running, and checks it")
		fmt.Fprintln(e.stderr, "with PRAGMA integrity_check. Restore: stop the server, move DATA/kipass.db, kipass.db-wal and")
		fmt.Fprintln(e.stderr, "kipass.db-shm aside (a leftover -wal file would be replayed onto the restored copy), copy FILE")
		fmt.Fprintln(e.stderr, "to DATA/kipass.db, start the server again. See docs/BACKUPS.md; serve --backup-dir makes backups on a schedule.")
		fmt.Fprintln(e.stderr, "The signing keys in DATA/keys are not in the database: back them up separately.")
		fs.PrintDefaults()
	}
	positional, err := parseInterleaved(fs, args, e)
	if err != nil {
		return err
	}
	if len(positional) != 1 {
		fs.Usage()
		return fail(2, "give exactly one backup file")
	}
	if *database != "" {
		// A PostgreSQL database is backed up with PostgreSQL's own tools,
		// which copy it consistently while kipass keeps running.
		return fail(1, "kipass backup copies SQLite databases; for PostgreSQL run pg_dump, e.g. pg_dump --format=custom --file=%s \"$KIPASS_DATABASE\" (docs/BACKUPS.md)", positional[0])
	}
	if _, err := os.Stat(filepath.Join(*data, store.FileName)); err != nil {
		return fail(1, "no database in %s", *data)
	}
	db, err := store.Open(ctx, *data)
	if err != nil {
		return fail(1, "cannot open the database: %v", err)
	}
	defer db.Close()
	if err := db.Backup(ctx, positional[0]); err != nil {
		return fail(1, "%v", err)
	}
	fmt.Fprintf(e.stdout, "backup written to %s (integrity check ok)\n", positional[0])
	return nil
}
