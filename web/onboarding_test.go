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
	"time"

	"kipass/internal/store"
)

// flashBox is the start of the flash's notice on a page.
const flashBox = `<div class="alert ok flash" role="status" id="flash">`

// TestFlashShownOnceToItsSession: after an admin action the redirect
// carries no message in its address; the next page says it once in the
// page's language (role=status), the page after that does not; the same
// cookie in another admin's session, a forged one and a stale one show
// nothing.
func TestFlashShownOnceToItsSession(t *testing.T) {
	a := newTestApp(t, nil)
	ada := a.staffBrowser("ada@example.com", store.RoleAdmin)
	bert := a.staffBrowser("bert@example.com", store.RoleAdmin)

	r := ada.post("/admin/departments?lang=en", url.Values{"op": {"create"}, "name": {"Vertrieb"}})
	if r.status != 303 || r.header.Get("Location") != "/admin/departments" {
		t.Fatalf("create: %d %q", r.status, r.header.Get("Location"))
	}
	flashCookie := cookie(r.cookies, "kipass_flash")
	if flashCookie == nil || !flashCookie.HttpOnly || flashCookie.MaxAge <= 0 || strings.Contains(flashCookie.Value, "Vertrieb") {
		t.Fatalf("flash cookie: %+v", flashCookie)
	}
	// Another session with the same cookie sees nothing.
	stolen := bert.send(req{method: "GET", path: "/admin/departments?lang=en", cookies: []*http.Cookie{{Name: "kipass_flash", Value: flashCookie.Value}}})
	if strings.Contains(stolen.body, flashBox) {
		t.Fatal("the flash is shown to another session")
	}
	// A value made by hand shows nothing either.
	forged := ada.send(req{method: "GET", path: "/admin/departments?lang=en", cookies: []*http.Cookie{{Name: "kipass_flash", Value: "MTk5OTk5OTk5OXxmbGFzaC5hc3NpZ25lZDo.AAAAAAAAAAAAAAAAAAAAAA"}}})
	if strings.Contains(forged.body, flashBox) {
		t.Fatal("a forged flash is shown")
	}
	// The forged cookie replaced ada's; act again for a fresh one.
	ada.post("/admin/departments", url.Values{"op": {"create"}, "name": {"Lager"}})
	page := ada.get("/admin/departments?lang=en")
	if !strings.Contains(page.body, flashBox+"<p>Department added to the list.</p></div>") {
		t.Fatalf("no flash after the redirect:\n%s", page.body)
	}
	if again := ada.get("/admin/departments?lang=en"); strings.Contains(again.body, flashBox) {
		t.Fatal("the flash is shown twice")
	}
	// German, with a plural count: the merge says how many moved.
	a.employee("Vera Verkauf", "vera@example.com", "Vertrieb")
	ada.post("/admin/departments", url.Values{"op": {"merge"}, "from": {"Vertrieb"}, "into": {"Lager"}, "confirm": {"yes"}})
	if de := ada.get("/admin/departments?lang=de"); !strings.Contains(de.body, flashBox+"<p>Abteilungen zusammengeführt: 1 Person verschoben.</p></div>") {
		t.Fatalf("German flash missing:\n%s", de.body)
	}
	// A flash older than five minutes is not shown.
	ada.post("/admin/departments", url.Values{"op": {"create"}, "name": {"Einkauf"}})
	later := a.now().Add(flashTTL + time.Second)
	a.setClock(func() time.Time { return later })
	if stale := ada.get("/admin/departments?lang=en"); strings.Contains(stale.body, flashBox) {
		t.Fatal("a stale flash is shown")
	}
	// The actions' redirects carry no personal data, and the log none.
	if strings.Contains(a.log.String(), "vera@example.com") || strings.Contains(a.log.String(), "Vera") {
		t.Fatalf("personal data in the log: %s", a.log.String())
	}
}

