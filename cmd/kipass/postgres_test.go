package main

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"kipass/content"
	"kipass/courses"
	"kipass/internal/store"
	"kipass/internal/store/pgtest"
)

// The learner's whole way on PostgreSQL: an admin made with `admin create
// --database`, people imported with `users import --database`, serve with
// KIPASS_DATABASE; register, pass every module and the exam, get a
// certificate that verifies, see it revoked; after a restart everything is
// still there. Nothing lands in the SQLite file of --data.
func TestServePostgresLearnerFlow(t *testing.T) {
	db := pgtest.SchemaURL(t)
	data := t.TempDir()
	if code, _, errOut := runCmdIn(t, "admin password 1\n", "admin", "create", "--email", "ada@example.com", "--name", "Ada", "--role", "admin",
		"--password-stdin", "--data", data, "--database", db); code != 0 {
		t.Fatalf("admin create: %s", errOut)
	}
	csv := filepath.Join(t.TempDir(), "people.csv")
	must(t, os.WriteFile(csv, []byte("email,name,department,role\nmax@example.com,Max,IT,employee\n"), 0o600))
	if code, out, errOut := runCmd(t, "users", "import", csv, "--data", data, "--database", db); code != 0 {
		t.Fatalf("users import: %d %s %s", code, out, errOut)
	}
	s := startServer(t, map[string]string{"KIPASS_DATABASE": db}, "--data", data)
	if s.setup != "" {
		t.Fatal("setup link printed although the admin exists in PostgreSQL")
	}
	tok, id := earnCertificate(t, s.url)
	code, b := apiCall(t, "GET", s.url+"/api/v1/verify/"+id, "", nil)
	var v struct {
		Status     string `json:"status"`
		HolderName string `json:"holder_name"`
	}
	json.Unmarshal(b, &v)
	if code != 200 || v.Status != "valid" || v.HolderName != "Zoë Ångström" {
		t.Fatalf("verify: %d %s", code, b)
	}
	adminTok := login(t, s.url, "ada@example.com", "admin password 1")
	if code, b := apiCall(t, "POST", s.url+"/api/v1/admin/certificates/"+id+"/revoke", adminTok, map[string]string{"reason": "test"}); code != 204 {
		t.Fatalf("revoke: %d %s", code, b)
	}
	code, b = apiCall(t, "GET", s.url+"/api/v1/hr/report?course=ki-am-arbeitsplatz", adminTok, nil)
	if code != 200 || !strings.Contains(string(b), "max@example.com") || !strings.Contains(string(b), "zoe@example.com") {
		t.Fatalf("report: %d %s", code, b)
	}
	if code, _ := apiCall(t, "POST", s.url+"/api/v1/logout", tok, nil); code != 204 {
		t.Fatalf("logout: %d", code)
	}
	if code, _ := apiCall(t, "GET", s.url+"/api/v1/me", tok, nil); code != 401 {
		t.Fatalf("token alive after logout: %d", code)
	}
	must(t, s.stop())

	s2 := startServer(t, nil, "--data", data, "--database", db)
	tok = login(t, s2.url, "zoe@example.com", "correct horse battery")
	code, b = apiCall(t, "GET", s2.url+"/api/v1/me/certificates", tok, nil)
	if code != 200 || !strings.Contains(string(b), id) || !strings.Contains(string(b), "revoked") {
		t.Fatalf("certificates after restart: %d %s", code, b)
	}
	if _, err := os.Stat(filepath.Join(data, "kipass.db")); err == nil {
		t.Fatal("a SQLite database was created in --data although --database was given")
	}
	if strings.Contains(s.stderr.String()+s2.stderr.String(), "kipass:kipass@") {
		t.Fatal("the database password was logged")
	}
}

// kipass backup on PostgreSQL points to pg_dump; a --database that is not
// a PostgreSQL URL is a usage error everywhere.
func TestDatabaseFlagErrors(t *testing.T) {
	data := t.TempDir()
	if code, _, errOut := runCmd(t, "backup", filepath.Join(data, "b.db"), "--database", "postgres://u@127.0.0.1:1/x"); code != 1 || !strings.Contains(errOut, "pg_dump") {
		t.Fatalf("backup --database: %d %s", code, errOut)
	}
	for _, args := range [][]string{
		{"serve", "--data", data, "--database", "mysql://x"},
		{"users", "import", "x.csv", "--data", data, "--database", "sqlite:x"},
	} {
		if code, _, errOut := runCmd(t, args...); code != 2 || !strings.Contains(errOut, "PostgreSQL URL") {
			t.Fatalf("%v: %d %s", args, code, errOut)
		}
	}
	if code, _, errOut := runCmd(t, "serve", "--data", data, "--database", "postgres://u@127.0.0.1:1/x", "--backup-dir", data); code != 1 || !strings.Contains(errOut, "pg_dump") {
		t.Fatalf("serve --backup-dir with --database: %d %s", code, errOut)
	}
}

