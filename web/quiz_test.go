package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"kipass/courses"
	"kipass/internal/store"
	"kipass/quiz"
)

const courseID = "ki-am-arbeitsplatz"

// apiUser registers and logs in a user through the API and returns its token.
func (a *testApp) apiUser(email string) string {
	a.t.Helper()
	if r := a.do(req{method: "POST", path: "/api/v1/register", json: map[string]any{"name": "Test " + email, "email": email, "password": "correct horse battery"}}); r.status != 201 {
		a.t.Fatalf("register %s: %d %s", email, r.status, r.body)
	}
	r := a.do(req{method: "POST", path: "/api/v1/login", json: map[string]any{"email": email, "password": "correct horse battery"}})
	var out struct{ Token string }
	json.Unmarshal([]byte(r.body), &out)
	return out.Token
}

type startedAttempt struct {
	AttemptID string        `json:"attempt_id"`
	Questions []apiQuestion `json:"questions"`
	ExpiresAt *string       `json:"expires_at"`
}

func (a *testApp) start(token, path string) (startedAttempt, resp) {
	a.t.Helper()
	r := a.do(req{method: "POST", path: path, bearer: token})
	var s startedAttempt
	json.Unmarshal([]byte(r.body), &s)
	return s, r
}

// key returns the correct answers for the presented questions; wrong ones
// when right is false.
func key(cat *courses.Catalog, qs []apiQuestion, right bool) map[string][]string {
	co, _ := cat.Course(courseID)
	out := map[string][]string{}
	for _, p := range qs {
		q, _ := co.Question(p.ID)
		for _, o := range q.Options {
			if o.Correct == right {
				out[p.ID] = append(out[p.ID], shownID(p, o))
				if !right {
					break
				}
			}
		}
	}
	return out
}

// shownID returns the id (the attempt's token) under which the presented
// question shows the content option o, found by its text.
func shownID(p apiQuestion, o quiz.Option) string {
	for _, po := range p.Options {
		for _, text := range o.Text {
			if po.Text == text {
				return po.ID
			}
		}
	}
	return "not-shown"
}

func (a *testApp) submitAPI(token, id string, answers any) (submitResult, resp) {
	a.t.Helper()
	r := a.do(req{method: "POST", path: "/api/v1/attempts/" + id + "/submit", bearer: token, json: map[string]any{"answers": answers}})
	var res submitResult
	json.Unmarshal([]byte(r.body), &res)
	return res, r
}

func modulePath(m string) string {
	return "/api/v1/courses/" + courseID + "/modules/" + m + "/attempts?lang=en"
}

