package main

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"kipass/content"
	"kipass/courses"
)

// axeVersion is the axe-core release the accessibility checks run.
const axeVersion = "4.14.1"

// axeSource returns axe-core's script: from KIPASS_AXE (a path to
// axe.min.js), else installed with npm into a temporary folder. Without
// both the checks are skipped, unless KIPASS_E2E=1 makes them required.
func axeSource(t *testing.T) string {
	t.Helper()
	path := os.Getenv("KIPASS_AXE")
	if path == "" {
		if _, err := exec.LookPath("npm"); err == nil {
			dir := t.TempDir()
			cmd := exec.Command("npm", "install", "--no-audit", "--no-fund", "--silent", "--prefix", dir, "axe-core@"+axeVersion)
			if out, err := cmd.CombinedOutput(); err == nil {
				path = filepath.Join(dir, "node_modules", "axe-core", "axe.min.js")
			} else {
				t.Logf("npm install axe-core: %v\n%s", err, out)
			}
		}
	}
	if path == "" {
		if os.Getenv("KIPASS_E2E") == "1" {
			t.Fatal("KIPASS_E2E=1 but axe-core is not available (set KIPASS_AXE or install npm)")
		}
		t.Skip("accessibility checks skipped: no axe-core (KIPASS_AXE or npm)")
	}
	b, err := os.ReadFile(path)
	must(t, err)
	return string(b)
}

// axeViolation is one serious or critical rule axe-core reports.
type axeViolation struct {
	ID     string   `json:"id"`
	Impact string   `json:"impact"`
	Help   string   `json:"help"`
	Nodes  []string `json:"nodes"`
}

