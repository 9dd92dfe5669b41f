package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
)

// Backup writes a consistent copy of the database to path while the server
// may keep running (SQLite's VACUUM INTO reads one snapshot), then checks
// the copy with PRAGMA integrity_check. path must not exist yet.
func (db *DB) Backup(ctx context.Context, path string) (err error) {
	defer wrapErr(&err, "backup")
	if db.pg {
		return ErrBackupPostgres
	}
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("%s exists already", path)
	}
	// A connection of its own: the read pool is query_only, and the write
	// connection must stay free for the running server.
	c, err := sql.Open("sqlite", dsn(db.path, false))
	if err != nil {
		return err
	}
	defer c.Close()
	if _, err := c.ExecContext(ctx, `VACUUM INTO ?`, path); err != nil {
		os.Remove(path)
		return err
	}
	if err := CheckFile(ctx, path); err != nil {
		os.Remove(path)
		return err
	}
	return os.Chmod(path, 0o600)
}

// ErrBackupPostgres is Backup's answer on PostgreSQL, whose own tools
// make consistent online copies.
var ErrBackupPostgres = errors.New("kipass backup copies SQLite databases; on PostgreSQL use pg_dump (see docs/BACKUPS.md)")

// CheckFile runs PRAGMA integrity_check on a database file.
func CheckFile(ctx context.Context, path string) error {
	c, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		return err
	}
	defer c.Close()
	var res string
	if err := c.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&res); err != nil {
		return fmt.Errorf("store: integrity check of %s: %w", path, err)
	}
	if res != "ok" {
		return fmt.Errorf("store: integrity check of %s: %s", path, res)
	}
	return nil
}
