package scim

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
)

const testToken = "kps_test-token"

// client sends requests to a Handler the way the web layer will: path below /scim/v2,
// raw query, Authorization header and body.
type client struct {
	t     *testing.T
	h     *Handler
	svc   *memService
	token string
}

func newClient(t *testing.T) *client {
	t.Helper()
	svc := newMemService()
	h, err := NewHandler(Config{
		Service: svc,
		Authenticate: func(_ context.Context, token string) (string, bool) {
			return "token-1", token == testToken
		},
		BaseURL:      "https://kipass.example/scim/v2/",
		MaxBodyBytes: 64 << 10,
		MaxResults:   200,
	})
	if err != nil {
		t.Fatal(err)
	}
	return &client{t: t, h: h, svc: svc, token: testToken}
}

// do sends one request; target may carry a query ("/Users?filter=...", spaces allowed
// as providers send them encoded).
func (c *client) do(method, target, body string) Response {
	c.t.Helper()
	path, query, _ := strings.Cut(target, "?")
	if query != "" {
		vals := url.Values{}
		for _, kv := range strings.Split(query, "&") {
			k, v, _ := strings.Cut(kv, "=")
			vals.Add(k, v)
		}
		query = vals.Encode()
	}
	auth := ""
	if c.token != "" {
		auth = "Bearer " + c.token
	}
	resp := c.h.Serve(context.Background(), Request{Method: method, Path: path, RawQuery: query, Authorization: auth, Body: []byte(body)})
	if resp.Status >= 400 {
		checkErrorBody(c.t, resp)
	}
	if resp.Body != nil && resp.Header["Content-Type"] != ContentType {
		c.t.Errorf("%s %s: Content-Type %q", method, target, resp.Header["Content-Type"])
	}
	return resp
}

// want sends a request and fails unless it answers status; it returns the JSON body.
func (c *client) want(status int, method, target, body string) map[string]any {
	c.t.Helper()
	resp := c.do(method, target, body)
	if resp.Status != status {
		c.t.Fatalf("%s %s: status %d, want %d; body %s", method, target, resp.Status, status, resp.Body)
	}
	var m map[string]any
	if len(resp.Body) > 0 {
		if err := json.Unmarshal(resp.Body, &m); err != nil {
			c.t.Fatalf("%s %s: body is not a JSON object: %s", method, target, resp.Body)
		}
	}
	return m
}

// checkErrorBody asserts the RFC 7644 section 3.12 error shape.
func checkErrorBody(t *testing.T, resp Response) {
	t.Helper()
	var e struct {
		Schemas []string `json:"schemas"`
		Status  string   `json:"status"`
		Detail  string   `json:"detail"`
	}
	if err := json.Unmarshal(resp.Body, &e); err != nil || len(e.Schemas) != 1 || e.Schemas[0] != SchemaError ||
		e.Status != itoa(resp.Status) || e.Detail == "" {
		t.Errorf("status %d: not a SCIM error body: %s", resp.Status, resp.Body)
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

// get walks a decoded JSON value by keys and indexes: get(m, "emails", 0, "value").
func get(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[k]
		case int:
			l, _ := v.([]any)
			if k >= len(l) {
				return nil
			}
			v = l[k]
		}
	}
	return v
}

func wantField(t *testing.T, m map[string]any, want any, path ...any) {
	t.Helper()
	if got := get(m, path...); got != want {
		t.Errorf("%v = %#v, want %#v", path, got, want)
	}
}

func patchBody(ops ...string) string {
	return `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[` + strings.Join(ops, ",") + `]}`
}

