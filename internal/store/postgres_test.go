package store

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"kipass/internal/app"
	"kipass/internal/errs"
	"kipass/internal/store/pgtest"
)

func TestRebind(t *testing.T) {
	for in, want := range map[string]string{
		`SELECT 1`:                                `SELECT 1`,
		`a = ? AND b = ?`:                         `a = $1 AND b = $2`,
		`(?1 = '' OR x LIKE ?1) LIMIT ?4`:         `($1 = '' OR x LIKE $1) LIMIT $4`,
		`x = '?' AND y = ?`:                       `x = '?' AND y = $1`,
		`x = 'it''s ?' AND y = ?`:                 `x = 'it''s ?' AND y = $1`,
		`"odd?col" = ?`:                           `"odd?col" = $1`,
		"-- why?\nSELECT ?":                       "-- why?\nSELECT $1",
		`VALUES (?, ?, ?) ON CONFLICT DO NOTHING`: `VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
	} {
		if got := rebind(in); got != want {
			t.Errorf("rebind(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRedactHidesPassword(t *testing.T) {
	got := Redact("postgres://kipass:secret@db.internal:5432/kipass?sslmode=require")
	if strings.Contains(got, "secret") || !strings.Contains(got, "db.internal") {
		t.Fatalf("Redact = %q", got)
	}
	if _, err := OpenPostgres(context.Background(), "postgres://u:secret@%zz/db"); err == nil || strings.Contains(err.Error(), "secret") {
		t.Fatalf("bad URL: %v", err)
	}
	if _, err := OpenPostgres(context.Background(), "mysql://u@h/db"); err == nil {
		t.Fatal("a non-PostgreSQL URL was accepted")
	}
}

// The PostgreSQL migrations create the same tables and columns as the
// SQLite ones (PostgreSQL's extra seq column aside): a SQLite migration
// without its PostgreSQL twin fails here.
func TestPostgresSchemaMatchesSQLite(t *testing.T) {
	pg := openTestPostgres(t)
	lite := openTest(t)
	ctx := context.Background()
	columns := func(db *DB, q string) []string {
		rows, err := db.read.QueryContext(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var table, col string
			if err := rows.Scan(&table, &col); err != nil {
				t.Fatal(err)
			}
			if table == "attempts" && col == "seq" && db.pg {
				continue
			}
			out = append(out, table+"."+col)
		}
		sort.Strings(out)
		return out
	}
	want := columns(lite, `SELECT m.name, p.name FROM sqlite_master m, pragma_table_info(m.name) p WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'`)
	got := columns(pg, `SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema()`)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("PostgreSQL columns differ from SQLite's\n got %v\nwant %v", got, want)
	}
	var names []string
	rows, _ := pg.read.QueryContext(ctx, `SELECT name FROM schema_migrations ORDER BY name`)
	for rows.Next() {
		var n string
		rows.Scan(&n)
		names = append(names, n)
	}
	rows.Close()
	if len(names) < 9 || names[0] != "0001_accounts.sql" {
		t.Fatalf("recorded migrations %v", names)
	}
}

// Instances starting together on an empty database migrate it once.
func TestPostgresConcurrentMigrations(t *testing.T) {
	u := pgtest.SchemaURL(t)
	var wg sync.WaitGroup
	errc := make(chan error, 4)
	for range 4 {
		wg.Go(func() {
			db, err := OpenPostgres(context.Background(), u)
			if err != nil {
				errc <- err
				return
			}
			db.Close()
		})
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Error(err)
	}
	db := reopenURL(t, u)
	var n, distinct int
	db.read.QueryRow(`SELECT count(*), count(DISTINCT name) FROM schema_migrations`).Scan(&n, &distinct)
	if n == 0 || n != distinct {
		t.Fatalf("%d migration records, %d distinct", n, distinct)
	}
}

