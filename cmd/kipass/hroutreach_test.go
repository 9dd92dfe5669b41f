package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"kipass/internal/store"
)

// TestHRInvitationsAndRemindersOverSMTP runs serve with a real SMTP server
// (go-smtp, in-process): people imported with the CLI while the server
// runs show as invited on the next report; HR resends invitations by email
// (one link per person, the old one stops working) and sends reminders to
// the overdue people of a view, at most one per person per day (the second
// try is refused as reminded_today); every send is in the audit log.
func TestHRInvitationsAndRemindersOverSMTP(t *testing.T) {
	box, port := startInbox(t)
	data := t.TempDir()
	if code, out, errOut := runCmdIn(t, "hr password 12345\n", "admin", "create", "--data", data, "--email", "hanna@example.com",
		"--name", "Hanna Personal", "--role", "hr", "--password-stdin"); code != 0 {
		t.Fatalf("admin create: %d %q %q", code, out, errOut)
	}
	s := startServer(t, nil, "--data", data, "--smtp-host", "127.0.0.1", "--smtp-port", strconv.Itoa(port), "--smtp-tls", "none",
		"--smtp-from", "kipass@example.com")
	hr := login(t, s.url, "hanna@example.com", "hr password 12345")
	report := func(q string) []map[string]any {
		code, b := apiCall(t, "GET", s.url+"/api/v1/hr/report?course=ki-am-arbeitsplatz"+q, hr, nil)
		var rows []map[string]any
		if code != 200 || json.Unmarshal(b, &rows) != nil {
			t.Fatalf("report %s: %d %s", q, code, b)
		}
		return rows
	}
	if n := len(report("&status=invited&department=Vertrieb")); n != 0 {
		t.Fatalf("%d rows before the import", n)
	}
	csvFile := filepath.Join(t.TempDir(), "people.csv")
	must(t, os.WriteFile(csvFile, []byte("email,name,department,role\nina@example.com,Ina Neu,Vertrieb,employee\nilse@example.com,Ilse Neu,Vertrieb,employee\nolaf@example.com,Olaf Lager,Lager,employee\n"), 0o600))
	if code, out, errOut := runCmdIn(t, "", "users", "import", csvFile, "--data", data); code != 0 {
		t.Fatalf("import: %d %q %q", code, out, errOut)
	}
	// The import of another process shows at once.
	invited := report("&status=invited&department=Vertrieb")
	if len(invited) != 2 || invited[0]["invited_at"] == "" {
		t.Fatalf("invited after the import: %v", invited)
	}

	code, b := apiCall(t, "POST", s.url+"/api/v1/hr/invitations", hr, map[string]any{"all": true, "course": "ki-am-arbeitsplatz", "department": "Vertrieb"})
	var inv struct {
		Emailed []int64
		Links   []any
	}
	if code != 200 || json.Unmarshal(b, &inv) != nil || len(inv.Emailed) != 2 || len(inv.Links) != 0 {
		t.Fatalf("resend: %d %s", code, b)
	}
	link := regexp.MustCompile(`/invite\?token=[A-Za-z0-9_-]+`)
	var mails []string
	for _, m := range box.all() {
		if m.to == "olaf@example.com" {
			t.Fatal("Olaf (Lager) got an invitation for Vertrieb")
		}
		if link.MatchString(m.data) {
			mails = append(mails, m.to)
		}
	}
	if strings.Join(mails, ",") != "ina@example.com,ilse@example.com" && strings.Join(mails, ",") != "ilse@example.com,ina@example.com" {
		t.Fatalf("invitation mails to %v", mails)
	}

	// Olaf's course is overdue; reminders go to the overdue people of the view.
	yesterday := time.Now().UTC().AddDate(0, 0, -2).Format("2006-01-02")
	if code, b := apiCall(t, "POST", s.url+"/api/v1/hr/assignments", hr, map[string]any{"course": "ki-am-arbeitsplatz", "scope": "department",
		"department": "Lager", "due_at": yesterday, "confirm_past_due": true}); code != 201 {
		t.Fatalf("assign: %d %s", code, b)
	}
	before := len(box.all())
	code, b = apiCall(t, "POST", s.url+"/api/v1/hr/reminders", hr, map[string]any{"all": true, "course": "ki-am-arbeitsplatz"})
	var rem struct {
		Sent          []int64 `json:"sent"`
		RemindedToday []int64 `json:"reminded_today"`
	}
	if code != 200 || json.Unmarshal(b, &rem) != nil || len(rem.Sent) != 1 {
		t.Fatalf("reminders: %d %s", code, b)
	}
	msgs := box.all()[before:]
	if len(msgs) != 1 || msgs[0].to != "olaf@example.com" || !strings.Contains(msgs[0].data, "/courses/ki-am-arbeitsplatz") {
		t.Fatalf("reminder mails: %+v", msgs)
	}
	// A second reminder the same day is refused and says so.
	code, b = apiCall(t, "POST", s.url+"/api/v1/hr/reminders", hr, map[string]any{"user_ids": rem.Sent})
	if code != 200 || json.Unmarshal(b, &rem) != nil || len(rem.Sent) != 0 || len(rem.RemindedToday) != 1 || len(box.all()) != before+1 {
		t.Fatalf("second reminder: %d %s; %d mails, %d before", code, b, len(box.all()), before)
	}

	db, err := store.Open(context.Background(), data)
	must(t, err)
	defer db.Close()
	for action, want := range map[string]int{"invitation.resent": 2, "reminder.sent": 1} {
		entries, n, err := db.AuditLog(context.Background(), store.AuditFilter{Action: action})
		must(t, err)
		if n != want {
			t.Errorf("%s: %d entries, want %d: %+v", action, n, want, entries)
		}
	}
}
