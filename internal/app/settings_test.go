package app_test

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"testing"
	"time"

	"kipass/internal/app"
	"kipass/internal/auth"
	"kipass/internal/errs"
	"kipass/internal/store"
)

// settingsApp is the use cases with the settings store over db.
func settingsApp(db *store.DB, cfg app.Config) *app.App {
	return app.New(app.Deps{Config: cfg, Accounts: db, Audit: db, Tokens: db, Settings: db,
		Hasher: auth.NewHasher(auth.Params{Memory: 64, Time: 1, Threads: 1}, 2)})
}

func testPNG(t *testing.T, w, h int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, w, h))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func fieldsOf(err error) map[string]string {
	if e := errs.As(err); e != nil && e.Kind == errs.Invalid {
		return e.Fields
	}
	return nil
}

func TestIssuerNameNeverAnAddress(t *testing.T) {
	for base, want := range map[string]string{
		"http://127.0.0.1:8080":         "kipass",
		"http://[::1]:8080":             "kipass",
		"http://192.168.1.20":           "kipass",
		"http://localhost:8080":         "kipass",
		"http://kipass.localhost":       "kipass",
		"http://intranet":               "kipass",
		"https://kipass.muster.example": "kipass.muster.example",
		"::not a url":                   "kipass",
	} {
		if got := (app.Organisation{}).IssuerName(base); got != want {
			t.Errorf("no name, base %s: issuer %q, want %q", base, got, want)
		}
	}
	if got := (app.Organisation{Name: "Muster GmbH"}).IssuerName("http://127.0.0.1"); got != "Muster GmbH" {
		t.Errorf("named: %q", got)
	}
}