// TestEntraIDSequence replays the requests Microsoft Entra ID's provisioning service
// documents (and its SCIM validator sends): look up, create, patch, deactivate with
// "False" as a string, reactivate, delete; then a group with members.
func TestEntraIDSequence(t *testing.T) {
	c := newClient(t)
	m := c.want(200, "GET", "/Users?filter=userName eq \"Ada.Lovelace@contoso.example\"", "")
	wantField(t, m, 0.0, "totalResults")
	if r, ok := m["Resources"].([]any); !ok || len(r) != 0 {
		t.Errorf("Resources = %#v, want []", m["Resources"])
	}

	m = c.want(201, "POST", "/Users", `{
	  "schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
	  "externalId":"0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
	  "userName":"Ada.Lovelace@contoso.example",
	  "active":true,
	  "emails":[{"primary":true,"type":"work","value":"ada@contoso.example"}],
	  "meta":{"resourceType":"User"},
	  "name":{"formatted":"Ada Lovelace","familyName":"Lovelace","givenName":"Ada"},
	  "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"Engineering"},
	  "roles":[]}`)
	id, _ := m["id"].(string)
	if id == "" {
		t.Fatalf("no id in %v", m)
	}
	wantField(t, m, "https://kipass.example/scim/v2/Users/"+id, "meta", "location")
	wantField(t, m, "User", "meta", "resourceType")
	wantField(t, m, "Engineering", SchemaEnterpriseUser, "department")

	c.want(200, "GET", "/Users/"+id, "")
	m = c.want(200, "GET", "/Users?filter=userName eq \"ada.lovelace@CONTOSO.example\"", "")
	wantField(t, m, 1.0, "totalResults")
	wantField(t, m, id, "Resources", 0, "id")
	m = c.want(200, "GET", "/Users?filter=emails[type eq \"work\"].value eq \"ADA@contoso.example\"", "")
	wantField(t, m, id, "Resources", 0, "id")
	m = c.want(200, "GET", "/Users?filter=externalId eq \"0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef\"", "")
	wantField(t, m, 1.0, "totalResults")
	m = c.want(200, "GET", "/Users?filter=externalId eq \"0A21F0F2-8D2A-4F8E-BF98-7363C4AED4EF\"", "")
	wantField(t, m, 0.0, "totalResults") // externalId is caseExact

	m = c.want(200, "PATCH", "/Users/"+id, patchBody(
		`{"op":"Replace","path":"emails[type eq \"work\"].value","value":"ada.l@contoso.example"}`,
		`{"op":"Replace","path":"name.familyName","value":"King"}`))
	wantField(t, m, "ada.l@contoso.example", "emails", 0, "value")
	wantField(t, m, "King", "name", "familyName")

	m = c.want(200, "PATCH", "/Users/"+id, patchBody(
		`{"op":"Add","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department","value":"Research"}`,
		`{"op":"Add","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager","value":"someone"}`,
		`{"op":"Add","path":"title","value":"Countess"}`))
	wantField(t, m, "Research", SchemaEnterpriseUser, "department")

	m = c.want(200, "PATCH", "/Users/"+id, patchBody(`{"op":"Replace","path":"active","value":"False"}`))
	wantField(t, m, false, "active")
	if len(c.svc.ended) != 1 || c.svc.ended[0] != id {
		t.Errorf("sessions ended for %v, want [%s]", c.svc.ended, id)
	}
	m = c.want(200, "PATCH", "/Users/"+id, patchBody(`{"op":"Replace","path":"active","value":"True"}`))
	wantField(t, m, true, "active")

	// Group with members, as Entra ID creates and updates it.
	m = c.want(201, "POST", "/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],
	  "externalId":"8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159","displayName":"kipass-hr","meta":{"resourceType":"Group"}}`)
	gid, _ := m["id"].(string)
	m = c.want(200, "GET", "/Groups?excludedAttributes=members&filter=displayName eq \"KIPASS-HR\"", "")
	wantField(t, m, 1.0, "totalResults")
	wantField(t, m, gid, "Resources", 0, "id")
	c.want(204, "PATCH", "/Groups/"+gid, patchBody(`{"op":"Add","path":"members","value":[{"$ref":null,"value":"`+id+`"}]}`))
	m = c.want(200, "GET", "/Groups/"+gid, "")
	wantField(t, m, id, "members", 0, "value")
	wantField(t, m, "https://kipass.example/scim/v2/Users/"+id, "members", 0, "$ref")
	m = c.want(200, "GET", "/Groups?filter=id eq \""+gid+"\" and members eq \""+id+"\"&attributes=id", "")
	wantField(t, m, 1.0, "totalResults") // Entra ID: is this the group's last member?
	m = c.want(200, "GET", "/Groups?filter=id eq \""+gid+"\" and members eq \"u999999\"&attributes=id", "")
	wantField(t, m, 0.0, "totalResults")
	m = c.want(200, "GET", "/Groups/"+gid+"?excludedAttributes=members", "")
	wantField(t, m, nil, "members")
	m = c.want(200, "GET", "/Users/"+id, "")
	wantField(t, m, gid, "groups", 0, "value")
	c.want(204, "PATCH", "/Groups/"+gid, patchBody(`{"op":"Remove","path":"members","value":[{"$ref":null,"value":"`+id+`"}]}`))
	m = c.want(200, "GET", "/Groups/"+gid, "")
	wantField(t, m, nil, "members")
	c.want(204, "PATCH", "/Groups/"+gid, patchBody(`{"op":"Replace","path":"displayName","value":"kipass-admins"}`))
	m = c.want(200, "GET", "/Groups/"+gid, "")
	wantField(t, m, "kipass-admins", "displayName")
	c.want(204, "DELETE", "/Groups/"+gid, "")
	c.want(404, "GET", "/Groups/"+gid, "")

	c.want(204, "DELETE", "/Users/"+id, "")
	c.want(404, "GET", "/Users/"+id, "")
	m = c.want(200, "GET", "/Users?filter=userName eq \"Ada.Lovelace@contoso.example\"", "")
	wantField(t, m, 0.0, "totalResults")
	if len(c.svc.ended) != 2 {
		t.Errorf("sessions ended %v, want the delete to end them again", c.svc.ended)
	}
}

// TestOktaSequence replays Okta's documented SCIM 2.0 requests: user exists check with
// paging, create (with a password kipass ignores), PUT update, deactivate and
// reactivate by path-less replace, and group name and membership changes.
func TestOktaSequence(t *testing.T) {
	c := newClient(t)
	m := c.want(200, "GET", "/Users?filter=userName eq \"test.user@okta.example\"&startIndex=1&count=100", "")
	wantField(t, m, 0.0, "totalResults")
	wantField(t, m, 1.0, "startIndex")

	create := `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"test.user@okta.example",
	  "name":{"givenName":"Test","familyName":"User"},
	  "emails":[{"primary":true,"value":"test.user@okta.example","type":"work"}],
	  "displayName":"Test User","locale":"en-US","externalId":"00ujl29u0le5T6Aj10h7","groups":[],
	  "password":"1mz050nq","active":true}`
	m = c.want(201, "POST", "/Users", create)
	id, _ := m["id"].(string)
	if strings.Contains(string(c.do("GET", "/Users/"+id, "").Body), "1mz050nq") {
		t.Error("the password came back")
	}
	wantField(t, m, "Test User", "displayName")

	m = c.want(200, "PUT", "/Users/"+id, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User",
	  "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],"id":"`+id+`",
	  "userName":"test.user@okta.example","name":{"givenName":"Another","familyName":"User"},
	  "emails":[{"primary":true,"value":"test.user@okta.example","type":"work"}],"displayName":"Another User",
	  "active":true,"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"Sales"}}`)
	wantField(t, m, "Another", "name", "givenName")
	wantField(t, m, "Sales", SchemaEnterpriseUser, "department")

	m = c.want(200, "PATCH", "/Users/"+id, patchBody(`{"op":"replace","value":{"active":false}}`))
	wantField(t, m, false, "active")
	if len(c.svc.ended) != 1 {
		t.Errorf("deactivation did not end sessions: %v", c.svc.ended)
	}
	m = c.want(200, "PATCH", "/Users/"+id, patchBody(`{"op":"replace","value":{"active":true}}`))
	wantField(t, m, true, "active")
	m = c.want(200, "PATCH", "/Users/"+id, patchBody(
		`{"op":"replace","value":{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"R&D"},"name":{"familyName":"Person"}}}`))
	wantField(t, m, "R&D", SchemaEnterpriseUser, "department")
	wantField(t, m, "Person", "name", "familyName")
	wantField(t, m, "Another", "name", "givenName")

	// Only attributes kipass does not keep: answered with the unchanged user.
	m = c.want(200, "PATCH", "/Users/"+id, patchBody(`{"op":"replace","value":{"title":"Boss","locale":"de-DE"}}`))
	wantField(t, m, "Person", "name", "familyName")
	// Okta may also deactivate by PUT with active false.
	m = c.want(200, "PUT", "/Users/"+id, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],
	  "userName":"test.user@okta.example","displayName":"Another User","active":false}`)
	wantField(t, m, false, "active")
	if len(c.svc.ended) != 2 {
		t.Errorf("PUT active=false did not end sessions: %v", c.svc.ended)
	}
	c.want(200, "PATCH", "/Users/"+id, patchBody(`{"op":"replace","value":{"active":true}}`))

	m = c.want(201, "POST", "/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Test SCIMv2","members":[]}`)
	gid, _ := m["id"].(string)
	c.want(204, "PATCH", "/Groups/"+gid, patchBody(`{"op":"replace","value":{"id":"`+gid+`","displayName":"Sales team"}}`))
	c.want(204, "PATCH", "/Groups/"+gid, patchBody(`{"op":"add","path":"members","value":[{"value":"`+id+`","display":"test.user@okta.example"}]}`))
	m = c.want(200, "GET", "/Groups/"+gid, "")
	wantField(t, m, "Sales team", "displayName")
	wantField(t, m, id, "members", 0, "value")
	c.want(204, "PATCH", "/Groups/"+gid, patchBody(`{"op":"remove","path":"members[value eq \"`+id+`\"]"}`))
	m = c.want(200, "GET", "/Groups/"+gid, "")
	wantField(t, m, nil, "members")
	c.want(204, "DELETE", "/Groups/"+gid, "")
	c.want(204, "DELETE", "/Users/"+id, "")
	c.want(404, "DELETE", "/Users/"+id, "")
}

