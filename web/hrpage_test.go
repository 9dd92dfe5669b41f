package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"kipass/internal/errs"
	"kipass/internal/store"
)

// employee registers an account in a department and returns its API token.
func (a *testApp) employee(name, email, dept string) string {
	a.t.Helper()
	a.listDepartment(dept)
	r := a.do(req{method: "POST", path: "/api/v1/register", json: map[string]any{"name": name, "email": email, "password": "correct horse battery", "department": dept}})
	if r.status != 201 {
		a.t.Fatalf("register %s: %d %s", email, r.status, r.body)
	}
	return a.login(email)
}

// listDepartment puts a department on the admin-kept list, which
// self-registration picks from (a listed one stays).
func (a *testApp) listDepartment(name string) {
	a.t.Helper()
	if name == "" {
		return
	}
	err := a.db.CreateDepartment(context.Background(), name, store.Actor{Role: store.RoleAdmin})
	if e := errs.As(err); err != nil && (e == nil || e.Code != "department_exists") {
		a.t.Fatal(err)
	}
}

func (a *testApp) login(email string, password ...string) string {
	a.t.Helper()
	pw := "correct horse battery"
	if len(password) > 0 {
		pw = password[0]
	}
	r := a.do(req{method: "POST", path: "/api/v1/login", json: map[string]any{"email": email, "password": pw}})
	var out struct{ Token string }
	json.Unmarshal([]byte(r.body), &out)
	if out.Token == "" {
		a.t.Fatalf("login %s: %d %s", email, r.status, r.body)
	}
	return out.Token
}

// staffBrowser logs a browser in as a new account with the role.
func (a *testApp) staffBrowser(email, role string) *browser {
	a.t.Helper()
	a.makeUser(email, role)
	b := a.browser()
	if r := b.post("/login", url.Values{"email": {email}, "password": {"correct horse battery"}}); r.status != 303 {
		a.t.Fatalf("login %s: %d", email, r.status)
	}
	return b
}

func (a *testApp) auditActions(action string) int {
	_, n, err := a.db.AuditLog(context.Background(), store.AuditFilter{Action: action})
	if err != nil {
		a.t.Fatal(err)
	}
	return n
}

var statNum = regexp.MustCompile(`<span class="num">(\d+)(?: %)?</span> ([^<]+)</li>`)

// stats reads the dashboard's counters by label.
func stats(body string) map[string]string {
	out := map[string]string{}
	for _, m := range statNum.FindAllStringSubmatch(body, -1) {
		out[strings.TrimSpace(m[2])] = m[1]
	}
	return out
}