func TestModuleQuizAPI(t *testing.T) {
	a := newTestApp(t, nil)
	cat := realCatalog(t)
	tok := a.apiUser("erika@example.com")

	s, r := a.start(tok, modulePath("dsgvo-grundlagen"))
	if r.status != 201 || len(s.Questions) != 5 || s.ExpiresAt != nil || len(s.AttemptID) != 22 {
		t.Fatalf("start: %d %s", r.status, r.body)
	}
	if strings.Contains(r.body, `"correct"`) || strings.Contains(r.body, `"explanation"`) {
		t.Fatal("the start response leaks the answer key")
	}
	co, _ := cat.Course(courseID)
	if q, _ := co.Question(s.Questions[0].ID); s.Questions[0].Text != q.Text["en"] {
		t.Fatal("question not in English")
	}

	// Options are shown under tokens of this attempt, never the content's ids.
	for _, q := range s.Questions {
		cq, _ := co.Question(q.ID)
		for _, o := range q.Options {
			for _, co := range cq.Options {
				if o.ID == co.ID {
					t.Fatalf("question %s shows the content option id %q", q.ID, o.ID)
				}
			}
		}
	}

	// Wrong answers: not passed, and the key stays secret until the module
	// is passed: which answers were wrong, no correct options, no explanations.
	res, r := a.submitAPI(tok, s.AttemptID, key(cat, s.Questions, false))
	if r.status != 200 || res.Passed || res.ScorePercent != 0 || len(res.Results) != 5 || res.KeyShown {
		t.Fatalf("wrong answers: %d %s", r.status, r.body)
	}
	for _, qr := range res.Results {
		if qr.Correct || len(qr.CorrectOptions) != 0 || qr.Explanation != "" {
			t.Fatalf("result item %+v", qr)
		}
	}
	// Submitting again returns the first result unchanged, even with the key.
	again, r2 := a.submitAPI(tok, s.AttemptID, key(cat, s.Questions, true))
	if r2.body != r.body || again.Passed {
		t.Fatalf("resubmission changed the result:\n%s\n%s", r.body, r2.body)
	}

	// A new attempt with the key passes; the module shows as passed.
	s2, _ := a.start(tok, modulePath("dsgvo-grundlagen"))
	if res, _ := a.submitAPI(tok, s2.AttemptID, key(cat, s2.Questions, true)); !res.Passed || res.ScorePercent != 100 || !res.KeyShown ||
		len(res.Results[0].CorrectOptions) == 0 || res.Results[0].Explanation == "" {
		t.Fatalf("key: %+v", res)
	}
	r = a.do(req{method: "GET", path: "/api/v1/courses?lang=de", bearer: tok})
	var list []struct {
		ID           string `json:"id"`
		Title        string `json:"title"`
		ExamUnlocked bool   `json:"exam_unlocked"`
		Modules      []struct {
			ID      string `json:"id"`
			Minutes int    `json:"minutes"`
			Passed  bool   `json:"passed"`
		} `json:"modules"`
	}
	json.Unmarshal([]byte(r.body), &list)
	if len(list) != 1 || list[0].Title != "KI am Arbeitsplatz" || len(list[0].Modules) != 8 || list[0].ExamUnlocked {
		t.Fatalf("courses: %s", r.body)
	}
	for _, m := range list[0].Modules {
		if m.Passed != (m.ID == "dsgvo-grundlagen") || m.Minutes == 0 {
			t.Fatalf("module %+v", m)
		}
	}
	// A later failed attempt does not take the pass away.
	s3, _ := a.start(tok, modulePath("dsgvo-grundlagen"))
	a.submitAPI(tok, s3.AttemptID, map[string][]string{})
	r = a.do(req{method: "GET", path: "/api/v1/courses", bearer: tok})
	if !strings.Contains(r.body, `"id":"dsgvo-grundlagen","title":"DSGVO`) || !strings.Contains(r.body, `"passed":true`) {
		t.Fatalf("pass lost: %s", r.body)
	}
}