// TestBadRequests: every bad request answers a 4xx with a SCIM error body and
// changes nothing.
func TestBadRequests(t *testing.T) {
	c := newClient(t)
	m := c.want(201, "POST", "/Users", `{"schemas":["`+SchemaUser+`"],"userName":"a@x.example","externalId":"ext-a"}`)
	id := m["id"].(string)
	c.want(201, "POST", "/Users", `{"schemas":["`+SchemaUser+`"],"userName":"b@x.example","externalId":"ext-b"}`)
	m = c.want(201, "POST", "/Groups", `{"schemas":["`+SchemaGroup+`"],"displayName":"g1"}`)
	gid := m["id"].(string)

	user := func(fields string) string { return `{"schemas":["` + SchemaUser + `"],` + fields + `}` }
	cases := []struct {
		name, method, target, body string
		status                     int
		scimType                   string
	}{
		{"userName not an email", "POST", "/Users", user(`"userName":"alice"`), 400, TypeInvalidValue},
		{"userName with display name", "POST", "/Users", user(`"userName":"Alice <alice@x.example>"`), 400, TypeInvalidValue},
		{"userName without domain dot", "POST", "/Users", user(`"userName":"alice@localhost"`), 400, TypeInvalidValue},
		{"userName missing", "POST", "/Users", user(`"displayName":"x"`), 400, TypeInvalidValue},
		{"userName a number", "POST", "/Users", user(`"userName":5`), 400, TypeInvalidValue},
		{"no schemas", "POST", "/Users", `{"userName":"c@x.example"}`, 400, TypeInvalidValue},
		{"not JSON", "POST", "/Users", `userName=c@x.example`, 400, TypeInvalidSyntax},
		{"JSON array", "POST", "/Users", `[{}]`, 400, TypeInvalidSyntax},
		{"active not boolean", "POST", "/Users", user(`"userName":"c@x.example","active":"maybe"`), 400, TypeInvalidValue},
		{"control character", "POST", "/Users", user(`"userName":"c@x.example","displayName":"a\u0007b"`), 400, TypeInvalidValue},
		{"huge displayName", "POST", "/Users", user(`"userName":"c@x.example","displayName":"` + strings.Repeat("x", 300) + `"`), 400, TypeInvalidValue},
		{"duplicate userName", "POST", "/Users", user(`"userName":"A@X.example"`), 409, TypeUniqueness},
		{"duplicate externalId", "POST", "/Users", user(`"userName":"c@x.example","externalId":"ext-a"`), 409, TypeUniqueness},
		{"PUT to another's userName", "PUT", "/Users/" + id, user(`"userName":"b@x.example"`), 409, TypeUniqueness},
		{"PATCH to another's externalId", "PATCH", "/Users/" + id, patchBody(`{"op":"replace","path":"externalId","value":"ext-b"}`), 409, TypeUniqueness},
		{"PATCH userName not email", "PATCH", "/Users/" + id, patchBody(`{"op":"replace","path":"userName","value":"nobody"}`), 400, TypeInvalidValue},
		{"PATCH userName null", "PATCH", "/Users/" + id, patchBody(`{"op":"replace","path":"userName","value":null}`), 400, TypeInvalidValue},
		{"PATCH remove userName", "PATCH", "/Users/" + id, patchBody(`{"op":"remove","path":"userName"}`), 400, TypeMutability},
		{"PATCH op move", "PATCH", "/Users/" + id, patchBody(`{"op":"move","path":"active","value":false}`), 400, TypeInvalidSyntax},
		{"PATCH no schemas", "PATCH", "/Users/" + id, `{"Operations":[{"op":"replace","path":"active","value":false}]}`, 400, TypeInvalidValue},
		{"PATCH no operations", "PATCH", "/Users/" + id, patchBody(), 400, TypeInvalidValue},
		{"PATCH remove without path", "PATCH", "/Users/" + id, patchBody(`{"op":"remove"}`), 400, TypeNoTarget},
		{"PATCH unknown attribute", "PATCH", "/Users/" + id, patchBody(`{"op":"replace","path":"shoeSize","value":"42"}`), 400, TypeInvalidPath},
		{"PATCH unknown extension attribute", "PATCH", "/Users/" + id, patchBody(`{"op":"replace","path":"` + SchemaEnterpriseUser + `:shoeSize","value":"42"}`), 400, TypeInvalidPath},
		{"PATCH active maybe", "PATCH", "/Users/" + id, patchBody(`{"op":"replace","path":"active","value":"maybe"}`), 400, TypeInvalidValue},
		{"PATCH active null", "PATCH", "/Users/" + id, patchBody(`{"op":"replace","value":{"active":null}}`), 400, TypeInvalidValue},
		{"PATCH no-path value not object", "PATCH", "/Users/" + id, patchBody(`{"op":"replace","value":false}`), 400, TypeInvalidValue},
		{"PATCH emails filter co", "PATCH", "/Users/" + id, patchBody(`{"op":"replace","path":"emails[value co \"x\"].value","value":"a@x.example"}`), 400, TypeInvalidFilter},
		{"PATCH unbalanced path", "PATCH", "/Users/" + id, patchBody(`{"op":"replace","path":"emails[type eq \"work\".value","value":"a@x.example"}`), 400, TypeInvalidPath},
		{"PATCH department a number", "PATCH", "/Users/" + id, patchBody(`{"op":"replace","path":"` + SchemaEnterpriseUser + `:department","value":7}`), 400, TypeInvalidValue},
		{"PATCH unknown user", "PATCH", "/Users/nope", patchBody(`{"op":"replace","path":"active","value":false}`), 404, ""},
		{"PATCH group unknown member", "PATCH", "/Groups/" + gid, patchBody(`{"op":"add","path":"members","value":[{"value":"nobody"}]}`), 400, TypeInvalidValue},
		{"PATCH group members filter on add", "PATCH", "/Groups/" + gid, patchBody(`{"op":"add","path":"members[value eq \"x\"]","value":[]}`), 400, TypeInvalidPath},
		{"PATCH group members not a list", "PATCH", "/Groups/" + gid, patchBody(`{"op":"add","path":"members","value":"u1"}`), 400, TypeInvalidValue},
		{"group without name", "POST", "/Groups", `{"schemas":["` + SchemaGroup + `"]}`, 400, TypeInvalidValue},
		{"duplicate group name", "POST", "/Groups", `{"schemas":["` + SchemaGroup + `"],"displayName":"G1"}`, 409, TypeUniqueness},
		{"filter co", "GET", `/Users?filter=userName co "a"`, "", 400, TypeInvalidFilter},
		{"filter or", "GET", `/Users?filter=userName eq "a" or userName eq "b"`, "", 400, TypeInvalidFilter},
		{"filter unquoted", "GET", `/Users?filter=userName eq a@x.example`, "", 400, TypeInvalidFilter},
		{"filter unknown attribute", "GET", `/Users?filter=title eq "x"`, "", 400, TypeInvalidFilter},
		{"filter userName on groups", "GET", `/Groups?filter=userName eq "x"`, "", 400, TypeInvalidFilter},
		{"filter unterminated", "GET", `/Users?filter=userName eq "a`, "", 400, TypeInvalidFilter},
		{"filter parentheses", "GET", `/Users?filter=(userName eq "a")`, "", 400, TypeInvalidFilter},
		{"filter too long", "GET", `/Users?filter=userName eq "` + strings.Repeat("a", 2000) + `"`, "", 400, TypeInvalidFilter},
		{"startIndex not a number", "GET", "/Users?startIndex=abc", "", 400, TypeInvalidValue},
		{"count not a number", "GET", "/Users?count=1e3", "", 400, TypeInvalidValue},
		{"oversized body", "POST", "/Users", user(`"userName":"c@x.example","displayName":"` + strings.Repeat("x", 70<<10) + `"`), 413, ""},
		{"oversized PATCH", "PATCH", "/Groups/" + gid, strings.Repeat(" ", 65<<10) + patchBody(), 413, ""},
		{"unknown endpoint", "GET", "/Accounts", "", 404, ""},
		{"too deep", "GET", "/Users/a/b", "", 404, ""},
		{"method", "POST", "/Users/" + id, "{}", 405, ""},
		{"bulk", "POST", "/Bulk", "{}", 501, ""},
		{"root", "GET", "/", "", 404, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c.t = t
			resp := c.do(tc.method, tc.target, tc.body)
			if resp.Status != tc.status {
				t.Fatalf("status %d, want %d: %s", resp.Status, tc.status, resp.Body)
			}
			var e struct{ ScimType string }
			json.Unmarshal(resp.Body, &e)
			if e.ScimType != tc.scimType {
				t.Errorf("scimType %q, want %q: %s", e.ScimType, tc.scimType, resp.Body)
			}
		})
	}
	c.t = t
	if n := len(c.svc.users); n != 2 {
		t.Errorf("%d users after bad requests, want 2", n)
	}
	m = c.want(200, "GET", "/Users/"+id, "")
	wantField(t, m, "a@x.example", "userName")
	wantField(t, m, "ext-a", "externalId")
	wantField(t, m, true, "active")
}

