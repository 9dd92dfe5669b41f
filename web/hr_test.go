package web

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

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
	// The technical CSV starts with its header, for scripts.
	if r := a.do(req{method: "GET", path: "/api/v1/hr/report?format=csv", bearer: hr}); r.status != 200 ||
		!strings.HasPrefix(r.body, "\uFEFFuser_id,name,email") {
		t.Fatalf("technical csv: %d %q", r.status, r.body[:min(len(r.body), 80)])
	}
	// The one for Excel states its scope first.
	r := a.do(req{method: "GET", path: "/api/v1/hr/report?format=csv&sep=semicolon&lang=en", bearer: hr})
	if r.status != 200 || !strings.HasPrefix(r.body, "\uFEFFEveryone, 4 people\r\n") || !strings.HasPrefix(r.header.Get("Content-Type"), "text/csv") {
		t.Fatalf("csv: %d %q", r.status, r.body[:min(len(r.body), 80)])
	}
	recs, err := csvTable(r.body, ';')
	if err != nil || len(recs) != 5 {
		t.Fatalf("csv rows: %d %v", len(recs), err)
	}
	for _, rec := range recs {
		if strings.HasPrefix(rec[2], "=") {
			t.Fatalf("formula cell not neutralised: %q", rec[2])
		}
	}
}

func TestAssignmentsMakeOverdue(t *testing.T) {
	now := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	a := newTestApp(t, nil)
	a.setClock(func() time.Time { return now })
	hr := a.makeUser("hr@example.com", store.RoleHR)
	b := a.browser()
	a.listDepartment("Vertrieb")
	a.listDepartment("IT")
	b.post("/register", url.Values{"name": {"Vera"}, "email": {"vera@example.com"}, "password": {"correct horse battery"}, "department": {"Vertrieb"}})
	b2 := a.browser()
	b2.post("/register", url.Values{"name": {"Ines"}, "email": {"ines@example.com"}, "password": {"correct horse battery"}, "department": {"IT"}})

	post := func(body map[string]any) resp {
		return a.do(req{method: "POST", path: "/api/v1/hr/assignments", bearer: hr, json: body})
	}
	for _, bad := range []map[string]any{
		{"course": "nope", "scope": "all", "due_at": "2026-12-01"},
		{"course": courseID, "scope": "everyone", "due_at": "2026-12-01"},
		{"course": courseID, "scope": "department", "due_at": "2026-12-01"},
		{"course": courseID, "scope": "user", "user_id": 99999, "due_at": "2026-12-01"},
		{"course": courseID, "scope": "all", "due_at": "soon"},
	} {
		if r := post(bad); r.status != 400 {
			t.Fatalf("%v: %d %s", bad, r.status, r.body)
		}
	}
	// A due date in the past needs confirmation.
	if r := post(map[string]any{"course": courseID, "scope": "department", "department": "Vertrieb", "due_at": "2026-11-28"}); r.status != 400 ||
		!strings.Contains(r.body, "past_needs_confirmation") {
		t.Fatalf("past due unconfirmed: %d %s", r.status, r.body)
	}
	// Unknown and empty departments are refused with unknown_department.
	for _, d := range []string{"Nowhere", ""} {
		if r := post(map[string]any{"course": courseID, "scope": "department", "department": d, "due_at": "2027-11-28"}); r.status != 400 ||
			d != "" && !strings.Contains(r.body, `"code":"unknown_department"`) {
			t.Fatalf("department %q: %d %s", d, r.status, r.body)
		}
	}
	if r := post(map[string]any{"course": courseID, "scope": "department", "department": "Vertrieb", "due_at": "2026-11-28", "confirm_past_due": true}); r.status != 201 {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	status := func(email string) reportRow {
		r := a.do(req{method: "GET", path: "/api/v1/hr/report", bearer: hr})
		var rows []reportRow
		json.Unmarshal([]byte(r.body), &rows)
		for _, row := range rows {
			if row.Email == email {
				return row
			}
		}
		t.Fatalf("%s not in report", email)
		return reportRow{}
	}
	if r := status("vera@example.com"); r.Status != "overdue" || r.DueAt != "2026-11-28T23:59:59Z" {
		t.Fatalf("vera: %+v", r)
	}
	if r := status("ines@example.com"); r.Status != "not_started" || r.DueAt != "" {
		t.Fatalf("ines (other department): %+v", r)
	}
	// Someone who joins the department later is covered automatically.
	b3 := a.browser()
	b3.post("/register", url.Values{"name": {"Nils"}, "email": {"nils@example.com"}, "password": {"correct horse battery"}, "department": {"Vertrieb"}})
	if r := status("nils@example.com"); r.Status != "overdue" {
		t.Fatalf("new member: %+v", r)
	}
	// Passing clears it; when the certificate expires, recertification is overdue.
	r := a.do(req{method: "POST", path: "/api/v1/login", json: map[string]any{"email": "vera@example.com", "password": "correct horse battery"}})
	var login struct{ Token string }
	json.Unmarshal([]byte(r.body), &login)
	passExam(t, a, login.Token)
	if r := status("vera@example.com"); r.Status != "passed" || r.DueAt != "2027-11-29T12:00:00Z" {
		t.Fatalf("after pass: %+v", r)
	}
	now = now.AddDate(1, 0, 1)
	a.makeUser("hr2@example.com", store.RoleHR)
	hr = a.do(req{method: "POST", path: "/api/v1/login", json: map[string]any{"email": "hr2@example.com", "password": "correct horse battery"}}).body
	var hl struct{ Token string }
	json.Unmarshal([]byte(hr), &hl)
	hr = hl.Token
	if r := status("vera@example.com"); r.Status != "overdue" {
		t.Fatalf("after expiry: %+v", r)
	}
	// Listing and deleting.
	r = a.do(req{method: "GET", path: "/api/v1/hr/assignments", bearer: hr})
	var list []assignmentOut
	json.Unmarshal([]byte(r.body), &list)
	if len(list) != 1 || list[0].Department != "Vertrieb" {
		t.Fatalf("list: %s", r.body)
	}
	if r := a.do(req{method: "DELETE", path: fmt.Sprintf("/api/v1/hr/assignments/%d", list[0].ID), bearer: hr}); r.status != 204 {
		t.Fatalf("delete: %d", r.status)
	}
	if r := status("vera@example.com"); r.Status != "expired" {
		t.Fatalf("after deleting the assignment: %+v", r)
	}
}
