package web

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"kipass/internal/auth"
	"kipass/internal/store"
)

// hiddenNames are names with bidi controls or invisible format characters
// that every entry point must refuse.
var hiddenNames = []string{
	"Ada \u202eecalevoL", // right-to-left override
	"Ada\u202a Lovelace", // left-to-right embedding
	"Ada\u2066Lovelace\u2069",
	"Ada\u200bLovelace",  // zero width space
	"\ufeffAda Lovelace", // byte order mark
	"Ada\u200fLovelace",  // right-to-left mark
	"Ada\u00adLovelace",  // soft hyphen
}

// TestNamesRefuseHiddenCharacters sends names and departments with bidi
// controls and invisible format characters through every web entry point:
// the register API and form, the setup form, the admin's create and edit
// forms (name, department, HR departments), the CSV import and the
// assignment API. Each
// answers 400 (invalid_name on the API), stores nothing, and a name with
// ZWJ or a decomposed accent is kept, in NFC.
func TestNamesRefuseHiddenCharacters(t *testing.T) {
	a := newTestApp(t, nil)
	ctx := context.Background()
	admin := a.staffBrowser("ada@example.com", store.RoleAdmin)
	a.listDepartment("Sales")
	a.listDepartment("Mi\u200cz")
	target, _ := a.db.UserByEmail(ctx, "ada@example.com")
	a.makeUser("hr@example.com", store.RoleHR)
	hrUser, _ := a.db.UserByEmail(ctx, "hr@example.com")
	for i, bad := range hiddenNames {
		email := fmt.Sprintf("p%d@example.com", i)
		for _, field := range []string{"name", "department"} {
			in := map[string]any{"name": "Peter", "email": email, "password": "correct horse battery", "department": "Sales"}
			in[field] = bad
			r := a.do(req{method: "POST", path: "/api/v1/register", json: in})
			if r.status != 400 || apiErrorCode(t, r.body) != "invalid_name" || !strings.Contains(r.body, `"`+field+`":"invalid_name"`) {
				t.Errorf("API register %s=%q: %d %s", field, bad, r.status, r.body)
			}
			form := url.Values{"name": {"Peter"}, "email": {email}, "password": {"correct horse battery"}, "department": {"Sales"}}
			form.Set(field, bad)
			b := a.browser()
			if r := b.post("/register?lang=en", form); r.status != 400 || !strings.Contains(r.body, "invisible formatting") {
				t.Errorf("register form %s=%q: %d", field, bad, r.status)
			}
			form.Set("role", "employee")
			if r := admin.post("/admin/users?lang=en", form); r.status != 400 || !strings.Contains(r.body, "invisible formatting") {
				t.Errorf("admin create %s=%q: %d", field, bad, r.status)
			}
			edit := url.Values{"email": {"ada@example.com"}, "name": {"Ada"}, "department": {"IT"}, "role": {"admin"}, "active": {"on"}}
			edit.Set(field, bad)
			if r := admin.post(fmt.Sprintf("/admin/users/%d?lang=en", target.ID), edit); r.status != 400 || !strings.Contains(r.body, "invisible formatting") {
				t.Errorf("admin edit %s=%q: %d", field, bad, r.status)
			}
		}
		if _, err := a.db.UserByEmail(ctx, email); err == nil {
			t.Errorf("an account with %q was created", bad)
		}
		edit := url.Values{"email": {"hr@example.com"}, "name": {"Hanna"}, "department": {"HR"}, "role": {"hr"}, "active": {"on"}, "hr_departments": {"Sales, " + bad}}
		if r := admin.post(fmt.Sprintf("/admin/users/%d?lang=en", hrUser.ID), edit); r.status != 400 || !strings.Contains(r.body, "invisible formatting") {
			t.Errorf("HR departments %q: %d", bad, r.status)
		}
		var body bytes.Buffer
		ct := multipartWriter(&body, map[string]string{"_csrf": admin.csrf}, "file", "people.csv",
			[]byte("email,name,department,role\nok@example.com,Okay,Sales,employee\n"+email+","+bad+",Sales,employee\n"))
		if r := admin.send(req{method: "POST", path: "/admin/import?lang=en", raw: body.String(), rawType: ct}); r.status != 400 || !strings.Contains(r.body, "invalid_name") {
			t.Errorf("import %q: %d", bad, r.status)
		}
	}
	// An assignment to a department with hidden characters.
	hrTok := a.login("hr@example.com")
	for _, bad := range hiddenNames {
		r := a.do(req{method: "POST", path: "/api/v1/hr/assignments", bearer: hrTok,
			json: map[string]any{"course": courseID, "scope": "department", "department": bad, "due_at": "2027-01-01"}})
		if r.status != 400 || apiErrorCode(t, r.body) != "invalid_name" {
			t.Errorf("assignment to %q: %d %s", bad, r.status, r.body)
		}
	}
	if got, _ := a.db.UserByID(ctx, target.ID); got.Name != target.Name || got.Department != target.Department {
		t.Errorf("an edit was saved: %+v", got)
	}
	if d, _ := a.db.HRDepartments(ctx, hrUser.ID); len(d) != 0 {
		t.Errorf("HR departments saved: %v", d)
	}
	if _, err := a.db.UserByEmail(ctx, "ok@example.com"); err == nil {
		t.Error("a file with a bad row imported something")
	}

	// The setup form of the first admin refuses them too.
	b := newTestApp(t, nil)
	token := auth.NewToken()
	if err := b.db.CreateOneTimeToken(ctx, auth.HashToken(token), store.TokenSetup, 0, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	r := b.browser().post("/setup?lang=en", url.Values{"token": {token}, "name": {hiddenNames[0]}, "email": {"root@example.com"}, "password": {"correct horse battery"}})
	if r.status != 400 || !strings.Contains(r.body, "invisible formatting") {
		t.Errorf("setup: %d", r.status)
	}

	// ZWJ and ZWNJ stay; a decomposed accent is stored composed.
	in := map[string]any{"name": "Jose\u0301 👩\u200d💻", "email": "jose@example.com", "password": "correct horse battery", "department": "Mi\u200cz"}
	if r := a.do(req{method: "POST", path: "/api/v1/register", json: in}); r.status != 201 {
		t.Fatalf("register with ZWJ/ZWNJ: %d %s", r.status, r.body)
	}
	if u, _ := a.db.UserByEmail(ctx, "jose@example.com"); u.Name != "José 👩\u200d💻" || u.Department != "Mi\u200cz" {
		t.Fatalf("stored %q %q", u.Name, u.Department)
	}
}