func TestHRDashboard(t *testing.T) {
	a := newTestApp(t, nil)
	erika := a.employee("Erika Ärger", "erika@example.com", "Vertrieb")
	a.employee("Max Muster", "max@example.com", "Vertrieb")
	ines := a.employee("Ines <b>IT</b>", "ines@example.com", "IT")
	a.start(ines, modulePath("eu-ai-act"))
	hr := a.staffBrowser("hr@example.com", store.RoleHR)

	r := hr.get("/hr?lang=en")
	if r.status != 200 {
		t.Fatalf("dashboard: %d %s", r.status, r.body)
	}
	st := stats(r.body)
	if st["People"] != "4" || st["In progress"] != "1" || st["Not started"] != "3" || st["Passed"] != "0" {
		// 3 employees + the HR account itself.
		t.Fatalf("counts: %v", st)
	}
	for _, want := range []string{`<svg`, `role="img"`, "Completion rate per department", "Vertrieb", "Ines &lt;b&gt;IT&lt;/b&gt;", "erika@example.com", `href="/privacy"`} {
		if !strings.Contains(r.body, want) {
			t.Errorf("dashboard lacks %q", want)
		}
	}
	if strings.Contains(r.body, "<b>IT</b>") {
		t.Fatal("a name was not escaped")
	}

	// The dashboard changes as people pass.
	passExam(t, a, erika)
	st = stats(hr.get("/hr?lang=en").body)
	if st["Passed"] != "1" || st["Completion rate"] != "25" {
		t.Fatalf("after a pass: %v", st)
	}

	// Filters, search, sorting; unknown values give an empty table, not an error.
	for q, want := range map[string][]string{
		"department=IT":              {"ines@example.com"},
		"status=passed":              {"erika@example.com"},
		"q=MUSTER":                   {"max@example.com"},
		"department=Nowhere":         {},
		"status=bogus&course=nope":   {},
		"sort=department&dir=desc":   {"erika@example.com", "max@example.com", "ines@example.com", "hr@example.com"},
		"sort=name&page=99":          {"erika@example.com", "ines@example.com", "max@example.com", "hr@example.com"},
		"sort=name&dir=desc":         {"hr@example.com", "max@example.com", "ines@example.com", "erika@example.com"},
		"sort=%3Cscript%3E&dir=wild": {"erika@example.com", "ines@example.com", "max@example.com", "hr@example.com"},
	} {
		r := hr.get("/hr?lang=en&" + q)
		if r.status != 200 {
			t.Fatalf("%s: %d", q, r.status)
		}
		got := regexp.MustCompile(`<span class="small muted">([^<]+)</span>`).FindAllStringSubmatch(tableOf(r.body), -1)
		var emails []string
		for _, m := range got {
			emails = append(emails, m[1])
		}
		if strings.Join(emails, ",") != strings.Join(want, ",") {
			t.Errorf("%s: got %v, want %v", q, emails, want)
		}
	}

	// Assign to a department with a due date in the past: overdue shows up.
	r = hr.post("/hr/assignments", url.Values{"course": {courseID}, "scope": {"department"}, "department": {"Vertrieb"}, "due_at": {"2020-01-31"}})
	if r.status != 400 || !strings.Contains(r.body, `name="confirm_past_due"`) {
		t.Fatalf("past due date not questioned: %d", r.status)
	}
	r = hr.post("/hr/assignments", url.Values{"course": {courseID}, "scope": {"department"}, "department": {"Vertrieb"}, "due_at": {"2020-01-31"},
		"confirm_past_due": {"1"}})
	if r.status != 303 {
		t.Fatalf("assign: %d %s", r.status, r.body)
	}
	r = hr.get("/hr?lang=en")
	if st := stats(r.body); st["Overdue"] != "1" || !strings.Contains(r.body, "due since 31 January 2020") {
		t.Fatalf("overdue not shown: %v", st)
	}
	// A bad form re-renders with the field marked, not a 500.
	r = hr.post("/hr/assignments?lang=en", url.Values{"course": {courseID}, "scope": {"user"}, "person": {"nobody@example.com"}, "due_at": {"someday"}})
	if r.status != 400 || !strings.Contains(r.body, `aria-invalid="true"`) {
		t.Fatalf("bad assignment: %d", r.status)
	}
	// Removing it.
	list, _ := a.db.Assignments(context.Background())
	if r := hr.post(fmt.Sprintf("/hr/assignments/%d/delete", list[0].ID), url.Values{}); r.status != 303 {
		t.Fatalf("unassign: %d", r.status)
	}
	if list, _ := a.db.Assignments(context.Background()); len(list) != 0 {
		t.Fatal("assignment not removed")
	}

	// The evidence PDF: a real PDF that names people, totals and the footer.
	r = hr.get("/hr/evidence.pdf?lang=en")
	if r.status != 200 || r.header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(r.body, "%PDF") {
		t.Fatalf("evidence: %d %s", r.status, r.header.Get("Content-Type"))
	}
	if text := pdfText(t, r.body); text != "" {
		for _, want := range []string{"Muster GmbH", "Erika Ärger", "Vertrieb"} {
			if !strings.Contains(text, want) {
				t.Errorf("evidence PDF lacks %q", want)
			}
		}
	}
	for _, action := range []string{"dashboard.viewed", "assignment.created", "assignment.deleted", "evidence.exported"} {
		if a.auditActions(action) == 0 {
			t.Errorf("no audit entry %s", action)
		}
	}
}

// tableOf returns the people table of the dashboard.
func tableOf(body string) string {
	i := strings.Index(body, `id="people"`)
	if i < 0 {
		return ""
	}
	j := strings.Index(body[i:], "</section>")
	return body[i : i+j]
}

// pdfText extracts a PDF's text with poppler's pdftotext; "" when the tool
// is missing (the check is then skipped).
func pdfText(t *testing.T, pdf string) string {
	t.Helper()
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Log("pdftotext not installed; PDF text not checked")
		return ""
	}
	cmd := exec.Command("pdftotext", "-layout", "-", "-")
	cmd.Stdin = strings.NewReader(pdf)
	var out bytes.Buffer
	cmd.Stdout = &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return out.String()
}

