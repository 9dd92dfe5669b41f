package store

import (
	"context"
	"database/sql"
	"errors"
	"sync"
	"testing"
	"time"
)

// Write transactions that arrive together are committed together, and
// each keeps its own outcome: a failing one leaves nothing behind, the
// others are all there; a caller that gets nil finds its write on disk
// after reopening the file.
func TestGroupCommitKeepsEachOutcome(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := openProbe(t, dir)
	const writers = 200
	errFail := errors.New("refused")
	results := make([]error, writers)
	var wg sync.WaitGroup
	for i := range writers {
		wg.Go(func() {
			results[i] = db.tx(ctx, func(tx *sql.Tx) error {
				if _, err := tx.ExecContext(ctx, `INSERT INTO batch_probe (n) VALUES (?)`, i); err != nil {
					return err
				}
				if i%3 == 0 {
					return errFail // after its insert: the insert must go too
				}
				if i%7 == 0 { // a constraint error inside the batch
					_, err := tx.ExecContext(ctx, `INSERT INTO batch_probe (n) VALUES (?)`, i)
					return err
				}
				return nil
			})
		})
	}
	wg.Wait()
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for i, err := range results {
		var n int
		qerr := db.read.QueryRowContext(ctx, `SELECT count(*) FROM batch_probe WHERE n = ?`, i).Scan(&n)
		if qerr != nil {
			t.Fatal(qerr)
		}
		switch {
		case i%3 == 0:
			if !errors.Is(err, errFail) || n != 0 {
				t.Errorf("writer %d: err %v, %d rows; want refused and none", i, err, n)
			}
		case i%7 == 0:
			if err == nil || n != 0 {
				t.Errorf("writer %d: err %v, %d rows; want a constraint error and none", i, err, n)
			}
		default:
			if err != nil || n != 1 {
				t.Errorf("writer %d: err %v, %d rows; want its row", i, err, n)
			}
		}
	}
}

// BenchmarkParallelWrites measures durable write transactions per second
// with many writers at once (group commit shares each flush).
func BenchmarkParallelWrites(b *testing.B) {
	ctx := context.Background()
	db, err := Open(ctx, b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if err := db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `CREATE TABLE batch_probe (n INTEGER)`)
		return err
	}); err != nil {
		b.Fatal(err)
	}
	b.SetParallelism(32)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := db.tx(ctx, func(tx *sql.Tx) error {
				_, err := tx.ExecContext(ctx, `INSERT INTO batch_probe (n) VALUES (1)`)
				return err
			}); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// A write whose request ends while its statement runs is interrupted, and
// SQLite then rolls back the whole shared transaction. The writes batched
// with it must not pay for that: they are run again without it, and each
// caller gets its own outcome.
func TestGroupCommitSurvivesAnInterruptedNeighbour(t *testing.T) {
	ctx := context.Background()
	db := openProbe(t, t.TempDir())
	defer db.Close()
	insert := func(n int) func(*sql.Tx) error {
		return func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO batch_probe (n) VALUES (?)`, n)
			return err
		}
	}
	slowCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	slow := func(tx *sql.Tx) error {
		go func() { time.Sleep(30 * time.Millisecond); cancel() }()
		// Long enough to be running when its context ends.
		_, err := tx.ExecContext(slowCtx, `INSERT INTO batch_probe (n)
			WITH RECURSIVE c(x) AS (SELECT 1000 UNION ALL SELECT x + 1 FROM c WHERE x < 50000000) SELECT x FROM c`)
		return err
	}
	reqs := []writeReq{
		{ctx: ctx, fn: insert(1), done: make(chan error, 1)},
		{ctx: slowCtx, fn: slow, done: make(chan error, 1)},
		{ctx: ctx, fn: insert(3), done: make(chan error, 1)},
	}
	db.commitBatch(reqs)
	for i, r := range reqs {
		err := <-r.done
		if i == 1 {
			if err == nil {
				t.Errorf("the interrupted write reports success")
			}
			continue
		}
		if err != nil {
			t.Errorf("write %d failed with its neighbour: %v", i, err)
		}
	}
	var got []int
	rows, err := db.read.QueryContext(ctx, `SELECT n FROM batch_probe ORDER BY n`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var n int
		rows.Scan(&n)
		got = append(got, n)
	}
	if len(got) != 2 || got[0] != 1 || got[1] != 3 {
		t.Errorf("rows after the batch: %d rows, first %v (want exactly 1 and 3)", len(got), got[:min(len(got), 3)])
	}
}

// openProbe opens the SQLite store in dir with a table batch_probe (n) for
// the group-commit tests; on PostgreSQL they are skipped.
func openProbe(t *testing.T, dir string) *DB {
	t.Helper()
	ctx := context.Background()
	db, err := Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	if db.Postgres() {
		db.Close()
		t.Skip("group commit is SQLite's")
	}
	if err := db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `CREATE TABLE batch_probe (n INTEGER PRIMARY KEY)`)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return db
}
