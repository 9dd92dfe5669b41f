package web

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"net/url"
	"strings"
	"testing"
	"time"

	"kipass/internal/auth"
	"kipass/internal/store"
)

// unnamed is a test server whose organisation has no name yet (no flag).
func unnamed(c *Config) { c.Config.Organisation.Name = "" }

func pngBytes(t *testing.T, w, h int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, w, h))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// postSettings sends the settings form with an optional logo file.
func postSettings(b *browser, fields map[string]string, logoName string, logo []byte) resp {
	return postSettingsTo(b, "/admin/settings", fields, logoName, logo)
}

func TestOrganisationSettingsPage(t *testing.T) {
	a := newTestApp(t, func(c *Config) { unnamed(c); c.Location = nil })
	admin := a.staffBrowser("ada@example.com", store.RoleAdmin)
	hr := a.staffBrowser("hr@example.com", store.RoleHR)
	if r := hr.get("/admin/settings"); r.status != 403 {
		t.Fatalf("HR opened the settings: %d", r.status)
	}
	if r := postSettings(hr, map[string]string{"org_name": "HR GmbH"}, "", nil); r.status != 403 {
		t.Fatalf("HR saved the settings: %d", r.status)
	}
	// Until the organisation has a name, every admin page says so.
	for _, p := range []string{"/admin", "/admin/certificates", "/admin/audit"} {
		if r := admin.get(p + "?lang=en"); r.status != 200 || !strings.Contains(r.body, "Your organisation has no name yet") ||
			!strings.Contains(r.body, `href="/admin/settings"`) {
			t.Errorf("%s: %d, no banner", p, r.status)
		}
	}
	if r := admin.get("/?lang=en"); strings.Contains(r.body, "no name yet") {
		t.Error("the banner is on a page that is not the admin's")
	}
	// The privacy notice points to no contact that does not exist.
	if r := a.do(req{method: "GET", path: "/privacy?lang=en"}); !strings.Contains(r.body, "has not entered its name here yet") ||
		strings.Contains(r.body, "contact above") {
		t.Error("the privacy notice names no one and says nothing about it, or points to a contact that is not there")
	}
	r := admin.get("/admin/settings?lang=de")
	if r.status != 200 || !strings.Contains(r.body, `enctype="multipart/form-data"`) || !strings.Contains(r.body, `name="org_name"`) ||
		!strings.Contains(r.body, "Europe/Berlin") {
		t.Fatalf("settings page: %d", r.status)
	}

	// Bad input: every field's reason, in the page's language.
	r = postSettings(admin, map[string]string{"org_name": "127.0.0.1", "privacy_contact": "Bob fragen", "time_zone": "Mars/Olympus"}, "logo.svg",
		[]byte(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 9 9" onload="alert(1)"/>`))
	for _, want := range []string{"keine Adresse", "E-Mail-Adresse oder eine Webadresse", "Keine bekannte Zeitzone", "Dieses Bild lässt sich nicht verwenden", `value="Bob fragen"`} {
		if r.status != 400 || !strings.Contains(r.body, want) {
			t.Errorf("bad settings: %d, page lacks %q", r.status, want)
		}
	}

	logo := pngBytes(t, 240, 80)
	r = postSettings(admin, map[string]string{"org_name": "Muster GmbH", "privacy_contact": "datenschutz@muster.example", "dpo": "Dr. Daten",
		"time_zone": "Europe/Vienna"}, "logo.png", logo)
	if r.status != 303 || r.header.Get("Location") != "/admin/settings" {
		t.Fatalf("save: %d %s", r.status, r.body)
	}
	if r := admin.get("/admin/settings?lang=en"); !strings.Contains(r.body, "The settings are saved.") || !strings.Contains(r.body, `value="Muster GmbH"`) ||
		!strings.Contains(r.body, `class="logo-preview" src="/organisation/logo?v=`) {
		t.Fatalf("after saving: %s", r.body)
	}
	if r := admin.get("/admin?lang=en"); strings.Contains(r.body, "no name yet") {
		t.Error("the banner stays after the name is set")
	}
	lg := a.do(req{method: "GET", path: "/organisation/logo"})
	if lg.status != 200 || lg.header.Get("Content-Type") != "image/png" || lg.body != string(logo) ||
		!strings.Contains(lg.header.Get("Content-Security-Policy"), "sandbox") || lg.header.Get("X-Content-Type-Options") != "nosniff" {
		t.Fatalf("logo: %d %v", lg.status, lg.header)
	}
	p := a.do(req{method: "GET", path: "/privacy?lang=de"})
	for _, want := range []string{"Muster GmbH", "datenschutz@muster.example", "Dr. Daten"} {
		if !strings.Contains(p.body, want) {
			t.Errorf("privacy notice lacks %q", want)
		}
	}
	if h := a.do(req{method: "GET", path: "/?lang=de"}); !strings.Contains(h.body, `<span>Muster GmbH</span>`) || !strings.Contains(h.body, `src="/organisation/logo?v=`) {
		t.Error("the home page does not name the organisation with its logo")
	}
	// The issuer's profile and a new certificate name the organisation.
	prof := a.do(req{method: "GET", path: "/", headers: map[string]string{"Accept": "application/json"}})
	if !strings.Contains(prof.body, `"Muster GmbH"`) || !strings.Contains(prof.body, "/organisation/logo?v=") {
		t.Errorf("issuer profile: %d %s", prof.status, prof.body)
	}
	// Dates follow the stored time zone.
	if got := a.uc.Zone().String(); got != "Europe/Vienna" {
		t.Errorf("time zone %s after saving Europe/Vienna", got)
	}
	// A save without a file keeps the logo; the box removes it.
	postSettings(admin, map[string]string{"org_name": "Muster GmbH"}, "", nil)
	if lg := a.do(req{method: "GET", path: "/organisation/logo"}); lg.status != 200 {
		t.Fatalf("a save without a file dropped the logo: %d", lg.status)
	}
	postSettings(admin, map[string]string{"org_name": "Muster GmbH", "remove_logo": "yes"}, "", nil)
	if lg := a.do(req{method: "GET", path: "/organisation/logo"}); lg.status != 404 {
		t.Fatalf("removed logo: %d", lg.status)
	}
}

// Values that serve's flags fix are shown read-only with the flag's name
// and cannot be changed on the page.
func TestSettingsFixedByFlags(t *testing.T) {
	a := newTestApp(t, func(c *Config) { c.Config.Organisation.PrivacyContact = "dsb@flagge.example" })
	admin := a.staffBrowser("ada@example.com", store.RoleAdmin)
	r := admin.get("/admin/settings?lang=en")
	if !strings.Contains(r.body, "--issuer-name") || !strings.Contains(r.body, "--privacy-contact") || !strings.Contains(r.body, "--timezone") ||
		strings.Count(r.body, " readonly") != 3 {
		t.Fatalf("fixed fields not marked: %s", r.body)
	}
	if r := postSettings(admin, map[string]string{"org_name": "Andere AG", "privacy_contact": "x@y.example", "dpo": "Frau Daten"}, "", nil); r.status != 303 {
		t.Fatalf("save: %d", r.status)
	}
	o, _ := a.uc.Organisation(context.Background())
	if o.Name != "Muster GmbH" || o.PrivacyContact != "dsb@flagge.example" || o.DPO != "Frau Daten" {
		t.Fatalf("flags lost to the page: %+v", o)
	}
}

// The first run asks for the organisation beside the admin account.
func TestSetupAsksForTheOrganisation(t *testing.T) {
	a := newTestApp(t, unnamed)
	ctx := context.Background()
	token := auth.NewToken()
	if err := a.db.CreateOneTimeToken(ctx, auth.HashToken(token), store.TokenSetup, 0, time.Now().Add(24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	b := a.browser()
	if r := b.get("/setup?token=" + token + "&lang=en"); !strings.Contains(r.body, `name="org_name"`) || !strings.Contains(r.body, `name="logo"`) ||
		!strings.Contains(r.body, `name="dpo"`) {
		t.Fatalf("setup page lacks the organisation: %s", r.body)
	}
	fields := map[string]string{"token": token, "name": "Ada Admin", "email": "ada@example.com", "password": "admin password 1", "org_name": "",
		"privacy_contact": "datenschutz@muster.example"}
	if r := postSettingsTo(b, "/setup", fields, "logo.png", pngBytes(t, 40, 20)); r.status != 400 || !strings.Contains(r.body, "Bitte füllen Sie dieses Feld aus") {
		t.Fatalf("setup without a name: %d", r.status)
	}
	if _, err := a.db.UserByEmail(ctx, "ada@example.com"); err == nil {
		t.Fatal("a refused setup created the admin")
	}
	fields["org_name"] = "Muster GmbH"
	if r := postSettingsTo(b, "/setup", fields, "logo.png", pngBytes(t, 40, 20)); r.status != 303 {
		t.Fatalf("setup: %d %s", r.status, r.body)
	}
	o, _ := a.uc.Organisation(ctx)
	if o.Name != "Muster GmbH" || o.PrivacyContact != "datenschutz@muster.example" || o.LogoType != "image/png" {
		t.Fatalf("organisation after setup: %+v", o)
	}
}

// postSettingsTo sends a form with the organisation's fields (the
// settings page or the setup page) as multipart with a logo file.
func postSettingsTo(b *browser, path string, fields map[string]string, logoName string, logo []byte) resp {
	var body bytes.Buffer
	fields["_csrf"] = b.csrf
	ct := multipartWriter(&body, fields, "logo", logoName, logo)
	return b.send(req{method: "POST", path: path, raw: body.String(), rawType: ct})
}

// Before a name is set, a certificate of a server reached by its address
// names no address as its issuer.
func TestCertificateNeverNamesAnAddress(t *testing.T) {
	a := newTestApp(t, func(c *Config) {
		unnamed(c)
		c.BaseURL, _ = url.Parse("http://127.0.0.1:8080")
		c.Config.BaseURL = c.BaseURL.String()
	})
	a.signer.Issuer.URL = "http://127.0.0.1:8080"
	tok := a.apiUser("erika@example.com")
	id := passExam(t, a, tok)
	r := a.do(req{method: "GET", path: "/api/v1/verify/" + id})
	if r.status != 200 || strings.Contains(r.body, `"issuer":"127.0.0.1`) || !strings.Contains(r.body, `"issuer":"kipass"`) {
		t.Fatalf("verify: %d %s", r.status, r.body)
	}
}

func TestSettingsAPI(t *testing.T) {
	a := newTestApp(t, func(c *Config) { unnamed(c); c.Location = nil })
	admin := a.makeUser("ada@example.com", store.RoleAdmin)
	hr := a.makeUser("hr@example.com", store.RoleHR)
	if r := a.do(req{method: "GET", path: "/api/v1/admin/settings", bearer: hr}); r.status != 403 {
		t.Fatalf("HR read the settings: %d", r.status)
	}
	r := a.do(req{method: "GET", path: "/api/v1/admin/settings", bearer: admin})
	if r.status != 200 || r.body != `{"name":"","privacy_contact":"","dpo":"","time_zone":"Europe/Berlin","fixed":[]}` {
		t.Fatalf("settings: %d %s", r.status, r.body)
	}
	r = a.do(req{method: "PUT", path: "/api/v1/admin/settings", bearer: admin, json: map[string]any{"name": "192.168.0.1", "time_zone": "Nowhere"}})
	if r.status != 400 || !strings.Contains(r.body, `"name":"name_is_address"`) || !strings.Contains(r.body, `"time_zone":"invalid_time_zone"`) {
		t.Fatalf("bad settings: %d %s", r.status, r.body)
	}
	r = a.do(req{method: "PUT", path: "/api/v1/admin/settings", bearer: admin, json: map[string]any{"name": "Muster GmbH", "privacy_contact": "dsb@muster.example", "time_zone": "UTC"}})
	if r.status != 204 {
		t.Fatalf("save: %d %s", r.status, r.body)
	}
	svg := `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 20 10"><rect width="20" height="10" fill="#1d4e89"/></svg>`
	if r := a.do(req{method: "PUT", path: "/api/v1/admin/settings/logo", bearer: admin, raw: `<svg xmlns="http://www.w3.org/2000/svg"><script>x()</script></svg>`, rawType: "image/svg+xml"}); r.status != 400 || !strings.Contains(r.body, "logo_unsupported") {
		t.Fatalf("script SVG: %d %s", r.status, r.body)
	}
	if r := a.do(req{method: "PUT", path: "/api/v1/admin/settings/logo", bearer: admin, raw: svg, rawType: "image/svg+xml"}); r.status != 204 {
		t.Fatalf("logo: %d %s", r.status, r.body)
	}
	r = a.do(req{method: "GET", path: "/api/v1/admin/settings", bearer: admin})
	if !strings.Contains(r.body, `"name":"Muster GmbH","privacy_contact":"dsb@muster.example","dpo":"","time_zone":"UTC","logo_url":"http://kipass.test/organisation/logo?v=`) {
		t.Fatalf("after saving: %s", r.body)
	}
	if lg := a.do(req{method: "GET", path: "/organisation/logo"}); lg.header.Get("Content-Type") != "image/svg+xml" || lg.body != svg {
		t.Fatalf("SVG logo served as %q", lg.header.Get("Content-Type"))
	}
}

// With a name but no contact and no DPO the notice points to the
// organisation, not to a contact "above" that is not there.
func TestPrivacyNoticeWithoutContact(t *testing.T) {
	a := newTestApp(t, nil)
	r := a.do(req{method: "GET", path: "/privacy?lang=en"})
	if !strings.Contains(r.body, "Muster GmbH") || strings.Contains(r.body, "contact above") || !strings.Contains(r.body, "please contact the organisation named above") {
		t.Fatalf("privacy notice without a contact: %s", r.body)
	}
}
