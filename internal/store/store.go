// Package store keeps kipass's data in SQLite (modernc.org/sqlite, pure Go)
// or, for several instances, in PostgreSQL (pgx; see postgres.go). It is
// the only package that knows SQL. On SQLite writes go through one
// connection (SQLite allows one writer at a time; queuing in Go instead of
// retrying on SQLITE_BUSY means concurrent writers never fail), reads use a
// pool of read-only connections that WAL lets run beside the writer. On
// PostgreSQL one pool serves both, and the transactions that SQLite's one
// writer serialises take row or advisory locks.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"kipass/internal/errs"
)

//go:embed migrations/*.sql migrations_pg/*.sql
var migrations embed.FS

// DB is the kipass database.
type DB struct {
	path  string
	write *sql.DB
	read  *sql.DB
	stmts sync.Map // query text -> *sql.Stmt on the read pool
	gen   atomic.Uint64
	// counted: the change_counter table exists (migrations ran), so
	// write transactions count themselves in it.
	counted atomic.Bool
	// writes feeds the group-commit batcher (SQLite; see batch.go); nil
	// until it runs. stop ends it, stopped is closed when it has ended.
	writes        chan writeReq
	stop, stopped chan struct{}
	stopOnce      sync.Once
	// pg is set for PostgreSQL; write and read are then the same pool,
	// opened from pgURL.
	pg    bool
	pgURL string
	jobMu sync.Mutex // RunJobOnce on SQLite
	// stopListening ends the PostgreSQL change listener; listening is
	// closed when it has ended.
	stopListening context.CancelFunc
	listening     chan struct{}
	// keysRotated signals announced key rotations (KeysRotated).
	keysRotated chan struct{}
	// Now returns the current time; tests replace it.
	Now func() time.Time
	// StatusIndex picks a candidate status list position for a new
	// certificate; nil means uniformly at random. Tests replace it.
	StatusIndex func() int
}

// FileName is the database file's name inside the data directory.
const FileName = "kipass.db"

// Open opens (creating if needed) the database in dir and runs pending
// migrations. It returns only when the schema is current.
func Open(ctx context.Context, dir string) (*DB, error) {
	path := filepath.Join(dir, FileName)
	w, err := sql.Open("sqlite", dsn(path, false))
	if err != nil {
		return nil, fmt.Errorf("store: open: %w", err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	r, err := sql.Open("sqlite", dsn(path, true))
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("store: open: %w", err)
	}
	n := max(4, runtime.NumCPU()*2)
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	db := &DB{path: path, write: w, read: r, Now: time.Now}
	if err := db.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	db.counted.Store(true)
	db.startBatcher()
	return db, nil
}

// dsn builds the connection string. busy_timeout comes first so that the
// following pragmas already wait instead of failing.
func dsn(path string, readOnly bool) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	if !readOnly {
		q.Add("_pragma", "journal_mode(WAL)")
	}
	q.Add("_pragma", "foreign_keys(ON)")
	q.Add("_pragma", "synchronous(FULL)")
	q.Add("_pragma", "secure_delete(ON)")
	// A 16 MiB page cache per connection (the default is 2 MiB): large
	// reports read fewer pages from the file. (Memory-mapped I/O was tried
	// and made the quiz load about 40 % slower; see docs/PERFORMANCE.md.)
	q.Add("_pragma", "cache_size(-16384)")
	if readOnly {
		q.Add("_pragma", "query_only(ON)")
	} else {
		q.Set("_txlock", "immediate")
	}
	return "file:" + path + "?" + q.Encode()
}

// Close closes both connection pools.
func (db *DB) Close() error {
	if db.stop != nil {
		db.stopOnce.Do(func() { close(db.stop) })
		<-db.stopped
	}
	if db.stopListening != nil {
		db.stopListening()
		<-db.listening
	}
	db.stmts.Range(func(_, s any) bool { s.(*sql.Stmt).Close(); return true })
	if db.read == db.write {
		return db.write.Close()
	}
	return errors.Join(db.read.Close(), db.write.Close())
}

// row is what a single-row query returns: *sql.Row, or an error that Scan
// reports.
type row interface{ Scan(dest ...any) error }

type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }

// prepared returns the read statement for q, prepared once: SQLite's parser
// costs more than most of the queries themselves.
func (db *DB) prepared(ctx context.Context, q string) (*sql.Stmt, error) {
	if s, ok := db.stmts.Load(q); ok {
		return s.(*sql.Stmt), nil
	}
	s, err := db.read.PrepareContext(ctx, q)
	if err != nil {
		return nil, err
	}
	if prev, loaded := db.stmts.LoadOrStore(q, s); loaded {
		s.Close()
		return prev.(*sql.Stmt), nil
	}
	return s, nil
}

// queryRow runs a prepared single-row read.
func (db *DB) queryRow(ctx context.Context, q string, args ...any) row {
	s, err := db.prepared(ctx, q)
	if err != nil {
		return errRow{err}
	}
	return s.QueryRowContext(ctx, args...)
}

// query runs a prepared multi-row read.
func (db *DB) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	s, err := db.prepared(ctx, q)
	if err != nil {
		return nil, err
	}
	return s.QueryContext(ctx, args...)
}

// Path is the database file's path ("" on PostgreSQL).
func (db *DB) Path() string { return db.path }

