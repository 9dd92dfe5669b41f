package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"kipass/certificates"
	"kipass/courses"
	kapp "kipass/internal/app"
	"kipass/internal/auth"
	"kipass/internal/sso"
	"kipass/internal/store"
)

// newSCIMApp is the test app with SCIM groups mapped to roles
// (kipass-hr, kipass-admins) and departments (dept-NAME).
func newSCIMApp(t *testing.T) *testApp {
	t.Helper()
	db, err := store.Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	base, _ := url.Parse("http://kipass.test")
	cfg := Config{BaseURL: base}
	logs := &bytes.Buffer{}
	ta := &testApp{t: t, db: db, log: logs, now: time.Now}
	cat := realCatalog(t)
	ks, err := certificates.OpenKeyStore(filepath.Join(t.TempDir(), "keys"), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	ta.signer = &Signer{Keys: func() *certificates.KeyStore { return ks }, Issuer: certificates.Issuer{Name: "Muster GmbH", URL: base.String()}}
	ta.hasher = auth.NewHasher(auth.Params{Memory: 64, Time: 1, Threads: 1}, 4)
	uc := kapp.New(kapp.Deps{Config: cfg.Config, Attempts: db, Certificates: db, Accounts: db, Reports: db, Assignments: db, Audit: db,
		Sessions: db, Tokens: db, Directory: db, Hasher: ta.hasher, Catalog: func() *courses.Catalog { return cat }})
	roles, _ := sso.ParseRoles("hr=kipass-hr,admin=kipass-admins")
	srv, err := NewServer(Deps{Config: cfg, App: uc, SCIM: uc.SCIM(db, kapp.SCIMConfig{Roles: roles, DepartmentPrefix: "dept-"}),
		Logger: slog.New(slog.NewTextHandler(logs, nil)), Catalog: func() *courses.Catalog { return cat }, Signer: ta.signer})
	if err != nil {
		t.Fatal(err)
	}
	ta.app = srv.app
	return ta
}

var regexpToken = regexp.MustCompile(`<code class="token"[^>]*>([^<]+)</code>`)

// scimClient sends SCIM requests as an identity provider does.
type scimClient struct {
	a     *testApp
	token string
}

func (c scimClient) do(method, path, body string) (int, map[string]any) {
	c.a.t.Helper()
	r := httptest.NewRequest(method, "/scim/v2"+path, strings.NewReader(body))
	if body != "" {
		r.Header.Set("Content-Type", "application/scim+json")
	}
	if c.token != "" {
		r.Header.Set("Authorization", "Bearer "+c.token)
	}
	res, err := c.a.app.Test(r, -1)
	if err != nil {
		c.a.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	var out map[string]any
	if len(b) > 0 {
		if err := json.Unmarshal(b, &out); err != nil {
			c.a.t.Fatalf("%s %s: %d, not JSON: %s", method, path, res.StatusCode, b)
		}
		if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/scim+json") {
			c.a.t.Fatalf("%s %s: content type %q", method, path, ct)
		}
	}
	if res.StatusCode >= 500 {
		c.a.t.Fatalf("%s %s: %d %s", method, path, res.StatusCode, b)
	}
	return res.StatusCode, out
}

// scimToken creates a SCIM token through the admin API.
func scimToken(t *testing.T, a *testApp, admin string) (int64, string) {
	t.Helper()
	r := a.do(req{method: "POST", path: "/api/v1/admin/scim/tokens", bearer: admin, json: map[string]any{"name": "Entra ID"}})
	var out struct {
		ID    int64  `json:"id"`
		Token string `json:"token"`
	}
	if r.status != 201 || json.Unmarshal([]byte(r.body), &out) != nil || out.ID == 0 || len(out.Token) < 32 {
		t.Fatalf("create token: %d %s", r.status, r.body)
	}
	return out.ID, out.Token
}

func isSCIMError(m map[string]any, status string) bool {
	s, _ := m["schemas"].([]any)
	return len(s) == 1 && s[0] == "urn:ietf:params:scim:api:messages:2.0:Error" && m["status"] == status
}

func (a *testApp) account(email string) store.User {
	a.t.Helper()
	u, err := a.db.UserByEmail(context.Background(), email)
	if err != nil {
		a.t.Fatalf("%s: %v", email, err)
	}
	return u
}

// TestSCIMEntraIDSequence replays what Microsoft Entra ID's provisioning
// service sends (its documented request flow and its validator's quirks).
func TestSCIMEntraIDSequence(t *testing.T) {
	a := newSCIMApp(t)
	admin := a.makeUser("ada@example.com", store.RoleAdmin)
	tokenID, token := scimToken(t, a, admin)
	c := scimClient{a: a, token: token}
	ctx := context.Background()

	st, list := c.do("GET", `/Users?filter=userName+eq+%22Erika.Muster%40example.com%22`, "")
	if st != 200 || list["totalResults"] != 0.0 {
		t.Fatalf("lookup before create: %d %v", st, list)
	}
	st, u := c.do("POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
		"externalId":"0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef","userName":"Erika.Muster@example.com","active":true,
		"emails":[{"primary":true,"type":"work","value":"Erika.Muster@example.com"}],"meta":{"resourceType":"User"},
		"name":{"formatted":"Erika Muster","familyName":"Muster","givenName":"Erika"},"roles":[],
		"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"Vertrieb"}}`)
	id, _ := u["id"].(string)
	if st != 201 || id == "" || u["userName"] != "erika.muster@example.com" {
		t.Fatalf("create: %d %v", st, u)
	}
	acc := a.account("erika.muster@example.com")
	if acc.Name != "Erika Muster" || acc.Department != "Vertrieb" || acc.Role != store.RoleEmployee || !acc.Active {
		t.Fatalf("account %+v", acc)
	}
	if page := a.do(req{method: "GET", path: "/admin", bearer: admin}); !strings.Contains(page.body, "Erika Muster") {
		t.Fatal("the provisioned account is not on /admin")
	}
	if st, list = c.do("GET", `/Users?filter=userName+eq+%22erika.muster%40example.com%22`, ""); st != 200 || list["totalResults"] != 1.0 {
		t.Fatalf("lookup after create: %d %v", st, list)
	}
	if st, _ = c.do("GET", "/Users/"+id, ""); st != 200 {
		t.Fatalf("get: %d", st)
	}
	// Department by the extension's full path, op in Entra's case.
	st, _ = c.do("PATCH", "/Users/"+id, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[
		{"op":"Replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department","value":"Einkauf"}]}`)
	if st != 200 || a.account("erika.muster@example.com").Department != "Einkauf" {
		t.Fatalf("patch department: %d %+v", st, a.account("erika.muster@example.com"))
	}
	// Deactivate with "False" as a string: the account is off and its
	// sessions have ended.
	if err := a.db.CreateSession(ctx, []byte("erika-session-hash-0123456789abc"), acc.ID, kapp.SessionBrowser, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	st, _ = c.do("PATCH", "/Users/"+id, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"active","value":"False"}]}`)
	exp, _ := a.db.ExportUser(ctx, acc.ID)
	if st != 200 || a.account("erika.muster@example.com").Active || len(exp.Sessions) != 0 {
		t.Fatalf("deactivate: %d, sessions %d", st, len(exp.Sessions))
	}
	st, _ = c.do("PATCH", "/Users/"+id, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"active","value":"True"}]}`)
	if st != 200 || !a.account("erika.muster@example.com").Active {
		t.Fatalf("reactivate: %d", st)
	}
	// Delete: deactivated, gone for SCIM; retention erases it later.
	if st, _ = c.do("DELETE", "/Users/"+id, ""); st != 204 {
		t.Fatalf("delete: %d", st)
	}
	if st, _ = c.do("GET", "/Users/"+id, ""); st != 404 {
		t.Fatalf("get after delete: %d", st)
	}
	if acc := a.account("erika.muster@example.com"); acc.Active || acc.DeactivatedAt == 0 {
		t.Fatalf("after delete %+v", acc)
	}
	// Every change is in the audit log, by the SCIM client.
	entries, _, _ := a.db.AuditLog(ctx, kapp.AuditFilter{SubjectID: acc.ID})
	var actions []string
	for i := len(entries) - 1; i >= 0; i-- {
		if entries[i].ActorRole != kapp.RoleSCIM || !strings.HasPrefix(entries[i].Detail, fmt.Sprintf("scim token %d", tokenID)) {
			t.Fatalf("audit entry %+v", entries[i])
		}
		actions = append(actions, entries[i].Action+": "+strings.TrimPrefix(entries[i].Detail, fmt.Sprintf("scim token %d", tokenID)))
	}
	want := `account.created: ; role employee|account.updated: : department "Vertrieb" -> "Einkauf"|account.updated: : deactivated|account.updated: : reactivated|account.scim_deleted: : deactivated`
	if got := strings.Join(actions, "|"); got != want {
		t.Fatalf("audit:\n%s\nwant\n%s", got, want)
	}
	if page := a.do(req{method: "GET", path: "/admin/audit", bearer: admin}); page.status != 200 || !strings.Contains(page.body, "account.scim_deleted") {
		t.Fatalf("audit page: %d", page.status)
	}
}

// TestSCIMOktaSequence replays Okta's provisioning: create, deactivate by
// PUT, reactivate by PATCH without a path, and group pushes that map to
// roles and departments.
func TestSCIMOktaSequence(t *testing.T) {
	a := newSCIMApp(t)
	admin := a.makeUser("ada@example.com", store.RoleAdmin)
	_, token := scimToken(t, a, admin)
	c := scimClient{a: a, token: token}

	st, list := c.do("GET", `/Users?filter=userName%20eq%20%22john.doe%40example.com%22&startIndex=1&count=100`, "")
	if st != 200 || list["totalResults"] != 0.0 {
		t.Fatalf("lookup: %d %v", st, list)
	}
	user := `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"john.doe@example.com","name":{"givenName":"John","familyName":"Doe"},
		"emails":[{"primary":true,"value":"john.doe@example.com","type":"work"}],"displayName":"John Doe","locale":"en-US","externalId":"00ujl29u0le5T6Aj10h7",
		"groups":[],"password":"1mz050nq","active":%s}`
	st, u := c.do("POST", "/Users", fmt.Sprintf(user, "true"))
	id, _ := u["id"].(string)
	if st != 201 || id == "" || a.account("john.doe@example.com").Name != "John Doe" {
		t.Fatalf("create: %d %v", st, u)
	}
	if st, _ = c.do("PUT", "/Users/"+id, fmt.Sprintf(user, "false")); st != 200 || a.account("john.doe@example.com").Active {
		t.Fatalf("deactivate by PUT: %d", st)
	}
	if st, _ = c.do("PATCH", "/Users/"+id, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"active":true}}]}`); st != 200 || !a.account("john.doe@example.com").Active {
		t.Fatalf("reactivate: %d", st)
	}
	// Group push: HR by group, department by a dept- group.
	st, g := c.do("POST", "/Groups", fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"kipass-hr","members":[{"value":%q,"display":"john.doe@example.com"}]}`, id))
	gid, _ := g["id"].(string)
	if st != 201 || gid == "" || a.account("john.doe@example.com").Role != store.RoleHR {
		t.Fatalf("HR group: %d %v %+v", st, g, a.account("john.doe@example.com"))
	}
	if st, _ = c.do("POST", "/Groups", fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"dept-Personal","members":[{"value":%q}]}`, id)); st != 201 || a.account("john.doe@example.com").Department != "Personal" {
		t.Fatalf("department group: %d %+v", st, a.account("john.doe@example.com"))
	}
	if st, g = c.do("GET", "/Groups/"+gid, ""); st != 200 || len(g["members"].([]any)) != 1 {
		t.Fatalf("get group: %d %v", st, g)
	}
	st, gm := c.do("PATCH", "/Groups/"+gid, fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"remove","path":"members[value eq \"%s\"]"}]}`, id))
	if st != 204 || a.account("john.doe@example.com").Role != store.RoleEmployee {
		t.Fatalf("leave HR group: %d %v %+v", st, gm, a.account("john.doe@example.com"))
	}
	if st, _ = c.do("DELETE", "/Groups/"+gid, ""); st != 204 {
		t.Fatalf("delete group: %d", st)
	}
	if st, _ = c.do("DELETE", "/Users/"+id, ""); st != 204 || a.account("john.doe@example.com").Active {
		t.Fatalf("delete user: %d", st)
	}
}

// TestSCIMBadInput: wrong and revoked tokens, malformed filters, bodies
// over the limit, a userName that is not an email and a duplicate
// externalId get 4xx with SCIM error bodies, and change nothing.
func TestSCIMBadInput(t *testing.T) {
	a := newSCIMApp(t)
	admin := a.makeUser("ada@example.com", store.RoleAdmin)
	tokenID, token := scimToken(t, a, admin)
	c := scimClient{a: a, token: token}
	for _, tc := range []struct {
		name, method, path, body, status string
		client                           scimClient
	}{
		{"no token", "GET", "/Users", "", "401", scimClient{a: a}},
		{"wrong token", "GET", "/Users", "", "401", scimClient{a: a, token: "not-a-token"}},
		{"kipass API token", "GET", "/Users", "", "401", scimClient{a: a, token: admin}},
		{"malformed filter", "GET", `/Users?filter=userName+eq`, "", "400", c},
		{"unsupported filter", "GET", `/Users?filter=userName+sw+%22a%22`, "", "400", c},
		{"not an email", "POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"jdoe","active":true}`, "400", c},
		{"bidi name", "POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"x@example.com","displayName":"Ev\u202eil","active":true}`, "400", c},
		{"oversized", "POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"big@example.com","displayName":"` + strings.Repeat("a", 2<<20) + `"}`, "413", c},
		{"broken JSON", "POST", "/Users", `{"schemas":`, "400", c},
	} {
		st, body := tc.client.do(tc.method, tc.path, tc.body)
		if fmt.Sprint(st) != tc.status || !isSCIMError(body, tc.status) {
			t.Errorf("%s: %d %v", tc.name, st, body)
		}
	}
	if _, err := a.db.UserByEmail(context.Background(), "x@example.com"); err == nil {
		t.Fatal("a refused create made an account")
	}
	body := `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"%s","externalId":"ext-1","active":true}`
	if st, _ := c.do("POST", "/Users", fmt.Sprintf(body, "one@example.com")); st != 201 {
		t.Fatalf("first: %d", st)
	}
	if st, m := c.do("POST", "/Users", fmt.Sprintf(body, "two@example.com")); st != 409 || m["scimType"] != "uniqueness" {
		t.Fatalf("duplicate externalId: %d %v", st, m)
	}
	if _, err := a.db.UserByEmail(context.Background(), "two@example.com"); err == nil {
		t.Fatal("a duplicate externalId made an account")
	}
	// Revoked: the token stops working at once.
	if r := a.do(req{method: "DELETE", path: fmt.Sprintf("/api/v1/admin/scim/tokens/%d", tokenID), bearer: admin}); r.status != 204 {
		t.Fatalf("revoke: %d %s", r.status, r.body)
	}
	if st, m := c.do("GET", "/Users", ""); st != 401 || !isSCIMError(m, "401") {
		t.Fatalf("revoked token: %d %v", st, m)
	}
	if r := a.do(req{method: "DELETE", path: fmt.Sprintf("/api/v1/admin/scim/tokens/%d", tokenID), bearer: admin}); r.status != 404 {
		t.Fatalf("revoke twice: %d", r.status)
	}
	// Only admins make tokens; the token is never stored in the clear.
	hr := a.makeUser("hr@example.com", store.RoleHR)
	if r := a.do(req{method: "POST", path: "/api/v1/admin/scim/tokens", bearer: hr, json: map[string]any{"name": "x"}}); r.status != 403 {
		t.Fatalf("HR made a token: %d", r.status)
	}
	if r := a.do(req{method: "POST", path: "/api/v1/admin/scim/tokens", bearer: admin, json: map[string]any{"name": ""}}); r.status != 400 {
		t.Fatalf("token without a name: %d", r.status)
	}
	if got, _ := a.db.SCIMTokens(context.Background()); len(got) != 1 || got[0].RevokedAt == 0 {
		t.Fatalf("tokens %+v", got)
	}
	for _, e := range []string{"one@example.com", token} {
		if strings.Contains(a.log.String(), e) {
			t.Fatalf("the log holds %q", e)
		}
	}
}

