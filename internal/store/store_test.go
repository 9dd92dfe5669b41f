package store

import (
	"context"
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"kipass/internal/errs"
)

func openTest(t testing.TB) *DB {
	t.Helper()
	db, err := Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func hash(s string) []byte { h := sha256.Sum256([]byte(s)); return h[:] }

func TestOpenSetsPragmasAndMigratesOnce(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	db, err := Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	for pragma, want := range map[string]string{"journal_mode": "wal", "foreign_keys": "1", "synchronous": "2", "busy_timeout": "10000"} {
		var got string
		if err := db.write.QueryRowContext(ctx, "PRAGMA "+pragma).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("PRAGMA %s = %s, want %s", pragma, got, want)
		}
	}
	if _, err := db.read.ExecContext(ctx, `INSERT INTO login_failures VALUES (x'00', 1)`); err == nil {
		t.Error("read pool accepted a write")
	}
	db.Close()
	db, err = Open(ctx, dir) // migrations already applied: must not fail
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	db.read.QueryRow(`SELECT count(*) FROM schema_migrations`).Scan(&n)
	if n == 0 {
		t.Fatal("no migration recorded")
	}
}

// Many goroutines write at once; with one write connection and immediate
// transactions none of them may see SQLITE_BUSY or any other error.
func TestConcurrentWritersNeverFail(t *testing.T) { eachEngine(t, testConcurrentWritersNeverFail) }

func testConcurrentWritersNeverFail(t *testing.T, db *DB) {
	ctx := context.Background()
	const writers = 64
	var wg sync.WaitGroup
	errc := make(chan error, writers*3)
	for i := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id, err := db.CreateUser(ctx, NewUser{Email: fmt.Sprintf("u%d@example.com", i), Name: "U", Role: RoleEmployee, PasswordHash: "x"})
			if err != nil {
				errc <- err
				return
			}
			if err := db.CreateSession(ctx, hash(fmt.Sprint(i)), id, SessionAPI, time.Now().Add(time.Hour)); err != nil {
				errc <- err
			}
			if _, err := db.SessionByHash(ctx, hash(fmt.Sprint(i)), time.Hour); err != nil {
				errc <- err
			}
			if err := db.RecordLoginFailure(ctx, hash("x")); err != nil {
				errc <- err
			}
		}()
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Error(err)
	}
	var users int
	db.read.QueryRow(`SELECT count(*) FROM users`).Scan(&users)
	if users != writers {
		t.Fatalf("users = %d, want %d", users, writers)
	}
}

func TestUserEmailUnique(t *testing.T) { eachEngine(t, testUserEmailUnique) }

func testUserEmailUnique(t *testing.T, db *DB) {
	ctx := context.Background()
	nu := NewUser{Email: "a@example.com", Name: "A", Role: RoleEmployee, PasswordHash: "h"}
	if _, err := db.CreateUser(ctx, nu); err != nil {
		t.Fatal(err)
	}
	_, err := db.CreateUser(ctx, nu)
	if e := errs.As(err); e == nil || e.Kind != errs.Conflict || e.Code != "email_taken" {
		t.Fatalf("second create: %v", err)
	}
	if _, err := db.UserByEmail(ctx, "nobody@example.com"); errs.KindOf(err) != errs.NotFound {
		t.Fatalf("unknown email: %v", err)
	}
}

func TestSessionExpiryIdleAndRestart(t *testing.T) { eachEngine(t, testSessionExpiryIdleAndRestart) }