// TestTokens: no token, a wrong one, another scheme: 401 with a SCIM error and a
// WWW-Authenticate challenge, before anything else is looked at.
func TestTokens(t *testing.T) {
	c := newClient(t)
	for _, auth := range []string{"", "Bearer", "Bearer ", "Bearer wrong", "Basic " + testToken, testToken, "Bearer  " + testToken + "x"} {
		resp := c.h.Serve(context.Background(), Request{Method: "POST", Path: "/Users", Authorization: auth,
			Body: []byte(strings.Repeat("x", 1<<20))})
		if resp.Status != 401 || resp.Header["WWW-Authenticate"] == "" {
			t.Errorf("Authorization %q: status %d, headers %v", auth, resp.Status, resp.Header)
		}
		checkErrorBody(t, resp)
	}
	for _, auth := range []string{"Bearer " + testToken, "bearer " + testToken, "BEARER  " + testToken + " "} {
		if resp := c.h.Serve(context.Background(), Request{Method: "GET", Path: "/Users", Authorization: auth}); resp.Status != 200 {
			t.Errorf("Authorization %q: status %d", auth, resp.Status)
		}
	}
}

// TestClientIDReachesService: the token's id is in the Service's context for audit.
func TestClientIDReachesService(t *testing.T) {
	var got string
	svc := &ctxService{memService: newMemService(), seen: &got}
	h, err := NewHandler(Config{Service: svc, Authenticate: func(context.Context, string) (string, bool) { return "tok-7", true }})
	if err != nil {
		t.Fatal(err)
	}
	h.Serve(context.Background(), Request{Method: "GET", Path: "/Users/x", Authorization: "Bearer t"})
	if got != "tok-7" {
		t.Errorf("ClientID = %q, want tok-7", got)
	}
}