func TestQuizBadInput(t *testing.T) {
	a := newTestApp(t, nil)
	tok := a.apiUser("erika@example.com")
	other := a.apiUser("max@example.com")
	s, _ := a.start(tok, modulePath("daten-und-ki"))
	q := s.Questions[0]
	for _, tc := range []struct {
		name   string
		token  string
		path   string
		body   req
		status int
		code   string
	}{
		{"unknown course", tok, "/api/v1/courses/nope/modules/daten-und-ki/attempts", req{}, 404, "not_found"},
		{"unknown module", tok, "/api/v1/courses/" + courseID + "/modules/nope/attempts", req{}, 404, "not_found"},
		{"anonymous start", "", modulePath("daten-und-ki"), req{}, 401, "unauthorized"},
		{"exam locked", tok, "/api/v1/courses/" + courseID + "/exam/attempts", req{}, 403, "exam_locked"},
		{"invalid attempt id", tok, "/api/v1/attempts/not-an-id/submit", req{json: map[string]any{"answers": map[string]any{}}}, 404, "not_found"},
		{"unknown attempt", tok, "/api/v1/attempts/AAAAAAAAAAAAAAAAAAAAAA/submit", req{json: map[string]any{"answers": map[string]any{}}}, 404, "not_found"},
		{"someone else's attempt", other, "/api/v1/attempts/" + s.AttemptID + "/submit", req{json: map[string]any{"answers": map[string]any{}}}, 404, "not_found"},
		{"unknown question", tok, "/api/v1/attempts/" + s.AttemptID + "/submit", req{json: map[string]any{"answers": map[string]any{"q-nope": []string{"a"}}}}, 400, "invalid_answers"},
		{"unknown option", tok, "/api/v1/attempts/" + s.AttemptID + "/submit", req{json: map[string]any{"answers": map[string]any{q.ID: []string{"zz"}}}}, 400, "invalid_answers"},
		{"duplicate options", tok, "/api/v1/attempts/" + s.AttemptID + "/submit", req{json: map[string]any{"answers": map[string]any{q.ID: []string{q.Options[0].ID, q.Options[0].ID}}}}, 400, "invalid_answers"},
		{"wrong types", tok, "/api/v1/attempts/" + s.AttemptID + "/submit", req{raw: `{"answers":{"x":5}}`, rawType: "application/json"}, 400, "invalid_answers"},
		{"answers not an object", tok, "/api/v1/attempts/" + s.AttemptID + "/submit", req{raw: `{"answers":[1]}`, rawType: "application/json"}, 400, "invalid_answers"},
		{"no answers", tok, "/api/v1/attempts/" + s.AttemptID + "/submit", req{raw: `{}`, rawType: "application/json"}, 400, "no_answers"},
		{"empty answers", tok, "/api/v1/attempts/" + s.AttemptID + "/submit", req{json: map[string]any{"answers": map[string]any{q.ID: []string{}}}}, 400, "no_answers"},
		{"malformed", tok, "/api/v1/attempts/" + s.AttemptID + "/submit", req{raw: `{"answers":`, rawType: "application/json"}, 400, "invalid_json"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.body
			r.method, r.path, r.bearer = "POST", tc.path, tc.token
			res := a.do(r)
			if res.status != tc.status || apiErrorCode(t, res.body) != tc.code {
				t.Fatalf("%d %s", res.status, res.body)
			}
		})
	}
	// None of the bad submissions consumed the attempt.
	if _, r := a.submitAPI(tok, s.AttemptID, map[string][]string{q.ID: {q.Options[0].ID}}); r.status != 200 {
		t.Fatalf("attempt unusable after bad input: %d", r.status)
	}
}

// formKey returns the form fields that answer every question of the
// attempt correctly, under the attempt's option tokens.
func formKey(co *courses.Course, att store.Attempt) url.Values {
	var drawn []quiz.Drawn
	json.Unmarshal(att.Questions, &drawn)
	form := url.Values{}
	for _, d := range drawn {
		q, _ := co.Question(d.QuestionID)
		for _, o := range q.Options {
			if o.Correct {
				id, _ := d.ShownID(o.ID)
				form.Add("q-"+q.ID, id)
			}
		}
	}
	return form
}

// passAllModules passes every module quiz of the user through the API.
func passAllModules(t *testing.T, a *testApp, tok string) {
	t.Helper()
	co, _ := realCatalog(t).Course(courseID)
	for _, m := range co.Modules {
		s, r := a.start(tok, modulePath(m.ID))
		if r.status != 201 {
			t.Fatalf("start %s: %d", m.ID, r.status)
		}
		if res, _ := a.submitAPI(tok, s.AttemptID, key(realCatalog(t), s.Questions, true)); !res.Passed {
			t.Fatalf("module %s not passed", m.ID)
		}
	}
}

