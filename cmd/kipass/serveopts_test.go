package main

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

func TestServePrivacyOptions(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--retain-answers-days", "-1"}, "--retain-answers-days must be 0 (keep) or more"},
		{[]string{"--smtp-host", "mail.example.com"}, "--smtp-host needs --smtp-from"},
		{[]string{"--smtp-host", "mail.example.com", "--smtp-from", "kipass@example.com", "--smtp-password-file", "/nonexistent/pw"}, "--smtp-password-file"},
		{[]string{"--smtp-host", "mail.example.com", "--smtp-from", "not an address"}, "mail settings"},
		{[]string{"--smtp-host", "mail.example.com", "--smtp-from", "kipass@example.com", "--smtp-tls", "none"}, "mail settings"},
	} {
		code, _, errOut := runCmd(t, append([]string{"serve", "--addr", "127.0.0.1:0", "--data", t.TempDir()}, tc.args...)...)
		if code != 1 || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: %d %q", tc.args, code, errOut)
		}
	}

	// The notice shows the configured controller and periods; works-council
	// mode turns the per-person report off.
	data := t.TempDir()
	s := startServer(t, map[string]string{"KIPASS_PRIVACY_CONTROLLER": "Muster GmbH, Hauptstr. 1"}, "--data", data,
		"--retain-answers-days", "30", "--aggregate-only", "--privacy-dpo", "dsb@muster.example", "--backup-dir", t.TempDir(), "--backup-keep", "5")
	res, err := http.Get(s.url + "/privacy?lang=en")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	for _, want := range []string{"Muster GmbH, Hauptstr. 1", "dsb@muster.example", "30 days", "keeps 5 copies, one every 24h,"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("privacy notice lacks %q", want)
		}
	}
	if code, _, errOut := runCmdIn(t, "hr password 12345\n", "admin", "create", "--data", data, "--email", "hr@example.com",
		"--name", "Hanna", "--role", "hr", "--password-stdin"); code != 0 {
		t.Fatal(errOut)
	}
	tok := login(t, s.url, "hr@example.com", "hr password 12345")
	if code, body := apiCall(t, "GET", s.url+"/api/v1/hr/report", tok, nil); code != 403 || !strings.Contains(string(body), "aggregate_only") {
		t.Fatalf("report with --aggregate-only: %d %s", code, body)
	}
}