// Two instances on one PostgreSQL database: a session made on A works on
// B and ends on B the moment it is ended on A; failed logins count across
// both; one attempt submitted
// through both at the same moment is recorded once, with one answer for
// both; the learners' work on B shows in A's HR report at once.
func TestTwoInstancesOnePostgres(t *testing.T) {
	db := pgtest.SchemaURL(t)
	if code, _, errOut := runCmdIn(t, "admin password 1\n", "admin", "create", "--email", "ada@example.com", "--name", "Ada", "--role", "admin",
		"--password-stdin", "--data", t.TempDir(), "--database", db); code != 0 {
		t.Fatalf("admin create: %s", errOut)
	}
	keys := t.TempDir() // one key set for both (docs/SCALING.md)
	a := startServer(t, nil, "--data", keys, "--database", db)
	b := startServer(t, nil, "--data", keys, "--database", db)

	if code, body := apiCall(t, "POST", a.url+"/api/v1/register", "", map[string]string{"name": "Zoë", "email": "zoe@example.com", "password": "correct horse battery"}); code != 201 {
		t.Fatalf("register on A: %d %s", code, body)
	}
	tok := login(t, a.url, "zoe@example.com", "correct horse battery")
	if code, body := apiCall(t, "GET", b.url+"/api/v1/me", tok, nil); code != 200 || !strings.Contains(string(body), "zoe@example.com") {
		t.Fatalf("A's session on B: %d %s", code, body)
	}
	adminTok := login(t, b.url, "ada@example.com", "admin password 1")
	code, body := apiCall(t, "GET", a.url+"/api/v1/hr/report?course=ki-am-arbeitsplatz", adminTok, nil)
	if code != 200 || !strings.Contains(string(body), `"not_started"`) {
		t.Fatalf("report on A: %d %s", code, body)
	}

	// One module attempt, submitted through A and B at the same moment.
	code, body = apiCall(t, "POST", b.url+"/api/v1/courses/ki-am-arbeitsplatz/modules/dsgvo-grundlagen/attempts", tok, nil)
	var att struct {
		AttemptID string      `json:"attempt_id"`
		Questions []shownItem `json:"questions"`
	}
	json.Unmarshal(body, &att)
	if code != 201 || len(att.Questions) == 0 {
		t.Fatalf("start on B: %d %s", code, body)
	}
	answers := map[string][]string{att.Questions[0].ID: {att.Questions[0].Options[0].ID}}
	results := make([]string, 2)
	done := make(chan struct{})
	for i, s := range []*server{a, b} {
		go func() {
			defer func() { done <- struct{}{} }()
			code, body := apiCall(t, "POST", s.url+"/api/v1/attempts/"+att.AttemptID+"/submit", tok, map[string]any{"answers": answers, "confirm": true})
			if code != 200 {
				t.Errorf("submit on %d: %d %s", i, code, body)
			}
			results[i] = string(body)
		}()
	}
	<-done
	<-done
	if results[0] != results[1] {
		t.Fatalf("two answers for one attempt:\n%s\n%s", results[0], results[1])
	}
	// The HR report on A sees B's attempt at once (its cache follows the
	// other instance's writes).
	code, body = apiCall(t, "GET", a.url+"/api/v1/hr/report?course=ki-am-arbeitsplatz", adminTok, nil)
	if code != 200 || !strings.Contains(string(body), `"in_progress"`) {
		t.Fatalf("report on A after B's attempt: %d %s", code, body)
	}

	// Logout on A ends the session on B.
	if code, _ := apiCall(t, "POST", a.url+"/api/v1/logout", tok, nil); code != 204 {
		t.Fatalf("logout on A: %d", code)
	}
	if code, _ := apiCall(t, "GET", b.url+"/api/v1/me", tok, nil); code != 401 {
		t.Fatalf("session alive on B after logout on A: %d", code)
	}

	// Ten wrong passwords, five through each instance, lock the account on
	// both (the per-account count is in the database).
	for i := range 10 {
		s := []*server{a, b}[i%2]
		if code, _ := apiCall(t, "POST", s.url+"/api/v1/login", "", map[string]string{"email": "zoe@example.com", "password": "wrong password!"}); code != 401 {
			t.Fatalf("wrong password %d: %d", i, code)
		}
	}
	for _, s := range []*server{a, b} {
		if code, body := apiCall(t, "POST", s.url+"/api/v1/login", "", map[string]string{"email": "zoe@example.com", "password": "correct horse battery"}); code != 429 {
			t.Fatalf("login after 10 failures across both: %d %s", code, body)
		}
	}

	// Failed logins from one address count across both instances too:
	// those ten and 90 more for other accounts, alternating, use up the
	// address's 100; the next login from it is refused on A and on B.
	var wg sync.WaitGroup
	for i := range 90 {
		s := []*server{a, b}[i%2]
		wg.Go(func() {
			if code, body := apiCall(t, "POST", s.url+"/api/v1/login", "", map[string]string{"email": fmt.Sprintf("nobody%d@example.com", i), "password": "wrong password!"}); code != 401 {
				t.Errorf("failure %d from the address: %d %s", i, code, body)
			}
		})
	}
	wg.Wait()
	for _, s := range []*server{a, b} {
		if code, body := apiCall(t, "POST", s.url+"/api/v1/login", "", map[string]string{"email": "ada@example.com", "password": "admin password 1"}); code != 429 || !strings.Contains(string(body), "network") {
			t.Fatalf("login from an address with 100 failures across both: %d %s", code, body)
		}
	}
	// The database holds one row for the address, under a keyed hash.
	raw, err := sql.Open("pgx", db)
	must(t, err)
	defer raw.Close()
	var key []byte
	var n int
	if err := raw.QueryRow(`SELECT address_key, failures FROM address_failures`).Scan(&key, &n); err != nil || n != 100 ||
		len(key) != 16 || strings.Contains(string(key), "127.0.0.1") {
		t.Fatalf("address row: %x %d %v", key, n, err)
	}
}

