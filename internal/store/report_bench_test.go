package store

import (
	"context"
	"strconv"
	"testing"
)

// seedReport fills the database with n active employees in 20
// departments; every second one has begun the course, every fifth holds a
// certificate, and there are five department assignments. Set-based SQL
// per engine, so 100,000 people take seconds.
func seedReport(b *testing.B, db *DB, n int) {
	b.Helper()
	series := `WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i + 1 < ?) SELECT i FROM s`
	pad := func(expr string, w int) string { return `substr('000000' || (` + expr + `), -` + strconv.Itoa(w) + `)` }
	if db.pg {
		series = `SELECT i FROM generate_series(0, ? - 1) i`
		pad = func(expr string, w int) string { return `lpad((` + expr + `)::text, ` + strconv.Itoa(w) + `, '0')` }
	}
	stmts := []string{
		`INSERT INTO users (email, name, department, role, created_at, updated_at)
			SELECT 'person' || i || '@example.com', 'Person ' || ` + pad("i", 6) + `, 'Abteilung ' || ` + pad("i % 20", 2) + `, 'employee', 0, 0
			FROM (` + series + `) s`,
		`INSERT INTO course_starts (course_id, user_id) SELECT 'c', id FROM users WHERE id % 2 = 0`,
		`INSERT INTO certificates (id, user_id, holder_name, course_id, content_version, lang, issued_at, expires_at, status_index)
			SELECT 'cert-' || id, id, name, 'c', 'v', 'de', 1800000000 - id * 60, 1830000000 - id * 60, id FROM users WHERE id % 5 = 0`,
		`INSERT INTO assignments (course_id, scope, department, due_at, created_at)
			SELECT 'c', 'department', 'Abteilung ' || ` + pad("i", 2) + `, 1810000000 + i * 86400, 0 FROM (` + series + `) s`,
	}
	args := [][]any{{n}, nil, nil, {5}}
	for i, q := range stmts {
		if _, err := db.write.Exec(q, args[i]...); err != nil {
			b.Fatalf("seed %d: %v", i, err)
		}
	}
	if _, err := db.write.Exec(`ANALYZE`); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkCourseReport100k is the HR report's query for 100,000 people
// on each engine (PostgreSQL with KIPASS_TEST_POSTGRES): docs/PERFORMANCE.md.
func BenchmarkCourseReport100k(b *testing.B) {
	for _, engine := range []struct {
		name string
		open func(testing.TB) *DB
	}{{"sqlite", openTest}, {"postgres", openTestPostgres}} {
		b.Run(engine.name, func(b *testing.B) {
			db := engine.open(b)
			seedReport(b, db, 100_000)
			ctx := context.Background()
			b.ResetTimer()
			for b.Loop() {
				rows, err := db.CourseReport(ctx, "c", nil)
				if err != nil || len(rows) != 100_000 {
					b.Fatalf("%d rows, %v", len(rows), err)
				}
			}
			b.StopTimer()
			rows, _ := db.CourseReport(ctx, "c", []string{"Abteilung 03"})
			if len(rows) != 5000 {
				b.Fatalf("one department: %d rows", len(rows))
			}
		})
	}
}
