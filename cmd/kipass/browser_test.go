package main

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// browserContext starts headless Chromium for a browser test. Without a
// Chromium the test is skipped, unless KIPASS_E2E=1 makes it required.
func browserContext(t *testing.T) context.Context {
	t.Helper()
	var path string
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			path = p
			break
		}
	}
	if path == "" {
		if os.Getenv("KIPASS_E2E") == "1" {
			t.Fatal("KIPASS_E2E=1 but no Chromium found; install it (apt-get install chromium)")
		}
		t.Skip("browser test skipped: no Chromium installed (apt-get install chromium; KIPASS_E2E=1 makes it required)")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(390, 844), // a phone
	)
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelB := chromedp.NewContext(actx)
	ctx, cancelC := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() { cancelC(); cancelB(); cancelA() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

func text(ctx context.Context, t *testing.T, sel string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("text %s: %v", sel, err)
	}
	return s
}

func TestBrowserSetupRegisterLoginLogout(t *testing.T) {
	ctx := browserContext(t)
	s := startServer(t, nil, "--data", t.TempDir())

	// The first admin through the one-time setup link, in German.
	must(t, chromedp.Do(ctx,
		chromedp.Navigate(s.setup+"&lang=de"),
		chromedp.WaitVisible(chromedp.CSS(`#f-name`)),
		chromedp.SendKeys(chromedp.CSS(`#f-name`), "Ada Admin"),
		chromedp.SendKeys(chromedp.CSS(`#f-email`), "ada@example.com"),
		chromedp.SendKeys(chromedp.CSS(`#f-password`), "admin password 1"),
		chromedp.Click(chromedp.CSS(`form[action="/setup"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`dl.facts`)),
	))
	if got := text(ctx, t, "main"); !strings.Contains(got, "Ada Admin") || !strings.Contains(got, "Administration") {
		t.Fatalf("me page after setup: %q", got)
	}
	logout(ctx, t)

	// An employee registers in German, with a validation error first.
	must(t, chromedp.Do(ctx,
		chromedp.Navigate(s.url+"/register?lang=de"),
		chromedp.WaitVisible(chromedp.CSS(`#f-name`)),
		chromedp.SendKeys(chromedp.CSS(`#f-name`), "Erika Mustermann"),
		chromedp.SendKeys(chromedp.CSS(`#f-email`), "erika@example.com"),
		chromedp.SendKeys(chromedp.CSS(`#f-password`), "kurz"),
		chromedp.Click(chromedp.CSS(`form[action="/register"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`.field-error`)),
	))
	if got := text(ctx, t, ".field-error"); !strings.Contains(got, "Zu kurz") {
		t.Fatalf("field error %q", got)
	}
	kept, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(`#f-email`)))
	must(t, err)
	if kept != "erika@example.com" {
		t.Fatalf("email not kept: %q", kept)
	}
	must(t, chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS(`#f-password`), "correct horse battery"),
		chromedp.Click(chromedp.CSS(`form[action="/register"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`.hero h1`)),
	))
	if got := text(ctx, t, ".hero h1"); !strings.Contains(got, "Willkommen, Erika Mustermann") {
		t.Fatalf("home after register: %q", got)
	}
	logout(ctx, t)

	// Log in and out in English: the language switch is remembered.
	must(t, chromedp.Do(ctx,
		chromedp.Navigate(s.url+"/login"),
		chromedp.WaitVisible(chromedp.CSS(`a[hreflang=en]`)),
		chromedp.Click(chromedp.CSS(`a[hreflang=en]`)),
		chromedp.WaitVisible(chromedp.CSS(`a[hreflang=de]`)),
		chromedp.Navigate(s.url+"/login"),
		chromedp.WaitVisible(chromedp.CSS(`#f-email`)),
	))
	if got := text(ctx, t, "h1"); got != "Log in" {
		t.Fatalf("language not remembered: %q", got)
	}
	must(t, chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS(`#f-email`), "erika@example.com"),
		chromedp.SendKeys(chromedp.CSS(`#f-password`), "correct horse battery"),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`.hero h1`)),
	))
	if got := text(ctx, t, ".hero h1"); !strings.Contains(got, "Welcome, Erika Mustermann") {
		t.Fatalf("home after English login: %q", got)
	}
	logout(ctx, t)
	must(t, chromedp.Do(ctx, chromedp.Navigate(s.url+"/me"), chromedp.WaitVisible(chromedp.CSS(`#f-email`))))
	loc, err := chromedp.Run(ctx, chromedp.Location())
	must(t, err)
	if !strings.Contains(loc, "/login?next=%2Fme") {
		t.Fatalf("/me after logout went to %q", loc)
	}
}

func logout(ctx context.Context, t *testing.T) {
	t.Helper()
	must(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`a[href="/login"]`)),
	))
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
