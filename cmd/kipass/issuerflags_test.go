package main

import (
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