// TestIrreversibleActionsNeedConfirmation: erasing an account, revoking a
// certificate, merging departments and revoking a SCIM token are refused
// without the ticked box (400, a clear message, nothing changed) and done
// with it, followed by the success flash.
func TestIrreversibleActionsNeedConfirmation(t *testing.T) {
	a := newTestApp(t, nil)
	admin := a.staffBrowser("ada@example.com", store.RoleAdmin)
	ctx := context.Background()
	const refused = "Please tick the box to confirm: this step cannot be undone. Nothing was changed."

	// Erase.
	a.employee("Erik Erase", "erik@example.com", "")
	u, _ := a.db.UserByEmail(ctx, "erik@example.com")
	path := fmt.Sprintf("/admin/users/%d", u.ID)
	if page := admin.get(path + "?lang=en"); !strings.Contains(page.body, `name="confirm" value="yes" required`) {
		t.Fatal("the erase form has no confirmation box")
	}
	r := admin.post(path+"/erase?lang=en", url.Values{"password": {"correct horse battery"}, "certificates": {"keep"}})
	if r.status != 400 || !strings.Contains(r.body, refused) || !strings.Contains(r.body, `aria-invalid="true"`) {
		t.Fatalf("erase without confirmation: %d", r.status)
	}
	if _, err := a.db.UserByID(ctx, u.ID); err != nil {
		t.Fatal("erased without confirmation")
	}
	if r := admin.post(path+"/erase", url.Values{"password": {"correct horse battery"}, "certificates": {"keep"}, "confirm": {"yes"}}); r.status != 303 || r.header.Get("Location") != "/admin" {
		t.Fatalf("erase: %d %q", r.status, r.header.Get("Location"))
	}
	if page := admin.get("/admin?lang=en"); !strings.Contains(page.body, "The account has been erased.") {
		t.Fatal("no flash after erasure")
	}

	// Revoke a certificate.
	tok := a.apiUser("zoe@example.com")
	id := passExam(t, a, tok)
	revoke := "/admin/certificates/" + id + "/revoke?lang=en"
	if r := admin.post(revoke, url.Values{"reason": {"issued in error"}}); r.status != 400 || !strings.Contains(r.body, refused) {
		t.Fatalf("revoke without confirmation: %d", r.status)
	}
	if c, _ := a.db.CertificateByID(ctx, id); c.Revoked() {
		t.Fatal("revoked without confirmation")
	}
	if r := admin.post(revoke, url.Values{"reason": {"issued in error"}, "confirm": {"yes"}}); r.status != 303 {
		t.Fatalf("revoke: %d", r.status)
	}
	if c, _ := a.db.CertificateByID(ctx, id); !c.Revoked() {
		t.Fatal("not revoked")
	}
	if page := admin.get("/admin/certificates?lang=de"); !strings.Contains(page.body, "Das Zertifikat wurde widerrufen.") {
		t.Fatal("no flash after revocation")
	}

	// Merge departments.
	a.employee("Sam Sales", "sam@example.com", "Sales")
	a.listDepartment("Vertrieb")
	if r := admin.post("/admin/departments?lang=en", url.Values{"op": {"merge"}, "from": {"Sales"}, "into": {"Vertrieb"}}); r.status != 400 || !strings.Contains(r.body, refused) {
		t.Fatalf("merge without confirmation: %d", r.status)
	}
	if u, _ := a.db.UserByEmail(ctx, "sam@example.com"); u.Department != "Sales" {
		t.Fatal("merged without confirmation")
	}
	if r := admin.post("/admin/departments", url.Values{"op": {"merge"}, "from": {"Sales"}, "into": {"Vertrieb"}, "confirm": {"yes"}}); r.status != 303 {
		t.Fatalf("merge: %d", r.status)
	}
	if u, _ := a.db.UserByEmail(ctx, "sam@example.com"); u.Department != "Vertrieb" {
		t.Fatal("not merged")
	}

	// Revoke a SCIM token.
	made := admin.post("/admin/scim/tokens?lang=en", url.Values{"name": {"Okta"}})
	m := regexpToken.FindStringSubmatch(made.body)
	if made.status != 201 || m == nil || !strings.Contains(made.body, `data-copy="scim-token"`) {
		t.Fatalf("token: %d", made.status)
	}
	list, _ := a.db.SCIMTokens(ctx)
	revokeToken := fmt.Sprintf("/admin/scim/tokens/%d/revoke?lang=en", list[0].ID)
	if r := admin.post(revokeToken, url.Values{}); r.status != 400 || !strings.Contains(r.body, refused) {
		t.Fatalf("token revoke without confirmation: %d", r.status)
	}
	if st, _ := (scimClient{a: a, token: m[1]}).do("GET", "/Users", ""); st != 200 {
		t.Fatalf("token dead without confirmation: %d", st)
	}
	if r := admin.post(revokeToken, url.Values{"confirm": {"yes"}}); r.status != 303 {
		t.Fatalf("token revoke: %d", r.status)
	}
	if st, _ := (scimClient{a: a, token: m[1]}).do("GET", "/Users", ""); st != 401 {
		t.Fatalf("revoked token still works: %d", st)
	}
	if page := admin.get("/admin/scim?lang=en"); !strings.Contains(page.body, "The SCIM token has been revoked") {
		t.Fatal("no flash after the token's revocation")
	}
}