// checkAxe runs axe-core on the current page and fails on serious or
// critical violations.
func checkAxe(ctx context.Context, t *testing.T, axe, page string) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.axe ? true : (function(){`+axe+`; return true})()`)); err != nil {
		t.Fatalf("inject axe: %v", err)
	}
	out, err := chromedp.Run(ctx, chromedp.Evaluate[[]axeViolation](`axe.run(document, {resultTypes: ["violations"]}).then(r => r.violations
		.filter(v => v.impact === "serious" || v.impact === "critical")
		.map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map(n => n.target.join(" "))})))`, chromedp.EvalAwaitPromise))
	must(t, err)
	for _, v := range out {
		t.Errorf("%s: axe %s (%s): %s at %v", page, v.ID, v.Impact, v.Help, v.Nodes)
	}
}

// answerAPI starts an attempt at path and submits the correct answers; it
// returns the attempt id and the result.
func answerAPI(t *testing.T, base, tok string, co *courses.Course, path string) (string, map[string]any) {
	t.Helper()
	code, b := apiCall(t, "POST", base+path, tok, nil)
	var att struct {
		AttemptID string      `json:"attempt_id"`
		Questions []shownItem `json:"questions"`
	}
	json.Unmarshal(b, &att)
	if code != 201 {
		t.Fatalf("%s: %d %s", path, code, b)
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
	code, b = apiCall(t, "POST", base+"/api/v1/attempts/"+att.AttemptID+"/submit", tok, map[string]any{"answers": ans})
	var res map[string]any
	json.Unmarshal(b, &res)
	if code != 200 || res["passed"] != true {
		t.Fatalf("submit: %d %s", code, b)
	}
	return att.AttemptID, res
}

// TestBrowserLearnerJourney walks a learner's pages at phone and desktop
// width in German and English: the visitor's home, login, forgot
// password, the dashboard with its next step, the course with module
// states, the exam's name check, the moment of success and the
// certificate cards; every page passes axe-core without serious or
// critical findings.
func TestBrowserLearnerJourney(t *testing.T) {
	ctx := browserContext(t)
	axe := axeSource(t)
	data := t.TempDir()
	if code, _, errOut := runCmdIn(t, "admin password 12345\n", "admin", "create", "--data", data, "--email", "ada@example.com",
		"--name", "Ada Admin", "--role", "admin", "--password-stdin"); code != 0 {
		t.Fatalf("admin create: %s", errOut)
	}
	s := startServer(t, nil, "--data", data)
	cat, err := courses.Load(content.FS())
	must(t, err)
	co, _ := cat.Course("ki-am-arbeitsplatz")
	if code, b := apiCall(t, "POST", s.url+"/api/v1/register", "", map[string]string{"name": "Zoë Ångström", "email": "zoe@example.com", "password": "correct horse battery"}); code != 201 {
		t.Fatalf("register: %d %s", code, b)
	}
	tok := login(t, s.url, "zoe@example.com", "correct horse battery")
	for _, m := range co.Modules[:2] {
		answerAPI(t, s.url, tok, co, "/api/v1/courses/"+co.ID+"/modules/"+m.ID+"/attempts")
	}

	visit := func(path, wait, name string, w int) {
		t.Helper()
		must(t, chromedp.Do(ctx, chromedp.EmulateViewport(int64(w), 800), chromedp.Navigate(s.url+path), chromedp.WaitVisible(chromedp.CSS(wait))))
		checkPage(ctx, t, axe, name, w)
	}
	widths := []int{375, 1280}
	for _, lang := range []string{"de", "en"} {
		for _, w := range widths {
			visit("/?lang="+lang, ".hero", "home-anon-"+lang, w)
			visit("/login?lang="+lang, `a[href="/password/forgot"]`, "login-"+lang, w)
			visit("/password/forgot?lang="+lang, "h1", "forgot-"+lang, w)
			visit("/register?lang="+lang, "#f-name", "register-"+lang, w)
			visit("/verify?lang="+lang, "h1", "verifyform-"+lang, w)
			visit("/privacy?lang="+lang, "h1", "privacy-"+lang, w)
			visit("/courses/ki-am-arbeitsplatz/"+co.Modules[0].ID+"?lang="+lang, "h1", "module-anon-"+lang, w)
		}
	}
	browserLogin(ctx, t, s.url, "zoe@example.com", `.dashboard`)
	if got := text(ctx, t, ".dashboard .next-step"); !strings.Contains(got, "Weiter mit Modul 3") {
		t.Errorf("next step %q", got)
	}
	// Continue opens the next module not passed.
	must(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`.dashboard .next-step a`)), chromedp.WaitVisible(chromedp.CSS(`#quiz`))))
	if loc, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`location.pathname`)); loc != "/courses/"+co.ID+"/"+co.Modules[2].ID {
		t.Errorf("Continue opened %s", loc)
	}
	for _, lang := range []string{"de", "en"} {
		for _, w := range widths {
			visit("/?lang="+lang, ".dashboard", "home-"+lang, w)
			visit("/courses/"+co.ID+"?lang="+lang, ".module-list", "course-"+lang, w)
		}
	}
	for _, m := range co.Modules[2:] {
		answerAPI(t, s.url, tok, co, "/api/v1/courses/"+co.ID+"/modules/"+m.ID+"/attempts")
	}
	for _, lang := range []string{"de", "en"} {
		for _, w := range widths {
			visit("/courses/"+co.ID+"/exam?lang="+lang, "#name-check", "exam-"+lang, w)
		}
	}
	if got := text(ctx, t, "#name-check"); !strings.Contains(got, "Name on the certificate: Zoë Ångström") {
		t.Errorf("name check %q", got)
	}
	examID, res := answerAPI(t, s.url, tok, co, "/api/v1/courses/"+co.ID+"/exam/attempts?lang=de")
	cert, _ := res["certificate_id"].(string)
	for _, lang := range []string{"de", "en"} {
		for _, w := range widths {
			visit("/attempts/"+examID+"?lang="+lang, ".success", "success-"+lang, w)
			// The result takes the focus, so screen readers start there.
			if focused, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.activeElement.id`)); focused != "result" {
				t.Errorf("focus after the result opened: %q, want the result heading", focused)
			}
			visit("/me?lang="+lang, ".cert-card", "me-"+lang, w)
		}
	}
	if got := text(ctx, t, ".cert-card"); !strings.Contains(got, "Download PDF") || !strings.Contains(got, "Add to LinkedIn") {
		t.Errorf("certificate card %q", got)
	}
	if open, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector(".more-formats").open`)); open {
		t.Error("the .jwt download is not tucked away in a closed details section")
	}
	if cert == "" {
		t.Fatal("no certificate")
	}
	for _, lang := range []string{"de", "en"} {
		for _, w := range widths {
			visit("/verify/"+cert+"?lang="+lang, ".verify-result", "verify-"+lang, w)
		}
	}
	checkFocusRing(ctx, t)

	// The admin lands on the admin start page; the HR dashboard's wide
	// tables scroll by keyboard at phone width.
	logout(ctx, t)
	must(t, chromedp.Do(ctx,
		chromedp.Navigate(s.url+"/login?lang=de"),
		chromedp.WaitVisible(chromedp.CSS(`#f-email`)),
		chromedp.SendKeys(chromedp.CSS(`#f-email`), "ada@example.com"),
		chromedp.SendKeys(chromedp.CSS(`#f-password`), "admin password 12345"),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`a[href="/hr"]`)),
	))
	if loc, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`location.pathname`)); loc != "/admin" {
		t.Errorf("the admin landed on %s", loc)
	}
	for _, lang := range []string{"de", "en"} {
		for _, w := range widths {
			visit("/hr?lang="+lang, "main h1", "hr-"+lang, w)
			visit("/admin?lang="+lang, "main h1", "admin-"+lang, w)
			visit("/admin/certificates?lang="+lang, "main h1", "admincerts-"+lang, w)
			visit("/admin/audit?lang="+lang, "main h1", "audit-"+lang, w)
		}
	}
}

// checkFocusRing tabs to the first link of the page and checks that its
// focus ring is drawn with at least 3:1 contrast against the white halo
// around it.
func checkFocusRing(ctx context.Context, t *testing.T) {
	t.Helper()
	ratio, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`(function () {
		var a = document.querySelector("main a[href]"); a.focus({focusVisible: true});
		var cs = getComputedStyle(a);
		if (cs.outlineStyle === "none" || parseFloat(cs.outlineWidth) < 2) { return 0; }
		var m = cs.outlineColor.match(/\d+(\.\d+)?/g).map(Number);
		var lum = function (c) { c = c / 255; return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4); };
		var l = 0.2126 * lum(m[0]) + 0.7152 * lum(m[1]) + 0.0722 * lum(m[2]);
		return 1.05 / (l + 0.05);
	})()`))
	must(t, err)
	if ratio < 3 {
		t.Errorf("focus ring contrast %.1f:1, want at least 3:1", ratio)
	}
}