// An installation used on SQLite (an admin, a learner with a certificate,
// a revocation, the audit log) moves to PostgreSQL with the same HR
// report, the same certificates (still verifying) and the same audit log;
// a second migration into the now full database is refused.
func TestMigrateFromSQLite(t *testing.T) {
	db := pgtest.SchemaURL(t)
	data := t.TempDir()
	if code, _, errOut := runCmdIn(t, "admin password 1\n", "admin", "create", "--email", "ada@example.com", "--name", "Ada", "--role", "admin",
		"--password-stdin", "--data", data); code != 0 {
		t.Fatalf("admin create: %s", errOut)
	}
	s := startServer(t, nil, "--data", data)
	_, id := earnCertificate(t, s.url)
	adminTok := login(t, s.url, "ada@example.com", "admin password 1")
	_, report := apiCall(t, "GET", s.url+"/api/v1/hr/report?course=ki-am-arbeitsplatz", adminTok, nil)
	_, verified := apiCall(t, "GET", s.url+"/api/v1/verify/"+id, "", nil)
	must(t, s.stop())

	code, out, errOut := runCmd(t, "migrate", "--from-sqlite", data, "--to", db)
	if code != 0 || !strings.Contains(out, "counts and checksums match") || !strings.Contains(out, "audit_log") {
		t.Fatalf("migrate: %d %s %s", code, out, errOut)
	}
	if code, _, errOut := runCmd(t, "migrate", "--from-sqlite", data, "--to", db); code != 1 || !strings.Contains(errOut, "not empty") {
		t.Fatalf("second migrate: %d %s", code, errOut)
	}

	p := startServer(t, nil, "--data", data, "--database", db)
	if p.setup != "" {
		t.Fatal("setup link: the admin did not move")
	}
	adminTok = login(t, p.url, "ada@example.com", "admin password 1")
	_, report2 := apiCall(t, "GET", p.url+"/api/v1/hr/report?course=ki-am-arbeitsplatz", adminTok, nil)
	if string(report2) != string(report) {
		t.Fatalf("HR report changed:\n%s\n%s", report, report2)
	}
	_, verified2 := apiCall(t, "GET", p.url+"/api/v1/verify/"+id, "", nil)
	if string(verified2) != string(verified) || !strings.Contains(string(verified2), `"valid"`) {
		t.Fatalf("verification changed:\n%s\n%s", verified, verified2)
	}
	// New rows continue after the copied ids.
	if code, b := apiCall(t, "POST", p.url+"/api/v1/register", "", map[string]string{"name": "Neu", "email": "neu@example.com", "password": "correct horse battery"}); code != 201 {
		t.Fatalf("register after migration: %d %s", code, b)
	}
}

