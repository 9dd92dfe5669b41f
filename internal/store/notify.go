package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/jackc/pgx/v5"
)

// changesChannel is the PostgreSQL notification channel on which every
// counted write transaction announces itself, so that each instance's
// Generation also counts the other instances' writes (the HR report cache
// then sees them at once, not after its minute).
const changesChannel = "kipass_changes"

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
	if _, err := conn.Exec(ctx, `LISTEN `+changesChannel); err != nil {
		return err
	}
	listening()
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		if n.Payload == schema {
			db.gen.Add(1)
		}
	}
}