func TestExamAPI(t *testing.T) {
	now := time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)
	a := newTestApp(t, nil)
	clock := func() time.Time { return now }
	a.setClock(clock)
	cat := realCatalog(t)
	tok := a.apiUser("erika@example.com")
	passAllModules(t, a, tok)
	examPath := "/api/v1/courses/" + courseID + "/exam/attempts?lang=de"

	s, r := a.start(tok, examPath)
	if exam, _ := cat.Course(courseID); r.status != 201 || len(s.Questions) != exam.Exam.Questions || s.ExpiresAt == nil {
		t.Fatalf("exam start: %d %s", r.status, r.body)
	}
	if exp, _ := time.Parse(time.RFC3339, *s.ExpiresAt); !exp.Equal(now.Add(30 * time.Minute)) {
		t.Fatalf("expires_at %s", *s.ExpiresAt)
	}
	perModule := map[string]int{}
	co, _ := cat.Course(courseID)
	for _, q := range s.Questions {
		cq, _ := co.Question(q.ID)
		perModule[cq.Module]++
	}
	for _, m := range co.Modules {
		if perModule[m.ID] < 2 {
			t.Fatalf("module %s has %d exam questions", m.ID, perModule[m.ID])
		}
	}
	// Too late: the answers sent late do not count; the draft saved in
	// time (half of the key) is graded, as of the deadline.
	half := map[string][]string{}
	for i, q := range s.Questions {
		if i%2 == 0 {
			half[q.ID] = key(cat, s.Questions[i:i+1], true)[q.ID]
		}
	}
	if r := a.do(req{method: "PUT", path: "/api/v1/attempts/" + s.AttemptID + "/answers", bearer: tok, json: map[string]any{"answers": half}}); r.status != 204 {
		t.Fatalf("draft: %d %s", r.status, r.body)
	}
	now = now.Add(31 * time.Minute)
	if r := a.do(req{method: "PUT", path: "/api/v1/attempts/" + s.AttemptID + "/answers", bearer: tok, json: map[string]any{"answers": half}}); r.status != 409 || apiErrorCode(t, r.body) != "attempt_closed" {
		t.Fatalf("draft after the deadline: %d %s", r.status, r.body)
	}
	res, _ := a.submitAPI(tok, s.AttemptID, key(cat, s.Questions, true))
	if res.Passed || !res.Expired || res.ScorePercent != 50 || res.KeyShown {
		t.Fatalf("late submission: %+v", res)
	}
	// Second attempt, in time, passes.
	s2, _ := a.start(tok, examPath)
	now = now.Add(29 * time.Minute)
	if res, _ := a.submitAPI(tok, s2.AttemptID, key(cat, s2.Questions, true)); !res.Passed || res.Expired {
		t.Fatalf("exam in time: %+v", res)
	}
	// Third attempt allowed, the fourth within 24 hours is not.
	if _, r := a.start(tok, examPath); r.status != 201 {
		t.Fatalf("third attempt: %d", r.status)
	}
	if _, r := a.start(tok, examPath); r.status != 429 || apiErrorCode(t, r.body) != "exam_limit_reached" {
		t.Fatalf("fourth attempt: %d %s", r.status, r.body)
	}
	now = now.Add(24 * time.Hour)
	r = a.do(req{method: "POST", path: "/api/v1/login", json: map[string]any{"email": "erika@example.com", "password": "correct horse battery"}})
	var login struct{ Token string }
	json.Unmarshal([]byte(r.body), &login)
	if _, r := a.start(login.Token, examPath); r.status != 201 {
		t.Fatalf("next day: %d", r.status)
	}
}

// Sixty users submit at the same moment over real HTTP: every submission is
// acknowledged and recorded.
func TestConcurrentSubmissions(t *testing.T) {
	a := newTestApp(t, nil)
	cat := realCatalog(t)
	const users = 60
	type user struct {
		id      int64
		token   string
		attempt startedAttempt
	}
	us := make([]user, users)
	for i := range us {
		email := fmt.Sprintf("u%d@example.com", i)
		us[i].token = a.apiUser(email)
		us[i].attempt, _ = a.start(us[i].token, modulePath("eu-ai-act"))
		u, err := a.db.UserByEmail(context.Background(), email)
		if err != nil {
			t.Fatal(err)
		}
		us[i].id = u.ID
	}
	base := a.listen()
	var wg sync.WaitGroup
	start := make(chan struct{})
	errs := make(chan error, users)
	for _, u := range us {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			body, _ := json.Marshal(map[string]any{"answers": key(cat, u.attempt.Questions, true)})
			status, b, err := httpPost(base+"/api/v1/attempts/"+u.attempt.AttemptID+"/submit", u.token, body)
			if err != nil || status != 200 || !strings.Contains(b, `"passed":true`) {
				errs <- fmt.Errorf("%d %s %v", status, b, err)
			}
		}()
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for _, u := range us {
		p, err := a.db.CourseProgress(context.Background(), u.id, courseID)
		if err != nil || p.ModulesPassed["eu-ai-act"].IsZero() {
			t.Fatalf("user %d: pass not recorded (%v)", u.id, err)
		}
	}
}

