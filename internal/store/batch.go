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
	db.commitBatch(batch)
}

// commitBatch runs the batch in one transaction and answers every caller.
// When a request ends while its statement runs, SQLite interrupts the
// statement and rolls back the whole transaction, its neighbours' work
// included; nothing of the batch is then committed, so the requests still
// waiting are run again without the ended ones, rather than all failing.
func (db *DB) commitBatch(batch []writeReq) {
	for len(batch) > 0 {
		if len(batch) == 1 { // nothing to share: a plain transaction
			r := batch[0]
			r.done <- db.runTx(r.ctx, r.fn, r.notify)
			return
		}
		results, beforeCommit, err := db.tryBatch(batch)
		if err == nil {
			for i, r := range batch {
				r.done <- results[i]
			}
			return
		}
		var live []writeReq
		for _, r := range batch {
			if beforeCommit && r.ctx.Err() != nil {
				r.done <- r.ctx.Err()
			} else {
				live = append(live, r)
			}
		}
		if len(live) == len(batch) { // not caused by an ended request
			for _, r := range batch {
				r.done <- err
			}
			return
		}
		batch = live
	}
}

// tryBatch runs the batch's transactions, each in its own savepoint, in
// one transaction and commits it. It returns each transaction's outcome,
// or an error for the batch as a whole; beforeCommit tells that the batch
// failed before its commit was attempted (so nothing of it was committed).
func (db *DB) tryBatch(batch []writeReq) (results []error, beforeCommit bool, err error) {
	results = make([]error, len(batch))
	tx, err := db.write.BeginTx(context.Background(), nil)
	if err != nil {
		return nil, true, err
	}
	for i, r := range batch {
		if err := r.ctx.Err(); err != nil {
			results[i] = err
			continue
		}
		if _, err := tx.Exec("SAVEPOINT w"); err != nil {
			tx.Rollback()
			return nil, true, fmt.Errorf("store: write batch: %w", err)
		}
		if results[i] = r.fn(tx); results[i] != nil {
			if _, err := tx.Exec("ROLLBACK TO w"); err != nil {
				tx.Rollback()
				return nil, true, fmt.Errorf("store: write batch: %w", err)
			}
		}
		if _, err := tx.Exec("RELEASE w"); err != nil {
			tx.Rollback()
			return nil, true, fmt.Errorf("store: write batch: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, false, fmt.Errorf("store: write batch: %w", err)
	}
	return results, false, nil
}
