package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"

	"kipass/internal/errs"
)

// IsPostgresURL reports whether s names a PostgreSQL database
// (postgres:// or postgresql://), the form --database takes.
func IsPostgresURL(s string) bool {
	return strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://")
}

// OpenPostgres connects to the PostgreSQL database named by the URL
// (postgres://user:password@host/dbname?sslmode=...) and runs pending
// migrations (migrations_pg/*.sql). Several instances may open the same
// database at once: the migrations take a lock, so each runs once.
//
// The queries are the same as on SQLite: the connection rewrites SQLite's
// ? and ?N placeholders into $N, and the few statements that differ ask
// db.pg. See docs/decisions/0005-postgresql.md.
func OpenPostgres(ctx context.Context, databaseURL string) (*DB, error) {
	if !IsPostgresURL(databaseURL) {
		return nil, errors.New("store: the database URL must start with postgres:// or postgresql://")
	}
	cfg, err := pgx.ParseConfig(databaseURL)
	if err != nil {
		return nil, fmt.Errorf("store: database URL: %s", redactParseError(err))
	}
	if cfg.RuntimeParams == nil {
		cfg.RuntimeParams = map[string]string{}
	}
	// Times are stored as Unix seconds; the session time zone only shows
	// in psql, and UTC keeps what operators read there unambiguous.
	cfg.RuntimeParams["timezone"] = "UTC"
	pool := sql.OpenDB(rebindConnector{stdlib.GetConnector(*cfg)})
	// Each instance keeps at most 16 connections: PostgreSQL's default
	// max_connections of 100 then serves several instances and psql.
	pool.SetMaxOpenConns(16)
	pool.SetMaxIdleConns(8)
	pool.SetConnMaxIdleTime(5 * time.Minute)
	db := &DB{write: pool, read: pool, pg: true, pgURL: databaseURL, Now: time.Now, keysRotated: make(chan struct{}, 1)}
	if err := pool.PingContext(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("store: connect to PostgreSQL: %w", err)
	}
	if err := db.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	lctx, stop := context.WithCancel(context.Background())
	db.stopListening, db.listening = stop, make(chan struct{})
	ready := make(chan error, 1)
	go func() {
		defer close(db.listening)
		db.listenChanges(lctx, cfg, ready)
	}()
	if err := <-ready; err != nil {
		db.Close()
		return nil, fmt.Errorf("store: listen for other instances' changes: %w", err)
	}
	return db, nil
}

// redactParseError keeps a password in a malformed URL out of messages:
// pgx's parse errors quote the connection string.
func redactParseError(err error) string {
	var pe *pgconn.ParseConfigError
	if errors.As(err, &pe) {
		return "cannot be parsed (check its form: postgres://user:password@host:5432/dbname)"
	}
	return err.Error()
}

