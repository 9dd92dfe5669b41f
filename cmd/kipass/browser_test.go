package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"kipass/content"
	"kipass/courses"
)

// browserContext starts headless Chromium for a browser test. Without a
// Chromium the test is skipped, unless KIPASS_E2E=1 makes it required.
func browserContext(t *testing.T) context.Context {
	t.Helper()
	var path string
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			path = p
			break
		}
	}
	if path == "" {
		if os.Getenv("KIPASS_E2E") == "1" {
			t.Fatal("KIPASS_E2E=1 but no Chromium found; install it (apt-get install chromium)")
		}
		t.Skip("browser test skipped: no Chromium installed (apt-get install chromium; KIPASS_E2E=1 makes it required)")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(390, 844), // a phone
	)
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelB := chromedp.NewContext(actx)
	ctx, cancelC := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() { cancelC(); cancelB(); cancelA() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

func text(ctx context.Context, t *testing.T, sel string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("text %s: %v", sel, err)
	}
	return s
}

func TestBrowserSetupRegisterLoginLogout(t *testing.T) {
	ctx := browserContext(t)
	s := startServer(t, nil, "--data", t.TempDir())

	// The first admin through the one-time setup link, in German.
	must(t, chromedp.Do(ctx,
		chromedp.Navigate(s.setup+"&lang=de"),
		chromedp.WaitVisible(chromedp.CSS(`#f-name`)),
		chromedp.SendKeys(chromedp.CSS(`#f-name`), "Ada Admin"),
		chromedp.SendKeys(chromedp.CSS(`#f-email`), "ada@example.com"),
		chromedp.SendKeys(chromedp.CSS(`#f-password`), "admin password 1"),
		chromedp.SendKeys(chromedp.CSS(`#f-org_name`), "Muster GmbH"),
		chromedp.Click(chromedp.CSS(`form[action="/setup"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`dl.facts`)),
	))
	if got := text(ctx, t, "main"); !strings.Contains(got, "Ada Admin") || !strings.Contains(got, "Administration") {
		t.Fatalf("me page after setup: %q", got)
	}
	logout(ctx, t)

	// An employee registers in German, with a validation error first.
	must(t, chromedp.Do(ctx,
		chromedp.Navigate(s.url+"/register?lang=de"),
		chromedp.WaitVisible(chromedp.CSS(`#f-name`)),
		chromedp.SendKeys(chromedp.CSS(`#f-name`), "Erika Mustermann"),
		chromedp.SendKeys(chromedp.CSS(`#f-email`), "erika@example.com"),
		chromedp.SendKeys(chromedp.CSS(`#f-password`), "kurz"),
		chromedp.Click(chromedp.CSS(`form[action="/register"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`.field-error`)),
	))
	if got := text(ctx, t, ".field-error"); !strings.Contains(got, "Zu kurz") {
		t.Fatalf("field error %q", got)
	}
	kept, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(`#f-email`)))
	must(t, err)
	if kept != "erika@example.com" {
		t.Fatalf("email not kept: %q", kept)
	}
	must(t, chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS(`#f-password`), "correct horse battery"),
		chromedp.Click(chromedp.CSS(`form[action="/register"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`.hero h1`)),
	))
	if got := text(ctx, t, ".hero h1"); !strings.Contains(got, "Willkommen, Erika Mustermann") {
		t.Fatalf("home after register: %q", got)
	}
	if got := text(ctx, t, ".hero .org-mark"); got != "Muster GmbH" {
		t.Fatalf("home names the organisation %q, want the one set at setup", got)
	}
	logout(ctx, t)

	// Log in and out in English: the language picked on the login page
	// is kept on the account (there is no language cookie).
	must(t, chromedp.Do(ctx,
		chromedp.Navigate(s.url+"/login?lang=de"),
		chromedp.WaitVisible(chromedp.CSS(`a[hreflang=en]`)),
		chromedp.Click(chromedp.CSS(`a[hreflang=en]`)),
		chromedp.WaitVisible(chromedp.CSS(`a[hreflang=de]`)),
		chromedp.WaitVisible(chromedp.CSS(`#f-email`)),
	))
	if got := text(ctx, t, "h1"); got != "Log in" {
		t.Fatalf("language switch: %q", got)
	}
	must(t, chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS(`#f-email`), "erika@example.com"),
		chromedp.SendKeys(chromedp.CSS(`#f-password`), "correct horse battery"),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`.hero h1`)),
	))
	if got := text(ctx, t, ".hero h1"); !strings.Contains(got, "Welcome, Erika Mustermann") {
		t.Fatalf("home after English login: %q", got)
	}
	logout(ctx, t)
	must(t, chromedp.Do(ctx, chromedp.Navigate(s.url+"/me"), chromedp.WaitVisible(chromedp.CSS(`#f-email`))))
	loc, err := chromedp.Run(ctx, chromedp.Location())
	must(t, err)
	if !strings.Contains(loc, "/login?next=%2Fme") {
		t.Fatalf("/me after logout went to %q", loc)
	}
}

func logout(ctx context.Context, t *testing.T) {
	t.Helper()
	must(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`a[href="/login"]`)),
	))
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// answerQuiz ticks the correct (or a wrong) option of every question in the
// quiz form on the page and submits it.
func answerQuiz(ctx context.Context, t *testing.T, correct bool) {
	t.Helper()
	cat, err := courses.Load(content.FS())
	must(t, err)
	co, _ := cat.Course("ki-am-arbeitsplatz")
	// Each input's name, value (the attempt's token) and the option text
	// beside it: the test finds the content option by its text.
	inputs, err := chromedp.Run(ctx, chromedp.Evaluate[[][3]string](`[...document.querySelectorAll("form.quiz input[name^='q-']")].map(i => [i.name, i.value, i.parentElement.querySelector("span").textContent])`))
	must(t, err)
	if len(inputs) == 0 {
		t.Fatal("no quiz questions on the page")
	}
	shown := map[string]map[string]string{} // name -> text -> token
	var names []string
	for _, in := range inputs {
		if shown[in[0]] == nil {
			shown[in[0]] = map[string]string{}
			names = append(names, in[0])
		}
		shown[in[0]][in[2]] = in[1]
	}
	for _, n := range names {
		q, ok := co.Question(strings.TrimPrefix(n, "q-"))
		if !ok {
			t.Fatalf("unknown question %s", n)
		}
		for _, o := range q.Options {
			if o.Correct == correct {
				token := shown[n][o.Text["de"]] + shown[n][o.Text["en"]]
				must(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`input[name="`+n+`"][value="`+token+`"]`))))
				if !correct {
					break
				}
			}
		}
	}
	must(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`form.quiz button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS(`.score-card`))))
}

func TestBrowserReadModuleAndQuiz(t *testing.T) {
	ctx := browserContext(t)
	s := startServer(t, nil, "--data", t.TempDir())
	module := s.url + "/courses/ki-am-arbeitsplatz/datenqualitaet-und-audits"
	foreign := watchRequests(ctx, t, s.url)

	// Anyone can read a module, in German and in English.
	for _, tc := range []struct{ lang, want string }{{"de", "Lernziele"}, {"en", "Learning objectives"}} {
		lang, want := tc.lang, tc.want
		must(t, chromedp.Do(ctx, chromedp.Navigate(module+"?lang="+lang), chromedp.WaitVisible(chromedp.CSS(`#objectives`))))
		if got := text(ctx, t, "#objectives h2"); got != want {
			t.Fatalf("%s: objectives heading %q", lang, got)
		}
		htmlLang, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.documentElement.lang`))
		must(t, err)
		if htmlLang != lang {
			t.Fatalf("html lang %q, want %s", htmlLang, lang)
		}
		toc, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll(".toc a").length`))
		must(t, err)
		if toc < 5 {
			t.Fatalf("%s: table of contents has %d entries", lang, toc)
		}
	}

	// Register in English (the form passes the choice on to the account),
	// then take the quiz.
	must(t, chromedp.Do(ctx,
		chromedp.Navigate(s.url+"/register?lang=en"),
		chromedp.WaitVisible(chromedp.CSS(`#f-name`)),
		chromedp.SendKeys(chromedp.CSS(`#f-name`), "Erika Mustermann"),
		chromedp.SendKeys(chromedp.CSS(`#f-email`), "erika@example.com"),
		chromedp.SendKeys(chromedp.CSS(`#f-password`), "correct horse battery"),
		chromedp.Click(chromedp.CSS(`form[action="/register"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`.hero h1`)),
		chromedp.Navigate(module),
		chromedp.WaitVisible(chromedp.CSS(`#quiz form button`)),
		chromedp.Click(chromedp.CSS(`#quiz form button`)),
		chromedp.WaitVisible(chromedp.CSS(`form.quiz`)),
	))
	if n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("form.quiz fieldset legend").length`)); n != 5 {
		t.Fatalf("%d questions with legends", n)
	}

	// Fail: the result page explains every question and offers a retry.
	answerQuiz(ctx, t, false)
	if got := text(ctx, t, ".score"); got != "0 %" {
		t.Fatalf("score %q", got)
	}
	if n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll(".explanation").length`)); n != 5 {
		t.Fatalf("%d explanations", n)
	}
	must(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`.score-card a.button`)), // Try again
		chromedp.WaitVisible(chromedp.CSS(`#quiz form button`)),
		chromedp.Click(chromedp.CSS(`#quiz form button`)),
		chromedp.WaitVisible(chromedp.CSS(`form.quiz`)),
	))
	answerQuiz(ctx, t, true)
	if got := text(ctx, t, ".score-text"); !strings.Contains(got, "Passed: 5 of 5") {
		t.Fatalf("pass text %q", got)
	}
	must(t, chromedp.Do(ctx, chromedp.Navigate(s.url+"/courses/ki-am-arbeitsplatz"), chromedp.WaitVisible(chromedp.CSS(`.module-item.done`))))
	if got := text(ctx, t, ".progress-card p"); !strings.HasPrefix(got, "1 of 8 modules passed · ") {
		t.Fatalf("progress %q", got)
	}
	// Every page, script, stylesheet and image came from kipass itself, and
	// the log holds no personal data.
	if f := foreign(); len(f) > 0 {
		t.Fatalf("requests to other origins: %v", f)
	}
	checkLogClean(t, s.stderr.String(), "erika@example.com", "Erika", "correct horse battery")
}