type ctxService struct {
	*memService
	seen *string
}

func (s *ctxService) GetUser(ctx context.Context, id string) (User, error) {
	*s.seen = ClientID(ctx)
	return s.memService.GetUser(ctx, id)
}

// TestServiceErrors: an *Error passes through, an unknown error is a 500 without its
// text, a timeout is a 503.
func TestServiceErrors(t *testing.T) {
	for _, tc := range []struct {
		err    error
		status int
	}{
		{Errorf(400, TypeInvalidValue, "name has bidi controls"), 400},
		{errString("store: disk on fire at /var/lib/kipass"), 500},
		{context.DeadlineExceeded, 503},
		{&Error{Status: 200, Detail: "not an error status"}, 500},
	} {
		svc := &failService{memService: newMemService(), err: tc.err}
		h, _ := NewHandler(Config{Service: svc, Authenticate: func(context.Context, string) (string, bool) { return "t", true }})
		resp := h.Serve(context.Background(), Request{Method: "GET", Path: "/Users/x", Authorization: "Bearer t"})
		if resp.Status != tc.status || strings.Contains(string(resp.Body), "disk on fire") {
			t.Errorf("%v: status %d, body %s", tc.err, resp.Status, resp.Body)
		}
		checkErrorBody(t, resp)
	}
}

