package store

import (
	"context"
	"hash/fnv"
	"time"
)

// RunJobOnce runs the named periodic job when its period has passed since
// its last recorded run, and records the run when it succeeds. Across
// instances on one PostgreSQL database it runs once: the job's advisory
// lock is tried first (an instance that does not get it skips, another is
// running the job), and the last run is read again under the lock, so a
// run that just finished elsewhere is not repeated. On SQLite one process
// serves the file; a mutex keeps its own calls apart. ran reports whether
// run was called.
func (db *DB) RunJobOnce(ctx context.Context, name string, every time.Duration, now time.Time, run func(context.Context) error) (ran bool, err error) {
	if db.pg {
		conn, err := db.write.Conn(ctx)
		if err != nil {
			return false, err
		}
		defer conn.Close()
		key := jobLockKey(name)
		var got bool
		if err := conn.QueryRowContext(ctx, `SELECT pg_try_advisory_lock(?)`, key).Scan(&got); err != nil {
			return false, err
		}
		if !got {
			return false, nil
		}
		// The session lock ends with the connection too, should the
		// unlock fail; a fresh context so a cancelled job still unlocks.
		defer conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock(?)`, key)
	} else {
		db.jobMu.Lock()
		defer db.jobMu.Unlock()
	}
	last, err := db.JobLastRun(ctx, name)
	if err != nil {
		return false, err
	}
	if !last.IsZero() && now.Sub(last) < every {
		return false, nil
	}
	if err := run(ctx); err != nil {
		return true, err
	}
	return true, db.SetJobRun(ctx, name, now)
}

// jobLockKey is the advisory lock key of a job: the job name's FNV-1a hash
// with the top bits fixed, so it cannot collide with the keys in
// postgres.go.
func jobLockKey(name string) int64 {
	h := fnv.New64a()
	h.Write([]byte("kipass job " + name))
	return int64(h.Sum64()>>8) | 0x6b<<56
}
