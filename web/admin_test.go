package web

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"kipass/internal/store"
)

var linkInput = regexp.MustCompile(`value="(http://kipass.test/invite\?token=[^"]+)"`)

func TestAdminManagesAccounts(t *testing.T) {
	a := newTestApp(t, nil)
	admin := a.staffBrowser("ada@example.com", store.RoleAdmin)

	// Departments come from the list: an unlisted one is refused.
	if r := admin.post("/admin/users?lang=en", url.Values{"email": {"neu@example.com"}, "name": {"Nora Neu"}, "department": {"Lager"}, "role": {"employee"}}); r.status != 400 {
		t.Fatalf("unlisted department: %d", r.status)
	}
	for _, d := range []string{"Lager", "Versand"} {
		if err := a.db.CreateDepartment(context.Background(), d, store.Actor{Role: store.RoleAdmin}); err != nil {
			t.Fatal(err)
		}
	}
	// Create: the invite link is shown once and works.
	r := admin.post("/admin/users?lang=en", url.Values{"email": {"Neu@Example.com"}, "name": {"Nora Neu"}, "department": {"Lager"}, "role": {"employee"}})
	m := linkInput.FindStringSubmatch(r.body)
	if r.status != 201 || m == nil {
		t.Fatalf("create: %d", r.status)
	}
	link, _ := url.Parse(strings.ReplaceAll(m[1], "&amp;", "&"))
	nora := a.browser()
	if r := nora.post("/invite", url.Values{"token": {link.Query().Get("token")}, "password": {"a new long password"}}); r.status != 303 {
		t.Fatalf("invite: %d %s", r.status, r.body)
	}
	noraTok := a.login("neu@example.com", "a new long password")
	// A duplicate and bad fields re-render with errors.
	if r := admin.post("/admin/users", url.Values{"email": {"neu@example.com"}, "name": {"X"}, "role": {"employee"}}); r.status != 409 {
		t.Fatalf("duplicate: %d", r.status)
	}
	if r := admin.post("/admin/users", url.Values{"email": {"nope"}, "name": {""}, "role": {"king"}}); r.status != 400 || strings.Count(r.body, `aria-invalid="true"`) < 2 {
		t.Fatalf("bad create: %d", r.status)
	}

	// List and search.
	if r := admin.get("/admin?q=nora"); !strings.Contains(r.body, "neu@example.com") || strings.Contains(r.body, "ada@example.com</span>") {
		t.Fatal("search")
	}
	u, _ := a.db.UserByEmail(context.Background(), "neu@example.com")
	userPath := fmt.Sprintf("/admin/users/%d", u.ID)
	if r := admin.get(userPath); r.status != 200 || !strings.Contains(r.body, "Nora Neu") {
		t.Fatalf("user page: %d", r.status)
	}
	for _, p := range []string{"/admin/users/999999", "/admin/users/abc", "/admin/users/-1"} {
		if r := admin.get(p); r.status != 404 {
			t.Fatalf("%s: %d", p, r.status)
		}
	}

	// Edit department and role; deactivating ends her session at once.
	if r := admin.post(userPath, url.Values{"name": {"Nora Neu"}, "department": {"Versand"}, "role": {"hr"}, "active": {"on"}}); r.status != 303 {
		t.Fatalf("edit: %d %s", r.status, r.body)
	}
	if u, _ := a.db.UserByID(context.Background(), u.ID); u.Department != "Versand" || u.Role != store.RoleHR {
		t.Fatalf("not saved: %+v", u)
	}
	// Correcting the email address (Art. 16 GDPR); a taken one is refused.
	if r := admin.post(userPath, url.Values{"email": {"ada@example.com"}, "name": {"Nora Neu"}, "department": {"Versand"}, "role": {"hr"}, "active": {"on"}}); r.status != 409 {
		t.Fatalf("taken email: %d", r.status)
	}
	if r := admin.post(userPath, url.Values{"email": {"Nora.Neu@Example.com"}, "name": {"Nora Neu"}, "department": {"Versand"}, "role": {"hr"}, "active": {"on"}}); r.status != 303 {
		t.Fatalf("email change: %d", r.status)
	}
	if u, _ := a.db.UserByID(context.Background(), u.ID); u.Email != "nora.neu@example.com" {
		t.Fatalf("email not changed: %q", u.Email)
	}
	admin.post(userPath, url.Values{"email": {"neu@example.com"}, "name": {"Nora Neu"}, "department": {"Versand"}, "role": {"hr"}, "active": {"on"}})
	noraTok = a.login("neu@example.com", "a new long password")
	if r := a.do(req{method: "GET", path: "/api/v1/me", bearer: noraTok}); r.status != 200 {
		t.Fatalf("before deactivation: %d", r.status)
	}
	if r := admin.post(userPath, url.Values{"name": {"Nora Neu"}, "department": {"Versand"}, "role": {"hr"}}); r.status != 303 {
		t.Fatalf("deactivate: %d", r.status)
	}
	if r := a.do(req{method: "GET", path: "/api/v1/me", bearer: noraTok}); r.status != 401 {
		t.Fatalf("session after deactivation: %d", r.status)
	}
	if r := a.do(req{method: "POST", path: "/api/v1/login", json: map[string]any{"email": "neu@example.com", "password": "a new long password"}}); r.status == 200 {
		t.Fatal("a deactivated account logged in")
	}
	// A reset link for a deactivated account is refused; after reactivation it works.
	if r := admin.post(userPath+"/reset", url.Values{}); r.status != 409 {
		t.Fatalf("reset while inactive: %d", r.status)
	}
	admin.post(userPath, url.Values{"name": {"Nora Neu"}, "department": {"Versand"}, "role": {"employee"}, "active": {"on"}})
	r = admin.post(userPath+"/reset", url.Values{})
	m = regexp.MustCompile(`value="(http://kipass.test/invite\?token=[^"]+)"`).FindStringSubmatch(r.body)
	if r.status != 200 || m == nil {
		t.Fatalf("reset: %d", r.status)
	}
	link, _ = url.Parse(strings.ReplaceAll(m[1], "&amp;", "&"))
	if r := a.browser().post("/invite", url.Values{"token": {link.Query().Get("token")}, "password": {"another long password"}}); r.status != 303 {
		t.Fatalf("reset link: %d", r.status)
	}
	a.login("neu@example.com", "another long password") // works with the new password (fails the test otherwise)

	// The last admin cannot be demoted.
	ada, _ := a.db.UserByEmail(context.Background(), "ada@example.com")
	if r := admin.post(fmt.Sprintf("/admin/users/%d", ada.ID), url.Values{"name": {"Ada"}, "role": {"employee"}, "active": {"on"}}); r.status != 409 {
		t.Fatalf("demoting the last admin: %d", r.status)
	}

	// Erasure by an admin: needs the admin's password; leaves nothing.
	if r := admin.post(userPath+"/erase", url.Values{"password": {"wrong"}, "certificates": {"keep"}, "confirm": {"yes"}}); r.status != 400 {
		t.Fatalf("erase with a wrong password: %d", r.status)
	}
	if r := admin.post(userPath+"/erase", url.Values{"password": {"correct horse battery"}, "certificates": {"revoke"}, "confirm": {"yes"}}); r.status != 303 {
		t.Fatalf("erase: %d %s", r.status, r.body)
	}
	if _, err := a.db.UserByID(context.Background(), u.ID); err == nil {
		t.Fatal("account still there")
	}

	// The audit log lists it all, by role and account id, without names.
	r = admin.get("/admin/audit?lang=en")
	for _, want := range []string{"account.created", "account.updated", "account.reset_link", "account.erased"} {
		if !strings.Contains(r.body, want) {
			t.Errorf("audit page lacks %s", want)
		}
	}
	entries, _, _ := a.db.AuditLog(context.Background(), store.AuditFilter{Limit: 1000})
	for _, e := range entries {
		if strings.Contains(e.Detail, "Nora") || strings.Contains(e.Detail, "@") {
			t.Fatalf("personal data in the audit log: %+v", e)
		}
	}
}