type errString string

func (e errString) Error() string { return string(e) }

type failService struct {
	*memService
	err error
}

func (s *failService) GetUser(context.Context, string) (User, error) { return User{}, s.err }

// TestPaging: startIndex is 1-based, count defaults to 100 and is capped, count=0
// gives only the total, and paging past the end gives an empty page.
func TestPaging(t *testing.T) {
	c := newClient(t)
	for i := range 250 {
		c.want(201, "POST", "/Users", `{"schemas":["`+SchemaUser+`"],"userName":"u`+itoa(i)+`@x.example"}`)
	}
	for _, tc := range []struct {
		query              string
		start, items, from int // from: index of the first user returned
	}{
		{"", 1, 100, 0},
		{"?startIndex=101", 101, 100, 100},
		{"?startIndex=241&count=20", 241, 10, 240},
		{"?startIndex=0&count=3", 1, 3, 0},
		{"?startIndex=-5&count=3", 1, 3, 0},
		{"?count=0", 1, 0, 0},
		{"?count=-1", 1, 0, 0},
		{"?count=5000", 1, 200, 0},
		{"?startIndex=251", 251, 0, 0},
		{"?startIndex=99999999999999999999", 2147483647, 0, 0},
	} {
		m := c.want(200, "GET", "/Users"+tc.query, "")
		res, _ := m["Resources"].([]any)
		if get(m, "totalResults") != 250.0 || get(m, "startIndex") != float64(tc.start) ||
			get(m, "itemsPerPage") != float64(tc.items) || len(res) != tc.items {
			t.Errorf("%s: total %v start %v items %v len %d", tc.query, m["totalResults"], m["startIndex"], m["itemsPerPage"], len(res))
			continue
		}
		if tc.items > 0 {
			wantField(t, m, "u"+itoa(tc.from)+"@x.example", "Resources", 0, "userName")
		}
	}
	m := c.want(200, "GET", `/Users?filter=userName eq "u1@x.example" and userName eq "u2@x.example"`, "")
	wantField(t, m, 0.0, "totalResults")
	m = c.want(200, "GET", `/Users?filter=USERNAME EQ "U7@x.example" AND id eq "u000008"`, "")
	wantField(t, m, 1.0, "totalResults")
}

