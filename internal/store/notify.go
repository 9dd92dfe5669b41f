package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// changesChannel is the PostgreSQL notification channel on which every
// counted write transaction announces itself, so that each instance's
// Generation also counts the other instances' writes (the HR report cache
// then sees them at once, not after its minute).
const changesChannel = "kipass_changes"

// keysChannel carries `kipass keys rotate`'s announcement that the shared
// key directory holds a new key (NotifyKeysRotated); each instance then
// reads its key directory again at once (KeysRotated). The payload is the
// schema, as on changesChannel.
const keysChannel = "kipass_keys"

// NotifyKeysRotated tells every instance on the PostgreSQL database named
// by databaseURL that the signing keys changed. It opens one connection of
// its own and runs no migrations (a key rotation is no reason to change
// the schema).
func NotifyKeysRotated(ctx context.Context, databaseURL string) error {
	if !IsPostgresURL(databaseURL) {
		return errors.New("store: the database URL must start with postgres:// or postgresql://")
	}
	cfg, err := pgx.ParseConfig(databaseURL)
	if err != nil {
		return fmt.Errorf("store: database URL: %s", redactParseError(err))
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return fmt.Errorf("store: connect to PostgreSQL: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, `SELECT pg_notify('`+keysChannel+`', current_schema())`); err != nil {
		return fmt.Errorf("store: announce the key rotation: %w", err)
	}
	return nil
}

// KeysRotated receives a value when a key rotation was announced
// (NotifyKeysRotated), and when the notification connection was lost and
// is back (one may have been missed). It is nil on SQLite, where one
// instance reads its own key directory.
func (db *DB) KeysRotated() <-chan struct{} { return db.keysRotated }

// keysChanged signals KeysRotated without waiting: one pending signal is
// enough, since the receiver reads the whole directory.
func (db *DB) keysChanged() {
	select {
	case db.keysRotated <- struct{}{}:
	default:
	}
}

// notifyChange queues the change notification inside tx; PostgreSQL
// delivers it when tx commits (and not at all when it rolls back), once
// per transaction however often it is queued. The payload is the schema
// written to, so that installations (and tests) sharing one database in
// schemas of their own count only their own writes.
func notifyChange(ctx context.Context, tx *sql.Tx) error {
	_, err := tx.ExecContext(ctx, `SELECT pg_notify('`+changesChannel+`', current_schema())`)
	return err
}

// listenChanges counts the change notifications of all instances into
// db.gen until ctx ends. It holds a connection of its own (LISTEN needs
// one); when that connection breaks it counts one change (notifications
// may have been missed meanwhile) and connects again.
func (db *DB) listenChanges(ctx context.Context, cfg *pgx.ConnConfig, ready chan<- error) {
	wait := time.Second
	for first := true; ctx.Err() == nil; first = false {
		err := db.listenOnce(ctx, cfg, func() {
			if first {
				ready <- nil
			}
			wait = time.Second
		})
		if first && err != nil && ctx.Err() == nil {
			ready <- err
			return
		}
		db.gen.Add(1)
		db.keysChanged()
		select {
		case <-ctx.Done():
		case <-time.After(wait):
		}
		wait = min(2*wait, 30*time.Second)
	}
}

func (db *DB) listenOnce(ctx context.Context, cfg *pgx.ConnConfig, listening func()) error {
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var schema string
	if err := conn.QueryRow(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		return err
	}
	if _, err := conn.Exec(ctx, `LISTEN `+changesChannel+`; LISTEN `+keysChannel); err != nil {
		return err
	}
	listening()
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		switch {
		case n.Payload != schema:
		case n.Channel == keysChannel:
			db.keysChanged()
		default:
			db.gen.Add(1)
		}
	}
}
