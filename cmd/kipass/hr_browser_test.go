package main

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// acceptInvite sets a password through an invitation link, as the invite
// form does.
func acceptInvite(t *testing.T, link, password string) {
	t.Helper()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Get(link)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("invite page: %v %v", res, err)
	}
	res.Body.Close()
	var csrf *http.Cookie
	for _, c := range res.Cookies() {
		if strings.HasSuffix(c.Name, "kipass_csrf") {
			csrf = c
		}
	}
	u, _ := url.Parse(link)
	form := url.Values{"_csrf": {csrf.Value}, "token": {u.Query().Get("token")}, "password": {password}}
	req, _ := http.NewRequest("POST", u.Scheme+"://"+u.Host+"/invite", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(csrf)
	res, err = client.Do(req)
	if err != nil || res.StatusCode != 303 {
		t.Fatalf("set password: %v %v", res, err)
	}
	res.Body.Close()
}

// The HR story in a real browser on a phone-sized screen: import 2,000
// employees, assign the course to a department with a due date, watch the
// dashboard change as people pass, export CSV and the evidence PDF. Every
// request the browser makes stays on kipass's own origin, and the server
// log holds no names or email addresses.
func TestBrowserHRStory(t *testing.T) {
	ctx := browserContext(t)
	data := t.TempDir()
	if code, _, errOut := runCmdIn(t, "hr password 12345\n", "admin", "create", "--data", data, "--email", "hanna@example.com",
		"--name", "Hanna Personal", "--role", "admin", "--password-stdin"); code != 0 {
		t.Fatalf("admin create: %s", errOut)
	}
	s := startServer(t, nil, "--data", data)
	origin := s.url

	foreign := watchRequests(ctx, t, origin)
	must(t, chromedp.Do(ctx,
		chromedp.Navigate(origin+"/login?lang=en"),
		chromedp.WaitVisible(chromedp.CSS(`#f-email`)),
		chromedp.SendKeys(chromedp.CSS(`#f-email`), "hanna@example.com"),
		chromedp.SendKeys(chromedp.CSS(`#f-password`), "hr password 12345"),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`a[href="/hr"]`)),
	))

	// Import 2,000 employees through the upload form.
	var csv strings.Builder
	csv.WriteString("email;name;department;role\n")
	for i := range 2000 {
		fmt.Fprintf(&csv, "person%d@example.com;Person Nummer%d;%s;employee\n", i, i, []string{"Vertrieb", "IT", "Lager", "Einkauf"}[i%4])
	}
	file := filepath.Join(t.TempDir(), "staff.csv")
	must(t, os.WriteFile(file, []byte(csv.String()), 0o600))
	must(t, chromedp.Do(ctx,
		chromedp.Navigate(origin+"/admin"),
		chromedp.WaitVisible(chromedp.CSS(`#i-file`)),
		chromedp.SetUploadFiles(chromedp.CSS(`#i-file`), []string{file}),
		chromedp.Click(chromedp.CSS(`form[action="/admin/import"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#invites-csv`)),
	))
	if got := text(ctx, t, ".alert.ok"); !strings.Contains(got, "2000 new accounts") {
		t.Fatalf("import result: %q", got)
	}
	links, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(`#invites-csv`)))
	must(t, err)
	inviteOf := map[string]string{}
	for _, line := range strings.Split(links, "\n")[1:] {
		if email, link, ok := strings.Cut(line, ","); ok {
			inviteOf[email] = link
		}
	}
	if len(inviteOf) != 2000 {
		t.Fatalf("%d invitation links", len(inviteOf))
	}

	// Assign the course to Vertrieb, due yesterday: 500 people are overdue.
	must(t, chromedp.Do(ctx,
		chromedp.Navigate(origin+"/hr"),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/hr/assignments"]`)),
		chromedp.Click(chromedp.CSS(`input[name=scope][value=department]`)),
		chromedp.SetValue(chromedp.CSS(`#a-dept`), "Vertrieb"),
		chromedp.SetValue(chromedp.CSS(`#a-due`), "2020-06-30"),
		chromedp.Click(chromedp.CSS(`form[action="/hr/assignments"] button[type=submit]`)),
		// A due date in the past is asked about once more.
		chromedp.WaitVisible(chromedp.CSS(`input[name=confirm_past_due]`)),
		chromedp.Click(chromedp.CSS(`input[name=confirm_past_due]`)),
		chromedp.Click(chromedp.CSS(`form[action="/hr/assignments"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#assignments table`)),
	))
	st := dashboardStats(ctx, t)
	if st["People"] != "2001" || st["Overdue"] != "500" || st["Passed"] != "0" {
		t.Fatalf("after assigning: %v", st)
	}

	// Three people in Vertrieb accept their invitation and pass.
	for i := range 3 {
		email := fmt.Sprintf("person%d@example.com", i*4)
		acceptInvite(t, inviteOf[email], "my own password")
		passCourse(t, origin, login(t, origin, email, "my own password"))
	}
	must(t, chromedp.Do(ctx, chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(`ul.stats`))))
	st = dashboardStats(ctx, t)
	if st["Passed"] != "3" || st["Overdue"] != "497" {
		t.Fatalf("after three passes: %v", st)
	}
	svg, err := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS(`#dept-h + svg`)))
	must(t, err)
	if !strings.Contains(svg, `role="img"`) || !strings.Contains(svg, "Vertrieb") {
		t.Fatalf("department chart: %.300s", svg)
	}

	// Exports, fetched from the page with the browser's session.
	csvText, err := chromedp.Run(ctx, chromedp.Evaluate[string](`fetch("/api/v1/hr/report?format=csv&sep=semicolon&department=Vertrieb").then(r => r.text())`,
		chromedp.EvalAwaitPromise))
	must(t, err)
	// (fetch's text() drops the byte-order mark; the web tests check it.)
	// The CSV for Excel states its scope in three lines above the table.
	if !strings.HasPrefix(strings.TrimPrefix(csvText, "\uFEFF"), "Vertrieb, 500 people\r\n") || !strings.Contains(csvText, "\r\n\r\nuser_id;name;email") ||
		strings.Count(csvText, "\n") != 504 || strings.Count(csvText, ";passed;") != 3 {
		t.Fatalf("csv: %d lines, %d passed, %.200q", strings.Count(csvText, "\n"), strings.Count(csvText, ";passed;"), csvText)
	}
	pdf64, err := chromedp.Run(ctx, chromedp.Evaluate[string](`fetch("/hr/evidence.pdf?department=Vertrieb&lang=en").then(r => r.arrayBuffer()).then(b => {
		let s = ""; const u = new Uint8Array(b); for (let i = 0; i < u.length; i++) s += String.fromCharCode(u[i]); return btoa(s); })`,
		chromedp.EvalAwaitPromise))
	must(t, err)
	pdf, err := base64.StdEncoding.DecodeString(pdf64)
	must(t, err)
	if !strings.HasPrefix(string(pdf), "%PDF") {
		t.Fatal("evidence is not a PDF")
	}
	if _, err := exec.LookPath("pdftotext"); err == nil {
		pf := filepath.Join(t.TempDir(), "evidence.pdf")
		must(t, os.WriteFile(pf, pdf, 0o600))
		out, err := exec.Command("pdftotext", "-layout", pf, "-").Output()
		must(t, err)
		for _, want := range []string{"Vertrieb", "Person Nummer0", "Person Nummer4", "kipass verify"} {
			if !strings.Contains(string(out), want) {
				t.Errorf("evidence PDF lacks %q", want)
			}
		}
	}

	if f := foreign(); len(f) > 0 {
		t.Fatalf("requests to other origins: %v", f)
	}
	checkLogClean(t, s.stderr.String(), "@example.com", "Person Nummer", "Hanna", "my own password", "token=")
}