// TestDiscovery: the three discovery documents and their single entries.
func TestDiscovery(t *testing.T) {
	c := newClient(t)
	m := c.want(200, "GET", "/ServiceProviderConfig", "")
	wantField(t, m, true, "patch", "supported")
	wantField(t, m, true, "filter", "supported")
	wantField(t, m, 200.0, "filter", "maxResults")
	wantField(t, m, false, "bulk", "supported")
	wantField(t, m, "oauthbearertoken", "authenticationSchemes", 0, "type")
	m = c.want(200, "GET", "/ResourceTypes", "")
	wantField(t, m, 2.0, "totalResults")
	m = c.want(200, "GET", "/ResourceTypes/User", "")
	wantField(t, m, "/Users", "endpoint")
	wantField(t, m, SchemaEnterpriseUser, "schemaExtensions", 0, "schema")
	m = c.want(200, "GET", "/Schemas", "")
	wantField(t, m, 3.0, "totalResults")
	m = c.want(200, "GET", "/Schemas/"+url.PathEscape(SchemaEnterpriseUser), "")
	wantField(t, m, "department", "attributes", 0, "name")
	c.want(404, "GET", "/Schemas/urn:nothing", "")
	c.want(405, "POST", "/Schemas", "{}")
	c.want(200, "GET", "/ServiceProviderConfig/", "")
}

