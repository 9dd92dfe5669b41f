package main

import (
	"context"
	"encoding/base64"
	"encoding/csv"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"

	"kipass/internal/store"
)

// TestBrowserHRExportsKeepFilters: an HR account limited on the command
// line to two departments filters the dashboard in a real browser to one
// department (a name that needs URL-encoding), one status and a search,
// follows every export link on the page (XLSX, CSV, CSV for Excel, JSON,
// evidence PDF) and gets exactly the rows of the view; the audit log
// records that scope.
func TestBrowserHRExportsKeepFilters(t *testing.T) {
	ctx := browserContext(t)
	data := t.TempDir()
	const dept = "R&D Süd"
	code, out, errOut := runCmdIn(t, "hr password 12345\n", "admin", "create", "--data", data, "--email", "hanna@example.com",
		"--name", "Hanna Personal", "--role", "hr", "--hr-departments", dept+",Vertrieb", "--password-stdin")
	if code != 0 || !strings.Contains(out, "HR scope: R&D Süd, Vertrieb") {
		t.Fatalf("admin create: %d %q %q", code, out, errOut)
	}
	// Self-registration picks from the admin-kept department list.
	if code, out, errOut := runCmdIn(t, "admin password 12345\n", "admin", "create", "--data", data, "--email", "ada@example.com",
		"--name", "Ada Admin", "--role", "admin", "--password-stdin"); code != 0 {
		t.Fatalf("admin create: %d %q %q", code, out, errOut)
	}
	s := startServer(t, nil, "--data", data)
	origin := s.url
	adminTok := login(t, origin, "ada@example.com", "admin password 12345")
	for _, d := range []string{dept, "Vertrieb", "Einkauf"} {
		if code, b := apiCall(t, "POST", origin+"/api/v1/admin/departments", adminTok, map[string]string{"name": d}); code != 201 {
			t.Fatalf("list %s: %d %s", d, code, b)
		}
	}
	for _, p := range []struct {
		name, dept string
		started    bool
	}{
		{"Rita Started", dept, true}, {"Rudi Started", dept, true}, {"Rosa Idle", dept, false},
		{"Vera Started", "Vertrieb", true}, {"Volker Idle", "Vertrieb", false}, {"Emil Started", "Einkauf", true},
	} {
		email := strings.ToLower(strings.Fields(p.name)[0]) + "@example.com"
		if code, b := apiCall(t, "POST", origin+"/api/v1/register", "", map[string]string{"name": p.name, "email": email,
			"password": "correct horse battery", "department": p.dept}); code != 201 {
			t.Fatalf("register %s: %d %s", email, code, b)
		}
		if p.started {
			tok := login(t, origin, email, "correct horse battery")
			if code, b := apiCall(t, "POST", origin+"/api/v1/courses/ki-am-arbeitsplatz/modules/dsgvo-grundlagen/attempts?lang=en", tok, nil); code != 201 {
				t.Fatalf("start %s: %d %s", email, code, b)
			}
		}
	}

	must(t, chromedp.Do(ctx,
		chromedp.Navigate(origin+"/login?lang=en"),
		chromedp.WaitVisible(chromedp.CSS(`#f-email`)),
		chromedp.SendKeys(chromedp.CSS(`#f-email`), "hanna@example.com"),
		chromedp.SendKeys(chromedp.CSS(`#f-password`), "hr password 12345"),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`a[href="/hr"]`)),
		// HR lands on /hr after login; another URL makes this a navigation.
		chromedp.Navigate(origin+"/hr?lang=en"),
		chromedp.WaitVisible(chromedp.CSS(`#f-dept`)),
		chromedp.SetValue(chromedp.CSS(`#f-dept`), dept),
		chromedp.SetValue(chromedp.CSS(`#f-status`), "in_progress"),
		chromedp.SendKeys(chromedp.CSS(`#f-q`), "Ru"),
		chromedp.Click(chromedp.CSS(`form[action="/hr"] button[type=submit]`)),
	))
	// The filtered page, not the one before it (it has a table too).
	for deadline := time.Now().Add(10 * time.Second); ; {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`location.search.includes("q=Ru") && document.readyState === "complete" && !!document.querySelector("#people table")`))
		if err == nil && ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the filtered page did not load: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if got := text(ctx, t, "#people"); !strings.Contains(got, "Rudi Started") || strings.Contains(got, "Rita Started") || strings.Contains(got, "Rosa Idle") || strings.Contains(got, "Vera") {
		t.Fatalf("filtered table: %q", got)
	}
	hrefs, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](
		`Array.from(document.querySelectorAll('section[aria-labelledby="export-h"] a')).map(a => a.href)`))
	must(t, err)
	if len(hrefs) != 5 {
		t.Fatalf("export links %v", hrefs)
	}
	want := []string{"Rudi Started"}
	for _, href := range hrefs {
		if !strings.HasPrefix(href, origin+"/") {
			t.Fatalf("export link %q leaves the site", href)
		}
		// The browser follows the link with its own session cookie.
		body64, err := chromedp.Run(ctx, chromedp.Evaluate[string](`fetch(`+jsString(href)+`).then(r => { if (!r.ok) throw new Error(r.status); return r.arrayBuffer(); }).then(b => {
			let s = ""; const u = new Uint8Array(b); for (let i = 0; i < u.length; i++) s += String.fromCharCode(u[i]); return btoa(s); })`,
			chromedp.EvalAwaitPromise))
		must(t, err)
		body, err := base64.StdEncoding.DecodeString(body64)
		must(t, err)
		var names []string
		switch {
		case strings.Contains(href, "/hr/evidence.pdf"):
			if !strings.HasPrefix(string(body), "%PDF") {
				t.Fatalf("%s: not a PDF", href)
			}
			if _, err := exec.LookPath("pdftotext"); err != nil {
				t.Log("pdftotext not installed; evidence text not checked")
				continue
			}
			pf := filepath.Join(t.TempDir(), "evidence.pdf")
			must(t, os.WriteFile(pf, body, 0o600))
			txt, err := exec.Command("pdftotext", "-layout", pf, "-").Output()
			must(t, err)
			if !strings.Contains(string(txt), dept) || strings.Contains(string(txt), "Vertrieb") || strings.Contains(string(txt), "Einkauf") ||
				strings.Contains(string(txt), "Rita") || !strings.Contains(string(txt), "Rudi Started") {
				t.Errorf("%s: the evidence report is not limited to %s:\n%s", href, dept, txt)
			}
			continue
		case strings.Contains(href, "format=xlsx"):
			f, err := excelize.OpenReader(strings.NewReader(string(body)))
			must(t, err)
			rows, err := f.GetRows(f.GetSheetName(0))
			must(t, err)
			f.Close()
			if len(rows) == 0 || rows[0][0] != "R&D Süd, in progress, search “Ru”, 1 person" {
				t.Errorf("%s: first line %q", href, rows)
			}
			header := slices.IndexFunc(rows, func(r []string) bool { return len(r) > 0 && r[0] == "Name" })
			if header < 0 {
				t.Fatalf("%s: no header in %q", href, rows)
			}
			for _, rec := range rows[header+1:] {
				if rec[2] != dept || rec[4] != "In progress" {
					t.Errorf("%s: row %v outside the filter", href, rec)
				}
				names = append(names, rec[0])
			}
		case strings.Contains(href, "format=csv"):
			cr := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(body), "\ufeff")))
			cr.FieldsPerRecord = -1
			if strings.Contains(href, "sep=semicolon") {
				cr.Comma = ';'
			}
			recs, err := cr.ReadAll()
			if err != nil || len(recs) == 0 {
				t.Fatalf("%s: %v %q", href, err, body)
			}
			// The CSV for Excel states the scope above its header.
			for len(recs) > 0 && recs[0][0] != "user_id" {
				recs = recs[1:]
			}
			if len(recs) == 0 || recs[0][3] != "department" {
				t.Fatalf("%s: no header in %q", href, body)
			}
			for _, rec := range recs[1:] {
				if rec[3] != dept || rec[5] != "in_progress" {
					t.Errorf("%s: row %v outside the filter", href, rec)
				}
				names = append(names, rec[1])
			}
		default:
			var rows []struct{ Name, Department, Status string }
			if err := json.Unmarshal(body, &rows); err != nil {
				t.Fatalf("%s: %v", href, err)
			}
			for _, r := range rows {
				if r.Department != dept || r.Status != "in_progress" {
					t.Errorf("%s: row %+v outside the filter", href, r)
				}
				names = append(names, r.Name)
			}
		}
		slices.Sort(names)
		if !slices.Equal(names, want) {
			t.Errorf("%s: rows %v, want %v", href, names, want)
		}
	}

	// The audit log records the scope that was chosen.
	db, err := store.Open(context.Background(), data)
	must(t, err)
	defer db.Close()
	for action, n := range map[string]int{"report.exported": 4, "evidence.exported": 1} {
		entries, total, err := db.AuditLog(context.Background(), store.AuditFilter{Action: action})
		must(t, err)
		if total != n {
			t.Errorf("%s: %d entries, want %d", action, total, n)
		}
		for _, e := range entries {
			if !strings.Contains(e.Detail, `department="R&D Süd"`) || !strings.Contains(e.Detail, `q="Ru"`) || action == "report.exported" && !strings.Contains(e.Detail, `status="in_progress"`) {
				t.Errorf("%s records %q", action, e.Detail)
			}
		}
	}
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