func TestBrowserQuizFlow(t *testing.T) {
	a := newTestApp(t, nil)
	cat := realCatalog(t)
	co, _ := cat.Course(courseID)
	b := a.browser()
	b.post("/register", url.Values{"name": {"Erika"}, "email": {"erika@example.com"}, "password": {"correct horse battery"}})

	// The module page offers the quiz; starting it shows the form under the text.
	r := b.get("/courses/" + courseID + "/bias-und-diskriminierung?lang=de")
	if r.status != 200 || !strings.Contains(r.body, "Quiz starten") {
		t.Fatalf("module page: %d", r.status)
	}
	if r = b.post("/courses/"+courseID+"/bias-und-diskriminierung/quiz", url.Values{}); r.status != 303 {
		t.Fatalf("start: %d", r.status)
	}
	u, _ := a.db.UserByEmail(context.Background(), "erika@example.com")
	att, err := a.db.OpenAttempt(context.Background(), u.ID, courseID, "bias-und-diskriminierung")
	if err != nil {
		t.Fatal(err)
	}
	r = b.get("/courses/" + courseID + "/bias-und-diskriminierung")
	if !strings.Contains(r.body, `action="/attempts/`+att.ID+`"`) || strings.Count(r.body, "<fieldset") != 5 {
		t.Fatal("quiz form not shown")
	}
	// Starting again while a quiz is open resumes the same attempt.
	b.post("/courses/"+courseID+"/bias-und-diskriminierung/quiz", url.Values{})
	if again, _ := a.db.OpenAttempt(context.Background(), u.ID, courseID, "bias-und-diskriminierung"); again.ID != att.ID {
		t.Fatal("a second attempt was opened")
	}
	form := formKey(co, att)
	if r = b.post("/attempts/"+att.ID, form); r.status != 303 || r.header.Get("Location") != "/attempts/"+att.ID+"#result" {
		t.Fatalf("submit: %d %s", r.status, r.header.Get("Location"))
	}
	// A double click: the second post changes nothing and shows the same result.
	b.post("/attempts/"+att.ID, url.Values{})
	r = b.get("/attempts/" + att.ID)
	if r.status != 200 || !strings.Contains(r.body, "100 %") || !strings.Contains(r.body, "Nächstes Modul") || strings.Count(r.body, "Warum:") != 5 {
		t.Fatalf("result page: %d\n%s", r.status, r.body)
	}
	if r = b.get("/courses/" + courseID); !strings.Contains(r.body, "1 von 8 Modulen bestanden") {
		t.Fatal("course progress not updated")
	}
	// Another user cannot see the attempt.
	b2 := a.browser()
	b2.post("/register", url.Values{"name": {"Max"}, "email": {"max@example.com"}, "password": {"correct horse battery"}})
	if r = b2.get("/attempts/" + att.ID); r.status != 404 {
		t.Fatalf("other user's attempt: %d", r.status)
	}
	if r = b2.post("/attempts/"+att.ID, url.Values{}); r.status != 404 {
		t.Fatalf("other user's submit: %d", r.status)
	}
}