// The exam never loses work, tried as a learner would on a phone: answers
// clicked on the exam page are saved by the page's script, come back after
// a reload and after switching to English and back, the page counts them,
// and submitting with open questions goes to the review step first.
func TestBrowserExamKeepsAnswers(t *testing.T) {
	ctx := browserContext(t)
	s := startServer(t, nil, "--data", t.TempDir())
	if code, b := apiCall(t, "POST", s.url+"/api/v1/register", "", map[string]string{"name": "Erika Mustermann", "email": "erika@example.com", "password": "correct horse battery"}); code != 201 {
		t.Fatalf("register: %d %s", code, b)
	}
	co := passModules(t, s.url, login(t, s.url, "erika@example.com", "correct horse battery"))
	total := co.Exam.Questions
	exam := s.url + "/courses/" + co.ID + "/exam"
	browserLogin(ctx, t, s.url, "erika@example.com", `.hero h1`)
	must(t, chromedp.Do(ctx,
		chromedp.Navigate(exam),
		chromedp.WaitVisible(chromedp.CSS(`form[action$="/exam"] button`)),
		chromedp.Click(chromedp.CSS(`form[action$="/exam"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`form.quiz`)),
	))
	// Answer the first half of the questions by clicking their first option.
	half := total / 2
	for i := 1; i <= half; i++ {
		must(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(fmt.Sprintf(`form.quiz fieldset.question:nth-of-type(%d) input`, i)))))
	}
	answered := fmt.Sprintf("%d von %d Fragen beantwortet", half, total)
	poll(ctx, t, fmt.Sprintf(`document.querySelector("[data-answered]").textContent === %q`, answered))
	// Wait for the draft to reach the server, then reload.
	poll(ctx, t, `document.querySelector("[data-saved]").textContent !== ""`)
	checked := func() int {
		n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("form.quiz input:checked").length`))
		must(t, err)
		return n
	}
	must(t, chromedp.Do(ctx, chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(`form.quiz`))))
	if n := checked(); n != half {
		t.Fatalf("after a reload %d answers are checked, want %d", n, half)
	}
	if got := text(ctx, t, "[data-answered]"); got != answered {
		t.Fatalf("count after reload %q", got)
	}
	screenshot(ctx, t, "exam-form-390")
	// Switch to English and back with the language button.
	for _, lang := range []string{"en", "de"} {
		must(t, chromedp.Do(ctx,
			chromedp.Click(chromedp.CSS(`button[hreflang=`+lang+`]`)),
			chromedp.WaitVisible(chromedp.CSS(`html[lang=`+lang+`] form.quiz`)),
		))
		if n := checked(); n != half {
			t.Fatalf("after switching to %s %d answers are checked, want %d", lang, n, half)
		}
	}
	// Submit with open questions: the review step lists them; nothing is graded yet.
	must(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`form.quiz .actions button.button:not(.secondary)`)),
		chromedp.WaitVisible(chromedp.CSS(`ol.unanswered`)),
	))
	if n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("ol.unanswered li").length`)); n != total-half {
		t.Fatalf("review lists %d open questions, want %d", n, total-half)
	}
	focused, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.activeElement.id`))
	must(t, err)
	if focused != "review" {
		t.Fatalf("focus after submit is on %q, want the review heading", focused)
	}
	screenshot(ctx, t, "exam-review-390")
	must(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`button[data-submit-anyway]`)),
		chromedp.WaitVisible(chromedp.CSS(`.score-card`)),
	))
	if got := text(ctx, t, "#modules-h"); got != "Ergebnis nach Modul" {
		t.Fatalf("result page: %q", got)
	}
	if got, want := text(ctx, t, ".score-card .meta"), fmt.Sprintf("Zum Bestehen sind %d %% nötig.", co.Exam.PassPercent); got != want {
		t.Fatalf("failed exam: pass mark %q, want %q", got, want)
	}
	if n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll(".explanation, .tag.ok").length`)); n != 0 {
		t.Fatalf("the exam result shows %d key elements", n)
	}
	screenshot(ctx, t, "exam-result-390")
	if os.Getenv("KIPASS_SCREENSHOTS") != "" {
		must(t, chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900)))
		screenshot(ctx, t, "exam-result-1280")
	}
}

// browserLogin logs the browser in through the German login form with the
// tests' password and waits for wait (a CSS selector) on the page it lands on.
func browserLogin(ctx context.Context, t *testing.T, base, email, wait string) {
	t.Helper()
	must(t, chromedp.Do(ctx,
		chromedp.Navigate(base+"/login?lang=de"),
		chromedp.WaitVisible(chromedp.CSS(`#f-email`)),
		chromedp.SendKeys(chromedp.CSS(`#f-email`), email),
		chromedp.SendKeys(chromedp.CSS(`#f-password`), "correct horse battery"),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(wait)),
	))
}

