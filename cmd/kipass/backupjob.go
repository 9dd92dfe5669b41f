package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"kipass/internal/store"
)

// backupConfig holds the scheduled-backup flags of `kipass serve`.
type backupConfig struct {
	Dir   string
	Every time.Duration
	Keep  int
}

func (c *backupConfig) register(fs *flag.FlagSet) {
	fs.StringVar(&c.Dir, "backup-dir", "", "`directory` for scheduled database backups (created with mode 0700; default: no scheduled backups)")
	fs.DurationVar(&c.Every, "backup-every", 24*time.Hour, "time between scheduled backups (at least 1m)")
	fs.IntVar(&c.Keep, "backup-keep", 7, "scheduled backups to keep; older kipass-*.db files in --backup-dir are deleted")
}

// check validates the flags and creates the backup directory.
func (c *backupConfig) check() error {
	if c.Every < time.Minute {
		return fail(1, "--backup-every %s is too short; give at least 1m, e.g. --backup-every 24h", c.Every)
	}
	if c.Keep < 1 {
		return fail(1, "--backup-keep %d: keep at least 1 backup", c.Keep)
	}
	if c.Dir == "" {
		return nil
	}
	if err := ensureDataDir(c.Dir); err != nil {
		return fail(1, "backup directory %s is not usable (%v); choose another with --backup-dir", c.Dir, err)
	}
	return nil
}

// job returns the backup job for db, or nil without --backup-dir.
func (c *backupConfig) job(db *store.DB, log *slog.Logger) *backupJob {
	if c.Dir == "" {
		return nil
	}
	return &backupJob{dir: c.Dir, every: c.Every, keep: c.Keep, backup: db.Backup, log: log, now: time.Now}
}

// Scheduled backups are named kipass-20261129T081500Z.db (UTC); the name
// sorts by time. They are written to a hidden .partial name first and
// renamed once the integrity check passed, so a kipass-*.db file is always a
// complete, checked backup.
const (
	backupPrefix  = "kipass-"
	backupSuffix  = ".db"
	backupStamp   = "20060102T150405Z"
	partialSuffix = ".partial"
)

func backupName(t time.Time) string {
	return backupPrefix + t.UTC().Format(backupStamp) + backupSuffix
}

// backupTime parses a scheduled backup's name. Files named otherwise are
// not the job's: it never deletes them.
func backupTime(name string) (time.Time, bool) {
	s, ok := strings.CutPrefix(name, backupPrefix)
	if !ok {
		return time.Time{}, false
	}
	if s, ok = strings.CutSuffix(s, backupSuffix); !ok {
		return time.Time{}, false
	}
	t, err := time.Parse(backupStamp, s)
	return t, err == nil
}

// backupJob makes a backup every interval and keeps the newest ones.
type backupJob struct {
	dir    string
	every  time.Duration
	keep   int
	backup func(ctx context.Context, path string) error // store.DB.Backup: VACUUM INTO and integrity check
	log    *slog.Logger
	now    func() time.Time
}

// task is the backup as a background task. The first backup is due one
// interval after the newest backup in the directory (at once when there is
// none), so restarts neither skip nor multiply backups. A failed run is
// logged and tried again after one interval; nothing here stops the server.
func (j *backupJob) task() task {
	j.removePartials()
	first := time.Duration(0)
	if last, ok := j.newest(); ok {
		first = max(0, last.Add(j.every).Sub(j.now()))
	}
	return task{name: "backup", first: first, every: j.every, run: j.runOnce}
}

// run makes backups until ctx ends (see task).
func (j *backupJob) run(ctx context.Context) {
	runTasks(ctx, j.task())
}

// runOnce makes one backup and prunes old ones, logging one line.
func (j *backupJob) runOnce(ctx context.Context) {
	start := time.Now()
	name, size, deleted, err := j.once(ctx)
	switch {
	case ctx.Err() != nil:
		j.log.Info("scheduled backup stopped by shutdown")
	case err != nil:
		j.log.Error("scheduled backup failed; trying again at the next run", "err", err, "next_in", j.every.String())
	default:
		j.log.Info("scheduled backup written", "file", name, "bytes", size, "deleted_old", deleted, "took", time.Since(start).Round(time.Millisecond).String())
	}
}

// once writes a backup and deletes the ones beyond keep. A panic is
// reported as an error: a bad backup run must not take the server down.
func (j *backupJob) once(ctx context.Context) (name string, size int64, deleted int, err error) {
	name = backupName(j.now())
	final := filepath.Join(j.dir, name)
	partial := filepath.Join(j.dir, "."+name+partialSuffix)
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v", p)
		}
		if err != nil {
			os.Remove(partial)
		}
	}()
	if _, err := os.Lstat(final); err == nil {
		return name, 0, 0, fmt.Errorf("%s exists already (clock set back?)", name)
	}
	os.Remove(partial)
	if err := j.backup(ctx, partial); err != nil {
		return name, 0, 0, err
	}
	// VACUUM INTO does not sync its output; the rename must not make a
	// backup visible whose bytes are still only in the page cache.
	if err := syncFile(partial); err != nil {
		return name, 0, 0, err
	}
	if err := os.Rename(partial, final); err != nil {
		return name, 0, 0, err
	}
	syncDir(j.dir)
	if fi, err := os.Stat(final); err == nil {
		size = fi.Size()
	}
	deleted, err = j.prune()
	return name, size, deleted, err
}

// prune deletes the oldest scheduled backups beyond keep.
func (j *backupJob) prune() (int, error) {
	names, err := j.backups()
	if err != nil || len(names) <= j.keep {
		return 0, err
	}
	n := 0
	for _, name := range names[:len(names)-j.keep] {
		if err := os.Remove(filepath.Join(j.dir, name)); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// backups lists the scheduled backups in the directory, oldest first.
func (j *backupJob) backups() ([]string, error) {
	entries, err := os.ReadDir(j.dir)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		if _, ok := backupTime(e.Name()); ok && e.Type().IsRegular() {
			names = append(names, e.Name())
		}
	}
	slices.Sort(names)
	return names, nil
}

// newest returns the time of the newest scheduled backup.
func (j *backupJob) newest() (time.Time, bool) {
	names, err := j.backups()
	if err != nil || len(names) == 0 {
		return time.Time{}, false
	}
	return backupTime(names[len(names)-1])
}

// removePartials deletes leftovers of runs that were killed mid-way.
func (j *backupJob) removePartials() {
	entries, _ := os.ReadDir(j.dir)
	for _, e := range entries {
		s, ok := strings.CutPrefix(e.Name(), ".")
		if !ok {
			continue
		}
		if s, ok = strings.CutSuffix(s, partialSuffix); ok && e.Type().IsRegular() {
			if _, ok := backupTime(s); ok {
				os.Remove(filepath.Join(j.dir, e.Name()))
			}
		}
	}
}

func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}
