package web

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"html"
	"regexp"
	"strings"
	"testing"

	"kipass/internal/store"
)

var exportHref = regexp.MustCompile(`href="((?:/api/v1/hr/report|/hr/evidence\.pdf)[^"]*)"`)

// TestHRExportLinksKeepFilters filters the dashboard to one department
// (whose name needs URL-encoding) and one status, follows every export
// link of the page as a browser would (HTML-unescaped href) and checks
// that each export holds exactly the filtered rows, and that the audit log
// records the filtered scope.
func TestHRExportLinksKeepFilters(t *testing.T) {
	a := newTestApp(t, nil)
	const dept = "R&D Süd/Nord #2"
	for _, p := range []struct{ name, email, dept string }{
		{"Rita Started", "rita@example.com", dept}, {"Rolf Idle", "rolf@example.com", dept},
		{"Vera Started", "vera@example.com", "Vertrieb"}, {"Volker Idle", "volker@example.com", "Vertrieb"},
	} {
		tok := a.employee(p.name, p.email, p.dept)
		if strings.HasSuffix(p.name, "Started") {
			if _, r := a.start(tok, modulePath("dsgvo-grundlagen")); r.status != 201 {
				t.Fatalf("start: %d", r.status)
			}
		}
	}
	hr := a.staffBrowser("hanna@example.com", store.RoleHR)
	page := hr.get("/hr?lang=en&course=" + courseID + "&department=R%26D+S%C3%BCd%2FNord+%232&status=in_progress")
	if page.status != 200 || !strings.Contains(page.body, "Rita Started") || strings.Contains(page.body, "Vera Started") {
		t.Fatalf("filtered page: %d", page.status)
	}
	links := exportHref.FindAllStringSubmatch(page.body, -1)
	if len(links) != 4 {
		t.Fatalf("%d export links, want 4", len(links))
	}
	for _, m := range links {
		href := html.UnescapeString(m[1])
		r := hr.get(href)
		if r.status != 200 {
			t.Fatalf("%s: %d", href, r.status)
		}
		var names []string
		switch {
		case strings.HasPrefix(href, "/hr/evidence.pdf"):
			text := pdfText(t, r.body)
			if text != "" && (!strings.Contains(text, "R&D Süd/Nord #2") || strings.Contains(text, "Vertrieb")) {
				t.Errorf("%s: the evidence report is not limited to the department:\n%s", href, text)
			}
			continue
		case strings.Contains(href, "format=csv"):
			cr := csv.NewReader(strings.NewReader(strings.TrimPrefix(r.body, "\ufeff")))
			if strings.Contains(href, "sep=semicolon") {
				cr.Comma = ';'
			}
			recs, err := cr.ReadAll()
			if err != nil || len(recs) == 0 {
				t.Fatalf("%s: %v", href, err)
			}
			for _, rec := range recs[1:] {
				if rec[3] != dept || rec[5] != "in_progress" {
					t.Errorf("%s: row %v outside the filter", href, rec)
				}
				names = append(names, rec[1])
			}
		default:
			var rows []reportRow
			if err := json.Unmarshal([]byte(r.body), &rows); err != nil {
				t.Fatalf("%s: %v", href, err)
			}
			for _, row := range rows {
				if row.Department != dept || row.Status != "in_progress" {
					t.Errorf("%s: row %+v outside the filter", href, row)
				}
				names = append(names, row.Name)
			}
		}
		if strings.Join(names, ",") != "Rita Started" {
			t.Errorf("%s: rows %v, want only Rita Started", href, names)
		}
	}
	// The audit log records the scope the person chose.
	for _, action := range []string{"report.exported", "evidence.exported"} {
		entries, n, err := a.db.AuditLog(context.Background(), store.AuditFilter{Action: action})
		if err != nil || n == 0 {
			t.Fatalf("%s: %d entries, %v", action, n, err)
		}
		for _, e := range entries {
			if !strings.Contains(e.Detail, `department="R&D Süd/Nord #2"`) || action == "report.exported" && !strings.Contains(e.Detail, `status="in_progress"`) {
				t.Errorf("%s records %q", action, e.Detail)
			}
		}
	}
}
