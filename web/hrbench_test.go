package web

import (
	"context"
	"database/sql"
	"fmt"
	"testing"
	"time"

	"github.com/valyala/fasthttp"
	_ "modernc.org/sqlite"
)

// seedCompany fills the test app's database with n employees in 20
// departments and their progress in the course's 8 modules: a tenth each
// has done 0..8 modules; those with all 8 hold a certificate (some
// expired), and a quarter of the departments have an assignment due.
func seedCompany(tb testing.TB, a *testApp, n int) {
	tb.Helper()
	cat := realCatalog(&testing.T{})
	co, _ := cat.Course(courseID)
	db, err := sql.Open("sqlite", "file:"+a.db.Path()+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)")
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	tx, err := db.Begin()
	if err != nil {
		tb.Fatal(err)
	}
	now := time.Now()
	ins := func(q string) *sql.Stmt {
		s, err := tx.Prepare(q)
		if err != nil {
			tb.Fatal(err)
		}
		return s
	}
	user := ins(`INSERT INTO users (email, name, department, role, lang, created_at, updated_at) VALUES (?, ?, ?, 'employee', 'de', ?, ?)`)
	att := ins(`INSERT INTO attempts (id, user_id, course_id, module_id, kind, lang, content_version, questions, started_at, submitted_at, answers, score_percent, passed, result)
		VALUES (?, ?, ?, ?, 'module', 'de', ?, '[]', ?, ?, '{}', 100, 1, '{"score_percent":100,"passed":true,"results":[]}')`)
	pass := ins(`INSERT INTO module_passes (user_id, course_id, module_id, attempt_id, passed_at) VALUES (?, ?, ?, ?, ?)`)
	begun := ins(`INSERT OR IGNORE INTO course_starts (course_id, user_id) VALUES (?, ?)`)
	cert := ins(`INSERT INTO certificates (id, user_id, holder_name, course_id, content_version, lang, issued_at, expires_at, status_index) VALUES (?, ?, ?, ?, ?, 'de', ?, ?, ?)`)
	for i := range n {
		dept := fmt.Sprintf("Abteilung %02d", i%20)
		res, err := user.Exec(fmt.Sprintf("person%d@example.com", i), fmt.Sprintf("Person %06d", i), dept, now.Unix(), now.Unix())
		if err != nil {
			tb.Fatal(err)
		}
		uid, _ := res.LastInsertId()
		done := i % 10
		if done > 8 {
			done = 8
		}
		for m := range done {
			id := fmt.Sprintf("a-%d-%d", i, m)
			at := now.Add(-time.Duration(i%300) * 24 * time.Hour).Unix()
			mod := co.Modules[m].ID
			if _, err := att.Exec(id, uid, courseID, mod, co.Version, at, at); err != nil {
				tb.Fatal(err)
			}
			if _, err := pass.Exec(uid, courseID, mod, id, at); err != nil {
				tb.Fatal(err)
			}
			if _, err := begun.Exec(courseID, uid); err != nil {
				tb.Fatal(err)
			}
		}
		if done == 8 {
			issued := now.Add(-time.Duration(i%400) * 24 * time.Hour)
			if _, err := cert.Exec(fmt.Sprintf("c-%d", i), uid, fmt.Sprintf("Person %06d", i), courseID, co.Version, issued.Unix(), issued.AddDate(1, 0, 0).Unix(), i); err != nil {
				tb.Fatal(err)
			}
		}
	}
	for d := range 5 {
		if _, err := tx.Exec(`INSERT INTO assignments (course_id, scope, department, due_at, created_at) VALUES (?, 'department', ?, ?, ?)`,
			courseID, fmt.Sprintf("Abteilung %02d", d), now.AddDate(0, 0, -d*20+30).Unix(), now.Unix()); err != nil {
			tb.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		tb.Fatal(err)
	}
	if _, err := db.Exec(`ANALYZE`); err != nil {
		tb.Fatal(err)
	}
}

// hrCookies logs a browser in as HR and returns its cookies.
func hrCookies(tb testing.TB, a *testApp) map[string]string {
	b := a.staffBrowser("hr-bench@example.com", "hr")
	out := map[string]string{}
	for n, c := range b.cookies {
		out[n] = c.Value
	}
	return out
}

// BenchmarkCourseReport100k is the report query over 100,000 employees
// with 8 modules of progress.
func BenchmarkCourseReport100k(b *testing.B) {
	t := &testing.T{}
	a := newTestApp(t, nil)
	seedCompany(b, a, 100_000)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		rows, err := a.db.CourseReport(context.Background(), courseID, nil)
		if err != nil || len(rows) != 100_000 {
			b.Fatal(len(rows), err)
		}
	}
}

// BenchmarkHRDashboard100k renders /hr (counts, charts, overdue list, the
// first table page) for 100,000 employees, one request at a time, while
// the data is unchanged (the report rows are cached).
func BenchmarkHRDashboard100k(b *testing.B) {
	benchHRPage(b, "/hr")
}

// BenchmarkHRDashboard100kCold is the same after every request a write
// changed the data, so each view reads the whole company again.
func BenchmarkHRDashboard100kCold(b *testing.B) {
	benchHRPage(b, "/hr?cold")
}

// BenchmarkHRDashboard100kFiltered is one department, searched and sorted.
func BenchmarkHRDashboard100kFiltered(b *testing.B) {
	benchHRPage(b, "/hr?department=Abteilung+07&q=person&sort=due&dir=desc&page=3")
}

// BenchmarkHRReportCSV100k exports the whole report as CSV.
func BenchmarkHRReportCSV100k(b *testing.B) {
	benchHRPage(b, "/api/v1/hr/report?format=csv")
}

func benchHRPage(b *testing.B, path string) {
	t := &testing.T{}
	a := newTestApp(t, nil)
	seedCompany(b, a, 100_000)
	cookies := hrCookies(b, a)
	h := a.app.Handler()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if path == "/hr?cold" {
			b.StopTimer()
			if err := a.db.SetJobRun(context.Background(), "bench", time.Now()); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
		}
		var ctx fasthttp.RequestCtx
		ctx.Request.SetRequestURI(path)
		ctx.Request.Header.SetMethod("GET")
		for k, v := range cookies {
			ctx.Request.Header.SetCookie(k, v)
		}
		h(&ctx)
		if ctx.Response.StatusCode() != 200 {
			b.Fatalf("status %d", ctx.Response.StatusCode())
		}
	}
}

// BenchmarkHRPersonPage100k renders one person's page (/hr/people/{id})
// among 100,000 employees: it reads only that person's records.
func BenchmarkHRPersonPage100k(b *testing.B) {
	benchHRPage(b, "/hr/people/50009")
}
