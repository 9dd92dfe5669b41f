package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"kipass/internal/auth"
	"kipass/internal/store"
)

// importInvited imports people as an admin would: accounts without a
// password and an invitation each; it returns the invitation tokens.
func importInvited(t *testing.T, a *testApp, people ...[3]string) []string {
	t.Helper()
	var users []store.ImportUser
	var tokens []string
	for _, p := range people {
		tok := auth.NewToken()
		tokens = append(tokens, tok)
		users = append(users, store.ImportUser{Email: p[0], Name: p[1], Department: p[2], Role: store.RoleEmployee, InviteHash: auth.HashToken(tok)})
	}
	if _, err := a.db.ImportUsers(context.Background(), users, time.Now().Add(14*24*time.Hour), nil); err != nil {
		t.Fatal(err)
	}
	return tokens
}

// TestHRInvitedStatusAndResendLinks: imported people who never accepted
// their invitation are "invited" with the invitation's date (API, page);
// without a mail server a resend gives new links (the old one stops
// working, the new one sets the password); a person outside an HR
// account's departments is 404, works-council mode 403, and reminders
// without a mail server 409 mail_not_configured.
func TestHRInvitedStatusAndResendLinks(t *testing.T) {
	a := newTestApp(t, nil)
	old := importInvited(t, a, [3]string{"ina@example.com", "Ina Invited", "Vertrieb"}, [3]string{"ivo@example.com", "Ivo Invited", "IT"})
	a.employee("Vera Registered", "vera@example.com", "Vertrieb")
	hr := a.makeUser("hr@example.com", store.RoleHR)
	var rows []reportRow
	r := a.do(req{method: "GET", path: "/api/v1/hr/report?course=" + courseID + "&status=invited", bearer: hr})
	if err := json.Unmarshal([]byte(r.body), &rows); err != nil || len(rows) != 2 || rows[0].InvitedAt == "" {
		t.Fatalf("invited rows: %d %s", r.status, r.body)
	}
	ina, _ := a.db.UserByEmail(context.Background(), "ina@example.com")
	ivo, _ := a.db.UserByEmail(context.Background(), "ivo@example.com")
	vera, _ := a.db.UserByEmail(context.Background(), "vera@example.com")

	b := a.staffBrowserLogin("hr@example.com")
	page := b.get("/hr?lang=en&course=" + courseID + "&department=Vertrieb")
	if !strings.Contains(page.body, "Invited") || !strings.Contains(page.body, "invited on ") || !strings.Contains(page.body, `href="/hr/people/`) {
		t.Fatalf("page does not show the invited status with its date")
	}

	if p := b.get(fmt.Sprintf("/hr/people/%d?lang=en", ina.ID)); p.status != 200 || !strings.Contains(p.body, "Invited") || !strings.Contains(p.body, "invited on ") {
		t.Fatalf("person page of an invited person: %d", p.status)
	}
	// Resend to everyone invited in Vertrieb, plus Vera (registered: skipped).
	r = a.do(req{method: "POST", path: "/api/v1/hr/invitations", bearer: hr, json: map[string]any{"user_ids": []int64{ina.ID, vera.ID}}})
	var res struct {
		Emailed []int64
		Links   []inviteLinkOut
		Skipped []int64
	}
	if err := json.Unmarshal([]byte(r.body), &res); err != nil || r.status != 200 || len(res.Links) != 1 || res.Links[0].UserID != ina.ID ||
		len(res.Skipped) != 1 || res.Skipped[0] != vera.ID || len(res.Emailed) != 0 {
		t.Fatalf("resend: %d %s", r.status, r.body)
	}
	if ok, _ := a.db.InviteValid(context.Background(), auth.HashToken(old[0])); ok {
		t.Fatal("the old invitation link still works")
	}
	u, err := url.Parse(res.Links[0].URL)
	if err != nil || !strings.HasPrefix(res.Links[0].URL, "http://kipass.test/invite?token=") {
		t.Fatalf("link %q", res.Links[0].URL)
	}
	if ok, _ := a.db.InviteValid(context.Background(), auth.HashToken(u.Query().Get("token"))); !ok {
		t.Fatal("the new invitation link does not work")
	}
	// The form without a mail server downloads the links.
	dl := b.post("/hr/invitations", url.Values{"all": {"1"}, "course": {courseID}, "department": {"IT"}})
	if dl.status != 200 || !strings.HasPrefix(dl.header.Get("Content-Type"), "text/csv") || !strings.Contains(dl.body, "ivo@example.com") ||
		strings.Contains(dl.body, "ina@example.com") || !strings.Contains(dl.header.Get("Content-Disposition"), "kipass-invitations-") {
		t.Fatalf("links download: %d %q %q", dl.status, dl.header.Get("Content-Disposition"), dl.body)
	}
	entries, n, err := a.db.AuditLog(context.Background(), store.AuditFilter{Action: "invitation.resent"})
	if err != nil || n != 2 || entries[0].Detail != "by=link" {
		t.Fatalf("audit: %d %+v %v", n, entries, err)
	}

	// Reminders need a mail server.
	if r := a.do(req{method: "POST", path: "/api/v1/hr/reminders", bearer: hr, json: map[string]any{"user_ids": []int64{ina.ID}}}); r.status != 409 ||
		!strings.Contains(r.body, "mail_not_configured") {
		t.Fatalf("reminder without mail: %d %s", r.status, r.body)
	}

	// An HR account limited to Vertrieb cannot reach Ivo (IT).
	hrUser, _ := a.db.UserByEmail(context.Background(), "hr@example.com")
	if err := a.db.UpdateAccount(context.Background(), hrUser.ID, store.AccountChange{Name: hrUser.Name, Role: store.RoleHR, Active: true,
		HRDepartments: []string{"Vertrieb"}}, store.Actor{Role: store.RoleAdmin}); err != nil {
		t.Fatal(err)
	}
	hr = a.login("hr@example.com")
	for _, path := range []string{"/api/v1/hr/invitations", "/api/v1/hr/reminders"} {
		if r := a.do(req{method: "POST", path: path, bearer: hr, json: map[string]any{"user_ids": []int64{ivo.ID}}}); r.status != 404 {
			t.Fatalf("%s outside the departments: %d %s", path, r.status, r.body)
		}
	}
}

// TestHROutreachOffInWorksCouncilMode: per-person actions answer 403
// aggregate_only.
func TestHROutreachOffInWorksCouncilMode(t *testing.T) {
	a := newTestApp(t, func(c *Config) { c.AggregateOnly = true })
	importInvited(t, a, [3]string{"ina@example.com", "Ina Invited", "Vertrieb"})
	ina, _ := a.db.UserByEmail(context.Background(), "ina@example.com")
	hr := a.makeUser("hr@example.com", store.RoleHR)
	for _, path := range []string{"/api/v1/hr/invitations", "/api/v1/hr/reminders"} {
		if r := a.do(req{method: "POST", path: path, bearer: hr, json: map[string]any{"user_ids": []int64{ina.ID}}}); r.status != 403 ||
			!strings.Contains(r.body, "aggregate_only") {
			t.Fatalf("%s: %d %s", path, r.status, r.body)
		}
	}
}
