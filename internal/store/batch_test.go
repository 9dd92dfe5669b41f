package store

import (
	"context"
	"database/sql"
	"errors"
	"sync"
	"testing"
)

// Write transactions that arrive together are committed together, and
// each keeps its own outcome: a failing one leaves nothing behind, the
// others are all there; a caller that gets nil finds its write on disk
// after reopening the file.
func TestGroupCommitKeepsEachOutcome(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	if db.Postgres() {
		t.Skip("group commit is SQLite's")
	}
	if err := db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `CREATE TABLE batch_probe (n INTEGER PRIMARY KEY)`)
		return err
	}); err != nil {
		t.Fatal(err)
	}
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
	db, err = Open(ctx, dir)
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