func TestCoursePages(t *testing.T) {
	a := newTestApp(t, nil)
	for _, tc := range []struct {
		path   string
		status int
		want   string
	}{
		{"/courses/" + courseID + "?lang=de", 200, "Abschlussprüfung"},
		{"/courses/" + courseID + "?lang=en", 200, "AI in the workplace"},
		{"/courses/" + courseID + "/eu-ai-act?lang=en", 200, `<html lang="en">`},
		{"/courses/" + courseID + "/eu-ai-act?lang=de", 200, "Lernziele"},
		{"/courses/" + courseID + "/exam?lang=de", 200, "Bitte melden Sie sich an"},
		{"/courses/nope", 404, "Seite nicht gefunden"},
		{"/courses/" + courseID + "/nope", 404, "Seite nicht gefunden"},
		{"/attempts/xyz", 303, ""},
	} {
		r := a.do(req{method: "GET", path: tc.path})
		if r.status != tc.status || !strings.Contains(r.body, tc.want) || strings.Contains(r.body, "??") {
			t.Errorf("%s: %d", tc.path, r.status)
		}
	}
	// Headings in order on a module page: one h1, then h2s before any h3.
	r := a.do(req{method: "GET", path: "/courses/" + courseID + "/dsgvo-grundlagen"})
	if strings.Count(r.body, "<h1") != 1 || strings.Index(r.body, "<h3") < strings.Index(r.body, "<h2") {
		t.Error("heading order")
	}
	for _, m := range []string{"daten-und-ki", "verantwortung-im-alltag"} {
		r := a.do(req{method: "GET", path: "/courses/" + courseID + "/" + m})
		if !strings.Contains(r.body, `rel="next"`) && !strings.Contains(r.body, `rel="prev"`) {
			t.Errorf("%s: no pager", m)
		}
	}
	_ = store.KindExam
}

// The final exam through the browser forms, in English: locked page, rules,
// start, the timed form, submission, result with the certificate link.
func TestBrowserExamFlow(t *testing.T) {
	a := newTestApp(t, nil)
	cat := realCatalog(t)
	co, _ := cat.Course(courseID)
	b := a.browser()
	// The English form carries lang=en; the account keeps it.
	b.post("/register", url.Values{"name": {"Erika"}, "email": {"erika@example.com"}, "password": {"correct horse battery"}, "lang": {"en"}})
	exam := "/courses/" + courseID + "/exam"
	if r := b.get(exam); !strings.Contains(r.body, "opens once you have passed every module quiz") || strings.Count(r.body, `href="/courses/`+courseID+`/`) < 8 {
		t.Fatalf("locked exam page:\n%s", r.body)
	}
	if r := b.post(exam, url.Values{}); r.status != 403 {
		t.Fatalf("locked start: %d", r.status)
	}
	r := a.do(req{method: "POST", path: "/api/v1/login", json: map[string]any{"email": "erika@example.com", "password": "correct horse battery"}})
	var login struct{ Token string }
	json.Unmarshal([]byte(r.body), &login)
	passAllModules(t, a, login.Token)

	if r = b.get(exam); !strings.Contains(r.body, "Start the exam now") || !strings.Contains(r.body, "Attempts left today: 3 of 3") {
		t.Fatalf("exam rules:\n%s", r.body)
	}
	if r = b.post(exam, url.Values{}); r.status != 303 {
		t.Fatalf("start: %d", r.status)
	}
	r = b.get(exam)
	if !strings.Contains(r.body, "Time left:") || !strings.Contains(r.body, "data-deadline=") || strings.Count(r.body, "<fieldset") != co.Exam.Questions {
		t.Fatalf("exam form:\n%s", r.body)
	}
	u, _ := a.db.UserByEmail(context.Background(), "erika@example.com")
	att, err := a.db.OpenAttempt(context.Background(), u.ID, courseID, "")
	if err != nil {
		t.Fatal(err)
	}
	form := formKey(co, att)
	if r = b.post("/attempts/"+att.ID, form); r.status != 303 {
		t.Fatalf("submit: %d", r.status)
	}
	r = b.get("/attempts/" + att.ID)
	if !strings.Contains(r.body, "Final exam result") || !strings.Contains(r.body, fmt.Sprintf("Passed: %d of %d", co.Exam.Questions, co.Exam.Questions)) || !strings.Contains(r.body, `href="/me"`) {
		t.Fatalf("result:\n%s", r.body)
	}
	if r = b.get("/me"); !strings.Contains(r.body, "Certificate: AI in the workplace") {
		t.Fatal("no certificate on /me")
	}
	if r = b.get("/courses/" + courseID); !strings.Contains(r.body, "You passed the final exam") {
		t.Fatal("course page does not show the pass")
	}
}

