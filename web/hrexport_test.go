package web

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"html"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	kapp "kipass/internal/app"
	"kipass/internal/i18n"
	"kipass/internal/store"
)

var exportHref = regexp.MustCompile(`href="((?:/api/v1/hr/report|/hr/evidence\.pdf)[^"]*)"`)

// TestHRExportLinksKeepFilters filters the dashboard to one department
// (whose name needs URL-encoding), one status and a search, follows every
// export link of the page as a browser would (HTML-unescaped href) and
// checks that each export (PDF, XLSX, both CSVs, JSON) holds exactly the
// rows of the view, that file names and first lines state the scope, and
// that the audit log records it.
func TestHRExportLinksKeepFilters(t *testing.T) {
	a := newTestApp(t, nil)
	const dept = "R&D Süd/Nord #2"
	for _, p := range []struct{ name, email, dept string }{
		{"Rita Started", "rita@example.com", dept}, {"Rolf Idle", "rolf@example.com", dept}, {"Otto Started", "otto@example.com", dept},
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
	page := hr.get("/hr?lang=en&course=" + courseID + "&department=R%26D+S%C3%BCd%2FNord+%232&status=in_progress&q=RIT")
	if page.status != 200 || !strings.Contains(page.body, "Rita Started") || strings.Contains(page.body, "Vera Started") || strings.Contains(page.body, "Otto Started") {
		t.Fatalf("filtered page: %d", page.status)
	}
	links := exportHref.FindAllStringSubmatch(page.body, -1)
	if len(links) != 5 {
		t.Fatalf("%d export links, want 5", len(links))
	}
	for _, m := range links {
		href := html.UnescapeString(m[1])
		r := hr.get(href)
		if r.status != 200 {
			t.Fatalf("%s: %d", href, r.status)
		}
		var names []string
		if cd := r.header.Get("Content-Disposition"); !strings.Contains(cd, "r-d-sued-nord-2-in-bearbeitung-suche-rit-") {
			t.Errorf("%s: file name %q does not state the scope", href, cd)
		}
		const scope = "R&D Süd/Nord #2, in bearbeitung, Suche „RIT“, 1 Person"
		switch {
		case strings.HasPrefix(href, "/hr/evidence.pdf"):
			text := pdfText(t, r.body)
			if text != "" && (!strings.Contains(text, "R&D Süd/Nord #2") || strings.Contains(text, "Vertrieb") || strings.Contains(text, "Otto") ||
				!strings.Contains(text, "Rita Started")) {
				t.Errorf("%s: the evidence report is not limited to the view:\n%s", href, text)
			}
			continue
		case strings.Contains(href, "format=xlsx"):
			recs, top := xlsxTable(t, r.body)
			if len(top) == 0 || top[0] != scope {
				t.Errorf("%s: first line %q, want %q", href, top, scope)
			}
			for _, rec := range recs[1:] {
				if rec[2] != dept || rec[4] != "In Bearbeitung" {
					t.Errorf("%s: row %v outside the filter", href, rec)
				}
				names = append(names, rec[0])
			}
		case strings.Contains(href, "format=csv"):
			sep := ','
			if strings.Contains(href, "sep=semicolon") {
				sep = ';'
				if !strings.HasPrefix(r.body, "\ufeff"+scope+"\r\n") {
					t.Errorf("%s: first line of %q, want %q", href, r.body[:min(len(r.body), 120)], scope)
				}
			} else if !strings.HasPrefix(r.body, "\ufeffuser_id,") {
				t.Errorf("%s: the technical CSV does not start with its header", href)
			}
			recs, err := csvTable(r.body, sep)
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
			if !strings.Contains(e.Detail, `department="R&D Süd/Nord #2"`) || !strings.Contains(e.Detail, `q="RIT"`) ||
				action == "report.exported" && !strings.Contains(e.Detail, `status="in_progress"`) {
				t.Errorf("%s records %q", action, e.Detail)
			}
		}
	}
}

// csvTable reads a CSV export from its header row on: the CSV for Excel
// has scope lines above it.
func csvTable(body string, sep rune) ([][]string, error) {
	cr := csv.NewReader(strings.NewReader(strings.TrimPrefix(body, "\ufeff")))
	cr.Comma = sep
	cr.FieldsPerRecord = -1
	recs, err := cr.ReadAll()
	if err != nil {
		return nil, err
	}
	for i, rec := range recs {
		if rec[0] == "user_id" {
			return recs[i:], nil
		}
	}
	return nil, fmt.Errorf("no header row in %q", body[:min(len(body), 200)])
}

// xlsxTable reads a spreadsheet export: the table from its header row on
// (the first cell "Name") and the lines above it.
func xlsxTable(t *testing.T, body string) (table [][]string, above []string) {
	t.Helper()
	f, err := excelize.OpenReader(strings.NewReader(body))
	if err != nil {
		t.Fatalf("xlsx: %v", err)
	}
	defer f.Close()
	rows, err := f.GetRows(f.GetSheetName(0))
	if err != nil {
		t.Fatalf("xlsx rows: %v", err)
	}
	for i, r := range rows {
		if len(r) > 0 && r[0] == "Name" {
			return rows[i:], above
		}
		if len(r) > 0 {
			above = append(above, r[0])
		}
	}
	t.Fatalf("xlsx: no header row in %q", rows)
	return nil, nil
}

// TestMonthLabels: the timeline's months are in the UI language, as the
// HR pages' printer names them.
func TestMonthLabels(t *testing.T) {
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	monthLabel := func(lang string, m time.Time) string {
		uc := kapp.New(kapp.Deps{Config: kapp.Config{Location: time.UTC}})
		return (&server{views: &views{messages: cat}, app: uc}).hrPrinter(lang).Month(m)
	}
	feb := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	if got := monthLabel("de", feb); got != "Feb. 2026" {
		t.Errorf("de: %q", got)
	}
	if got := monthLabel("en", feb); got != "Feb 2026" {
		t.Errorf("en: %q", got)
	}
	if got := monthLabel("de", feb.AddDate(0, 1, 0)); got != "März 2026" {
		t.Errorf("de March: %q", got)
	}
}
