package web

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"kipass/internal/store"
)

// TestHRPersonPage: the drill-down shows the status, the modules passed
// with their dates, the attempts (score, no answers), the certificate and
// the assignments that cover the person; names on the dashboard link
// there; outside an HR account's departments it is 404, in works-council
// mode 403, and each view is audited.
func TestHRPersonPage(t *testing.T) {
	a := newTestApp(t, nil)
	cert := passExam(t, a, a.employee("Erika Muster", "erika@example.com", "Vertrieb"))
	a.employee("Ivo Tech", "ivo@example.com", "IT")
	erika, _ := a.db.UserByEmail(context.Background(), "erika@example.com")
	ivo, _ := a.db.UserByEmail(context.Background(), "ivo@example.com")
	if _, err := a.db.CreateAssignment(context.Background(), store.Assignment{CourseID: courseID, Scope: store.ScopeDepartment,
		Department: "Vertrieb", DueAt: time.Now().Add(48 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	hr := a.staffBrowser("hr@example.com", store.RoleHR)
	dash := hr.get("/hr?lang=en&course=" + courseID)
	if !strings.Contains(dash.body, fmt.Sprintf(`href="/hr/people/%d"`, erika.ID)) {
		t.Fatal("the dashboard does not link the name to the person page")
	}
	p := hr.get(fmt.Sprintf("/hr/people/%d?lang=en", erika.ID))
	if p.status != 200 {
		t.Fatalf("person page: %d", p.status)
	}
	for _, want := range []string{"Erika Muster", "erika@example.com", "Vertrieb", "Passed", cert, "Final exam", "100 %", "Department: Vertrieb",
		"Scores and dates only", "Modules passed", "Valid until"} {
		if !strings.Contains(p.body, want) {
			t.Errorf("person page lacks %q", want)
		}
	}
	if strings.Contains(p.body, "correct_options") || strings.Contains(p.body, `"answers"`) {
		t.Error("the person page shows answers")
	}
	if _, n, _ := a.db.AuditLog(context.Background(), store.AuditFilter{Action: "person.viewed"}); n != 1 {
		t.Errorf("person.viewed audited %d times", n)
	}
	if r := hr.get("/hr/people/999999"); r.status != 404 {
		t.Errorf("missing person: %d", r.status)
	}

	hrUser, _ := a.db.UserByEmail(context.Background(), "hr@example.com")
	if err := a.db.UpdateAccount(context.Background(), hrUser.ID, store.AccountChange{Name: hrUser.Name, Role: store.RoleHR, Active: true,
		HRDepartments: []string{"Vertrieb"}}, store.Actor{Role: store.RoleAdmin}); err != nil {
		t.Fatal(err)
	}
	hr = a.staffBrowserLogin("hr@example.com")
	if r := hr.get(fmt.Sprintf("/hr/people/%d", ivo.ID)); r.status != 404 {
		t.Errorf("outside the departments: %d", r.status)
	}
	if r := hr.get(fmt.Sprintf("/hr/people/%d", erika.ID)); r.status != 200 {
		t.Errorf("inside the departments: %d", r.status)
	}
}

// TestHRPersonPageOffInWorksCouncilMode: 403 aggregate_only.
func TestHRPersonPageOffInWorksCouncilMode(t *testing.T) {
	a := newTestApp(t, func(c *Config) { c.AggregateOnly = true })
	a.employee("Erika Muster", "erika@example.com", "Vertrieb")
	erika, _ := a.db.UserByEmail(context.Background(), "erika@example.com")
	tok := a.makeUser("hr@example.com", store.RoleHR)
	r := a.do(req{method: "GET", path: fmt.Sprintf("/hr/people/%d", erika.ID), bearer: tok})
	if r.status != 403 {
		t.Fatalf("works-council mode: %d %s", r.status, r.body[:min(200, len(r.body))])
	}
}

// TestEvidenceTotalsMatchDashboard: the same view gives the same numbers
// on the dashboard and in the evidence PDF, rounded the same way (1 of 3
// passed: 33 %; with 2 of 3: 67 %, rounded half up).
func TestEvidenceTotalsMatchDashboard(t *testing.T) {
	a := newTestApp(t, nil)
	passExam(t, a, a.employee("Erika Muster", "erika@example.com", "Vertrieb"))
	passExam(t, a, a.employee("Ernst Muster", "ernst@example.com", "Vertrieb"))
	a.employee("Ivo Idle", "ivo@example.com", "Vertrieb")
	a.employee("Lea Lager", "lea@example.com", "Lager")
	hr := a.staffBrowser("hr@example.com", store.RoleHR)
	page := hr.get("/hr?lang=en&course=" + courseID + "&department=Vertrieb")
	if !strings.Contains(page.body, `<span class="num">67 %</span>`) || !strings.Contains(page.body, `<span class="num">3</span> People`) {
		t.Fatalf("dashboard numbers are not 3 people, 67 %%")
	}
	pdf := hr.get("/hr/evidence.pdf?lang=en&course=" + courseID + "&department=Vertrieb")
	text := pdfText(t, pdf.body)
	if text == "" {
		return
	}
	flatText := strings.Join(strings.Fields(text), " ")
	if !strings.Contains(flatText, "67 %") || strings.Contains(flatText, "66 %") || !strings.Contains(flatText, "Vertrieb, 3 people") {
		t.Errorf("the PDF's numbers differ from the dashboard:\n%s", text)
	}
}