func TestAdminImportUpload(t *testing.T) {
	a := newTestApp(t, nil)
	admin := a.staffBrowser("ada@example.com", store.RoleAdmin)
	upload := func(data string) resp {
		var body bytes.Buffer
		ct := multipartWriter(&body, map[string]string{"_csrf": admin.csrf}, "file", "people.csv", []byte(data))
		return admin.send(req{method: "POST", path: "/admin/import?lang=en", raw: body.String(), rawType: ct})
	}
	// Bad rows: every problem by line, nothing imported.
	r := upload("email,name,department,role\nok@example.com,Okay,Sales,employee\nbroken,Bad,Sales,employee\nx@example.com,X,Sales,emperor\nok@example.com,Twice,Sales,employee\n")
	if r.status != 400 || !strings.Contains(r.body, "Line 3:") || !strings.Contains(r.body, "Line 4:") || !strings.Contains(r.body, "Line 5:") {
		t.Fatalf("bad import: %d %s", r.status, r.body)
	}
	if _, err := a.db.UserByEmail(context.Background(), "ok@example.com"); err == nil {
		t.Fatal("a bad file imported something")
	}
	for _, junk := range []string{"", "\xff\xfe\x00garbage", strings.Repeat("=cmd,", 10000), "foo,bar\n1,2\n",
		"email,name,department,role\n\"unterminated,x,y,employee\n"} {
		if r := upload(junk); r.status != 400 || !strings.Contains(r.body, "nothing was imported") {
			t.Fatalf("junk %.20q: %d", junk, r.status)
		}
	}
	// 10 MB of garbage over a real connection: refused as too large
	// (413), nothing imported.
	base := a.listen()
	var big bytes.Buffer
	ct := multipartWriter(&big, map[string]string{"_csrf": admin.csrf}, "file", "big.csv", []byte(strings.Repeat("garbage;", 10<<20/8)))
	hreq, _ := http.NewRequest("POST", base+"/admin/import", &big)
	hreq.Header.Set("Content-Type", ct)
	for _, c := range admin.cookies {
		hreq.AddCookie(c)
	}
	if res, err := http.DefaultClient.Do(hreq); err == nil {
		res.Body.Close()
		if res.StatusCode != 413 {
			t.Fatalf("10 MB: %d", res.StatusCode)
		}
	} // else: the server closed the connection while the client was still sending, also a refusal
	if _, n, _ := a.db.ListUsers(context.Background(), store.UserFilter{}); n != 1 {
		t.Fatalf("%d accounts after bad uploads", n)
	}
	// A good file: 300 accounts, links shown once.
	var csv strings.Builder
	csv.WriteString("email;name;department;role\n")
	for i := range 300 {
		fmt.Fprintf(&csv, "p%d@example.com;Person %d;Dept %d;employee\n", i, i, i%3)
	}
	r = upload(csv.String())
	if r.status != 200 || strings.Count(r.body, "/invite?token=") != 300 || !strings.Contains(r.body, "300 new accounts, 0 updated") {
		t.Fatalf("import: %d", r.status)
	}
	if _, n, _ := a.db.ListUsers(context.Background(), store.UserFilter{Department: "Dept 1"}); n != 100 {
		t.Fatalf("department Dept 1 has %d", n)
	}
	if a.auditActions("accounts.imported") != 1 {
		t.Fatal("import not audited")
	}
	// No file at all.
	if r := admin.post("/admin/import", url.Values{}); r.status != 400 {
		t.Fatalf("no file: %d", r.status)
	}
}