// A revocation on instance A shows in B's status list at once: `kipass
// verify` of a certificate issued by B, checked against B, says revoked
// right after an admin revoked it on A.
func TestRevocationAcrossInstances(t *testing.T) {
	db := pgtest.SchemaURL(t)
	keys := t.TempDir()
	if code, _, errOut := runCmdIn(t, "admin password 1\n", "admin", "create", "--email", "ada@example.com", "--name", "Ada", "--role", "admin",
		"--password-stdin", "--data", keys, "--database", db); code != 0 {
		t.Fatalf("admin create: %s", errOut)
	}
	a := startServer(t, nil, "--data", keys, "--database", db)
	b := startServer(t, nil, "--data", keys, "--database", db)
	tok, id := earnCertificate(t, b.url)
	jwt := filepath.Join(t.TempDir(), "cert.jwt")
	download(t, b.url+"/certificates/"+id+".jwt", tok, jwt)
	if code, out, errOut := runCmd(t, "verify", jwt, "--issuer", b.url); code != 0 {
		t.Fatalf("verify before: %d %s %s", code, out, errOut)
	}
	adminTok := login(t, a.url, "ada@example.com", "admin password 1")
	if code, body := apiCall(t, "POST", a.url+"/api/v1/admin/certificates/"+id+"/revoke", adminTok, map[string]string{"reason": "test"}); code != 204 {
		t.Fatalf("revoke on A: %d %s", code, body)
	}
	code, out, errOut := runCmd(t, "verify", jwt, "--issuer", b.url)
	if code != 1 || !strings.Contains(strings.ToLower(out+errOut), "revoked") {
		t.Fatalf("verify against B after revocation on A: %d %s %s", code, out, errOut)
	}
}

// Sixty learners submit at the same moment, each through A and through B
// at once: every submission is recorded exactly once, both calls of a
// learner get the same answer, and every pass is counted once.
func TestSixtyLearnersThroughTwoInstances(t *testing.T) {
	db := pgtest.SchemaURL(t)
	keys := t.TempDir()
	a := startServer(t, nil, "--data", keys, "--database", db)
	b := startServer(t, nil, "--data", keys, "--database", db)
	const learners = 60
	type started struct {
		tok, attempt string
		answers      map[string][]string
	}
	cat, err := courses.Load(content.FS())
	must(t, err)
	co, _ := cat.Course("ki-am-arbeitsplatz")
	ls := make([]started, learners)
	for i := range ls {
		s := []*server{a, b}[i%2]
		email := fmt.Sprintf("l%d@example.com", i)
		if code, body := apiCall(t, "POST", s.url+"/api/v1/register", "", map[string]string{"name": "L", "email": email, "password": "correct horse battery"}); code != 201 {
			t.Fatalf("register: %d %s", code, body)
		}
		tok := login(t, s.url, email, "correct horse battery")
		code, body := apiCall(t, "POST", s.url+"/api/v1/courses/"+co.ID+"/modules/"+co.Modules[0].ID+"/attempts", tok, nil)
		var att struct {
			AttemptID string      `json:"attempt_id"`
			Questions []shownItem `json:"questions"`
		}
		if json.Unmarshal(body, &att); code != 201 {
			t.Fatalf("start: %d %s", code, body)
		}
		ans := map[string][]string{}
		for _, q := range att.Questions {
			cq, _ := co.Question(q.ID)
			for _, o := range cq.Options {
				if o.Correct {
					ans[q.ID] = append(ans[q.ID], q.token(o))
				}
			}
		}
		ls[i] = started{tok, att.AttemptID, ans}
	}
	var wg sync.WaitGroup
	bodies := make([][2]string, learners)
	start := make(chan struct{})
	for i, l := range ls {
		for j, s := range []*server{a, b} {
			wg.Go(func() {
				<-start
				code, body := apiCall(t, "POST", s.url+"/api/v1/attempts/"+l.attempt+"/submit", l.tok, map[string]any{"answers": l.answers})
				if code != 200 {
					t.Errorf("submit %d on %d: %d %s", i, j, code, body)
				}
				bodies[i][j] = string(body)
			})
		}
	}
	close(start)
	wg.Wait()
	for i, b := range bodies {
		if b[0] != b[1] || !strings.Contains(b[0], `"passed":true`) {
			t.Fatalf("learner %d got two answers:\n%s\n%s", i, b[0], b[1])
		}
	}
	st, err := store.OpenPostgres(context.Background(), db)
	must(t, err)
	defer st.Close()
	for i := range ls {
		p, err := st.CourseProgress(context.Background(), int64(i+1), co.ID)
		must(t, err)
		if len(p.ModulesPassed) != 1 {
			t.Fatalf("learner id %d: passes %v", i+1, p.ModulesPassed)
		}
	}
}