// TestSCIMTokensOnAdminPage: an admin creates a token on /admin/scim, sees
// it once, and revokes it there.
func TestSCIMTokensOnAdminPage(t *testing.T) {
	a := newSCIMApp(t)
	admin := a.makeUser("ada@example.com", store.RoleAdmin)
	page := a.do(req{method: "GET", path: "/admin/scim", bearer: admin})
	if page.status != 200 || !strings.Contains(page.body, "http://kipass.test/scim/v2") {
		t.Fatalf("page: %d", page.status)
	}
	made := a.do(req{method: "POST", path: "/admin/scim/tokens", bearer: admin, form: url.Values{"name": {"Okta"}}})
	m := regexpToken.FindStringSubmatch(made.body)
	if made.status != 201 || m == nil {
		t.Fatalf("create on the page: %d\n%s", made.status, made.body)
	}
	if st, _ := (scimClient{a: a, token: m[1]}).do("GET", "/ServiceProviderConfig", ""); st != 200 {
		t.Fatalf("the new token: %d", st)
	}
	again := a.do(req{method: "GET", path: "/admin/scim", bearer: admin})
	if strings.Contains(again.body, m[1]) || !strings.Contains(again.body, "Okta") {
		t.Fatal("the token is shown again, or not listed")
	}
	list, _ := a.db.SCIMTokens(context.Background())
	if r := a.do(req{method: "POST", path: fmt.Sprintf("/admin/scim/tokens/%d/revoke", list[0].ID), bearer: admin, form: url.Values{"confirm": {"yes"}}}); r.status != 303 {
		t.Fatalf("revoke on the page: %d", r.status)
	}
	if st, _ := (scimClient{a: a, token: m[1]}).do("GET", "/Users", ""); st != 401 {
		t.Fatalf("revoked token: %d", st)
	}
}