func testSessionExpiryIdleAndRestart(t *testing.T, db *DB) {
	ctx := context.Background()
	now := time.Unix(1_800_000_000, 0)
	db.Now = func() time.Time { return now }
	id, _ := db.CreateUser(ctx, NewUser{Email: "a@example.com", Name: "A", Role: RoleAdmin, PasswordHash: "h"})
	if err := db.CreateSession(ctx, hash("t"), id, SessionBrowser, now.Add(12*time.Hour)); err != nil {
		t.Fatal(err)
	}
	db.Close()

	db = reopen(t, db) // sessions survive a restart
	db.Now = func() time.Time { return now }
	s, err := db.SessionByHash(ctx, hash("t"), 30*time.Minute)
	if err != nil || s.User.ID != id || s.User.Role != RoleAdmin {
		t.Fatalf("session after restart: %+v, %v", s, err)
	}
	now = now.Add(29 * time.Minute)
	if _, err := db.SessionByHash(ctx, hash("t"), 30*time.Minute); err != nil {
		t.Fatalf("within idle: %v", err)
	}
	now = now.Add(31 * time.Minute)
	if _, err := db.SessionByHash(ctx, hash("t"), 30*time.Minute); errs.KindOf(err) != errs.Unauthorized {
		t.Fatalf("after idle: %v", err)
	}
	if err := db.CreateSession(ctx, hash("api"), id, SessionAPI, now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	now = now.Add(61 * time.Minute)
	if _, err := db.SessionByHash(ctx, hash("api"), 30*time.Minute); errs.KindOf(err) != errs.Unauthorized {
		t.Fatalf("after absolute expiry: %v", err)
	}
	if err := db.PurgeExpired(ctx, 30*time.Minute, 15*time.Minute); err != nil {
		t.Fatal(err)
	}
	var n int
	db.read.QueryRow(`SELECT count(*) FROM sessions`).Scan(&n)
	if n != 0 {
		t.Fatalf("%d sessions left after purge", n)
	}
}

func TestFirstAdminTokenSingleUse(t *testing.T) { eachEngine(t, testFirstAdminTokenSingleUse) }

func testFirstAdminTokenSingleUse(t *testing.T, db *DB) {
	ctx := context.Background()
	if err := db.CreateOneTimeToken(ctx, hash("old"), TokenSetup, 0, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateOneTimeToken(ctx, hash("s"), TokenSetup, 0, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if ok, _ := db.OneTimeTokenValid(ctx, hash("old"), TokenSetup); ok {
		t.Fatal("an older setup token still works")
	}
	if _, err := db.CreateFirstAdmin(ctx, hash("s"), NewUser{Email: "a@example.com", Name: "A", PasswordHash: "h"}); err != nil {
		t.Fatal(err)
	}
	if n, _ := db.CountAdmins(ctx); n != 1 {
		t.Fatalf("admins = %d", n)
	}
	if _, err := db.CreateFirstAdmin(ctx, hash("s"), NewUser{Email: "b@example.com", Name: "B", PasswordHash: "h"}); errs.KindOf(err) != errs.NotFound {
		t.Fatalf("token reused: %v", err)
	}
}

func TestLoginFailures(t *testing.T) { eachEngine(t, testLoginFailures) }

func testLoginFailures(t *testing.T, db *DB) {
	ctx := context.Background()
	for range 3 {
		db.RecordLoginFailure(ctx, hash("a"))
	}
	if n, _ := db.LoginFailures(ctx, hash("a"), time.Now().Add(-time.Minute)); n != 3 {
		t.Fatalf("failures = %d", n)
	}
	db.ClearLoginFailures(ctx, hash("a"))
	if n, _ := db.LoginFailures(ctx, hash("a"), time.Now().Add(-time.Minute)); n != 0 {
		t.Fatalf("failures after clear = %d", n)
	}
}

// The per-address count: one row per address and window; failures from
// two store handles on one database (two instances) count together;
// the window starts with the first failure and a failure after it starts
// a new one; the purge drops ended windows only.
func TestAddressFailures(t *testing.T) { eachEngine(t, testAddressFailures) }

func testAddressFailures(t *testing.T, db *DB) {
	ctx := context.Background()
	other := reopen(t, db)
	clock := time.Unix(1_800_000_000, 0)
	db.Now = func() time.Time { return clock }
	other.Now = db.Now
	const window = 15 * time.Minute
	from := func() time.Time { return clock.Add(-window) }
	count := func(key []byte) int {
		t.Helper()
		n, err := other.AddressFailures(ctx, key, from())
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := count(hash("a")); n != 0 {
		t.Fatalf("no failures yet: %d", n)
	}
	for i := range 4 {
		must(t, []*DB{db, other}[i%2].RecordAddressFailure(ctx, hash("a"), from()))
		clock = clock.Add(time.Minute)
	}
	must(t, db.RecordAddressFailure(ctx, hash("b"), from()))
	if a, b := count(hash("a")), count(hash("b")); a != 4 || b != 1 {
		t.Fatalf("failures a=%d b=%d, want 4 and 1", a, b)
	}
	var rows int
	must(t, db.queryRow(ctx, `SELECT count(*) FROM address_failures`).Scan(&rows))
	if rows != 2 {
		t.Fatalf("%d rows for two addresses", rows)
	}
	// a's window began 4 minutes ago: it ends 11 minutes from now.
	clock = clock.Add(11*time.Minute - time.Second)
	if n := count(hash("a")); n != 4 {
		t.Fatalf("a second before the window ends: %d", n)
	}
	clock = clock.Add(time.Second)
	if n := count(hash("a")); n != 0 {
		t.Fatalf("after the window: %d", n)
	}
	must(t, other.RecordAddressFailure(ctx, hash("a"), from()))
	if n := count(hash("a")); n != 1 {
		t.Fatalf("a failure after the window starts a new one: %d", n)
	}
	// b's window (started 4 minutes after a's) ended too: the purge drops
	// it and keeps a's new one.
	clock = clock.Add(5 * time.Minute)
	must(t, db.PurgeExpired(ctx, 30*time.Minute, window))
	must(t, db.queryRow(ctx, `SELECT count(*) FROM address_failures`).Scan(&rows))
	if rows != 1 || count(hash("a")) != 1 {
		t.Fatalf("after the purge: %d rows, a=%d", rows, count(hash("a")))
	}
}

func TestImportUsersAllOrNothing(t *testing.T) { eachEngine(t, testImportUsersAllOrNothing) }

func testImportUsersAllOrNothing(t *testing.T, db *DB) {
	ctx := context.Background()
	db.CreateUser(ctx, NewUser{Email: "old@example.com", Name: "Old", Role: RoleEmployee, PasswordHash: "h"})
	var progress []int
	created, err := db.ImportUsers(ctx, []ImportUser{
		{Email: "old@example.com", Name: "Old Renamed", Department: "IT", Role: RoleHR, InviteHash: hash("i0")},
		{Email: "new@example.com", Name: "New", Role: RoleEmployee, InviteHash: hash("i1")},
	}, time.Now().Add(time.Hour), func(n int) { progress = append(progress, n) })
	if err != nil || created[0] || !created[1] || len(progress) != 2 {
		t.Fatalf("%v %v %v", created, err, progress)
	}
	if u, _ := db.UserByEmail(ctx, "old@example.com"); u.Name != "Old Renamed" || u.Role != RoleHR || u.PasswordHash != "h" {
		t.Fatalf("update: %+v", u)
	}
	// The invitation sets the password once.
	if ok, _ := db.InviteValid(ctx, hash("i1")); !ok {
		t.Fatal("invite not valid")
	}
	if _, err := db.SetPasswordWithToken(ctx, hash("i1"), "newhash"); err != nil {
		t.Fatal(err)
	}
	if u, _ := db.UserByEmail(ctx, "new@example.com"); u.PasswordHash != "newhash" {
		t.Fatal("password not set")
	}
	if _, err := db.SetPasswordWithToken(ctx, hash("i1"), "again"); err == nil {
		t.Fatal("invite used twice")
	}
	// A failure rolls back everything: a duplicate invite hash fails the second row.
	_, err = db.ImportUsers(ctx, []ImportUser{
		{Email: "a@example.com", Name: "A", Role: RoleEmployee, InviteHash: hash("dup")},
		{Email: "b@example.com", Name: "B", Role: RoleEmployee, InviteHash: hash("dup")},
	}, time.Now().Add(time.Hour), nil)
	if err == nil {
		t.Fatal("duplicate accepted")
	}
	if _, err := db.UserByEmail(ctx, "a@example.com"); err == nil {
		t.Fatal("partial import left a row")
	}
}

func TestBackupWhileWriting(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	for i := range 10 {
		db.CreateUser(ctx, NewUser{Email: fmt.Sprintf("b%d@example.com", i), Name: "B", Role: RoleEmployee, PasswordHash: "x"})
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 200 {
			db.CreateUser(ctx, NewUser{Email: fmt.Sprintf("w%d@example.com", i), Name: "W", Role: RoleEmployee, PasswordHash: "x"})
		}
	}()
	path := filepath.Join(t.TempDir(), "backup.db")
	if err := db.Backup(ctx, path); err != nil {
		t.Fatal(err)
	}
	<-done
	if err := db.Backup(ctx, path); err == nil {
		t.Fatal("an existing backup file was overwritten")
	}
	if err := CheckFile(ctx, path); err != nil {
		t.Fatal(err)
	}
	// Restore drill: the copy opens as a data directory with the schema and rows.
	dir := t.TempDir()
	b, _ := os.ReadFile(path)
	os.WriteFile(filepath.Join(dir, FileName), b, 0o600)
	restored, err := Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer restored.Close()
	var n int
	restored.read.QueryRow(`SELECT count(*) FROM users`).Scan(&n)
	if n < 10 || n > 210 {
		t.Fatalf("restored %d users", n)
	}
}

// must fails the test on an error.
func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
