package web

import (
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"

	"kipass/internal/store"
)

func TestHRReport(t *testing.T) {
	a := newTestApp(t, nil)
	erika := a.apiUser("erika@example.com")
	passExam(t, a, erika)
	max := a.apiUser("max@example.com")
	a.start(max, modulePath("eu-ai-act")) // in progress
	a.apiUser("=cmd|calc@example.com")    // not started; a hostile-looking address
	hr := a.makeUser("hr@example.com", store.RoleHR)

	for _, tok := range []string{erika, ""} {
		if r := a.do(req{method: "GET", path: "/api/v1/hr/report", bearer: tok}); r.status != 403 && r.status != 401 {
			t.Fatalf("report for a non-HR caller: %d", r.status)
		}
	}
	get := func(q string) []reportRow {
		r := a.do(req{method: "GET", path: "/api/v1/hr/report" + q, bearer: hr})
		var rows []reportRow
		if err := json.Unmarshal([]byte(r.body), &rows); err != nil || r.status != 200 {
			t.Fatalf("%s: %d %s", q, r.status, r.body)
		}
		return rows
	}
	byEmail := map[string]reportRow{}
	for _, r := range get("") {
		byEmail[r.Email] = r
	}
	if byEmail["erika@example.com"].Status != "passed" || byEmail["erika@example.com"].CertificateID == "" || byEmail["erika@example.com"].PassedAt == "" {
		t.Fatalf("erika: %+v", byEmail["erika@example.com"])
	}
	if byEmail["max@example.com"].Status != "in_progress" || byEmail["=cmd|calc@example.com"].Status != "not_started" {
		t.Fatalf("rows: %+v", byEmail)
	}
	if rows := get("?status=passed"); len(rows) != 1 || rows[0].Email != "erika@example.com" {
		t.Fatalf("status filter: %+v", rows)
	}
	for _, q := range []string{"?status=nonsense", "?course=nope", "?department=Nowhere"} {
		if rows := get(q); len(rows) != 0 {
			t.Fatalf("%s: %+v", q, rows)
		}
	}
	r := a.do(req{method: "GET", path: "/api/v1/hr/report?format=csv&sep=semicolon", bearer: hr})
	if r.status != 200 || !strings.HasPrefix(r.body, "\uFEFFuser_id;name;email") || !strings.HasPrefix(r.header.Get("Content-Type"), "text/csv") {
		t.Fatalf("csv: %d %q", r.status, r.body[:min(len(r.body), 80)])
	}
	cr := csv.NewReader(strings.NewReader(strings.TrimPrefix(r.body, "\uFEFF")))
	cr.Comma = ';'
	recs, err := cr.ReadAll()
	if err != nil || len(recs) != 5 {
		t.Fatalf("csv rows: %d %v", len(recs), err)
	}
	for _, rec := range recs {
		if strings.HasPrefix(rec[2], "=") {
			t.Fatalf("formula cell not neutralised: %q", rec[2])
		}
	}
}
