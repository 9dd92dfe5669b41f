package web

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
)

func TestExportAndEraseAPI(t *testing.T) {
	for _, keep := range []bool{true, false} {
		a := newTestApp(t, nil)
		tok := a.apiUser("erika@example.com")
		id := passExam(t, a, tok)
		var me struct{ ID int64 }
		json.Unmarshal([]byte(a.do(req{method: "GET", path: "/api/v1/me", bearer: tok}).body), &me)
		hr := a.makeUser("hr@example.com", "hr")
		if r := a.do(req{method: "POST", path: "/api/v1/hr/assignments", bearer: hr, json: map[string]any{"course": courseID, "scope": "user", "user_id": me.ID, "due_at": "2027-01-31"}}); r.status != 201 {
			t.Fatalf("assign: %d", r.status)
		}

		r := a.do(req{method: "GET", path: "/api/v1/me/export", bearer: tok})
		var ex myData
		if err := json.Unmarshal([]byte(r.body), &ex); err != nil || r.status != 200 {
			t.Fatalf("export: %d %v", r.status, err)
		}
		if !strings.Contains(r.header.Get("Content-Disposition"), "attachment") || ex.Profile.Email != "erika@example.com" ||
			len(ex.Progress) != 8 || len(ex.Attempts) != 9 || len(ex.Certificates) != 1 || ex.Certificates[0].ID != id || ex.Audit == nil {
			t.Fatalf("export content: %s", r.body)
		}
		if len(ex.Attempts[0].Answers) == 0 || ex.Attempts[0].ScorePercent == nil {
			t.Fatal("export lacks answers or scores")
		}
		// The audit entry about the assignment, the assignment itself, and the sessions.
		if len(ex.Audit) != 1 || ex.Audit[0].Action != "assignment.created" || ex.Audit[0].SubjectID != me.ID ||
			len(ex.Assignments) != 1 || ex.Assignments[0].DueAt != "2027-01-31T23:59:59Z" || len(ex.Sessions) == 0 {
			t.Fatalf("export lacks audit, assignment or sessions: %+v %+v %+v", ex.Audit, ex.Assignments, ex.Sessions)
		}

		if r := a.do(req{method: "DELETE", path: "/api/v1/me", bearer: tok, json: map[string]any{"password": "wrong password!", "keep_certificates": keep}}); r.status != 403 || apiErrorCode(t, r.body) != "wrong_password" {
			t.Fatalf("wrong password: %d %s", r.status, r.body)
		}
		if r := a.do(req{method: "DELETE", path: "/api/v1/me", bearer: tok, json: map[string]any{"password": "correct horse battery", "keep_certificates": keep}}); r.status != 204 {
			t.Fatalf("erase: %d %s", r.status, r.body)
		}
		if r := a.do(req{method: "GET", path: "/api/v1/me", bearer: tok}); r.status != 401 {
			t.Fatalf("token alive after erasure: %d", r.status)
		}
		if r := a.do(req{method: "POST", path: "/api/v1/login", json: map[string]any{"email": "erika@example.com", "password": "correct horse battery"}}); r.status != 401 {
			t.Fatalf("login after erasure: %d", r.status)
		}
		v := a.verify("/api/v1/verify/"+id, req{})
		if keep && (v.Status != "valid" || v.HolderName != "Test erika@example.com") {
			t.Fatalf("kept certificate: %+v", v)
		}
		if !keep && (v.Status != "revoked" || v.HolderName != "") {
			t.Fatalf("withdrawn certificate: %+v", v)
		}
		// The email can register again as a new account.
		if r := a.do(req{method: "POST", path: "/api/v1/register", json: registration}); r.status != 201 {
			t.Fatalf("re-register: %d", r.status)
		}
	}
}

func TestEraseForm(t *testing.T) {
	a := newTestApp(t, nil)
	b := a.browser()
	b.post("/register", url.Values{"name": {"Erika"}, "email": {"erika@example.com"}, "password": {"correct horse battery"}})
	if r := b.get("/me?lang=en"); !strings.Contains(r.body, `href="/me/export"`) || !strings.Contains(r.body, `action="/me/delete"`) {
		t.Fatal("me page lacks export and delete")
	}
	if r := b.get("/me/export"); r.status != 200 || !strings.Contains(r.body, `"email": "erika@example.com"`) {
		t.Fatalf("export download: %d", r.status)
	}
	// The language is saved by a POST (a GET ?lang= only shows the page in it).
	if r := b.post("/me/delete", url.Values{"password": {"nope nope nope"}, "lang": {"en"}}); r.status != 400 || !strings.Contains(r.body, "nothing was deleted") {
		t.Fatalf("wrong password: %d", r.status)
	}
	if r := b.post("/me/delete", url.Values{"password": {"correct horse battery"}, "keep_certificates": {"on"}}); r.status != 200 || !strings.Contains(r.body, "Your account has been deleted") {
		t.Fatalf("delete: %d", r.status)
	}
	if r := b.get("/me"); r.status != 303 {
		t.Fatalf("me after deletion: %d", r.status)
	}
	// The only admin cannot delete the account.
	admin := a.makeUser("ada@example.com", "admin")
	if r := a.do(req{method: "DELETE", path: "/api/v1/me", bearer: admin, json: map[string]any{"password": "correct horse battery"}}); r.status != 409 {
		t.Fatalf("last admin: %d %s", r.status, r.body)
	}
}

// Wrong passwords at erasure count like failed logins: after the limit even
// the right one is refused for a while.
func TestErasePasswordThrottled(t *testing.T) {
	a := newTestApp(t, func(c *Config) { c.AccountLimit = 3 })
	tok := a.apiUser("erika@example.com")
	for range 3 {
		if r := a.do(req{method: "DELETE", path: "/api/v1/me", bearer: tok, json: map[string]any{"password": "wrong password!"}}); r.status != 403 {
			t.Fatalf("wrong password: %d", r.status)
		}
	}
	if r := a.do(req{method: "DELETE", path: "/api/v1/me", bearer: tok, json: map[string]any{"password": "correct horse battery"}}); r.status != 429 {
		t.Fatalf("after the limit: %d", r.status)
	}
	if r := a.do(req{method: "GET", path: "/api/v1/me", bearer: tok}); r.status != 200 {
		t.Fatalf("account gone: %d", r.status)
	}
}