func reopenURL(t *testing.T, u string) *DB {
	db, err := OpenPostgres(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestPostgresBackupPointsToPgDump(t *testing.T) {
	db := openTestPostgres(t)
	if err := db.Backup(context.Background(), t.TempDir()+"/x.db"); !errors.Is(err, ErrBackupPostgres) || !strings.Contains(err.Error(), "pg_dump") {
		t.Fatalf("backup on PostgreSQL: %v", err)
	}
}

// Parallel starts of the exam never exceed the limit: the count and the
// insert are one decision per person.
func TestAttemptLimitUnderConcurrency(t *testing.T) { eachEngine(t, testAttemptLimitUnderConcurrency) }

func testAttemptLimitUnderConcurrency(t *testing.T, db *DB) {
	ctx := context.Background()
	uid, _ := db.CreateUser(ctx, NewUser{Email: "e@example.com", Name: "E", Role: RoleEmployee})
	now := time.Now()
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok, limited := 0, 0
	for i := range 12 {
		wg.Go(func() {
			a := Attempt{ID: fmt.Sprintf("a%d", i), UserID: uid, CourseID: "c", Kind: KindExam, Lang: "de", ContentVersion: "v", Questions: []byte("[]"), StartedAt: now}
			err := db.CreateAttempt(ctx, a, 3, 24*time.Hour)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				ok++
			case errors.Is(err, app.ErrAttemptLimit):
				limited++
			default:
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if ok != 3 || limited != 9 {
		t.Fatalf("%d started, %d refused; want 3 and 9", ok, limited)
	}
	if n, _ := db.ExamAttemptsSince(ctx, uid, "c", now.Add(-time.Hour)); n != 3 {
		t.Fatalf("%d exam attempts stored", n)
	}
}

// The same submission sent twenty times at once is recorded once; every
// other call gets the first result back.
func TestSubmitOnceUnderConcurrency(t *testing.T) { eachEngine(t, testSubmitOnceUnderConcurrency) }

func testSubmitOnceUnderConcurrency(t *testing.T, db *DB) {
	ctx := context.Background()
	uid, _ := db.CreateUser(ctx, NewUser{Email: "e@example.com", Name: "E", Role: RoleEmployee})
	now := time.Now()
	a := Attempt{ID: "m1", UserID: uid, CourseID: "c", ModuleID: "m", Kind: KindModule, Lang: "de", ContentVersion: "v", Questions: []byte("[]"), StartedAt: now}
	if err := db.CreateAttempt(ctx, a, 0, 0); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	firsts := 0
	for i := range 20 {
		wg.Go(func() {
			s := Submission{Answers: fmt.Appendf(nil, `{"n":%d}`, i), ScorePercent: i, Passed: true, Result: fmt.Appendf(nil, `{"n":%d}`, i), SubmittedAt: now}
			got, first, err := db.SubmitAttempt(ctx, "m1", uid, s)
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			defer mu.Unlock()
			if first {
				firsts++
			}
			stored, _ := db.AttemptFor(ctx, "m1", uid)
			if string(got.Result) != string(stored.Result) {
				t.Errorf("call got %s, stored %s", got.Result, stored.Result)
			}
		})
	}
	wg.Wait()
	if firsts != 1 {
		t.Fatalf("%d submissions recorded as first", firsts)
	}
	p, _ := db.CourseProgress(ctx, uid, "c")
	if len(p.ModulesPassed) != 1 {
		t.Fatalf("module passes %v", p.ModulesPassed)
	}
}

// Two exam attempts of one person passing at the same moment issue one
// certificate; the other submission is told its decision is stale. Thirty
// people passing at once get thirty different (random) status list
// positions.
func TestCertificateOnceAndStatusIndexesUnderConcurrency(t *testing.T) {
	eachEngine(t, testCertificateOnceAndStatusIndexesUnderConcurrency)
}

func testCertificateOnceAndStatusIndexesUnderConcurrency(t *testing.T, db *DB) {
	ctx := context.Background()
	now := time.Now()
	submit := func(uid int64, attempt string) error {
		a := Attempt{ID: attempt, UserID: uid, CourseID: "c", Kind: KindExam, Lang: "de", ContentVersion: "v", Questions: []byte("[]"), StartedAt: now}
		if err := db.CreateAttempt(ctx, a, 0, 0); err != nil {
			return err
		}
		return nil
	}
	pass := func(uid int64, attempt string) error {
		s := Submission{Answers: []byte("{}"), ScorePercent: 100, Passed: true, Result: []byte("{}"), SubmittedAt: now,
			Certificate: &NewCertificate{ID: "cert-" + attempt, HolderName: "H", ContentVersion: "v", Lang: "de", IssuedAt: now, ExpiresAt: now.AddDate(1, 0, 0)}}
		_, _, err := db.SubmitAttempt(ctx, attempt, uid, s)
		return err
	}
	one, _ := db.CreateUser(ctx, NewUser{Email: "one@example.com", Name: "One", Role: RoleEmployee})
	submit(one, "x1")
	submit(one, "x2")
	var wg sync.WaitGroup
	results := make([]error, 2)
	for i, id := range []string{"x1", "x2"} {
		wg.Go(func() { results[i] = pass(one, id) })
	}
	wg.Wait()
	stale := 0
	for _, err := range results {
		if errors.Is(err, app.ErrStale) {
			stale++
		} else if err != nil {
			t.Fatal(err)
		}
	}
	if certs, _ := db.UserCertificates(ctx, one); len(certs) != 1 || stale != 1 {
		t.Fatalf("%d certificates, %d stale answers; want 1 and 1", len(certs), stale)
	}

	const people = 30
	for i := range people {
		uid, err := db.CreateUser(ctx, NewUser{Email: fmt.Sprintf("p%d@example.com", i), Name: "P", Role: RoleEmployee})
		if err != nil {
			t.Fatal(err)
		}
		if err := submit(uid, fmt.Sprintf("p%d", i)); err != nil {
			t.Fatal(err)
		}
		wg.Go(func() {
			if err := pass(uid, fmt.Sprintf("p%d", i)); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	seen := map[int]bool{}
	for _, c := range mustRecent(t, db, 100) {
		if seen[c.StatusIndex] {
			t.Fatalf("status index %d taken twice", c.StatusIndex)
		}
		seen[c.StatusIndex] = true
	}
	if len(seen) != people+1 {
		t.Fatalf("%d certificates, want %d", len(seen), people+1)
	}
	// Positions are random (certificates.go), so gaps are expected; each
	// must lie inside the list.
	for i := range seen {
		if i < 0 || i >= statusListSize {
			t.Fatalf("status index %d outside the list", i)
		}
	}
}

func mustRecent(t *testing.T, db *DB, n int) []Certificate {
	t.Helper()
	certs, err := db.RecentCertificates(context.Background(), n)
	if err != nil {
		t.Fatal(err)
	}
	return certs
}

// Two setup links used at the same moment (two instances each printed
// one) create one admin.
func TestFirstAdminOnceUnderConcurrency(t *testing.T) {
	eachEngine(t, testFirstAdminOnceUnderConcurrency)
}

func testFirstAdminOnceUnderConcurrency(t *testing.T, db *DB) {
	ctx := context.Background()
	exp := time.Now().Add(time.Hour).Unix()
	for _, tok := range []string{"s1", "s2", "s3", "s4"} {
		if _, err := db.write.ExecContext(ctx, `INSERT INTO one_time_tokens (token_hash, purpose, created_at, expires_at) VALUES (?, 'setup', 0, ?)`, hash(tok), exp); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	for i, tok := range []string{"s1", "s2", "s3", "s4"} {
		wg.Go(func() {
			_, err := db.CreateFirstAdmin(ctx, hash(tok), NewUser{Email: fmt.Sprintf("a%d@example.com", i), Name: "A", PasswordHash: "h"})
			if err != nil && errs.KindOf(err) != errs.NotFound {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n, _ := db.CountAdmins(ctx); n != 1 {
		t.Fatalf("%d admins after concurrent setup", n)
	}
}

// Two admins taking each other's role at the same moment leave one admin.
func TestLastAdminUnderConcurrency(t *testing.T) { eachEngine(t, testLastAdminUnderConcurrency) }

func testLastAdminUnderConcurrency(t *testing.T, db *DB) {
	ctx := context.Background()
	a, _ := db.CreateUser(ctx, NewUser{Email: "a@example.com", Name: "A", Role: RoleAdmin})
	b, _ := db.CreateUser(ctx, NewUser{Email: "b@example.com", Name: "B", Role: RoleAdmin})
	var wg sync.WaitGroup
	for _, pair := range [][2]int64{{a, b}, {b, a}} {
		wg.Go(func() {
			err := db.UpdateAccount(ctx, pair[1], AccountChange{Name: "X", Role: RoleEmployee, Active: true}, Actor{ID: pair[0], Role: RoleAdmin})
			if err != nil && errs.As(err).Code != "last_admin" {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n, _ := db.CountAdmins(ctx); n != 1 {
		t.Fatalf("%d admins left", n)
	}
}

// Two imports with the same new address at the same moment: both succeed,
// the address is created once (as on SQLite's one writer), and a failing
// import leaves nothing.
func TestImportsUnderConcurrency(t *testing.T) { eachEngine(t, testImportsUnderConcurrency) }

func testImportsUnderConcurrency(t *testing.T, db *DB) {
	ctx := context.Background()
	var wg sync.WaitGroup
	created := make([][]bool, 2)
	for i := range 2 {
		wg.Go(func() {
			var err error
			created[i], err = db.ImportUsers(ctx, []ImportUser{
				{Email: "same@example.com", Name: fmt.Sprint("Same ", i), Role: RoleEmployee, InviteHash: hash(fmt.Sprint("same", i))},
				{Email: fmt.Sprintf("own%d@example.com", i), Name: "Own", Role: RoleEmployee, InviteHash: hash(fmt.Sprint("own", i))},
			}, time.Now().Add(time.Hour), nil)
			if err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if created[0] == nil || created[1] == nil || created[0][0] == created[1][0] {
		t.Fatalf("created %v: the shared address must be new in exactly one import", created)
	}
	users, n, _ := db.ListUsers(ctx, UserFilter{})
	if n != 3 {
		t.Fatalf("%d accounts: %+v", n, users)
	}
}

// Text PostgreSQL cannot hold (NUL, invalid UTF-8) is bad input there, not
// a server error; on SQLite it simply matches nothing.
func TestUnstorableTextIsBadInput(t *testing.T) { eachEngine(t, testUnstorableTextIsBadInput) }

func testUnstorableTextIsBadInput(t *testing.T, db *DB) {
	ctx := context.Background()
	for _, email := range []string{"\x00@x.de", "a\xff@x.de"} {
		_, err := db.UserByEmail(ctx, email)
		if k := errs.KindOf(err); k != errs.NotFound && k != errs.Invalid {
			t.Errorf("UserByEmail(%q): %v", email, err)
		}
	}
}

// A periodic job started at the same moment by two instances (two
// handles on one database) runs once, and not again within its period.
func TestRunJobOnceAcrossInstances(t *testing.T) { eachEngine(t, testRunJobOnceAcrossInstances) }

func testRunJobOnceAcrossInstances(t *testing.T, db *DB) {
	ctx := context.Background()
	other := db
	if db.pg {
		other = reopen(t, db)
	}
	now := time.Now()
	var mu sync.Mutex
	runs := 0
	job := func(context.Context) error {
		mu.Lock()
		runs++
		mu.Unlock()
		time.Sleep(200 * time.Millisecond)
		return nil
	}
	var wg sync.WaitGroup
	for i := range 6 {
		h := db
		if i%2 == 1 {
			h = other
		}
		wg.Go(func() {
			if _, err := h.RunJobOnce(ctx, "retention", 24*time.Hour, now, job); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if ran, _ := other.RunJobOnce(ctx, "retention", 24*time.Hour, now.Add(time.Hour), job); ran || runs != 1 {
		t.Fatalf("the job ran %d times (again within its period: %v)", runs, ran)
	}
	if ran, _ := db.RunJobOnce(ctx, "retention", 24*time.Hour, now.Add(25*time.Hour), job); !ran || runs != 2 {
		t.Fatalf("a due job did not run: %v, %d runs", ran, runs)
	}
	if last, _ := db.JobLastRun(ctx, "retention"); last.Unix() != now.Add(25*time.Hour).Unix() {
		t.Fatalf("last run %v", last)
	}
}

// A write on one instance moves the other instance's Generation at once,
// so caches keyed on it (the HR report rows) see the change.
func TestPostgresGenerationCountsOtherInstances(t *testing.T) {
	a := openTestPostgres(t)
	b := reopen(t, a)
	before := b.Generation()
	if _, err := a.CreateUser(context.Background(), NewUser{Email: "x@example.com", Name: "X", Role: RoleEmployee}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for b.Generation() == before {
		if time.Now().After(deadline) {
			t.Fatal("instance B never saw instance A's write")
		}
		time.Sleep(5 * time.Millisecond)
	}
	// An audit entry changes no report: it is not announced. (First wait
	// until B's count is still, so that a late notification of the write
	// above is not taken for the audit entry's.)
	g := b.Generation()
	for settle := time.Now().Add(5 * time.Second); time.Now().Before(settle); g = b.Generation() {
		time.Sleep(300 * time.Millisecond)
		if b.Generation() == g {
			break
		}
	}
	a.Audit(context.Background(), Actor{Role: RoleSystem}, "test.entry", 0, "")
	time.Sleep(300 * time.Millisecond)
	if b.Generation() != g {
		t.Fatal("an audit entry moved the other instance's generation")
	}
}

// CopyTo moves every row (booleans, bytes, NULLs, ids, the insertion
// order of attempts) so that the same reads answer the same; it refuses a
// table it does not know and a database that holds rows, copying nothing.
func TestCopyToPostgres(t *testing.T) {
	dst := openTestPostgres(t)
	src := openTest(t)
	ctx := context.Background()
	now := time.Unix(1_800_000_000, 0)
	uid, _ := src.CreateUser(ctx, NewUser{Email: "e@example.com", Name: "Erika", Department: "IT", Role: RoleHR, HRDepartments: []string{"IT"}})
	gone, _ := src.CreateUser(ctx, NewUser{Email: "g@example.com", Name: "G", Role: RoleEmployee})
	src.UpdateAccount(ctx, gone, AccountChange{Name: "G", Role: RoleEmployee, Active: false}, Actor{Role: RoleSystem})
	src.CreateSession(ctx, hash("s"), uid, SessionAPI, now.Add(time.Hour))
	src.RecordLoginFailure(ctx, hash("k"))
	src.RecordAddressFailure(ctx, hash("addr"), time.Unix(0, 0))
	passExam(t, src, uid, 1, now)
	src.RevokeCertificate(ctx, "cert-1", "test", Actor{Role: RoleSystem})
	passExam(t, src, uid, 2, now) // same second: the insertion order decides
	src.CreateAssignment(ctx, Assignment{CourseID: "c", Scope: ScopeDepartment, Department: "IT", DueAt: now})
	src.MarkReminded(ctx, uid, now)
	src.SetJobRun(ctx, "retention", now)
	src.CreateDepartment(ctx, "Vertrieb", Actor{Role: RoleSystem})
	invited, err := src.CreateInvitedUser(ctx, NewUser{Email: "i@example.com", Name: "I", Department: "Vertrieb", Role: RoleEmployee},
		hash("invite"), now.Add(time.Hour), Actor{Role: RoleSystem})
	if err != nil {
		t.Fatal(err)
	}

	if _, err := src.write.Exec(`CREATE TABLE surprise (x INTEGER)`); err != nil {
		t.Fatal(err)
	}
	if _, err := src.CopyTo(ctx, dst); err == nil || !strings.Contains(err.Error(), "surprise") {
		t.Fatalf("unknown table: %v", err)
	}
	src.write.Exec(`DROP TABLE surprise`)
	copied, err := src.CopyTo(ctx, dst)
	if err != nil {
		t.Fatal(err)
	}
	if len(copied) != len(copyOrder) {
		t.Fatalf("copied %d tables", len(copied))
	}
	if n, err := dst.AddressFailures(ctx, hash("addr"), time.Unix(0, 0)); n != 1 {
		t.Fatalf("address failures copied: %d %v", n, err)
	}
	for _, id := range []int64{uid, gone} {
		a, _ := src.ExportUser(ctx, id)
		b, err := dst.ExportUser(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprintf("%+v", a) != fmt.Sprintf("%+v", b) {
			t.Fatalf("export of %d differs:\n%+v\n%+v", id, a, b)
		}
	}
	da, _ := src.DepartmentList(ctx)
	dd, _ := dst.DepartmentList(ctx)
	if fmt.Sprint(da) != fmt.Sprint(dd) || len(da) != 2 {
		t.Fatalf("departments %v %v", da, dd)
	}
	ia, pa, _ := src.InvitedAt(ctx, invited)
	ib, pb, err := dst.InvitedAt(ctx, invited)
	if err != nil || !ia.Equal(ib) || !pa || !pb || ia.IsZero() {
		t.Fatalf("invitation %v %v, %v %v: %v", ia, pa, ib, pb, err)
	}
	la, _ := src.LatestSubmitted(ctx, uid, "c", "")
	lb, _ := dst.LatestSubmitted(ctx, uid, "c", "")
	if la.ID != "exam-2" || lb.ID != la.ID {
		t.Fatalf("insertion order lost: %s %s", la.ID, lb.ID)
	}
	ra, _ := src.RevokedIndexes(ctx)
	rb, _ := dst.RevokedIndexes(ctx)
	if fmt.Sprint(ra) != fmt.Sprint(rb) || len(ra) != 1 {
		t.Fatalf("revoked %v %v", ra, rb)
	}
	if id, err := dst.CreateUser(ctx, NewUser{Email: "n@example.com", Name: "N", Role: RoleEmployee}); err != nil || id <= gone {
		t.Fatalf("new id %d after copied %d: %v", id, gone, err)
	}
	if _, err := src.CopyTo(ctx, dst); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Fatalf("copy into a full database: %v", err)
	}
}

// The reminder bookkeeping and ending all of a person's sessions, on both
// engines.
func TestRemindersAndUserSessions(t *testing.T) { eachEngine(t, testRemindersAndUserSessions) }

func testRemindersAndUserSessions(t *testing.T, db *DB) {
	ctx := context.Background()
	uid, _ := db.CreateUser(ctx, NewUser{Email: "e@example.com", Name: "E", Role: RoleEmployee})
	t1, t2 := time.Unix(1_800_000_000, 0), time.Unix(1_800_600_000, 0)
	if err := db.MarkReminded(ctx, uid, t1); err != nil {
		t.Fatal(err)
	}
	if err := db.MarkReminded(ctx, uid, t2); err != nil {
		t.Fatal(err)
	}
	if m, err := db.LastReminders(ctx); err != nil || len(m) != 1 || !m[uid].Equal(t2) {
		t.Fatalf("last reminders %v %v", m, err)
	}
	for _, s := range []string{"a", "b"} {
		if err := db.CreateSession(ctx, hash(s), uid, SessionAPI, time.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.DeleteUserSessions(ctx, uid); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"a", "b"} {
		if _, err := db.SessionByHash(ctx, hash(s), time.Hour); errs.KindOf(err) != errs.Unauthorized {
			t.Fatalf("session %s alive: %v", s, err)
		}
	}
	if err := db.Ping(ctx); err != nil || db.Postgres() != db.pg {
		t.Fatal(err)
	}
}
