package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
)

// TestBrowserAdminOnboarding walks the first admin through the
// getting-started checklist on /admin in a real browser: import people
// (the CSV upload, the invitation links with a copy button that says
// "copied"), assign the course (the success flash), send invitations;
// the list then folds away. Then one irreversible action: merging two
// departments needs the "I understand" box (the browser will not send the
// form without it, the server refuses it without it), and says what it
// did. Pages are checked with axe-core and for sideways scrolling at 375
// and 1280 px in German and English.
func TestBrowserAdminOnboarding(t *testing.T) {
	ctx := browserContext(t)
	axe := axeSource(t)
	data := t.TempDir()
	if code, out, errOut := runCmdIn(t, "admin password 12345\n", "admin", "create", "--data", data, "--email", "ada@example.com",
		"--name", "Ada Admin", "--role", "admin", "--password-stdin"); code != 0 {
		t.Fatalf("admin create: %d %q %q", code, out, errOut)
	}
	s := startServer(t, nil, "--data", data, "--issuer-name", "Muster GmbH")
	// Headless Chromium asks before a page uses the clipboard: allow it, as a
	// person clicking "copy" would.
	for _, name := range []string{"clipboard-read", "clipboard-write"} {
		_, err := chromedp.CallBrowser(ctx, browser.SetPermission, browser.SetPermissionParams{
			Permission: &browser.PermissionDescriptor{Name: name}, Setting: browser.PermissionSettingGranted, Origin: s.url})
		must(t, err)
	}

	check := func(name string, w int) { t.Helper(); checkPage(ctx, t, axe, name, w) }
	visit := func(path, wait, name string) {
		t.Helper()
		for _, lang := range []string{"de", "en"} {
			for _, w := range []int{375, 1280} {
				must(t, chromedp.Do(ctx, chromedp.EmulateViewport(int64(w), 900), chromedp.Navigate(s.url+path+sep(path)+"lang="+lang),
					chromedp.WaitVisible(chromedp.CSS(wait))))
				check(name+"-"+lang, w)
			}
		}
	}
	// The state of each step as the page shows it.
	steps := func() string {
		t.Helper()
		got, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(document.getElementById("getting-started").open ? "open " : "closed ") +
			Array.from(document.querySelectorAll("#getting-started ol.steps li")).map(li => li.className).join(",")`))
		must(t, err)
		return got
	}

	must(t, chromedp.Do(ctx,
		chromedp.EmulateViewport(1280, 900),
		chromedp.Navigate(s.url+"/login?lang=en"),
		chromedp.WaitVisible(chromedp.CSS(`#f-email`)),
		chromedp.SendKeys(chromedp.CSS(`#f-email`), "ada@example.com"),
		chromedp.SendKeys(chromedp.CSS(`#f-password`), "admin password 12345"),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#getting-started`)),
	))
	if got := steps(); got != "open done,todo,todo,todo" {
		t.Fatalf("fresh checklist: %s", got)
	}
	visit("/admin", "#getting-started", "onboarding-start")

	// Step 2: the checklist's link leads to the import form.
	csv := filepath.Join(t.TempDir(), "people.csv")
	must(t, os.WriteFile(csv, []byte("email,name,department,role\nina@example.com,Ina Neu,Vertrieb,employee\nolaf@example.com,Olaf Lager,Lager,employee\nsam@example.com,Sam Sales,Sales,employee\n"), 0o600))
	must(t, chromedp.Do(ctx,
		chromedp.EmulateViewport(1280, 900),
		chromedp.Navigate(s.url+"/admin?lang=en"),
		chromedp.Click(chromedp.CSS(`#getting-started a[href="/admin#import-h"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#i-file`)),
		chromedp.SetUploadFiles(chromedp.CSS(`#i-file`), []string{csv}),
		chromedp.Click(chromedp.CSS(`form[action="/admin/import"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#invites-csv`)),
		chromedp.WaitVisible(chromedp.CSS(`button[data-copy="invites-csv"]`)), // shown by app.js
	))
	if got := text(ctx, t, "main .alert.ok"); !strings.Contains(got, "Import done: 3 new accounts") {
		t.Errorf("import notice %q", got)
	}
	check("onboarding-import-en", 1280)
	must(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`button[data-copy="invites-csv"]`))))
	poll(ctx, t, `document.querySelector('[data-copy-status="invites-csv"]').textContent === "Copied"`)
	copied, err := chromedp.Run(ctx, chromedp.Evaluate[string](`navigator.clipboard.readText()`, chromedp.EvalAwaitPromise))
	must(t, err)
	if !strings.Contains(copied, "ina@example.com,"+s.url+"/invite?token=") {
		t.Errorf("clipboard: %q", copied)
	}

	// Step 3: assign the course from the dashboard; the flash says so once.
	must(t, chromedp.Do(ctx,
		chromedp.Navigate(s.url+"/admin?lang=en"),
		chromedp.WaitVisible(chromedp.CSS(`#getting-started`)),
	))
	if got := steps(); got != "open done,done,todo,todo" {
		t.Fatalf("after import: %s", got)
	}
	must(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`#getting-started a[href="/hr#assignments"]`)),
		chromedp.WaitVisible(chromedp.CSS(`form.assign`)),
		chromedp.Click(chromedp.CSS(`form.assign input[name=scope][value=all]`)),
		chromedp.SetValue(chromedp.CSS(`#a-due`), "2099-12-31"),
		chromedp.Click(chromedp.CSS(`form.assign button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#flash`)),
	))
	if got := text(ctx, t, `#flash[role=status]`); got != "Course assigned." {
		t.Errorf("flash %q", got)
	}
	screenshot(ctx, t, "onboarding-assigned-en-1280")
	must(t, chromedp.Do(ctx, chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(`form.assign`))))
	if n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#flash").length`)); n != 0 {
		t.Error("the flash is shown again after a reload")
	}

	// Step 4: invitations (without a mail server they come as a list of
	// links: sent here through the API, as a script would).
	tok := login(t, s.url, "ada@example.com", "admin password 12345")
	if code, b := apiCall(t, "POST", s.url+"/api/v1/hr/invitations", tok, map[string]any{"all": true, "course": "ki-am-arbeitsplatz"}); code != 200 {
		t.Fatalf("invitations: %d %s", code, b)
	}
	must(t, chromedp.Do(ctx, chromedp.Navigate(s.url+"/admin?lang=en"), chromedp.WaitReady(chromedp.CSS(`#getting-started`))))
	if got := steps(); got != "closed done,done,done,done" {
		t.Fatalf("all done: %s", got)
	}
	visit("/admin", "h1", "onboarding-done")

	// One irreversible action: merging "Sales" into "Vertrieb".
	merge := func(tick bool) {
		t.Helper()
		must(t, chromedp.Do(ctx,
			chromedp.EmulateViewport(1280, 900),
			chromedp.Navigate(s.url+"/admin/departments?lang=en"),
			chromedp.WaitVisible(chromedp.CSS(`#m-from`)),
			chromedp.SetValue(chromedp.CSS(`#m-from`), "Sales"),
			chromedp.SetValue(chromedp.CSS(`#m-into`), "Vertrieb"),
		))
		if tick {
			must(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`form input[name=op][value=merge] ~ .confirm input[name=confirm]`))))
		}
		must(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#dm-h ~ form button[type=submit]`))))
	}
	merge(false)
	// The browser keeps the form (the box is required): still the same page, nothing sent.
	if invalid, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`!document.querySelector("#dm-h ~ form").checkValidity()`)); !invalid {
		t.Error("the merge form is valid without the box")
	}
	// Without the browser's check the server refuses it and says why.
	_, err = chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector("#dm-h ~ form").noValidate = true`))
	must(t, err)
	must(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`#dm-h ~ form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`.alert.error`)),
	))
	if got := text(ctx, t, ".alert.error"); !strings.Contains(got, "Please tick the box to confirm") {
		t.Errorf("refusal %q", got)
	}
	screenshot(ctx, t, "onboarding-merge-refused-en-1280")
	visit("/admin/departments", "#m-from", "onboarding-merge-form")
	merge(true)
	must(t, chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(`#flash`))))
	if got := text(ctx, t, "#flash"); got != "Departments merged: 1 person moved." {
		t.Errorf("merge flash %q", got)
	}
	check("onboarding-merged-en", 1280)
	must(t, chromedp.Do(ctx, chromedp.Navigate(s.url+"/admin/departments?lang=de"), chromedp.WaitVisible(chromedp.CSS(`#m-from`))))
	if got, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`Array.from(document.querySelectorAll("#m-from option")).map(o => o.textContent).join(",")`)); got != "Lager,Vertrieb" {
		t.Errorf("departments after the merge: %q", got)
	}
	checkLogClean(t, s.stderr.String(), "ina@example.com", "Ina Neu")
}

// sep is the separator before one more query parameter.
func sep(path string) string {
	if strings.Contains(path, "?") {
		return "&"
	}
	return "?"
}

// checkPage checks the page the browser shows at width w: no sideways
// scrolling, axe-core without serious or critical findings; and keeps a
// screenshot (KIPASS_SCREENSHOTS).
func checkPage(ctx context.Context, t *testing.T, axe, name string, w int) {
	t.Helper()
	overflow, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth + 1`))
	must(t, err)
	if overflow {
		t.Errorf("%s at %d px: the page scrolls sideways", name, w)
	}
	checkAxe(ctx, t, axe, fmt.Sprintf("%s %dpx", name, w))
	screenshot(ctx, t, fmt.Sprintf("%s-%d", name, w))
}