// watchRequests records every request the browser makes that does not go
// to origin; the returned function lists them.
func watchRequests(ctx context.Context, t *testing.T, origin string) func() []string {
	var mu sync.Mutex
	var foreign []string
	must(t, chromedp.Listen(ctx, func(ev any) {
		if e, ok := ev.(*network.EventRequestWillBeSent); ok && !strings.HasPrefix(e.Request.URL, origin) && !strings.HasPrefix(e.Request.URL, "data:") {
			mu.Lock()
			foreign = append(foreign, e.Request.URL)
			mu.Unlock()
		}
	}))
	return func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), foreign...)
	}
}

// checkLogClean fails when the server log holds any of the secrets.
func checkLogClean(t *testing.T, log string, secrets ...string) {
	t.Helper()
	for _, secret := range secrets {
		if strings.Contains(log, secret) {
			t.Fatalf("server log holds %q", secret)
		}
	}
}

var statRe = regexp.MustCompile(`(?s)<span class="num">(\d+)(?: %)?</span>\s*([^<]+?)\s*</li>`)

// dashboardStats reads the counters of the HR dashboard in the browser.
func dashboardStats(ctx context.Context, t *testing.T) map[string]string {
	t.Helper()
	html, err := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS(`ul.stats`)))
	must(t, err)
	out := map[string]string{}
	for _, m := range statRe.FindAllStringSubmatch(html, -1) {
		out[m[2]] = m[1]
	}
	return out
}
