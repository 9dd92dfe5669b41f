package web

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"kipass/internal/store"
)

// TestDepartmentsAsData: imports create departments; admins add, rename
// and merge them ("Sales" into "Vertrieb" moves the people, the HR limits
// and the assignments); merging into itself, a missing department or in a
// cycle is 400 and changes nothing; HR may list but not change.
func TestDepartmentsAsData(t *testing.T) {
	a := newTestApp(t, nil)
	importInvited(t, a, [3]string{"sam@example.com", "Sam Sales", "Sales"}, [3]string{"vera@example.com", "Vera Vertrieb", "Vertrieb"})
	admin := a.makeUser("admin@example.com", store.RoleAdmin)
	hr := a.makeUser("hr@example.com", store.RoleHR)
	hrUser, _ := a.db.UserByEmail(context.Background(), "hr@example.com")
	if err := a.db.UpdateAccount(context.Background(), hrUser.ID, store.AccountChange{Name: hrUser.Name, Role: store.RoleHR, Active: true,
		HRDepartments: []string{"Sales"}}, store.Actor{Role: store.RoleAdmin}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.db.CreateAssignment(context.Background(), store.Assignment{CourseID: courseID, Scope: store.ScopeDepartment, Department: "Sales",
		DueAt: a.now().AddDate(0, 1, 0)}); err != nil {
		t.Fatal(err)
	}
	list := func() map[string]int {
		r := a.do(req{method: "GET", path: "/api/v1/hr/departments", bearer: admin})
		var out []departmentOut
		if err := json.Unmarshal([]byte(r.body), &out); err != nil || r.status != 200 {
			t.Fatalf("list: %d %s", r.status, r.body)
		}
		m := map[string]int{}
		for _, d := range out {
			m[d.Name] = d.People
		}
		return m
	}
	if got := list(); got["Sales"] != 1 || got["Vertrieb"] != 1 {
		t.Fatalf("after the import: %v", got)
	}
	if r := a.do(req{method: "POST", path: "/api/v1/admin/departments", bearer: admin, json: map[string]any{"name": "Lager"}}); r.status != 201 {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	if r := a.do(req{method: "POST", path: "/api/v1/admin/departments", bearer: hr, json: map[string]any{"name": "Einkauf"}}); r.status != 403 {
		t.Fatalf("HR creates: %d", r.status)
	}
	// An empty department cannot be assigned.
	if r := a.do(req{method: "POST", path: "/api/v1/hr/assignments", bearer: admin, json: map[string]any{"course": courseID, "scope": "department",
		"department": "Lager", "due_at": "2099-01-01"}}); r.status != 400 || !strings.Contains(r.body, `"unknown_department"`) {
		t.Fatalf("assign to an empty department: %d %s", r.status, r.body)
	}
	for _, bad := range []map[string]any{
		{"from": "Sales", "into": "Sales"},
		{"from": "Sales", "into": "Nowhere"},
		{"from": "Nowhere", "into": "Sales"},
		{"merges": []map[string]string{{"from": "Sales", "into": "Vertrieb"}, {"from": "Vertrieb", "into": "Sales"}}},
		{"merges": []map[string]string{{"from": "Sales", "into": "Vertrieb"}, {"from": "Vertrieb", "into": "Lager"}}},
		{},
	} {
		if r := a.do(req{method: "POST", path: "/api/v1/admin/departments/merge", bearer: admin, json: bad}); r.status != 400 {
			t.Errorf("merge %v: %d %s", bad, r.status, r.body)
		}
	}
	if got := list(); got["Sales"] != 1 || got["Vertrieb"] != 1 {
		t.Fatalf("a refused merge changed something: %v", got)
	}
	r := a.do(req{method: "POST", path: "/api/v1/admin/departments/merge", bearer: admin, json: map[string]any{"from": "Sales", "into": "Vertrieb"}})
	if r.status != 200 || !strings.Contains(r.body, `"moved":1`) {
		t.Fatalf("merge: %d %s", r.status, r.body)
	}
	got := list()
	if _, ok := got["Sales"]; ok || got["Vertrieb"] != 2 {
		t.Fatalf("after the merge: %v", got)
	}
	sam, _ := a.db.UserByEmail(context.Background(), "sam@example.com")
	if d, _ := a.db.HRDepartments(context.Background(), hrUser.ID); sam.Department != "Vertrieb" || len(d) != 1 || d[0] != "Vertrieb" {
		t.Fatalf("moved: %q, HR limit %v", sam.Department, d)
	}
	as, _ := a.db.Assignments(context.Background())
	if len(as) != 1 || as[0].Department != "Vertrieb" {
		t.Fatalf("assignment after the merge: %+v", as)
	}
	// Rename: to a taken name is a conflict; to a new one moves everyone.
	if r := a.do(req{method: "POST", path: "/api/v1/admin/departments/rename", bearer: admin, json: map[string]any{"from": "Vertrieb", "to": "Lager"}}); r.status != 409 {
		t.Fatalf("rename onto a taken name: %d %s", r.status, r.body)
	}
	if r := a.do(req{method: "POST", path: "/api/v1/admin/departments/rename", bearer: admin, json: map[string]any{"from": "Vertrieb", "to": "Sales & Vertrieb"}}); r.status != 204 {
		t.Fatalf("rename: %d %s", r.status, r.body)
	}
	if got := list(); got["Sales & Vertrieb"] != 2 {
		t.Fatalf("after the rename: %v", got)
	}
	// The form says why a merge into itself is refused.
	b := a.staffBrowserLogin("admin@example.com")
	page := b.post("/admin/departments?lang=en", url.Values{"op": {"merge"}, "from": {"Lager"}, "into": {"Lager"}, "confirm": {"yes"}})
	if page.status != 400 || !strings.Contains(page.body, "cannot be merged into itself") {
		t.Fatalf("merge form into itself: %d", page.status)
	}
	if _, n, _ := a.db.AuditLog(context.Background(), store.AuditFilter{Action: "department.merged"}); n != 1 {
		t.Errorf("department.merged audited %d times", n)
	}
}