// The exam never loses work: answers saved through the form (without
// JavaScript) or the API come back after a reload and a language switch;
// a partial submit goes to the review step and uses no attempt; an empty
// one is not graded; the review's "submit anyway" grades the saved answers.
func TestExamDraftsReviewAndEmptySubmit(t *testing.T) {
	a := newTestApp(t, nil)
	co, _ := realCatalog(t).Course(courseID)
	b := a.browser()
	b.post("/register", url.Values{"name": {"Erika"}, "email": {"erika@example.com"}, "password": {"correct horse battery"}})
	r := a.do(req{method: "POST", path: "/api/v1/login", json: map[string]any{"email": "erika@example.com", "password": "correct horse battery"}})
	var login struct{ Token string }
	json.Unmarshal([]byte(r.body), &login)
	passAllModules(t, a, login.Token)
	exam := "/courses/" + courseID + "/exam"
	b.post(exam, url.Values{})
	u, _ := a.db.UserByEmail(context.Background(), "erika@example.com")
	att, err := a.db.OpenAttempt(context.Background(), u.ID, courseID, "")
	if err != nil {
		t.Fatal(err)
	}
	total := co.Exam.Questions
	page := b.get(exam)
	for _, q := range co.Questions() {
		for _, o := range q.Options {
			if strings.Contains(page.body, `value="`+o.ID+`"`) {
				t.Fatalf("the exam form shows the content option id %q", o.ID)
			}
		}
	}
	// An empty submit is not graded and keeps the attempt open.
	if r = b.post("/attempts/"+att.ID, url.Values{}); r.status != 303 || !strings.Contains(r.header.Get("Location"), "notice=no_answers") {
		t.Fatalf("empty submit: %d %s", r.status, r.header.Get("Location"))
	}
	if r = b.get(exam + "?notice=no_answers"); !strings.Contains(r.body, "noch keine Frage beantwortet") {
		t.Fatal("no notice after an empty submit")
	}
	// Save half of the answers with the button (no JavaScript).
	key := formKey(co, att)
	half := url.Values{}
	n := 0
	for k, v := range key {
		if n < total/2 {
			half[k] = v
			n++
		}
	}
	if r = b.post("/attempts/"+att.ID+"/draft", half); r.status != 303 || !strings.Contains(r.header.Get("Location"), "notice=saved") {
		t.Fatalf("save: %d %s", r.status, r.header.Get("Location"))
	}
	answered := fmt.Sprintf("%d von %d Fragen beantwortet", total/2, total)
	if r = b.get(exam); !strings.Contains(r.body, answered) || strings.Count(r.body, " checked>") < total/2 {
		t.Fatalf("reload does not restore the answers (%q)", answered)
	}
	if r = b.get(exam + "?lang=en"); !strings.Contains(r.body, fmt.Sprintf("%d of %d questions answered", total/2, total)) {
		t.Fatal("language switch loses the answers")
	}
	// The API sees the same draft.
	r = a.do(req{method: "GET", path: "/api/v1/attempts/" + att.ID, bearer: login.Token})
	var got struct {
		Kind      string              `json:"kind"`
		Answers   map[string][]string `json:"answers"`
		Submitted bool                `json:"submitted"`
	}
	json.Unmarshal([]byte(r.body), &got)
	if r.status != 200 || got.Kind != "exam" || len(got.Answers) != total/2 || got.Submitted {
		t.Fatalf("GET attempt: %d %s", r.status, r.body)
	}
	// Drafts with content ids or with made-up tokens are refused, nothing changes.
	for _, bad := range []map[string]any{{"answers": map[string]any{co.Modules[0].Questions[0].ID: []string{"a"}}}, {"answers": map[string]any{"x": 5}}} {
		if r = a.do(req{method: "PUT", path: "/api/v1/attempts/" + att.ID + "/answers", bearer: login.Token, json: bad}); r.status != 400 {
			t.Fatalf("bad draft %v: %d %s", bad, r.status, r.body)
		}
	}
	// Submitting with open questions goes to the review step; nothing graded.
	if r = b.post("/attempts/"+att.ID, half); r.status != 303 || r.header.Get("Location") != "/attempts/"+att.ID+"/review" {
		t.Fatalf("partial submit: %d %s", r.status, r.header.Get("Location"))
	}
	if r = b.get("/attempts/" + att.ID + "/review"); r.status != 200 || strings.Count(r.body, `href="/courses/`+courseID+`/exam#q-`) < total-total/2 {
		t.Fatalf("review page: %d\n%s", r.status, r.body)
	}
	if open, _ := a.db.OpenAttempt(context.Background(), u.ID, courseID, ""); open.ID != att.ID {
		t.Fatal("the review step closed the attempt")
	}
	// The API says the same: 409 unanswered with their ids, unless confirmed.
	r = a.do(req{method: "POST", path: "/api/v1/attempts/" + att.ID + "/submit", bearer: login.Token, json: map[string]any{"answers": got.Answers}})
	if r.status != 409 || apiErrorCode(t, r.body) != "unanswered" {
		t.Fatalf("unconfirmed API submit: %d %s", r.status, r.body)
	}
	// "Submit anyway" grades the saved answers.
	if r = b.post("/attempts/"+att.ID, url.Values{"saved": {"1"}, "confirm": {"1"}}); r.status != 303 {
		t.Fatalf("submit anyway: %d", r.status)
	}
	r = b.get("/attempts/" + att.ID)
	// (A GET with ?lang= shows one page in that language; the account keeps German.)
	if want := fmt.Sprintf("%d von %d", total/2, total); r.status != 200 || !strings.Contains(r.body, want) || !strings.Contains(r.body, "Ergebnis nach Modul") {
		t.Fatalf("result after submit anyway (want %q):\n%s", want, r.body)
	}
	if strings.Contains(r.body, "Warum:") || strings.Contains(r.body, "richtige Antwort") {
		t.Fatal("the exam result shows the key")
	}
	if r = a.do(req{method: "PUT", path: "/api/v1/attempts/" + att.ID + "/answers", bearer: login.Token, json: map[string]any{"answers": got.Answers}}); r.status != 409 {
		t.Fatalf("draft for a submitted attempt: %d", r.status)
	}
}