// TestGroupReplaceAndAttributes: PUT replaces the member list; attributes and
// excludedAttributes decide whether members are loaded.
func TestGroupReplaceAndAttributes(t *testing.T) {
	c := newClient(t)
	u1 := c.want(201, "POST", "/Users", `{"schemas":["`+SchemaUser+`"],"userName":"u1@x.example"}`)["id"].(string)
	u2 := c.want(201, "POST", "/Users", `{"schemas":["`+SchemaUser+`"],"userName":"u2@x.example"}`)["id"].(string)
	m := c.want(201, "POST", "/Groups", `{"schemas":["`+SchemaGroup+`"],"displayName":"hr","members":[{"value":"`+u1+`"}]}`)
	gid := m["id"].(string)
	wantField(t, m, u1, "members", 0, "value")
	m = c.want(200, "PUT", "/Groups/"+gid, `{"schemas":["`+SchemaGroup+`"],"displayName":"hr","externalId":"e-hr","members":[{"value":"`+u2+`"}]}`)
	wantField(t, m, u2, "members", 0, "value")
	wantField(t, m, nil, "members", 1)
	wantField(t, m, "e-hr", "externalId")
	m = c.want(200, "GET", "/Groups?attributes=displayName", "")
	wantField(t, m, nil, "Resources", 0, "members")
	m = c.want(200, "GET", "/Groups?attributes=displayName,members", "")
	wantField(t, m, u2, "Resources", 0, "members", 0, "value")
	m = c.want(200, "GET", "/Groups?filter=externalId eq \"e-hr\"&excludedAttributes=urn:ietf:params:scim:schemas:core:2.0:Group:members", "")
	wantField(t, m, 1.0, "totalResults")
	wantField(t, m, nil, "Resources", 0, "members")
	c.want(400, "PUT", "/Groups/"+gid, `{"schemas":["`+SchemaGroup+`"],"displayName":"hr","members":[{"value":"nobody"}]}`)
	c.want(404, "PUT", "/Groups/none", `{"schemas":["`+SchemaGroup+`"],"displayName":"x"}`)
	m = c.want(200, "GET", "/Groups/"+gid, "")
	wantField(t, m, u2, "members", 0, "value")
}