func TestPrivacyNotice(t *testing.T) {
	a := newTestApp(t, func(c *Config) {
		c.Privacy = Privacy{Controller: "Muster GmbH, Hauptstr. 1, 10115 Berlin", AnswerDays: 90, DeactivatedMonths: 12, AuditMonths: 24}
		c.Config.Organisation.PrivacyContact, c.Config.Organisation.DPO = "datenschutz@muster.example", "Dr. Daten, dsb@muster.example"
	})
	for lang, want := range map[string][]string{
		"de": {"Datenschutzhinweise", "Hauptstr. 1", "dsb@muster.example", "90 Tage", "12 Monaten", "24 Monate", "kipass_session", "kipass_csrf", "Art. 77"},
		"en": {"Privacy notice", "Hauptstr. 1", "datenschutz@muster.example", "90 days", "12 months", "24 months", "kipass_session", "Art. 77"},
	} {
		r := a.do(req{method: "GET", path: "/privacy?lang=" + lang})
		if r.status != 200 {
			t.Fatalf("%s: %d", lang, r.status)
		}
		for _, w := range want {
			if !strings.Contains(r.body, w) {
				t.Errorf("%s privacy notice lacks %q", lang, w)
			}
		}
	}
	// Linked from every page's footer.
	for _, p := range []string{"/", "/login", "/verify", "/nowhere"} {
		if r := a.do(req{method: "GET", path: p}); !strings.Contains(r.body, `href="/privacy"`) {
			t.Errorf("%s has no privacy link", p)
		}
	}
}