// TestRegistrationPicksListedDepartment: without a list the form has no
// department field and the API refuses any department; with a list the
// form offers it as a select, and an unlisted one is refused with a clear
// message (form) or 400 unknown_department (API), creating nothing.
func TestRegistrationPicksListedDepartment(t *testing.T) {
	a := newTestApp(t, nil)
	ctx := context.Background()
	if page := a.browser().get("/register?lang=en"); page.status != 200 || strings.Contains(page.body, `name="department"`) {
		t.Fatalf("department field without a list: %d", page.status)
	}
	in := map[string]any{"name": "Una Known", "email": "una@example.com", "password": "correct horse battery", "department": "Vertrieb"}
	if r := a.do(req{method: "POST", path: "/api/v1/register", json: in}); r.status != 400 || apiErrorCode(t, r.body) != "unknown_department" {
		t.Fatalf("API with a department and no list: %d %s", r.status, r.body)
	}
	delete(in, "department")
	if r := a.do(req{method: "POST", path: "/api/v1/register", json: in}); r.status != 201 {
		t.Fatalf("API without a department: %d %s", r.status, r.body)
	}

	a.listDepartment("Vertrieb")
	a.listDepartment("Lager")
	b := a.browser()
	page := b.get("/register?lang=en")
	if !strings.Contains(page.body, `<select id="f-department" name="department">`) || !strings.Contains(page.body, `<option value="Vertrieb">Vertrieb</option>`) {
		t.Fatalf("no department select:\n%s", page.body)
	}
	form := url.Values{"name": {"Vico Typo"}, "email": {"vico@example.com"}, "password": {"correct horse battery"}, "department": {"Vetrieb"}}
	r := b.post("/register?lang=en", form)
	if r.status != 400 || !strings.Contains(r.body, "This department is not in the organisation&#39;s list.") || !strings.Contains(r.body, `aria-invalid="true"`) {
		t.Fatalf("unlisted department: %d\n%s", r.status, r.body)
	}
	if _, err := a.db.UserByEmail(ctx, "vico@example.com"); err == nil {
		t.Fatal("an account was created with an unlisted department")
	}
	if known, _, _ := a.db.DepartmentPeople(ctx, "Vetrieb"); known {
		t.Fatal("the typo was listed")
	}
	in = map[string]any{"name": "Vico Typo", "email": "vico@example.com", "password": "correct horse battery", "department": "Vetrieb"}
	if r := a.do(req{method: "POST", path: "/api/v1/register", json: in}); r.status != 400 || apiErrorCode(t, r.body) != "unknown_department" ||
		!strings.Contains(r.body, `"department":"unknown_department"`) {
		t.Fatalf("API unlisted department: %d %s", r.status, r.body)
	}
	form.Set("department", "Vertrieb")
	if r := b.post("/register", form); r.status != 303 {
		t.Fatalf("listed department: %d", r.status)
	}
	if u, _ := a.db.UserByEmail(ctx, "vico@example.com"); u.Department != "Vertrieb" {
		t.Fatalf("department %q", u.Department)
	}
	if de := a.browser().get("/register?lang=de"); !strings.Contains(de.body, "(keine Abteilung)") {
		t.Fatal("German select has no empty choice")
	}
}

