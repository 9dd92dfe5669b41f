package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// The issuer's profile and LinkedIn flags are checked before anything
// starts; KIPASS_ variables work as for every flag.
func TestIssuerProfileFlags(t *testing.T) {
	for _, c := range []struct {
		args []string
		env  map[string]string
		bad  string
	}{
		{args: []string{"--linkedin-organization-id", "12345"}},
		{env: map[string]string{"KIPASS_LINKEDIN_ORGANIZATION_ID": "777"}},
		{args: []string{"--issuer-email", "zertifikate@muster.example", "--issuer-phone", "+49 30 1234567"}},
		{args: []string{"--linkedin-organization-id", "muster-gmbh"}, bad: "linkedin-organization-id"},
		{args: []string{"--linkedin-organization-id", "123456789012345678901"}, bad: "linkedin-organization-id"},
		{args: []string{"--issuer-email", "not an address"}, bad: "issuer-email"},
		{args: []string{"--issuer-logo-url", "https://muster.example/logo.png"}},
		{args: []string{"--issuer-logo-url", "logo.png"}, bad: "issuer-logo-url"},
		{args: []string{"--issuer-logo-url", "javascript:alert(1)"}, bad: "issuer-logo-url"},
		{args: []string{"--issuer-name", "Muster GmbH", "--privacy-contact", "https://muster.example/datenschutz", "--privacy-dpo", "Dr. Daten"}},
		{args: []string{"--issuer-name", "127.0.0.1"}, bad: "issuer-name"},
		{args: []string{"--issuer-name", "http://192.168.0.5:8080"}, bad: "issuer-name"},
		{args: []string{"--issuer-name", "Muster\u202eHbmG"}, bad: "issuer-name"},
		{args: []string{"--privacy-contact", "ask Bob"}, bad: "privacy-contact"},
	} {
		var out, errb syncBuffer
		cfg, err := parseServeConfig(c.args, env{getenv: envFrom(c.env), stdin: strings.NewReader(""), stdout: &out, stderr: &errb})
		switch {
		case c.bad != "" && (err == nil || !strings.Contains(err.Error(), c.bad)):
			t.Errorf("%v %v: error %v, want one about --%s", c.args, c.env, err, c.bad)
		case c.bad == "" && err != nil:
			t.Errorf("%v %v: %v", c.args, c.env, err)
		case c.env != nil && cfg.LinkedInOrgID != "777":
			t.Errorf("KIPASS_LINKEDIN_ORGANIZATION_ID not read: %q", cfg.LinkedInOrgID)
		}
	}
}

// The flags reach the issuer's profile that a running server serves.
func TestIssuerProfileFromFlags(t *testing.T) {
	s := startServer(t, nil, "--data", t.TempDir(), "--issuer-name", "Muster GmbH", "--issuer-email", "zertifikate@muster.example",
		"--issuer-logo-url", "https://muster.example/logo.png")
	req, _ := http.NewRequest("GET", s.url+"/", nil)
	req.Header.Set("Accept", "application/ld+json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var p struct {
		ID, Name, Email string
		Image           struct{ ID string }
	}
	if err := json.NewDecoder(res.Body).Decode(&p); err != nil || res.Header.Get("Content-Type") != "application/ld+json" {
		t.Fatalf("profile: %v %q", err, res.Header.Get("Content-Type"))
	}
	if p.ID != s.url || p.Name != "Muster GmbH" || p.Email != "zertifikate@muster.example" || p.Image.ID != "https://muster.example/logo.png" {
		t.Fatalf("profile %+v", p)
	}
}
