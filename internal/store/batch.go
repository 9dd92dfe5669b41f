package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// Group commit. SQLite has one writer, and with synchronous=FULL every
// commit waits for the disk: under load the write transactions queue on
// that one connection, each paying its own flush. The batcher runs the
// transactions waiting at the same moment in one SQLite transaction, each
// inside its own savepoint (a failing one is rolled back alone, as if it
// had run by itself), and commits them with one flush. Every caller waits
// for that commit: a write is acknowledged only once it is on disk, and a
// crash leaves either all of a batch or none of it, never half a record.
// Statements within a batch run one after the other, in arrival order, so
// each sees the writes before it exactly as with separate transactions.

// maxBatch bounds the transactions committed together.
const maxBatch = 64

// writeReq is one write transaction waiting for the batcher.
type writeReq struct {
	ctx    context.Context
	fn     func(*sql.Tx) error
	notify bool
	done   chan error
}

// errClosed answers writes after Close.
var errClosed = errors.New("store: the database is closed")

// startBatcher starts the goroutine that runs the write transactions; Close
// stops it.
func (db *DB) startBatcher() {
	db.writes = make(chan writeReq)
	db.stop = make(chan struct{})
	db.stopped = make(chan struct{})
	go func() {
		defer close(db.stopped)
		for {
			select {
			case r := <-db.writes:
				db.runBatch(r)
			case <-db.stop:
				return
			}
		}
	}()
}

// batched hands fn to the batcher and waits for its outcome. Once handed
// over it waits for the commit even when ctx ends, so that a caller is
// never left unsure whether its write happened.
func (db *DB) batched(ctx context.Context, fn func(*sql.Tx) error, notify bool) error {
	r := writeReq{ctx: ctx, fn: fn, notify: notify, done: make(chan error, 1)}
	select {
	case db.writes <- r:
	case <-ctx.Done():
		return ctx.Err()
	case <-db.stop:
		return errClosed
	}
	return <-r.done
}

// runBatch runs first and whatever else is waiting, and commits them.
func (db *DB) runBatch(first writeReq) {
	batch := []writeReq{first}
collect:
	for len(batch) < maxBatch {
		select {
		case r := <-db.writes:
			batch = append(batch, r)
		default:
			break collect
		}
	}
	results := make([]error, len(batch))
	finish := func(err error) {
		for i, r := range batch {
			if err != nil {
				r.done <- err
			} else {
				r.done <- results[i]
			}
		}
	}
	if len(batch) == 1 { // nothing to share: a plain transaction
		r := batch[0]
		finish(db.runTx(r.ctx, r.fn, r.notify))
		return
	}
	tx, err := db.write.BeginTx(context.Background(), nil)
	if err != nil {
		finish(err)
		return
	}
	for i, r := range batch {
		if err := r.ctx.Err(); err != nil {
			results[i] = err
			continue
		}
		if _, err := tx.Exec("SAVEPOINT w"); err != nil {
			tx.Rollback()
			finish(fmt.Errorf("store: write batch: %w", err))
			return
		}
		if results[i] = r.fn(tx); results[i] != nil {
			if _, err := tx.Exec("ROLLBACK TO w"); err != nil {
				tx.Rollback()
				finish(fmt.Errorf("store: write batch: %w", err))
				return
			}
		}
		if _, err := tx.Exec("RELEASE w"); err != nil {
			tx.Rollback()
			finish(fmt.Errorf("store: write batch: %w", err))
			return
		}
	}
	if err := tx.Commit(); err != nil {
		finish(fmt.Errorf("store: write batch: %w", err))
		return
	}
	finish(nil)
}
