package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// testLogoSVG is a logo as an organisation would upload it: shapes only.
const testLogoSVG = `<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 240 80" width="240" height="80">
  <rect width="240" height="80" rx="14" fill="#0b5cad"/>
  <circle cx="40" cy="40" r="22" fill="#ffffff"/>
  <path d="M80 24 H210 V56 H80 Z" fill="#f5b301"/>
</svg>`

// TestBrowserOrganisationSetup walks the first run as an admin would on a
// server reached by its IP address: serve warns that the organisation has
// no name; the setup page asks for the admin account and the organisation
// (name, SVG logo, privacy contact); the settings page shows them, the
// banner is gone, the time zone changes; a learner's certificate names the
// organisation (never the address) and carries the logo. Pages are
// checked with axe-core and for sideways scrolling at 375 and 1280 px in
// German and English.
func TestBrowserOrganisationSetup(t *testing.T) {
	ctx := browserContext(t)
	axe := axeSource(t)
	s := startServer(t, nil, "--data", t.TempDir())
	if !strings.Contains(s.stderr.String(), "the organisation has no name") {
		t.Errorf("serve did not warn about the missing name:\n%s", s.stderr.String())
	}
	logo := filepath.Join(t.TempDir(), "logo.svg")
	must(t, os.WriteFile(logo, []byte(testLogoSVG), 0o600))
	check := func(name string, w int) { t.Helper(); checkPage(ctx, t, axe, name, w) }
	for _, lang := range []string{"de", "en"} {
		for _, w := range []int{375, 1280} {
			must(t, chromedp.Do(ctx, chromedp.EmulateViewport(int64(w), 900), chromedp.Navigate(s.setup+"&lang="+lang),
				chromedp.WaitVisible(chromedp.CSS(`#f-org_name`))))
			check("setup-"+lang, w)
		}
	}
	// A first try without the organisation's name keeps what was typed.
	must(t, chromedp.Do(ctx,
		chromedp.EmulateViewport(375, 900),
		chromedp.Navigate(s.setup+"&lang=de"),
		chromedp.WaitVisible(chromedp.CSS(`#f-org_name`)),
		chromedp.SendKeys(chromedp.CSS(`#f-name`), "Ada Admin"),
		chromedp.SendKeys(chromedp.CSS(`#f-email`), "ada@example.com"),
		chromedp.SendKeys(chromedp.CSS(`#f-password`), "admin password 1"),
		chromedp.SendKeys(chromedp.CSS(`#f-privacy_contact`), "datenschutz@muster.example"),
		chromedp.Click(chromedp.CSS(`form[action="/setup"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#f-org_name-err`)),
	))
	check("setup-error-de", 375)
	if got := text(ctx, t, "#f-org_name-err"); !strings.Contains(got, "Bitte füllen Sie dieses Feld aus") {
		t.Fatalf("missing name: %q", got)
	}
	if kept, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(`#f-privacy_contact`))); err != nil || kept != "datenschutz@muster.example" {
		t.Fatalf("contact not kept: %q %v", kept, err)
	}
	must(t, chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS(`#f-password`), "admin password 1"),
		chromedp.SendKeys(chromedp.CSS(`#f-org_name`), "Muster GmbH"),
		chromedp.SetUploadFiles(chromedp.CSS(`#f-logo`), []string{logo}),
		chromedp.Click(chromedp.CSS(`form[action="/setup"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`dl.facts`)),
	))

	for _, lang := range []string{"de", "en"} {
		for _, w := range []int{375, 1280} {
			must(t, chromedp.Do(ctx, chromedp.EmulateViewport(int64(w), 900), chromedp.Navigate(s.url+"/admin/settings?lang="+lang),
				chromedp.WaitVisible(chromedp.CSS(`#f-org_name`))))
			poll(ctx, t, `document.querySelector("img.logo-preview").complete`)
			check("settings-"+lang, w)
		}
	}
	loaded, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelector("img.logo-preview").naturalWidth`))
	must(t, err)
	if loaded == 0 {
		t.Error("the logo preview does not load")
	}
	if got, _ := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(`#f-org_name`))); got != "Muster GmbH" {
		t.Errorf("name on the settings page: %q", got)
	}
	must(t, chromedp.Do(ctx, chromedp.Navigate(s.url+"/admin?lang=en"), chromedp.WaitVisible(chromedp.CSS(`#getting-started`))))
	if banner, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.body.innerText.includes("no name yet")`)); banner {
		t.Error("the banner stays after setup")
	}
	if got, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("#getting-started ol.steps li").className`)); got != "done" {
		t.Errorf("checklist step 'organisation' is %q after setup", got)
	}
	// The time zone changes on the page; a bad one is explained.
	must(t, chromedp.Do(ctx,
		chromedp.Navigate(s.url+"/admin/settings?lang=en"),
		chromedp.WaitVisible(chromedp.CSS(`#f-time_zone`)),
		chromedp.SetValue(chromedp.CSS(`#f-time_zone`), "Mars/Olympus"),
		chromedp.Click(chromedp.CSS(`form[action="/admin/settings"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#f-time_zone-err`)),
		chromedp.SetValue(chromedp.CSS(`#f-time_zone`), "Europe/Vienna"),
		chromedp.Click(chromedp.CSS(`form[action="/admin/settings"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#flash`)),
	))
	// (The redirect after a POST shows the account's language, German.)
	if got := text(ctx, t, "#flash"); !strings.Contains(got, "Die Einstellungen sind gespeichert.") {
		t.Errorf("flash after saving: %q", got)
	}

	// A learner's certificate names the organisation and shows its logo.
	tok, id := earnCertificate(t, s.url)
	dir := t.TempDir()
	pdf := filepath.Join(dir, "cert.pdf")
	download(t, s.url+"/certificates/"+id+".pdf?lang=de", tok, pdf)
	if _, err := exec.LookPath("pdftotext"); err == nil {
		out, err := exec.Command("pdftotext", pdf, "-").Output()
		must(t, err)
		if !strings.Contains(string(out), "Muster GmbH") || strings.Contains(string(out), "Aussteller 127.0.0.1") {
			t.Errorf("certificate text:\n%s", out)
		}
	}
	if _, err := exec.LookPath("pdfimages"); err == nil {
		out, err := exec.Command("pdfimages", "-list", pdf).Output()
		must(t, err)
		logoImage := false // the SVG rasterised: 600 x 200 pixels
		for _, line := range strings.Split(string(out), "\n") {
			if f := strings.Fields(line); len(f) > 4 && f[3] == "600" && f[4] == "200" {
				logoImage = true
			}
		}
		if !logoImage {
			t.Errorf("the certificate holds no logo:\n%s", out)
		}
	}
	must(t, chromedp.Do(ctx, chromedp.EmulateViewport(375, 900), chromedp.Navigate(s.url+"/verify/"+id+"?lang=de"),
		chromedp.WaitVisible(chromedp.CSS(`dd.issuer`))))
	check("verify-org-de", 375)
	if got := text(ctx, t, "dd.issuer"); got != "Muster GmbH" {
		t.Errorf("verify page names the issuer %q", got)
	}
}
