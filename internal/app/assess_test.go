package app_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"kipass/courses"
	"kipass/internal/app"
	"kipass/internal/auth"
	"kipass/internal/errs"
	"kipass/internal/store"
	"kipass/internal/store/storetest"
	"kipass/quiz"
)

const courseID = "ki-am-arbeitsplatz"

var catalog = func() func(testing.TB) *courses.Catalog {
	var once sync.Once
	var cat *courses.Catalog
	var err error
	return func(t testing.TB) *courses.Catalog {
		once.Do(func() { cat, err = courses.Load(os.DirFS("../../content")) })
		if err != nil {
			t.Fatal(err)
		}
		return cat
	}
}()

// fixture is the use cases over a real SQLite file with a movable clock.
type fixture struct {
	t   *testing.T
	app *app.App
	db  *store.DB
	now time.Time
	co  *courses.Course
}

func newFixture(t *testing.T, cfg app.Config) *fixture {
	t.Helper()
	db := storetest.Open(t)
	cat := catalog(t)
	f := &fixture{t: t, db: db, now: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	f.co, _ = cat.Course(courseID)
	db.Now = func() time.Time { return f.now }
	f.app = app.New(app.Deps{Config: cfg, Attempts: db, Certificates: db, Accounts: db, Reports: db, Assignments: db, Audit: db, Departments: db, Outreach: db,
		Sessions: db, Tokens: db, Directory: db,
		Hasher:  auth.NewHasher(auth.Params{Memory: 64, Time: 1, Threads: 1}, 2),
		Catalog: func() *courses.Catalog { return cat }, Now: func() time.Time { return f.now }})
	return f
}

func (f *fixture) user(email, role string) app.User {
	f.t.Helper()
	ctx := context.Background()
	id, err := f.db.CreateUser(ctx, app.NewUser{Email: email, Name: "Erika Mustermann", Role: role, PasswordHash: "x"})
	if err != nil {
		f.t.Fatal(err)
	}
	u, err := f.db.UserByID(ctx, id)
	if err != nil {
		f.t.Fatal(err)
	}
	return u
}

// answers returns all right (or one wrong option per question) answers.
func (f *fixture) answers(drawn []quiz.Drawn, right bool) app.AnswerReader {
	return func([]quiz.Drawn) (quiz.Answers, error) {
		out := quiz.Answers{}
		for _, d := range drawn {
			q, _ := f.co.Question(d.QuestionID)
			for _, o := range q.Options {
				if o.Correct == right {
					out[d.QuestionID] = append(out[d.QuestionID], o.ID)
					if !right {
						break
					}
				}
			}
		}
		return quiz.FromContent(drawn, out), nil
	}
}

// answersFor answers only the given questions (a part of an attempt).
func (f *fixture) answersFor(drawn []quiz.Drawn, right bool) app.AnswerReader {
	return f.answers(drawn, right)
}

func (f *fixture) passModules(u app.User) {
	f.t.Helper()
	for _, m := range f.co.Modules {
		st, err := f.app.StartAttempt(context.Background(), u, courseID, m.ID, "de")
		if err != nil {
			f.t.Fatal(err)
		}
		if _, res, err := f.app.Submit(context.Background(), u, st.Attempt.ID, f.answers(st.Questions, true), false); err != nil || !res.Passed {
			f.t.Fatalf("module %s: %+v %v", m.ID, res, err)
		}
	}
}

func (f *fixture) passExam(u app.User) app.Result {
	f.t.Helper()
	st, err := f.app.StartAttempt(context.Background(), u, courseID, "", "de")
	if err != nil {
		f.t.Fatal(err)
	}
	_, res, err := f.app.Submit(context.Background(), u, st.Attempt.ID, f.answers(st.Questions, true), false)
	if err != nil || !res.Passed {
		f.t.Fatalf("exam: %+v %v", res, err)
	}
	return res
}

func code(err error) string {
	if e := errs.As(err); e != nil {
		return e.Code
	}
	return ""
}

func TestExamLockedUntilEveryModulePassed(t *testing.T) {
	f := newFixture(t, app.Config{})
	u := f.user("e@example.com", app.RoleEmployee)
	if _, err := f.app.StartAttempt(context.Background(), u, courseID, "", "de"); code(err) != "exam_locked" {
		t.Fatalf("exam before the modules: %v", err)
	}
	if _, err := f.app.StartAttempt(context.Background(), u, "nope", "", "de"); errs.KindOf(err) != errs.NotFound {
		t.Fatalf("unknown course: %v", err)
	}
	if _, err := f.app.StartAttempt(context.Background(), u, courseID, "nope", "de"); errs.KindOf(err) != errs.NotFound {
		t.Fatalf("unknown module: %v", err)
	}
	f.passModules(u)
	st, err := f.app.StartAttempt(context.Background(), u, courseID, "", "de")
	if err != nil || st.Attempt.Kind != app.KindExam || len(st.Questions) != f.co.Exam.Questions ||
		!st.Attempt.ExpiresAt.Equal(f.now.Add(time.Duration(f.co.Exam.Minutes)*time.Minute)) {
		t.Fatalf("exam start: %+v %v", st.Attempt, err)
	}
}

func TestExamAttemptLimitPer24Hours(t *testing.T) {
	f := newFixture(t, app.Config{ExamAttemptsPerDay: 2})
	u := f.user("e@example.com", app.RoleEmployee)
	f.passModules(u)
	for i := range 2 {
		if _, err := f.app.StartAttempt(context.Background(), u, courseID, "", "de"); err != nil {
			t.Fatalf("start %d: %v", i, err)
		}
	}
	_, err := f.app.StartAttempt(context.Background(), u, courseID, "", "de")
	if code(err) != "exam_limit_reached" || errs.KindOf(err) != errs.Throttled {
		t.Fatalf("third start: %v", err)
	}
	if al, _ := f.app.ExamAllowance(context.Background(), u.ID, courseID); al.Used != 2 || al.Remaining != 0 {
		t.Fatalf("allowance %+v", al)
	}
	f.now = f.now.Add(24*time.Hour + time.Second)
	if _, err := f.app.StartAttempt(context.Background(), u, courseID, "", "de"); err != nil {
		t.Fatalf("a day later: %v", err)
	}
}

func TestSubmitOnceAndSomeoneElsesAttempt(t *testing.T) {
	f := newFixture(t, app.Config{})
	u := f.user("e@example.com", app.RoleEmployee)
	other := f.user("m@example.com", app.RoleEmployee)
	m := f.co.Modules[0]
	st, err := f.app.StartAttempt(context.Background(), u, courseID, m.ID, "de")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.app.Submit(context.Background(), other, st.Attempt.ID, f.answers(st.Questions, true), false); errs.KindOf(err) != errs.NotFound {
		t.Fatalf("someone else's attempt: %v", err)
	}
	_, first, err := f.app.Submit(context.Background(), u, st.Attempt.ID, f.answers(st.Questions, false), false)
	if err != nil || first.Passed || first.Total != len(st.Questions) {
		t.Fatalf("first submission: %+v %v", first, err)
	}
	// The second submission, right this time, changes nothing and reads no answers.
	_, again, err := f.app.Submit(context.Background(), u, st.Attempt.ID, func([]quiz.Drawn) (quiz.Answers, error) {
		t.Fatal("answers read for a submitted attempt")
		return nil, nil
	}, false)
	if err != nil || again.Passed || again.ScorePercent != first.ScorePercent {
		t.Fatalf("second submission: %+v %v", again, err)
	}
	if _, _, err := f.app.Submit(context.Background(), u, "not-an-id", nil, false); errs.KindOf(err) != errs.NotFound {
		t.Fatalf("malformed id: %v", err)
	}
}

func TestLateExamGradesTheAnswersSavedInTime(t *testing.T) {
	f := newFixture(t, app.Config{ExamAttemptsPerDay: 10})
	u := f.user("e@example.com", app.RoleEmployee)
	f.passModules(u)
	ctx := context.Background()
	st, err := f.app.StartAttempt(ctx, u, courseID, "", "de")
	if err != nil {
		t.Fatal(err)
	}
	// Within the grace period after the end the submission counts.
	f.now = st.Attempt.ExpiresAt.Add(app.SubmitGrace)
	_, res, err := f.app.Submit(ctx, u, st.Attempt.ID, f.answers(st.Questions, true), false)
	if err != nil || !res.Passed || res.Expired || res.CertificateID == "" {
		t.Fatalf("in the grace period: %+v %v", res, err)
	}
	// Later, the answers sent late do not count: the draft saved before
	// the deadline is graded, as of the deadline.
	f.now = f.now.Add(24 * time.Hour)
	st, err = f.app.StartAttempt(ctx, u, courseID, "", "de")
	if err != nil {
		t.Fatal(err)
	}
	half := f.answersFor(st.Questions[:len(st.Questions)/2], true)
	if _, err := f.app.SaveDraft(ctx, u, st.Attempt.ID, half); err != nil {
		t.Fatal(err)
	}
	f.now = st.Attempt.ExpiresAt
	if _, err := f.app.SaveDraft(ctx, u, st.Attempt.ID, f.answers(st.Questions, true)); code(err) != "attempt_closed" {
		t.Fatalf("draft at the deadline: %v, want attempt_closed", err)
	}
	f.now = st.Attempt.ExpiresAt.Add(app.SubmitGrace + time.Second)
	att, res, err := f.app.Submit(ctx, u, st.Attempt.ID, f.answers(st.Questions, true), false)
	if err != nil || res.Passed || !res.Expired || res.ScorePercent != 50 || !att.SubmittedAt.Equal(st.Attempt.ExpiresAt) {
		t.Fatalf("late: %+v %v (submitted %v)", res, err, att.SubmittedAt)
	}
}

func TestTimeoutGradesTheDraftWithoutTheLearner(t *testing.T) {
	f := newFixture(t, app.Config{ExamAttemptsPerDay: 10})
	u := f.user("e@example.com", app.RoleEmployee)
	f.passModules(u)
	ctx := context.Background()
	st, err := f.app.StartAttempt(ctx, u, courseID, "", "de")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.app.SaveDraft(ctx, u, st.Attempt.ID, f.answers(st.Questions, true)); err != nil {
		t.Fatal(err)
	}
	if n, err := f.app.FinishExpired(ctx, 0); err != nil || n != 0 {
		t.Fatalf("before the end: %d %v", n, err)
	}
	f.now = st.Attempt.ExpiresAt.Add(app.SubmitGrace + time.Minute)
	if n, err := f.app.FinishExpired(ctx, 0); err != nil || n != 1 {
		t.Fatalf("after the end: %d %v", n, err)
	}
	att, err := f.app.Attempt(ctx, u, st.Attempt.ID)
	if err != nil || att.Open() {
		t.Fatalf("attempt after the job: %+v %v", att, err)
	}
	res, _ := app.DecodeResult(att)
	if !res.Passed || !res.Expired || res.CertificateID == "" {
		t.Fatalf("graded draft: %+v", res)
	}
	if n, err := f.app.FinishExpired(ctx, 0); err != nil || n != 0 {
		t.Fatalf("second run: %d %v", n, err)
	}
}

func TestOptionTokensHideContentIDs(t *testing.T) {
	f := newFixture(t, app.Config{})
	u := f.user("e@example.com", app.RoleEmployee)
	ctx := context.Background()
	m := f.co.Modules[0]
	st1, err := f.app.StartAttempt(ctx, u, courseID, m.ID, "de")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, q := range app.Present(f.co, st1.Questions, "de") {
		for _, o := range q.Options {
			if len(o.ID) < 10 || o.ID == "true" || o.ID == "false" {
				t.Fatalf("question %s shows option id %q", q.ID, o.ID)
			}
			seen[o.ID] = true
		}
	}
	// Content ids are refused; the attempt stays open.
	content := func([]quiz.Drawn) (quiz.Answers, error) {
		out := quiz.Answers{}
		for _, d := range st1.Questions {
			out[d.QuestionID] = d.OptionIDs[:1]
		}
		return out, nil
	}
	if _, _, err := f.app.Submit(ctx, u, st1.Attempt.ID, content, false); code(err) != "invalid_answers" {
		t.Fatalf("content ids: %v", err)
	}
	// Tokens of another attempt are refused too.
	if _, _, err := f.app.Submit(ctx, u, st1.Attempt.ID, f.answers(st1.Questions, false), false); err != nil {
		t.Fatal(err)
	}
	f.now = f.now.Add(time.Minute)
	st2, err := f.app.StartAttempt(ctx, u, courseID, m.ID, "de")
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range app.Present(f.co, st2.Questions, "de") {
		for _, o := range q.Options {
			if seen[o.ID] {
				t.Fatalf("token %q reused across attempts", o.ID)
			}
		}
	}
	foreign := func([]quiz.Drawn) (quiz.Answers, error) {
		out := quiz.Answers{}
		for _, d := range st2.Questions {
			out[d.QuestionID] = []string{st1.Questions[0].Tokens[0]}
		}
		return out, nil
	}
	if _, _, err := f.app.Submit(ctx, u, st2.Attempt.ID, foreign, false); code(err) != "invalid_answers" {
		t.Fatalf("tokens of another attempt: %v", err)
	}
	if att, _ := f.app.Attempt(ctx, u, st2.Attempt.ID); !att.Open() {
		t.Fatal("a refused submission closed the attempt")
	}
}

func TestEmptyAndUnansweredSubmissions(t *testing.T) {
	f := newFixture(t, app.Config{ExamAttemptsPerDay: 1})
	u := f.user("e@example.com", app.RoleEmployee)
	ctx := context.Background()
	none := func([]quiz.Drawn) (quiz.Answers, error) { return quiz.Answers{}, nil }
	st, err := f.app.StartAttempt(ctx, u, courseID, f.co.Modules[0].ID, "de")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.app.Submit(ctx, u, st.Attempt.ID, none, false); code(err) != "no_answers" {
		t.Fatalf("empty module quiz: %v", err)
	}
	f.passModules(u)
	ex, err := f.app.StartAttempt(ctx, u, courseID, "", "de")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.app.Submit(ctx, u, ex.Attempt.ID, none, true); code(err) != "no_answers" {
		t.Fatalf("empty exam, even confirmed: %v", err)
	}
	half := f.answersFor(ex.Questions[:5], true)
	_, _, err = f.app.Submit(ctx, u, ex.Attempt.ID, half, false)
	if e := errs.As(err); e == nil || e.Code != "unanswered" || len(e.Fields) != len(ex.Questions)-5 {
		t.Fatalf("unconfirmed partial exam: %v", err)
	}
	if att, _ := f.app.Attempt(ctx, u, ex.Attempt.ID); !att.Open() {
		t.Fatal("a refused exam submission closed the attempt")
	}
	_, res, err := f.app.Submit(ctx, u, ex.Attempt.ID, half, true)
	if err != nil || res.Correct != 5 || res.Passed {
		t.Fatalf("confirmed partial exam: %+v %v", res, err)
	}
}

func TestKeyStaysSecretUntilEarned(t *testing.T) {
	f := newFixture(t, app.Config{ExamAttemptsPerDay: 10})
	u := f.user("e@example.com", app.RoleEmployee)
	ctx := context.Background()
	m := f.co.Modules[0]
	st, err := f.app.StartAttempt(ctx, u, courseID, m.ID, "de")
	if err != nil {
		t.Fatal(err)
	}
	_, res, err := f.app.Submit(ctx, u, st.Attempt.ID, f.answers(st.Questions, false), false)
	if err != nil || res.Passed || res.KeyShown {
		t.Fatalf("failed quiz: %+v %v", res, err)
	}
	for _, r := range res.Results {
		if len(r.CorrectOptions) != 0 || r.Explanation != "" {
			t.Fatalf("failed quiz shows the key: %+v", r)
		}
	}
	f.now = f.now.Add(time.Minute)
	st, err = f.app.StartAttempt(ctx, u, courseID, m.ID, "de")
	if err != nil {
		t.Fatal(err)
	}
	_, res, err = f.app.Submit(ctx, u, st.Attempt.ID, f.answers(st.Questions, true), false)
	if err != nil || !res.Passed || !res.KeyShown || len(res.Results[0].CorrectOptions) == 0 || res.Results[0].Explanation == "" {
		t.Fatalf("passed quiz: %+v %v", res, err)
	}
	f.passModules(u)
	ex, err := f.app.StartAttempt(ctx, u, courseID, "", "de")
	if err != nil {
		t.Fatal(err)
	}
	_, res, err = f.app.Submit(ctx, u, ex.Attempt.ID, f.answers(ex.Questions, false), true)
	if err != nil || res.Passed || res.KeyShown || len(res.Modules) != len(f.co.Modules) {
		t.Fatalf("failed exam: %+v %v", res, err)
	}
	total := 0
	for _, r := range res.Results {
		if len(r.CorrectOptions) != 0 || r.Explanation != "" {
			t.Fatalf("exam shows the key: %+v", r)
		}
	}
	for _, ms := range res.Modules {
		total += ms.Total
	}
	if total != res.Total {
		t.Fatalf("module scores add up to %d of %d", total, res.Total)
	}
}

func TestCooldownAfterRepeatedFailures(t *testing.T) {
	f := newFixture(t, app.Config{})
	u := f.user("e@example.com", app.RoleEmployee)
	ctx := context.Background()
	m := f.co.Modules[0]
	for i := 0; i < app.CooldownFailures; i++ {
		st, err := f.app.StartAttempt(ctx, u, courseID, m.ID, "de")
		if err != nil {
			t.Fatalf("attempt %d: %v", i+1, err)
		}
		if _, _, err := f.app.Submit(ctx, u, st.Attempt.ID, f.answers(st.Questions, false), false); err != nil {
			t.Fatal(err)
		}
		f.now = f.now.Add(time.Minute)
	}
	_, err := f.app.StartAttempt(ctx, u, courseID, m.ID, "de")
	if e := errs.As(err); e == nil || e.Code != "quiz_cooldown" || e.Fields["retry_at"] == "" {
		t.Fatalf("fourth attempt: %v", err)
	}
	if until, _ := f.app.QuizCooldown(ctx, u.ID, courseID, m.ID); until.IsZero() {
		t.Fatal("QuizCooldown does not report the wait")
	}
	// Another module is not affected; after the wait the module opens.
	if _, err := f.app.StartAttempt(ctx, u, courseID, f.co.Modules[1].ID, "de"); err != nil {
		t.Fatalf("other module: %v", err)
	}
	f.now = f.now.Add(app.DefaultCooldown)
	if _, err := f.app.StartAttempt(ctx, u, courseID, m.ID, "de"); err != nil {
		t.Fatalf("after the wait: %v", err)
	}
}

func TestExamPassIssuesKeepsAndRenewsCertificate(t *testing.T) {
	f := newFixture(t, app.Config{ExamAttemptsPerDay: 100})
	u := f.user("e@example.com", app.RoleEmployee)
	f.passModules(u)
	ctx := context.Background()
	first := f.passExam(u).CertificateID
	c, err := f.db.CertificateByID(ctx, first)
	if err != nil || c.UserID != u.ID || c.HolderName != u.Name || !c.IssuedAt.Equal(f.now) ||
		!c.ExpiresAt.Equal(f.now.AddDate(0, f.co.ValidityMonths, 0)) {
		t.Fatalf("certificate %+v %v", c, err)
	}
	// Passing again while it runs longer than the renewal window keeps it.
	f.now = f.now.Add(time.Hour)
	if got := f.passExam(u).CertificateID; got != first {
		t.Fatalf("second pass issued %q, want %q kept", got, first)
	}
	// Inside the window, a pass issues a new one.
	f.now = c.ExpiresAt.Add(-app.RenewWindow + time.Hour)
	renewed := f.passExam(u).CertificateID
	if renewed == first {
		t.Fatal("no renewal inside the window")
	}
	// After a revocation, a pass issues a new one too.
	admin := f.user("admin@example.com", app.RoleAdmin)
	if err := f.app.Revoke(ctx, admin, renewed, "issued in error"); err != nil {
		t.Fatal(err)
	}
	f.now = f.now.Add(time.Hour)
	if got := f.passExam(u).CertificateID; got == renewed || got == first {
		t.Fatalf("after revocation: %q", got)
	}
	list, _ := f.db.UserCertificates(ctx, u.ID)
	if len(list) != 3 {
		t.Fatalf("%d certificates", len(list))
	}
}

func TestRevokeRules(t *testing.T) {
	f := newFixture(t, app.Config{})
	ctx := context.Background()
	hr := f.user("hr@example.com", app.RoleHR)
	admin := f.user("admin@example.com", app.RoleAdmin)
	if err := f.app.Revoke(ctx, hr, "AAAAAAAAAAAAAAAAAAAAAA", "x"); errs.KindOf(err) != errs.Forbidden {
		t.Fatalf("HR revoked: %v", err)
	}
	if err := f.app.Revoke(ctx, admin, "AAAAAAAAAAAAAAAAAAAAAA", "  "); errs.KindOf(err) != errs.Invalid {
		t.Fatalf("empty reason: %v", err)
	}
	if err := f.app.Revoke(ctx, admin, "../x", "reason"); errs.KindOf(err) != errs.NotFound {
		t.Fatalf("malformed id: %v", err)
	}
	if err := f.app.Revoke(ctx, admin, "AAAAAAAAAAAAAAAAAAAAAA", "reason"); errs.KindOf(err) != errs.NotFound {
		t.Fatalf("unknown certificate: %v", err)
	}
}

// Two exams passed at the same time issue one certificate: the second
// submission finds its decision stale and keeps the first one's.
func TestParallelExamPassesIssueOneCertificate(t *testing.T) {
	f := newFixture(t, app.Config{ExamAttemptsPerDay: 100})
	u := f.user("e@example.com", app.RoleEmployee)
	f.passModules(u)
	ctx := context.Background()
	var started [4]app.Started
	for i := range started {
		var err error
		if started[i], err = f.app.StartAttempt(ctx, u, courseID, "", "de"); err != nil {
			t.Fatal(err)
		}
	}
	var ids [len(started)]string
	var wg sync.WaitGroup
	for i, st := range started {
		wg.Go(func() {
			_, res, err := f.app.Submit(ctx, u, st.Attempt.ID, f.answers(st.Questions, true), false)
			if err != nil || !res.Passed {
				t.Errorf("submit %d: %+v %v", i, res, err)
			}
			ids[i] = res.CertificateID
		})
	}
	wg.Wait()
	list, _ := f.db.UserCertificates(ctx, u.ID)
	if len(list) != 1 {
		t.Fatalf("%d certificates for parallel passes", len(list))
	}
	for i, id := range ids {
		if id != list[0].ID {
			t.Fatalf("pass %d names %q, the certificate is %q", i, id, list[0].ID)
		}
	}
}

// TestTestWiseGuessingFailsTheExam answers the final exam without knowing
// anything, as a test-wise guesser would (the longest option in single
// choice, all but the shortest in multiple choice, "false" for true/false),
// on several fresh accounts: none of them passes.
func TestTestWiseGuessingFailsTheExam(t *testing.T) {
	f := newFixture(t, app.Config{})
	ctx := context.Background()
	for i := 0; i < 5; i++ {
		u := f.user(fmt.Sprintf("guess%d@example.com", i), app.RoleEmployee)
		f.passModules(u)
		st, err := f.app.StartAttempt(ctx, u, courseID, "", "de")
		if err != nil {
			t.Fatal(err)
		}
		guess := func(drawn []quiz.Drawn) (quiz.Answers, error) {
			out := quiz.Answers{}
			for _, d := range drawn {
				q, _ := f.co.Question(d.QuestionID)
				byLen := slices.Clone(q.Options)
				slices.SortStableFunc(byLen, func(a, b quiz.Option) int { return len(b.Text["de"]) - len(a.Text["de"]) })
				switch q.Type {
				case quiz.TrueFalse:
					out[d.QuestionID] = []string{"false"}
				case quiz.Single:
					out[d.QuestionID] = []string{byLen[0].ID}
				default:
					for _, o := range byLen[:len(byLen)-1] {
						out[d.QuestionID] = append(out[d.QuestionID], o.ID)
					}
				}
			}
			return quiz.FromContent(drawn, out), nil
		}
		_, res, err := f.app.Submit(ctx, u, st.Attempt.ID, guess, true)
		if err != nil {
			t.Fatal(err)
		}
		if res.Passed {
			t.Fatalf("account %d passed the exam by guessing: %d %%", i, res.ScorePercent)
		}
		t.Logf("guesser %d: %d %%", i, res.ScorePercent)
	}
}
