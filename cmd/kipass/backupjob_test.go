package main

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"kipass/internal/store"
)

// fakeClock returns a time one hour later on every call, so that each
// backup gets its own name however fast the test runs.
func fakeClock(start time.Time) func() time.Time {
	var n atomic.Int64
	return func() time.Time { return start.Add(time.Duration(n.Add(1)) * time.Hour) }
}

// waitLog waits until the log contains want n times.
func waitLog(t *testing.T, log *syncBuffer, want string, n int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for strings.Count(log.String(), want) < n {
		if time.Now().After(deadline) {
			t.Fatalf("log has fewer than %d %q:\n%s", n, want, log.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func scheduledBackups(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	must(t, err)
	var names []string
	for _, e := range entries {
		if _, ok := backupTime(e.Name()); ok {
			names = append(names, e.Name())
		}
	}
	return names
}

// The job runs with a short interval against a real store: it keeps the
// newest 3 of 6 backups, leaves every other file alone, removes leftovers
// of a killed run, and each kept copy passes integrity_check and restores
// into a working data folder with the data in it.
func TestBackupJobKeepsNewest(t *testing.T) {
	ctx := t.Context()
	data := t.TempDir()
	db, err := store.Open(ctx, data)
	must(t, err)
	defer db.Close()
	if _, err := db.CreateUser(ctx, store.NewUser{Email: "erika@example.com", Name: "Erika Mustermann", Role: "employee", PasswordHash: "x", Lang: "de"}); err != nil {
		t.Fatal(err)
	}

	dir := filepath.Join(t.TempDir(), "backups")
	cfg := backupConfig{Dir: dir, Every: time.Minute, Keep: 3}
	must(t, cfg.check())
	if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("backup dir: %v %v", fi, err)
	}
	foreign := []string{"notes.txt", "kipass.db", "kipass-before-upgrade.db", "kipass-20200101T000000Z.db.bak", "kipass-2020.db"}
	for _, name := range foreign {
		must(t, os.WriteFile(filepath.Join(dir, name), []byte("mine"), 0o600))
	}
	stale := filepath.Join(dir, ".kipass-20200101T000000Z.db.partial")
	must(t, os.WriteFile(stale, []byte("half a backup"), 0o600))

	var log syncBuffer
	job := &backupJob{dir: dir, every: 20 * time.Millisecond, keep: 3, backup: db.Backup,
		log: slog.New(slog.NewTextHandler(&log, nil)), now: fakeClock(time.Date(2026, 11, 29, 8, 15, 0, 0, time.UTC))}
	jobCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { job.run(jobCtx); close(done) }()
	waitLog(t, &log, "scheduled backup written", 6)
	stop()
	<-done

	names := scheduledBackups(t, dir)
	if len(names) != 3 || !slices.IsSorted(names) {
		t.Fatalf("kept %v, want the newest 3", names)
	}
	// Six or more runs: the newest kept backup is at least the sixth.
	if newest, _ := backupTime(names[2]); newest.Before(time.Date(2026, 11, 29, 14, 15, 0, 0, time.UTC)) {
		t.Fatalf("newest kept backup %s is not among the latest", names[2])
	}
	for _, name := range foreign {
		if b, err := os.ReadFile(filepath.Join(dir, name)); err != nil || string(b) != "mine" {
			t.Fatalf("%s was touched: %v", name, err)
		}
	}
	if _, err := os.Stat(stale); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("leftover .partial file of a killed run not removed")
	}
	for _, name := range names {
		path := filepath.Join(dir, name)
		fi, err := os.Stat(path)
		must(t, err)
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v", name, fi.Mode().Perm())
		}
		if err := store.CheckFile(ctx, path); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	if logs := log.String(); strings.Contains(logs, "erika") || strings.Contains(logs, "Erika") || strings.Contains(logs, "level=ERROR") {
		t.Fatalf("log:\n%s", logs)
	}

	// Restore drill: the newest copy as the database of a new data folder.
	restored := t.TempDir()
	b, err := os.ReadFile(filepath.Join(dir, names[2]))
	must(t, err)
	must(t, os.WriteFile(filepath.Join(restored, store.FileName), b, 0o600))
	db2, err := store.Open(ctx, restored)
	must(t, err)
	defer db2.Close()
	if u, err := db2.UserByEmail(ctx, "erika@example.com"); err != nil || u.Name != "Erika Mustermann" {
		t.Fatalf("restored: %+v %v", u, err)
	}
}

// A failed run (an error, even a panic) is logged and tried again at the
// next run; the job keeps going and leaves no half-written file.
func TestBackupJobRetriesAfterFailure(t *testing.T) {
	ctx := t.Context()
	db, err := store.Open(ctx, t.TempDir())
	must(t, err)
	defer db.Close()
	dir := t.TempDir()
	var calls atomic.Int32
	backup := func(ctx context.Context, path string) error {
		switch calls.Add(1) {
		case 1:
			os.WriteFile(path, []byte("partial"), 0o600)
			return errors.New("disk full")
		case 2:
			panic("bad luck")
		}
		return db.Backup(ctx, path)
	}
	var log syncBuffer
	job := &backupJob{dir: dir, every: 10 * time.Millisecond, keep: 2, backup: backup,
		log: slog.New(slog.NewTextHandler(&log, nil)), now: fakeClock(time.Now())}
	jobCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { job.run(jobCtx); close(done) }()
	waitLog(t, &log, "scheduled backup written", 1)
	stop()
	<-done
	logs := log.String()
	if strings.Count(logs, "scheduled backup failed") != 2 || !strings.Contains(logs, "disk full") || !strings.Contains(logs, "panic: bad luck") {
		t.Fatalf("log:\n%s", logs)
	}
	entries, err := os.ReadDir(dir)
	must(t, err)
	for _, e := range entries {
		if _, ok := backupTime(e.Name()); !ok {
			t.Errorf("left behind: %s", e.Name())
		}
	}
}

// The first run is due one interval after the newest backup in the folder:
// a restart neither skips a backup nor makes an extra one.
func TestBackupJobFirstRun(t *testing.T) {
	now := time.Date(2026, 11, 29, 8, 15, 0, 0, time.UTC)
	for _, tc := range []struct {
		name   string
		newest time.Time
		runs   bool
	}{
		{"no backup yet", time.Time{}, true},
		{"last one 10 minutes ago", now.Add(-10 * time.Minute), false},
		{"last one 2 hours ago", now.Add(-2 * time.Hour), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if !tc.newest.IsZero() {
				must(t, os.WriteFile(filepath.Join(dir, backupName(tc.newest)), nil, 0o600))
			}
			var calls atomic.Int32
			job := &backupJob{dir: dir, every: time.Hour, keep: 7, log: slog.New(slog.DiscardHandler),
				now:    func() time.Time { return now },
				backup: func(context.Context, string) error { calls.Add(1); return errors.New("test") }}
			ctx, stop := context.WithTimeout(t.Context(), 300*time.Millisecond)
			defer stop()
			job.run(ctx)
			if got := calls.Load() > 0; got != tc.runs {
				t.Fatalf("ran: %v, want %v", got, tc.runs)
			}
		})
	}
}

func TestBackupNames(t *testing.T) {
	at := time.Date(2026, 11, 29, 9, 15, 0, 0, time.FixedZone("CET", 3600))
	if got := backupName(at); got != "kipass-20261129T081500Z.db" {
		t.Fatalf("name %s", got)
	}
	for name, ok := range map[string]bool{
		"kipass-20261129T081500Z.db":         true,
		"kipass-20261129T081500Z.db.partial": false,
		"kipass-manual.db":                   false,
		"kipass.db":                          false,
		"xkipass-20261129T081500Z.db":        false,
		"kipass-20261329T081500Z.db":         false,
	} {
		if _, got := backupTime(name); got != ok {
			t.Errorf("%s: %v", name, got)
		}
	}
}

// serve: the flags are checked, the folder is made, and the first backup is
// written at start.
func TestServeScheduledBackups(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	must(t, os.WriteFile(file, []byte("x"), 0o600))
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--backup-every", "30s"}, "--backup-every 30s is too short"},
		{[]string{"--backup-keep", "0"}, "--backup-keep 0"},
		{[]string{"--backup-dir", file}, "choose another with --backup-dir"},
		{[]string{"--backup-every", "daily"}, "invalid value"},
	} {
		var out, errb syncBuffer
		err := run(context.Background(), append([]string{"kipass", "serve", "--addr", "127.0.0.1:0", "--data", t.TempDir()}, tc.args...), envFrom(nil), strings.NewReader(""), &out, &errb)
		if exitCode(err) == 0 || !strings.Contains(errb.String(), tc.want) {
			t.Errorf("%v: %v %q", tc.args, err, errb.String())
		}
	}

	dir := filepath.Join(t.TempDir(), "nested", "backups")
	s := startServer(t, map[string]string{"KIPASS_BACKUP_DIR": dir, "KIPASS_BACKUP_KEEP": "2"}, "--data", t.TempDir(), "--backup-every", "1h")
	deadline := time.Now().Add(20 * time.Second)
	for len(scheduledBackups(t, dir)) == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("no backup at start; log:\n%s", s.stderr.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("backup dir: %v %v", fi, err)
	}
	waitLog(t, s.stderr, "scheduled backup written", 1)
	must(t, s.stop())
	if err := store.CheckFile(context.Background(), filepath.Join(dir, scheduledBackups(t, dir)[0])); err != nil {
		t.Fatal(err)
	}
}