// Redact returns the database URL without its password, for messages.
func Redact(databaseURL string) string {
	u, err := url.Parse(databaseURL)
	if err != nil {
		return "postgres://..."
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

// Advisory lock keys (pg_advisory_xact_lock) of the transactions that
// SQLite serialises through its one writer and PostgreSQL must serialise
// explicitly. The numbers are arbitrary but fixed: every instance must use
// the same ones.
const (
	lockMigrations int64 = 0x6b69_7061_7373_0001 // "kipass" 1
	lockAdmins     int64 = 0x6b69_7061_7373_0002 // first admin, last admin, import
	// 0x6b69_7061_7373_0003 locked the next status list position while
	// positions were sequential; they are random now (certificates.go),
	// and the number stays unused so no old instance's lock collides.
)

// lock takes a transaction-scoped advisory lock on PostgreSQL. On SQLite
// every write transaction holds the one write lock already.
func (db *DB) lock(ctx context.Context, tx *sql.Tx, key int64) error {
	if !db.pg {
		return nil
	}
	_, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(?)`, key)
	return err
}

// lockUser locks the account's row until the transaction ends, so that
// decisions about one person (attempts in the last 24 hours, the one
// certificate of a pass) are taken one at a time on PostgreSQL. FOR NO KEY
// UPDATE does not block inserts that reference the row. On SQLite the
// write transaction is exclusive already.
func (db *DB) lockUser(ctx context.Context, tx *sql.Tx, userID int64) error {
	if !db.pg {
		return nil
	}
	var one int
	err := tx.QueryRowContext(ctx, `SELECT 1 FROM users WHERE id = ? FOR NO KEY UPDATE`, userID).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return errNoUser
	}
	return err
}

// forUpdate is the row-lock clause of a SELECT inside a write
// transaction: FOR UPDATE on PostgreSQL, nothing on SQLite (whose write
// transactions exclude each other).
func (db *DB) forUpdate() string {
	if db.pg {
		return ` FOR UPDATE`
	}
	return ``
}

// insertOrder is the column that orders attempts as they were inserted,
// the tie-break for attempts started in the same second: SQLite's rowid,
// an identity column on PostgreSQL.
func (db *DB) insertOrder() string {
	if db.pg {
		return `seq`
	}
	return `rowid`
}

func isUniquePG(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505"
}

// rebind rewrites SQLite placeholders into PostgreSQL's: ?N becomes $N and
// each bare ? the next $N. Quoted strings, quoted identifiers and
// comments are left as they are.
func rebind(q string) string {
	if !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 16)
	n := 0
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case c == '\'' || c == '"':
			j := i + 1
			for j < len(q) && q[j] != c {
				j++
			}
			b.WriteString(q[i:min(j+1, len(q))])
			i = j
		case c == '-' && i+1 < len(q) && q[i+1] == '-':
			j := strings.IndexByte(q[i:], '\n')
			if j < 0 {
				j = len(q) - i
			}
			b.WriteString(q[i : i+j])
			i += j - 1
		case c == '?':
			j := i + 1
			for j < len(q) && q[j] >= '0' && q[j] <= '9' {
				j++
			}
			b.WriteByte('$')
			if j > i+1 {
				b.WriteString(q[i+1 : j])
			} else {
				n++
				fmt.Fprint(&b, n)
			}
			i = j - 1
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// rebindConnector opens pgx connections whose queries are rebound, so the
// store's SQL is written once for both engines.
type rebindConnector struct{ base driver.Connector }

func (c rebindConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.base.Connect(ctx)
	if err != nil {
		return nil, err
	}
	sc, ok := conn.(*stdlib.Conn)
	if !ok {
		conn.Close()
		return nil, fmt.Errorf("store: unexpected PostgreSQL connection type %T", conn)
	}
	return &rebindConn{sc}, nil
}

func (c rebindConnector) Driver() driver.Driver { return c.base.Driver() }

// rebindConn is a pgx connection that rebinds every query; the rest of
// its methods (transactions, ping, session reset, argument checks) are
// pgx's own.
type rebindConn struct{ *stdlib.Conn }

func (c *rebindConn) Prepare(q string) (driver.Stmt, error) { return c.Conn.Prepare(rebind(q)) }

func (c *rebindConn) PrepareContext(ctx context.Context, q string) (driver.Stmt, error) {
	return c.Conn.PrepareContext(ctx, rebind(q))
}

func (c *rebindConn) ExecContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Result, error) {
	return c.Conn.ExecContext(ctx, rebind(q), args)
}

// errUnstorableText answers text that PostgreSQL cannot hold (a NUL byte
// or invalid UTF-8; SQLite stores any bytes): bad input, never a server
// error. No stored value can equal such text, so nothing is lost.
var errUnstorableText = errs.New(errs.Invalid, "invalid_text", "The input contains characters that cannot be stored.")

// CheckNamedValue refuses unstorable text before it reaches the server,
// then lets pgx check the value as usual.
func (c *rebindConn) CheckNamedValue(nv *driver.NamedValue) error {
	if s, ok := nv.Value.(string); ok && (strings.IndexByte(s, 0) >= 0 || !utf8.ValidString(s)) {
		return errUnstorableText
	}
	return c.Conn.CheckNamedValue(nv)
}

func (c *rebindConn) QueryContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Rows, error) {
	return c.Conn.QueryContext(ctx, rebind(q), args)
}