// A module quiz never shows content option ids, and before the module is
// passed its result names no correct option.
func TestModuleQuizKeepsKeySecretInHTML(t *testing.T) {
	a := newTestApp(t, nil)
	co, _ := realCatalog(t).Course(courseID)
	b := a.browser()
	b.post("/register", url.Values{"name": {"Erika"}, "email": {"erika@example.com"}, "password": {"correct horse battery"}})
	mod := "/courses/" + courseID + "/daten-und-ki"
	b.post(mod+"/quiz", url.Values{})
	page := b.get(mod)
	for _, v := range []string{`value="a"`, `value="b"`, `value="c"`, `value="true"`, `value="false"`} {
		if strings.Contains(page.body, v) {
			t.Fatalf("module quiz HTML shows %s", v)
		}
	}
	u, _ := a.db.UserByEmail(context.Background(), "erika@example.com")
	att, _ := a.db.OpenAttempt(context.Background(), u.ID, courseID, "daten-und-ki")
	var drawn []quiz.Drawn
	json.Unmarshal(att.Questions, &drawn)
	wrong := url.Values{}
	for _, d := range drawn {
		q, _ := co.Question(d.QuestionID)
		for _, o := range q.Options {
			if !o.Correct {
				id, _ := d.ShownID(o.ID)
				wrong.Set("q-"+q.ID, id)
				break
			}
		}
	}
	b.post("/attempts/"+att.ID, wrong)
	r := b.get("/attempts/" + att.ID)
	if r.status != 200 || strings.Contains(r.body, "richtige Antwort") || strings.Contains(r.body, "Warum:") ||
		!strings.Contains(r.body, "Lesen Sie dazu noch einmal:") || !strings.Contains(r.body, "Ihre Wahl") {
		t.Fatalf("failed quiz result:\n%s", r.body)
	}
}