// Key rotation across instances that share one key folder
// (docs/SCALING.md): `kipass keys rotate --database` is announced to the
// instances, so B reads the folder at once (long before its 30-second
// reload), signs with the new key and verifies what the old and the new
// key signed, and so does A. A rotation that was not announced (no
// --database) still reaches them when a credential names a key they do
// not know: they read the folder again before they answer.
func TestKeyRotationAcrossInstances(t *testing.T) {
	db := pgtest.SchemaURL(t)
	keys := t.TempDir()
	// One issuer (--base-url) for all, as behind a proxy; each instance
	// on a port of its own.
	var base string
	instance := func() *server {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		must(t, err)
		addr := ln.Addr().String()
		ln.Close()
		if base == "" {
			base = "http://" + addr
		}
		s := startServer(t, nil, "--data", keys, "--database", db, "--addr", addr, "--base-url", base)
		s.url = "http://" + addr
		return s
	}
	a, b := instance(), instance()
	oldJWT, oldKid := earnJWT(t, b.url, "old@example.com")

	code, out, errOut := runCmd(t, "keys", "rotate", "--data", keys, "--database", db)
	if code != 0 || !strings.Contains(out, "read the new key now") {
		t.Fatalf("rotate: %d %s %s", code, out, errOut)
	}
	newKid := strings.TrimSuffix(strings.Fields(out)[3], ";")
	if newKid == oldKid || !strings.Contains(out, oldKid) {
		t.Fatalf("rotate said %q; the old key was %s", out, oldKid)
	}
	for _, s := range []*server{a, b} {
		deadline := time.Now().Add(5 * time.Second)
		for {
			_, jwks := apiCall(t, "GET", s.url+"/.well-known/jwks.json", "", nil)
			if strings.Contains(string(jwks), newKid) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s does not show the new key 5 s after the rotation: %s", s.url, jwks)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	newJWT, kid := earnJWT(t, b.url, "new@example.com")
	if kid != newKid {
		t.Fatalf("B signed with %s after the rotation, want the new key %s", kid, newKid)
	}
	for _, s := range []*server{a, b} {
		verifyValid(t, s.url, oldJWT)
		verifyValid(t, s.url, newJWT)
	}

	// Not announced: C, started on the folder after the rotation, signs
	// with a key A and B have not read; they read the folder when they
	// meet it, and serve it under its kid.
	if code, out, errOut := runCmd(t, "keys", "rotate", "--data", keys); code != 0 {
		t.Fatalf("rotate without --database: %d %s %s", code, out, errOut)
	}
	c := instance()
	thirdJWT, thirdKid := earnJWT(t, c.url, "third@example.com")
	if thirdKid == newKid {
		t.Fatal("C signed with the previous key")
	}
	verifyValid(t, a.url, thirdJWT)
	if code, body := apiCall(t, "GET", b.url+"/.well-known/jwks/"+thirdKid, "", nil); code != 200 {
		t.Fatalf("B's key document for C's key: %d %s", code, body)
	}
	for _, s := range []*server{a, b} {
		verifyValid(t, s.url, oldJWT)
	}
}

// earnJWT registers email on base, passes the course and returns the
// certificate's credential and the kid it was signed with.
func earnJWT(t *testing.T, base, email string) (jwt, kid string) {
	t.Helper()
	if code, b := apiCall(t, "POST", base+"/api/v1/register", "", map[string]string{"name": "Zoë", "email": email, "password": "correct horse battery"}); code != 201 {
		t.Fatalf("register: %d %s", code, b)
	}
	tok := login(t, base, email, "correct horse battery")
	id := passCourse(t, base, tok)
	file := filepath.Join(t.TempDir(), "cert.jwt")
	download(t, base+"/certificates/"+id+".jwt", tok, file)
	b, err := os.ReadFile(file)
	must(t, err)
	jwt = strings.TrimSpace(string(b))
	head, _, _ := strings.Cut(jwt, ".")
	hb, err := base64.RawURLEncoding.DecodeString(head)
	must(t, err)
	var h struct {
		Kid string `json:"kid"`
	}
	must(t, json.Unmarshal(hb, &h))
	return jwt, h.Kid[strings.LastIndex(h.Kid, "/")+1:]
}

// verifyValid checks a credential with POST /api/v1/verify on base.
func verifyValid(t *testing.T, base, jwt string) {
	t.Helper()
	code, body := apiCall(t, "POST", base+"/api/v1/verify", "", map[string]string{"token": jwt})
	var v struct {
		Status string `json:"status"`
	}
	if json.Unmarshal(body, &v); code != 200 || v.Status != "valid" {
		t.Fatalf("verify on %s: %d %s", base, code, body)
	}
}