// TestAdminChecklist: the getting-started list on /admin follows the
// stored data step by step (people, assignment, invitations) and folds
// away when all is done; each step links to its page.
func TestAdminChecklist(t *testing.T) {
	a := newTestApp(t, nil)
	admin := a.staffBrowser("ada@example.com", store.RoleAdmin)
	steps := func() (open bool, done []string) {
		t.Helper()
		body := admin.get("/admin?lang=en").body
		i := strings.Index(body, `<details class="card checklist" id="getting-started"`)
		if i < 0 {
			t.Fatalf("no checklist:\n%s", body)
		}
		box := body[i : i+strings.Index(body[i:], "</details>")]
		for _, s := range []struct{ name, href string }{{"organisation", organisationSettingsPath}, {"people", "/admin#import-h"},
			{"assign", "/hr#assignments"}, {"invite", "/hr?status=invited#people"}} {
			j := strings.Index(box, `href="`+s.href+`"`)
			if j < 0 {
				t.Fatalf("no link to %s:\n%s", s.href, box)
			}
			li := box[strings.LastIndex(box[:j], "<li"):j]
			if strings.Contains(li, `class="done"`) {
				done = append(done, s.name)
			}
		}
		return strings.Contains(box[:strings.Index(box, ">")], " open"), done
	}
	// The test issuer is named ("Muster GmbH"): only that step is done.
	if open, done := steps(); !open || strings.Join(done, ",") != "organisation" {
		t.Fatalf("fresh: open=%v done=%v", open, done)
	}
	var csv bytes.Buffer
	ct := multipartWriter(&csv, map[string]string{"_csrf": admin.csrf}, "file", "people.csv",
		[]byte("email,name,department,role\nina@example.com,Ina Neu,Vertrieb,employee\n"))
	if r := admin.send(req{method: "POST", path: "/admin/import", raw: csv.String(), rawType: ct}); r.status != 200 {
		t.Fatalf("import: %d %s", r.status, r.body)
	}
	if _, done := steps(); strings.Join(done, ",") != "organisation,people" {
		t.Fatalf("after import: %v", done)
	}
	if r := admin.post("/hr/assignments", url.Values{"course": {courseID}, "scope": {"all"}, "due_at": {"2099-12-31"}}); r.status != 303 {
		t.Fatalf("assign: %d %s", r.status, r.body)
	}
	if page := admin.get("/hr?lang=en"); !strings.Contains(page.body, flashBox+"<p>Course assigned.</p></div>") {
		t.Fatal("no flash after the assignment")
	}
	if _, done := steps(); strings.Join(done, ",") != "organisation,people,assign" {
		t.Fatalf("after assign: %v", done)
	}
	// Without a mail server the invitations come as a list of links.
	if r := admin.post("/hr/invitations", url.Values{"all": {"1"}, "course": {courseID}}); r.status != 200 || !strings.Contains(r.body, "/invite?token=") {
		t.Fatalf("invitations: %d %s", r.status, r.body)
	}
	open, done := steps()
	if open || len(done) != 4 {
		t.Fatalf("all done: open=%v done=%v", open, done)
	}
	if page := admin.get("/admin?lang=de"); !strings.Contains(page.body, "Alles erledigt") || !strings.Contains(page.body, "4 von 4 erledigt") {
		t.Fatal("German checklist")
	}
}

// TestChecklistInviteStepByJoining: an admin who hands out the links
// shown at the import sees the "invitations" step ticked once someone has
// used theirs, without sending invitations from the dashboard.
func TestChecklistInviteStepByJoining(t *testing.T) {
	a := newTestApp(t, nil)
	admin := a.staffBrowser("ada@example.com", store.RoleAdmin)
	inviteDone := func() bool {
		t.Helper()
		body := admin.get("/admin?lang=en").body
		j := strings.Index(body, `href="/hr?status=invited#people"`)
		if j < 0 {
			t.Fatal("no invitations step")
		}
		return strings.Contains(body[strings.LastIndex(body[:j], "<li"):j], `class="done"`)
	}
	var csv bytes.Buffer
	ct := multipartWriter(&csv, map[string]string{"_csrf": admin.csrf}, "file", "people.csv",
		[]byte("email,name,department,role\nina@example.com,Ina Neu,Vertrieb,employee\n"))
	r := admin.send(req{method: "POST", path: "/admin/import", raw: csv.String(), rawType: ct})
	m := regexp.MustCompile(`/invite\?token=([A-Za-z0-9_-]+)`).FindStringSubmatch(r.body)
	if r.status != 200 || m == nil {
		t.Fatalf("import: %d, no invitation link", r.status)
	}
	if inviteDone() {
		t.Fatal("the step is done before anyone joined")
	}
	ina := a.browser()
	ina.get("/invite?token=" + m[1])
	if r := ina.post("/invite", url.Values{"token": {m[1]}, "password": {"ina's long password"}}); r.status != 303 {
		t.Fatalf("accept invitation: %d %s", r.status, r.body)
	}
	if !inviteDone() {
		t.Fatal("the step is not done after Ina joined with her link")
	}
}