func TestHRDepartmentLimit(t *testing.T) {
	a := newTestApp(t, nil)
	a.employee("Sara Sales", "sara@example.com", "Sales")
	ivoCert := passExam(t, a, a.employee("Ivo Tech", "ivo@example.com", "IT"))
	hr := a.staffBrowser("hr@example.com", store.RoleHR)
	hrUser, _ := a.db.UserByEmail(context.Background(), "hr@example.com")
	if err := a.db.UpdateAccount(context.Background(), hrUser.ID, store.AccountChange{Name: hrUser.Name, Role: store.RoleHR, Active: true,
		HRDepartments: []string{"Sales"}}, store.Actor{Role: store.RoleAdmin}); err != nil {
		t.Fatal(err)
	}
	hr = a.staffBrowserLogin("hr@example.com") // the role change ended the session
	tok := a.login("hr@example.com")

	rows := func(q string) []string {
		r := a.do(req{method: "GET", path: "/api/v1/hr/report" + q, bearer: tok})
		var out []reportRow
		if err := json.Unmarshal([]byte(r.body), &out); err != nil || r.status != 200 {
			t.Fatalf("%s: %d %s", q, r.status, r.body)
		}
		var emails []string
		for _, row := range out {
			emails = append(emails, row.Email)
		}
		return emails
	}
	if got := rows(""); strings.Join(got, ",") != "sara@example.com" {
		t.Fatalf("limited report: %v", got)
	}
	if got := rows("?department=IT"); len(got) != 0 {
		t.Fatalf("outside the limit: %v", got)
	}
	if r := hr.get("/certificates/" + ivoCert + ".pdf"); r.status != 404 {
		t.Fatalf("certificate outside the limit: %d", r.status)
	}
	page := hr.get("/hr").body
	if strings.Contains(page, "ivo@example.com") || !strings.Contains(page, "sara@example.com") {
		t.Fatal("dashboard shows people outside the HR account's departments")
	}
	if text := pdfText(t, hr.get("/hr/evidence.pdf").body); text != "" && (strings.Contains(text, "Ivo Tech") || !strings.Contains(text, "Sara Sales")) {
		t.Fatal("evidence PDF crosses the department limit")
	}
	for _, body := range []map[string]any{
		{"course": courseID, "scope": "all", "due_at": "2027-01-01"},
		{"course": courseID, "scope": "department", "department": "IT", "due_at": "2027-01-01"},
	} {
		if r := a.do(req{method: "POST", path: "/api/v1/hr/assignments", bearer: tok, json: body}); r.status != 400 {
			t.Fatalf("%v: %d", body, r.status)
		}
	}
	if r := a.do(req{method: "POST", path: "/api/v1/hr/assignments", bearer: tok, json: map[string]any{"course": courseID, "scope": "department", "department": "Sales", "due_at": "2027-01-01"}}); r.status != 201 {
		t.Fatalf("own department: %d %s", r.status, r.body)
	}
}

func (a *testApp) staffBrowserLogin(email string) *browser {
	a.t.Helper()
	b := a.browser()
	if r := b.post("/login", url.Values{"email": {email}, "password": {"correct horse battery"}}); r.status != 303 {
		a.t.Fatalf("login %s: %d", email, r.status)
	}
	return b
}

func TestAggregateOnly(t *testing.T) {
	a := newTestApp(t, func(c *Config) { c.AggregateOnly = true })
	for i := range 6 {
		a.employee(fmt.Sprintf("Big Person%d", i), fmt.Sprintf("big%d@example.com", i), "Big")
	}
	for i := range 2 {
		a.employee(fmt.Sprintf("Small Person%d", i), fmt.Sprintf("small%d@example.com", i), "Small")
		a.employee(fmt.Sprintf("Tiny Person%d", i), fmt.Sprintf("tiny%d@example.com", i), "Tiny")
	}
	// Folded: Small (2), Tiny (2) and the HR account without a department
	// (1): 5 people, enough to keep Big (6) listed on its own.
	cert := passExam(t, a, a.login("big0@example.com"))
	hr := a.staffBrowser("hr@example.com", store.RoleHR)
	tok := a.login("hr@example.com")
	if r := hr.get("/certificates/" + cert + ".pdf"); r.status != 404 {
		t.Fatalf("someone's certificate in works-council mode: %d", r.status)
	}
	if r := a.do(req{method: "GET", path: "/api/v1/hr/report", bearer: tok}); r.status != 403 || !strings.Contains(r.body, "aggregate_only") {
		t.Fatalf("report in works-council mode: %d %s", r.status, r.body)
	}
	if r := a.do(req{method: "GET", path: "/api/v1/hr/report?format=csv", bearer: tok}); r.status != 403 {
		t.Fatalf("csv in works-council mode: %d", r.status)
	}
	page := hr.get("/hr?lang=en").body
	if strings.Contains(page, "Person") || strings.Contains(page, "@example.com") {
		t.Fatal("per-person data on the works-council dashboard")
	}
	charts := page[strings.Index(page, `id="dept-h"`):strings.Index(page, `id="export-h"`)]
	if !strings.Contains(charts, "Big") || strings.Contains(charts, "Small") || strings.Contains(charts, "Tiny") || !strings.Contains(page, "3 departments") {
		t.Fatal("groups under 5 not folded away")
	}
	if text := pdfText(t, hr.get("/hr/evidence.pdf?lang=en").body); text != "" && (strings.Contains(text, "Person") || strings.Contains(text, "Small")) {
		t.Fatalf("evidence PDF in works-council mode names people or small groups:\n%s", text)
	}
	// A filter down to a small group shows no numbers at all.
	if st := stats(hr.get("/hr?lang=en&department=Small").body); st["People"] != "0" {
		t.Fatalf("small group counted: %v", st)
	}
}
