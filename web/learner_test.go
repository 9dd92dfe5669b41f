package web

import (
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"kipass/internal/auth"
	"kipass/internal/store"
)

func TestAnonymousHomeSaysWhatTheCourseIs(t *testing.T) {
	a := newTestApp(t, nil)
	for lang, want := range map[string]string{"de": "Worum es geht", "en": "What the course is"} {
		r := a.do(req{method: "GET", path: "/?lang=" + lang})
		if r.status != 200 || !strings.Contains(r.body, want) || strings.Contains(r.body, "Ihre Kurse") || strings.Contains(r.body, "Your courses") {
			t.Errorf("%s: anonymous home lacks %q or speaks of 'your courses'", lang, want)
		}
		if !regexp.MustCompile(`\d+ (Module|modules), .*\d+ (Minuten|minutes)`).MatchString(r.body) {
			t.Errorf("%s: no course scope", lang)
		}
	}
}

func TestLearnerDashboardDeadlinesAndResume(t *testing.T) {
	a := newTestApp(t, nil)
	hr := a.makeUser("hr@example.com", "hr")
	if r := a.do(req{method: "POST", path: "/api/v1/hr/assignments", bearer: hr,
		json: map[string]any{"course": courseID, "scope": "all", "due_at": "2099-12-31"}}); r.status != 201 {
		t.Fatalf("assign: %d %s", r.status, r.body)
	}
	tok := a.apiUser("lena@example.com")
	b := a.browser()
	if r := b.post("/login", url.Values{"email": {"lena@example.com"}, "password": {"correct horse battery"}}); r.status != 303 || r.header.Get("Location") != "/" {
		t.Fatalf("learner login goes to %q", r.header.Get("Location"))
	}
	home := b.get("/").body
	for _, want := range []string{"fällig bis 31.12.2099", "Los geht&#39;s mit Modul 1", "0 von 8 Modulen bestanden", "noch etwa"} {
		if !strings.Contains(home, want) {
			t.Errorf("home lacks %q", want)
		}
	}
	co, _ := realCatalog(t).Course(courseID)
	// Module 1 started and failed, module 2 passed: three states.
	s, _ := a.start(tok, modulePath(co.Modules[0].ID))
	a.submitAPI(tok, s.AttemptID, key(realCatalog(t), s.Questions, false))
	s, _ = a.start(tok, modulePath(co.Modules[1].ID))
	a.submitAPI(tok, s.AttemptID, key(realCatalog(t), s.Questions, true))
	page := b.get("/courses/" + courseID).body
	for _, want := range []string{"state-started", "state-passed", "state-not_started", "begonnen, Quiz noch nicht bestanden", "noch nicht begonnen", "Weiter mit Modul 1"} {
		if !strings.Contains(page, want) {
			t.Errorf("course page lacks %q", want)
		}
	}
	if r := b.get("/courses/" + courseID + "/next"); r.header.Get("Location") != "/courses/"+courseID+"/"+co.Modules[0].ID {
		t.Errorf("next step: %q", r.header.Get("Location"))
	}
	// Total time left shrinks with the passed module.
	m := regexp.MustCompile(`noch etwa (\d+) von (\d+) Minuten`).FindStringSubmatch(page)
	if m == nil || m[1] == m[2] {
		t.Errorf("minutes left: %v", m)
	}
	// Overdue after the date.
	a.setClock(func() time.Time { return time.Date(2100, 1, 5, 9, 0, 0, 0, time.UTC) })
	time.Sleep(2100 * time.Millisecond) // the session cache
	a.db.Now = time.Now                 // sessions keep working; the use cases see 2100
	if body := b.get("/").body; !strings.Contains(body, "überfällig seit 31.12.2099") {
		t.Error("home does not say overdue")
	}
	if body := b.get("/me").body; !strings.Contains(body, "überfällig seit 31.12.2099") {
		t.Error("/me does not say overdue")
	}
}

func TestStaffLandOnTheirStartPage(t *testing.T) {
	a := newTestApp(t, nil)
	a.makeUser("hr@example.com", "hr")
	a.makeUser("admin@example.com", "admin")
	for email, want := range map[string]string{"hr@example.com": "/hr", "admin@example.com": "/admin"} {
		b := a.browser()
		r := b.post("/login", url.Values{"email": {email}, "password": {"correct horse battery"}})
		if r.header.Get("Location") != want {
			t.Errorf("%s lands on %q, want %q", email, r.header.Get("Location"), want)
		}
		if r := b.post("/logout", url.Values{}); r.status != 303 {
			t.Fatal(r.status)
		}
		r = b.post("/login", url.Values{"email": {email}, "password": {"correct horse battery"}, "next": {"/me"}})
		if r.header.Get("Location") != "/me" {
			t.Errorf("%s with next=/me lands on %q", email, r.header.Get("Location"))
		}
	}
}

func TestMomentOfSuccess(t *testing.T) {
	a := newTestApp(t, nil)
	tok := a.apiUser("sam@example.com")
	passAllModules(t, a, tok)
	s, r := a.start(tok, "/api/v1/courses/"+courseID+"/exam/attempts?lang=de")
	if r.status != 201 {
		t.Fatal(r.status)
	}
	res, _ := a.submitAPI(tok, s.AttemptID, key(realCatalog(t), s.Questions, true))
	if !res.Passed {
		t.Fatal("exam not passed")
	}
	b := a.staffBrowserLogin("sam@example.com")
	for lang, words := range map[string][]string{
		"de": {"Herzlichen Glückwunsch, Test sam@example.com!", "PDF herunterladen", "Link kopieren", "für digitale Brieftaschen und Prüfstellen"},
		"en": {"Congratulations, Test sam@example.com!", "Download PDF", "Copy link", "for wallets and verifiers"},
	} {
		body := b.get("/attempts/" + s.AttemptID + "?lang=" + lang).body
		for _, w := range append(words, `class="cert-preview"`, "linkedin.com", "/certificates/"+res.CertificateID+".pdf?lang="+lang, "/verify/"+res.CertificateID, "<details") {
			if !strings.Contains(body, w) {
				t.Errorf("%s: result lacks %q", lang, w)
			}
		}
		if i, j := strings.Index(body, "<details"), strings.Index(body, ".jwt"); j < i {
			t.Errorf("%s: the .jwt link is not inside the details section", lang)
		}
	}
	me := b.get("/me").body
	for _, w := range []string{`class="cert-card"`, `class="cert-preview"`, "für digitale Brieftaschen und Prüfstellen", "Auffrischung fällig bis"} {
		if !strings.Contains(me, w) {
			t.Errorf("/me lacks %q", w)
		}
	}
}

func TestInvitationPageShowsDueDate(t *testing.T) {
	a := newTestApp(t, nil)
	hr := a.makeUser("hr@example.com", "hr")
	a.do(req{method: "POST", path: "/api/v1/hr/assignments", bearer: hr, json: map[string]any{"course": courseID, "scope": "all", "due_at": "2099-06-30"}})
	token := auth.NewToken()
	if _, err := a.db.CreateInvitedUser(t.Context(), store.NewUser{Email: "new@example.com", Name: "Neu", Role: "employee"}, auth.HashToken(token), time.Now().Add(time.Hour), store.Actor{}); err != nil {
		t.Fatal(err)
	}
	for lang, want := range map[string]string{"de": "fällig bis 30.06.2099", "en": "due by 30 June 2099"} {
		body := a.do(req{method: "GET", path: "/invite?lang=" + lang + "&token=" + token}).body
		if !strings.Contains(body, want) {
			t.Errorf("%s: invitation page lacks %q", lang, want)
		}
	}
}