// poll waits up to 5 seconds until the JavaScript expression is true.
func poll(ctx context.Context, t *testing.T, expr string) {
	t.Helper()
	_, err := chromedp.Run(ctx, chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(5*time.Second)))
	must(t, err)
}

// screenshot saves the page as PNG under KIPASS_SCREENSHOTS (a folder) when
// that is set, for people to look at; tests never compare these.
func screenshot(ctx context.Context, t *testing.T, name string) {
	t.Helper()
	dir := os.Getenv("KIPASS_SCREENSHOTS")
	if dir == "" {
		return
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	must(t, err)
	must(t, os.WriteFile(dir+"/"+name+".png", png, 0o644))
}

// On a phone the module's title is on the first screen: the table of
// contents starts folded; beside the text on a wide screen it is open.
func TestBrowserModuleTOCOnPhone(t *testing.T) {
	ctx := browserContext(t)
	s := startServer(t, nil, "--data", t.TempDir())
	module := s.url + "/courses/ki-am-arbeitsplatz/eu-ai-act?lang=de"
	must(t, chromedp.Do(ctx, chromedp.Navigate(module), chromedp.WaitVisible(chromedp.CSS(`article.module h1`))))
	poll(ctx, t, `document.readyState === "complete"`)
	phone, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`!document.querySelector(".toc details").open && document.querySelector("article.module h1").getBoundingClientRect().bottom <= window.innerHeight`))
	must(t, err)
	if !phone {
		t.Fatal("on a phone the table of contents is open or the title is below the first screen")
	}
	screenshot(ctx, t, "module-390")
	// No module page is wider than the phone (a long German heading in the
	// table of contents once widened the page).
	cat, err := courses.Load(content.FS())
	must(t, err)
	co, _ := cat.Course("ki-am-arbeitsplatz")
	for _, m := range co.Modules {
		for _, lang := range []string{"de", "en"} {
			must(t, chromedp.Do(ctx, chromedp.Navigate(s.url+"/courses/"+co.ID+"/"+m.ID+"?lang="+lang), chromedp.WaitVisible(chromedp.CSS(`article.module h1`))))
			fits, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth <= document.documentElement.clientWidth`))
			must(t, err)
			if !fits {
				t.Errorf("%s (%s) is wider than the phone", m.ID, lang)
			}
		}
	}
	must(t, chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900), chromedp.Navigate(module), chromedp.WaitVisible(chromedp.CSS(`article.module h1`))))
	poll(ctx, t, `document.querySelector(".toc details").open`)
	screenshot(ctx, t, "module-1280")
}