func TestSaveOrganisation(t *testing.T) {
	f := newFixture(t, app.Config{})
	a := settingsApp(f.db, app.Config{})
	ctx := context.Background()
	admin, hr := f.user("ada@example.com", app.RoleAdmin), f.user("hr@example.com", app.RoleHR)

	o, err := a.Organisation(ctx)
	if err != nil || o.Name != "" || o.TimeZone != app.DefaultTimeZone || o.Zone.String() != app.DefaultTimeZone || o.Logo != nil {
		t.Fatalf("before setup: %+v, %v", o, err)
	}
	if err := a.SaveOrganisation(ctx, hr, app.OrgInput{Name: "Muster GmbH"}); errs.KindOf(err) != errs.Forbidden {
		t.Fatalf("HR saved the settings: %v", err)
	}
	// Every bad field is named at once, and nothing is stored.
	err = a.SaveOrganisation(ctx, admin, app.OrgInput{Name: "127.0.0.1", PrivacyContact: "call Bob", TimeZone: "Mars/Olympus",
		Logo: []byte(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 9 9"><script>alert(1)</script></svg>`)})
	want := map[string]string{"org_name": "name_is_address", "privacy_contact": "invalid_contact", "time_zone": "invalid_time_zone", "logo": "logo_unsupported"}
	if got := fieldsOf(err); len(got) != len(want) {
		t.Fatalf("bad input: %v, want fields %v", err, want)
	} else {
		for k, v := range want {
			if got[k] != v {
				t.Errorf("field %s: %q, want %q", k, got[k], v)
			}
		}
	}
	for name, in := range map[string]app.OrgInput{
		"no name":         {},
		"localhost":       {Name: "localhost:8080"},
		"a URL":           {Name: "https://kipass.example"},
		"hidden bidi":     {Name: "Muster\u202e GmbH"},
		"local time zone": {Name: "Muster GmbH", TimeZone: "Local"},
		"contact user":    {Name: "Muster GmbH", PrivacyContact: "https://bob:pw@example.com/"},
		"huge logo":       {Name: "Muster GmbH", Logo: append(testPNG(t, 10, 10), make([]byte, app.MaxLogoBytes)...)},
		"not an image":    {Name: "Muster GmbH", Logo: []byte("GIF89a......")},
	} {
		if err := a.SaveOrganisation(ctx, admin, in); fieldsOf(err) == nil {
			t.Errorf("%s: %v, want a field error", name, err)
		}
	}
	if o, _ := a.Organisation(ctx); o.Name != "" {
		t.Fatalf("a refused save stored %q", o.Name)
	}

	logo := testPNG(t, 300, 100)
	in := app.OrgInput{Name: "  Muster   GmbH ", PrivacyContact: "datenschutz@muster.example", DPO: "Dr. Daten, dsb@muster.example",
		TimeZone: "Europe/Vienna", Logo: logo}
	if err := a.SaveOrganisation(ctx, admin, in); err != nil {
		t.Fatal(err)
	}
	o, err = a.Organisation(ctx)
	if err != nil || o.Name != "Muster GmbH" || o.PrivacyContact != in.PrivacyContact || o.DPO != in.DPO || o.Zone.String() != "Europe/Vienna" ||
		!bytes.Equal(o.Logo, logo) || o.LogoType != "image/png" || o.LogoVersion == "" {
		t.Fatalf("after a save: %+v, %v", o, err)
	}
	if a.Zone().String() != "Europe/Vienna" {
		t.Errorf("Zone = %s", a.Zone())
	}
	// A save without a file keeps the logo; RemoveLogo drops it; a web
	// address is a contact too.
	in.Logo, in.PrivacyContact = nil, "https://muster.example/datenschutz"
	if err := a.SaveOrganisation(ctx, admin, in); err != nil {
		t.Fatal(err)
	}
	if o, _ := a.Organisation(ctx); !bytes.Equal(o.Logo, logo) || o.PrivacyContact != in.PrivacyContact {
		t.Fatalf("the logo went with a save without a file: %+v", o)
	}
	in.RemoveLogo = true
	if err := a.SaveOrganisation(ctx, admin, in); err != nil {
		t.Fatal(err)
	}
	if o, _ := a.Organisation(ctx); o.Logo != nil || o.LogoType != "" || o.LogoVersion != "" {
		t.Fatalf("the logo stayed: %+v", o)
	}
	svg := []byte(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 20 10"><rect width="20" height="10" fill="#1d4e89"/></svg>`)
	in.RemoveLogo, in.Logo = false, svg
	if err := a.SaveOrganisation(ctx, admin, in); err != nil {
		t.Fatal(err)
	}
	if o, _ := a.Organisation(ctx); o.LogoType != "image/svg+xml" {
		t.Fatalf("SVG logo stored as %q", o.LogoType)
	}
	_, n, err := f.db.AuditLog(ctx, app.AuditFilter{Action: "settings.changed", ActorID: admin.ID})
	if err != nil || n != 4 {
		t.Errorf("%d settings.changed entries by the admin, want 4 (%v)", n, err)
	}
}

// Flags win over the stored settings, are marked fixed, and a save leaves
// their stored values alone.
func TestOrganisationFlagsWin(t *testing.T) {
	f := newFixture(t, app.Config{})
	admin := f.user("ada@example.com", app.RoleAdmin)
	ctx := context.Background()
	if err := settingsApp(f.db, app.Config{}).SaveOrganisation(ctx, admin, app.OrgInput{Name: "Gespeichert AG", DPO: "Frau Daten"}); err != nil {
		t.Fatal(err)
	}
	utc := time.UTC
	a := settingsApp(f.db, app.Config{Location: utc, Organisation: app.OrgFlags{Name: "Flagge GmbH", PrivacyContact: "dsb@flagge.example"}})
	o, err := a.Organisation(ctx)
	if err != nil || o.Name != "Flagge GmbH" || !o.Fixed.Name || o.PrivacyContact != "dsb@flagge.example" || !o.Fixed.PrivacyContact ||
		o.DPO != "Frau Daten" || o.Fixed.DPO || o.Zone != utc || !o.Fixed.TimeZone {
		t.Fatalf("flags and settings: %+v, %v", o, err)
	}
	// A name typed while the flag fixes it is ignored, even an invalid one.
	if err := a.SaveOrganisation(ctx, admin, app.OrgInput{Name: "", DPO: "Herr Daten", TimeZone: "Mars/Olympus"}); err != nil {
		t.Fatal(err)
	}
	s, _ := f.db.Settings(ctx)
	if s.Name != "Gespeichert AG" || s.DPO != "Herr Daten" || s.TimeZone != "" {
		t.Fatalf("stored after a save under flags: %+v", s)
	}
}

// Two instances on one database: a save on one is seen by the other
// (within a second: the cache asks the database's change counter).
func TestOrganisationAcrossInstances(t *testing.T) {
	f := newFixture(t, app.Config{})
	admin := f.user("ada@example.com", app.RoleAdmin)
	ctx := context.Background()
	one, two := settingsApp(f.db, app.Config{}), settingsApp(f.db, app.Config{})
	if o, _ := two.Organisation(ctx); o.Name != "" {
		t.Fatal(o.Name)
	}
	if err := one.SaveOrganisation(ctx, admin, app.OrgInput{Name: "Muster GmbH", TimeZone: "Europe/Paris"}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		o, err := two.Organisation(ctx)
		if err == nil && o.Name == "Muster GmbH" && o.Zone.String() == "Europe/Paris" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the other instance still sees %+v, %v", o, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// The first run creates the admin and the organisation together; bad
// fields of both are reported at once and nothing is created.
func TestSetUpCreatesAdminAndOrganisation(t *testing.T) {
	f := newFixture(t, app.Config{})
	a := settingsApp(f.db, app.Config{})
	ctx := context.Background()
	token, err := a.SetupToken(ctx)
	if err != nil {
		t.Fatal(err)
	}
	_, err = a.SetUp(ctx, token, auth.Registration{Name: "Ada", Email: "not-an-email", Password: "long enough password"}, "de",
		app.OrgInput{Name: "10.0.0.1"})
	if got := fieldsOf(err); got["email"] == "" || got["org_name"] != "name_is_address" {
		t.Fatalf("bad setup: %v (fields %v)", err, got)
	}
	if ok, _ := a.SetupValid(ctx, token); !ok {
		t.Fatal("a refused setup used the token")
	}
	id, err := a.SetUp(ctx, token, auth.Registration{Name: "Ada", Email: "ada@example.com", Password: "long enough password"}, "de",
		app.OrgInput{Name: "Muster GmbH", PrivacyContact: "datenschutz@muster.example"})
	if err != nil || id == 0 {
		t.Fatal(id, err)
	}
	if o, _ := a.Organisation(ctx); o.Name != "Muster GmbH" || o.PrivacyContact != "datenschutz@muster.example" {
		t.Fatalf("after setup: %+v", o)
	}
	if ok, _ := a.SetupValid(ctx, token); ok {
		t.Fatal("the setup token still works")
	}
}