// Postgres reports whether the database is PostgreSQL.
func (db *DB) Postgres() bool { return db.pg }

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) (err error) {
	defer wrapErr(&err, "ping")
	var one int
	return db.read.QueryRowContext(ctx, "SELECT 1").Scan(&one)
}

// JoinedPeople counts the active employee and HR accounts that have signed
// in at least once: with a password of their own (an invitation or reset
// link used, or self-registration) or through single sign-on.
func (db *DB) JoinedPeople(ctx context.Context) (n int, err error) {
	defer wrapErr(&err, "joined people")
	err = db.queryRow(ctx, `SELECT count(*) FROM users WHERE active = TRUE AND role IN ('employee', 'hr')
		AND (password_hash <> '' OR oidc_subject IS NOT NULL)`).Scan(&n)
	return n, err
}

// now returns the current time in Unix seconds.
func (db *DB) now() int64 { return db.Now().Unix() }

// tx runs fn in one write transaction and counts the change (see
// Generation).
func (db *DB) tx(ctx context.Context, fn func(*sql.Tx) error) error {
	err := db.write1(ctx, func(tx *sql.Tx) error {
		if err := fn(tx); err != nil {
			return err
		}
		if db.pg || !db.counted.Load() {
			return nil
		}
		_, err := tx.ExecContext(ctx, `UPDATE change_counter SET n = n + 1 WHERE id = 1`)
		return err
	}, true)
	if err != nil {
		return err
	}
	db.gen.Add(1)
	return nil
}

// txQuiet runs fn in one write transaction without counting it: for
// writes that change no data a report shows (the audit log).
func (db *DB) txQuiet(ctx context.Context, fn func(*sql.Tx) error) error {
	return db.write1(ctx, fn, false)
}

// write1 runs one write transaction: through the group-commit batcher on
// SQLite, directly on PostgreSQL (which commits concurrent transactions
// itself).
func (db *DB) write1(ctx context.Context, fn func(*sql.Tx) error, notify bool) error {
	if db.writes != nil {
		return db.batched(ctx, fn, notify)
	}
	return db.runTx(ctx, fn, notify)
}

// runTx runs fn in one write transaction; notify announces a counted
// change to the other instances (PostgreSQL).
func (db *DB) runTx(ctx context.Context, fn func(*sql.Tx) error, notify bool) error {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	if notify && db.pg {
		if err := notifyChange(ctx, tx); err != nil {
			tx.Rollback()
			return err
		}
	}
	return tx.Commit()
}

// Generation counts the write transactions committed to the database
// (audit entries aside): equal generations mean no data changed in
// between. On SQLite it is read from the file's change counter, so that a
// "kipass users import" run beside the server counts too; when the counter
// cannot be read, every call returns a new value (with the top bit set, so
// it never equals a stored count) and the caller reads the data afresh. On
// PostgreSQL it counts this process's write transactions and the other
// instances' ones as their notifications arrive (milliseconds), and one
// more whenever the notification connection was lost.
func (db *DB) Generation() uint64 {
	if db.pg {
		return db.gen.Load()
	}
	var n int64
	if err := db.queryRow(context.Background(), `SELECT n FROM change_counter WHERE id = 1`).Scan(&n); err != nil {
		return db.gen.Add(1) | 1<<63
	}
	return uint64(n)
}

// migrate runs the engine's pending migrations in order, each in its own
// transaction, and records them in schema_migrations. On PostgreSQL each
// transaction first takes the migrations lock, so instances starting
// together apply every file once.
func (db *DB) migrate(ctx context.Context) error {
	dir := "migrations/"
	if db.pg {
		dir = "migrations_pg/"
	}
	files, err := fs.Glob(migrations, dir+"*.sql")
	if err != nil {
		return err
	}
	sort.Strings(files)
	err = db.tx(ctx, func(tx *sql.Tx) error {
		if err := db.lock(ctx, tx, lockMigrations); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			name TEXT PRIMARY KEY, applied_at BIGINT NOT NULL)`)
		return err
	})
	if err != nil {
		return fmt.Errorf("store: migrations table: %w", err)
	}
	for _, f := range files {
		name := strings.TrimPrefix(f, dir)
		body, err := migrations.ReadFile(f)
		if err != nil {
			return err
		}
		err = db.tx(ctx, func(tx *sql.Tx) error {
			if err := db.lock(ctx, tx, lockMigrations); err != nil {
				return err
			}
			var done int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE name = ?`, name).Scan(&done); err != nil {
				return err
			}
			if done > 0 {
				return nil
			}
			if _, err := tx.ExecContext(ctx, string(body)); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)`, name, db.now())
			return err
		})
		if err != nil {
			return fmt.Errorf("store: migration %s: %w", name, err)
		}
	}
	return nil
}

// wrapErr names the store operation in a failure: "store: submit attempt:
// insert certificate: ...". The application's own answers (*errs.Error:
// not found, conflicts, app.ErrStale) pass unchanged, as their callers
// compare them.
func wrapErr(err *error, op string) {
	if *err != nil && errs.As(*err) == nil {
		*err = &opError{op: op, err: *err}
	}
}

// opError is a store failure with the operation it happened in.
type opError struct {
	op  string
	err error
}

func (e *opError) Error() string {
	return "store: " + e.op + ": " + strings.TrimPrefix(e.err.Error(), "store: ")
}

func (e *opError) Unwrap() error { return e.err }
