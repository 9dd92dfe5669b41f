package web

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"kipass/internal/auth"
	"kipass/internal/store"
)

// The fuzz tests send fuzzed requests to the real app over a real SQLite
// store and require that it never answers 5xx (a handler panic becomes a
// 500 through the recover middleware), never hangs, always sends the
// security headers and only well-formed allowed cookies, and that API
// errors are the contract's JSON.
//
// A fuzz input may hold placeholders that are replaced with live values,
// so that the seeds reach past the first validation step:
//
//	{csrf}     a CSRF token the server issued to a visitor without a session
//	           (the same one in cookie, header and body)
//	{scsrf}    the CSRF token the server issued for {session}
//	{session}  a browser session token of the employee
//	{token}    an API token of the employee
//	{cred}     a valid certificate credential (vc+jwt)
//	{user}     the employee's user id
//	{q0} {o0} {q1} {o1}  question and option ids of the attempt being submitted

// fuzzEnv is one app per fuzzing process; a *testing.F cannot use
// newTestApp, so the app is built the same way here and bound to each
// iteration's *testing.T.
type fuzzEnv struct {
	base *testApp

	once   sync.Once
	ready  bool
	vals   map[string]string // placeholder values
	apiTok string            // API token of the employee
	hrTok  string            // API token of an HR account

	listenOnce sync.Once
	listenErr  error
	url        string // the real listener, started on first use
	client     *http.Client
}

func newFuzzEnv(f *testing.F) *fuzzEnv {
	f.Helper()
	// Failed logins and verifications from the single test address must
	// not lock those handlers away from the fuzzer.
	ta := buildTestApp(f, func(c *Config) { c.AddressLimit, c.VerifyLimit = 1<<30, 1<<30 }, io.Discard)
	app := ta.app
	e := &fuzzEnv{base: ta, client: &http.Client{Timeout: 30 * time.Second}}
	f.Cleanup(func() {
		if e.url != "" {
			e.client.CloseIdleConnections()
			app.ShutdownWithTimeout(2 * time.Second)
		}
	})
	return e
}

// bind returns the app for one iteration; the first one creates the
// accounts, a certificate and the sessions the placeholders stand for.
func (e *fuzzEnv) bind(t *testing.T) *testApp {
	t.Helper()
	a := *e.base
	a.t = t
	e.once.Do(func() {
		ctx := context.Background()
		tok := a.apiUser("erika@example.com")
		certID := passExam(t, &a, tok)
		cred := a.do(req{method: "GET", path: "/certificates/" + certID + ".jwt", bearer: tok})
		if cred.status != 200 {
			t.Fatalf("credential: %d", cred.status)
		}
		u, err := a.db.UserByEmail(ctx, "erika@example.com")
		if err != nil {
			t.Fatal(err)
		}
		session := auth.NewToken()
		if err := a.db.CreateSession(ctx, auth.HashToken(session), u.ID, store.SessionBrowser, time.Now().Add(24*time.Hour)); err != nil {
			t.Fatal(err)
		}
		e.apiTok, e.hrTok = tok, a.makeUser("hr@example.com", store.RoleHR)
		e.vals = map[string]string{"{csrf}": a.csrfFor(""), "{scsrf}": a.csrfFor(session), "{session}": session, "{token}": tok,
			"{cred}": cred.body, "{user}": fmt.Sprint(u.ID)}
		e.ready = true
	})
	if !e.ready {
		t.Fatal("set-up failed in an earlier iteration")
	}
	return &a
}

// fill replaces the placeholders in s.
func (e *fuzzEnv) fill(s string, extra map[string]string) string {
	if !strings.Contains(s, "{") {
		return s
	}
	for k, v := range e.vals {
		s = strings.ReplaceAll(s, k, v)
	}
	for k, v := range extra {
		s = strings.ReplaceAll(s, k, v)
	}
	return s
}

// fuzzSend sends one request with a time limit and checks what every
// response must satisfy. refused reports that fasthttp answered before
// the app saw the request.
func fuzzSend(t *testing.T, e *fuzzEnv, a *testApp, method, path string, h http.Header, body string) (r resp, refused bool) {
	t.Helper()
	hr := httptest.NewRequest(method, path, strings.NewReader(body))
	hr.Header = h.Clone()
	res, err := a.app.Test(hr, 30_000)
	if err != nil && !strings.Contains(err.Error(), "timeout") && !strings.Contains(err.Error(), "panic") {
		// fasthttp refused the request before the app saw it (headers over
		// the read buffer, a malformed multipart body) and app.Test returns
		// its error instead of the response: ask a real connection.
		refused = true
		res, err = e.sendOverHTTP(method, path, h, body)
	}
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	r = resp{status: res.StatusCode, header: res.Header, body: string(b), cookies: res.Cookies()}
	where := method + " " + path
	if r.status >= 500 {
		t.Fatalf("%s: status %d: %.300s", where, r.status, r.body)
	}
	for _, p := range append(headerProblems(r, false), cookieProblems(r, false)...) {
		t.Errorf("%s (%d): %s", where, r.status, p)
	}
	// A request fasthttp refused reaches the error handler without its path
	// (fasthttp resets it), so it gets the HTML error page.
	if strings.HasPrefix(path, "/api/") && r.status >= 400 && !refused {
		var e apiError
		if err := json.Unmarshal(b, &e); err != nil || e.Error.Code == "" || e.Error.Message == "" {
			t.Fatalf("%s: status %d without the JSON error body: %.300q", where, r.status, r.body)
		}
	}
	return r, refused
}

// sendOverHTTP sends the request to the app's real listener.
func (e *fuzzEnv) sendOverHTTP(method, path string, h http.Header, body string) (*http.Response, error) {
	e.listenOnce.Do(func() {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			e.listenErr = err
			return
		}
		go e.base.app.Listener(ln)
		e.url = "http://" + ln.Addr().String()
	})
	if e.listenErr != nil {
		return nil, e.listenErr
	}
	r, err := http.NewRequest(method, e.url+path, strings.NewReader(body))
	if err != nil {
		return nil, err
	}
	r.Header = h.Clone()
	return e.client.Do(r)
}

// headerValueOK reports whether s can be sent as a header value at all;
// a CR or LF would end the header and start another.
func headerValueOK(s string) bool { return !strings.ContainsAny(s, "\r\n") }

// postTargets are the POST endpoints FuzzPostBodies sends bodies to.
var postTargets = []struct {
	path string
	as   string // "", "employee" (bearer), "hr" (bearer) or "browser" (CSRF cookie)
}{
	{"/api/v1/login", ""},
	{"/api/v1/register", ""},
	{"/api/v1/attempts/{attempt}/submit", "employee"},
	{"/api/v1/verify", ""},
	{"/login", "browser"},
	{"/register", "browser"},
	{"/verify", "browser"},
	{"/api/v1/hr/assignments", "hr"},
}

// FuzzPostBodies sends fuzzed bodies and content types to the POST
// endpoints that parse JSON, form and multipart bodies. target selects the
// endpoint (target%8); for the browser forms, target&8 leaves out the
// X-CSRF-Token header so that the CSRF check reads the token from the body.
func FuzzPostBodies(f *testing.F) {
	env := newFuzzEnv(f)
	const js, form = "application/json", "application/x-www-form-urlencoded"
	mp := "multipart/form-data; boundary=XyZ"
	multipart := func(parts ...string) string {
		var b strings.Builder
		for i := 0; i+1 < len(parts); i += 2 {
			fmt.Fprintf(&b, "--XyZ\r\nContent-Disposition: form-data; name=%q\r\n\r\n%s\r\n", parts[i], parts[i+1])
		}
		b.WriteString("--XyZ--\r\n")
		return b.String()
	}
	pdfPart := "--XyZ\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n{csrf}\r\n" +
		"--XyZ\r\nContent-Disposition: form-data; name=\"pdf\"; filename=\"c.pdf\"\r\nContent-Type: application/pdf\r\n\r\n" +
		"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\r\n--XyZ--\r\n"
	for _, s := range []struct {
		target   uint8
		ct, body string
	}{
		// login
		{0, js, `{"email":"erika@example.com","password":"correct horse battery"}`},
		{0, js, `{"email":" ERIKA@example.com ","password":"wrong password!"}`},
		{0, js, `null`},
		{0, js, `{"email":1,"password":["x"]}`},
		{0, "application/json; charset=utf-8", `{"email":"\u0000@x.de","password":"\ud800"}`},
		{0, form, `email=erika%40example.com&password=correct+horse+battery`},
		{0, "", ``},
		// register
		{1, js, `{"name":"Max Muster","email":"max@example.com","password":"0123456789","department":"IT"}`},
		{1, js, `{"name":"  ","email":"a@b","password":"short"}`},
		{1, "APPLICATION/JSON", `[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]`},
		{1, js, `{"name":"Max","name":"Moritz","email":"m@example.com","password":"0123456789","x":{}}`},
		{1, "text/plain", `{"name":"Max"}`},
		{1, js, `{"name":"` + strings.Repeat("ä", 101) + `","email":"` + strings.Repeat("a", 250) + `@b.de","password":"` + strings.Repeat("p", 257) + `"}`},
		// submit
		{2, js, `{"answers":{"{q0}":["{o0}"],"{q1}":"{o1}"}}`},
		{2, js, `{"answers":{"{q0}":["{o0}","{o0}"]}}`},
		{2, js, `{"answers":{}}`},
		{2, js, `{"answers":null}`},
		{2, js, `{"answers":{"nope":["x"]}}`},
		{2, js, `{}`},
		{2, js, `{"answers":[1,2]}`},
		{2, form, `answers=x`},
		// verify
		{3, js, `{"token":"{cred}"}`},
		{3, js, `{"token":""}`},
		{3, js, `{"token":"a.b.c"}`},
		{3, js, `{"token":"{cred}x"}`},
		{3, "application/pdf", "%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF"},
		{3, "application/pdf", ``},
		{3, mp, multipart("token", "{cred}")},
		// login form
		{4, form, `email=erika%40example.com&password=correct+horse+battery&next=%2Fme`},
		{4, form, `email=erika%40example.com&password=wrong&next=%2F%2Fevil.example`},
		{4, form, `email=%zz&password=%&&&=`},
		{4, mp, multipart("email", "erika@example.com", "password", "wrong password")},
		{4 | 8, form, `_csrf={csrf}&email=x&password=y`},
		{4 | 8, form, `_csrf=&email=x`},
		{4 | 8, mp, multipart("_csrf", "{csrf}", "email", "x")},
		// register form
		{5, form, `name=Moritz&email=moritz%40example.com&password=0123456789&department=Vertrieb`},
		{5, form, `name=&email=erika%40example.com&password=1`},
		{5, "multipart/form-data", multipart("name", "x")},
		{5 | 8, form, `_csrf={csrf}&name=A&email=a%40example.com&password=0123456789`},
		// verify form
		{6, form, `token={cred}`},
		{6, form, `token=`},
		{6, mp, pdfPart},
		{6, "multipart/form-data; boundary=", "--\r\n"},
		{6 | 8, mp, pdfPart},
		{6 | 8, form, `_csrf={csrf}&token=%20`},
		// assignments
		{7, js, `{"course":"ki-am-arbeitsplatz","scope":"all","due_at":"2027-01-31"}`},
		{7, js, `{"course":"ki-am-arbeitsplatz","scope":"user","user_id":{user},"due_at":"2027-01-31T12:00:00+01:00"}`},
		{7, js, `{"course":"ki-am-arbeitsplatz","scope":"department","department":" Vertrieb\u0000 ","due_at":"2027-02-30"}`},
		{7, js, `{"course":"nope","scope":"user","user_id":9223372036854775807,"due_at":"0000-01-01"}`},
		{7, js, `{"user_id":1e400}`},
		{7, js, `{"course":"ki-am-arbeitsplatz","scope":"all","due_at":"99999-12-31T23:59:60Z"}`},
	} {
		f.Add(s.target, s.ct, []byte(s.body))
	}
	f.Fuzz(func(t *testing.T, target uint8, ct string, body []byte) {
		if !headerValueOK(ct) {
			t.Skip()
		}
		a := env.bind(t)
		tg := postTargets[int(target)%len(postTargets)]
		extra := map[string]string{}
		path := tg.path
		if strings.Contains(path, "{attempt}") {
			// A fresh attempt for every submission (a second one would
			// only return the first result).
			s, r := a.start(env.apiTok, modulePath("dsgvo-grundlagen"))
			if r.status != 201 || len(s.Questions) < 2 {
				t.Fatalf("start attempt: %d %s", r.status, r.body)
			}
			path = strings.Replace(path, "{attempt}", s.AttemptID, 1)
			for i, q := range s.Questions[:2] {
				extra[fmt.Sprintf("{q%d}", i)] = q.ID
				extra[fmt.Sprintf("{o%d}", i)] = q.Options[0].ID
			}
		}
		raw := env.fill(string(body), extra)
		h := http.Header{}
		if ct != "" {
			h.Set("Content-Type", ct)
		}
		switch tg.as {
		case "employee":
			h.Set("Authorization", "Bearer "+env.apiTok)
		case "hr":
			h.Set("Authorization", "Bearer "+env.hrTok)
		case "browser":
			h.Set("Cookie", "kipass_csrf="+env.vals["{csrf}"])
			if target&8 == 0 {
				h.Set("X-CSRF-Token", env.vals["{csrf}"])
			}
		}
		r, refused := fuzzSend(t, env, a, "POST", path, h, raw)
		if tg.as == "browser" && target&8 != 0 && !refused && r.status != 403 && !strings.Contains(raw, env.vals["{csrf}"]) {
			t.Fatalf("%s passed the CSRF check without the token: %d", path, r.status)
		}
	})
}

// authTargets are the requests FuzzAuthHeaders sends with fuzzed Cookie,
// Authorization and X-CSRF-Token headers.
var authTargets = []struct{ method, path, body string }{
	{"GET", "/api/v1/me", ""},
	{"GET", "/me", ""},
	{"GET", "/courses/" + courseID + "/dsgvo-grundlagen", ""},
	{"POST", "/verify", "token=x"},
	{"POST", "/api/v1/courses/" + courseID + "/modules/dsgvo-grundlagen/attempts", ""},
	{"GET", "/admin", ""},
}

// FuzzAuthHeaders fuzzes how the session cookie, the bearer token and the
// CSRF token are read. Besides the rules for every response it checks
// that nothing authenticates or passes the CSRF check without the right
// token in the request.
func FuzzAuthHeaders(f *testing.F) {
	env := newFuzzEnv(f)
	for _, s := range [][3]string{
		{"", "", ""},
		{"kipass_session={session}; kipass_csrf={scsrf}", "", "{scsrf}"},
		{"kipass_session={session}; kipass_csrf={csrf}", "", "{csrf}"},
		{"kipass_session={session}", "", ""},
		{"kipass_session={session}; kipass_csrf={scsrf}", "", "{scsrf}x"},
		{"kipass_csrf={scsrf}", "", "{scsrf}"},
		{"kipass_csrf={csrf}", "", "{csrf}"},
		{"kipass_csrf={csrf}; kipass_csrf=other", "", "other"},
		{"", "Bearer {token}", ""},
		{"", "bearer {token}", ""},
		{"", "BEARER \t {token}  ", ""},
		{"", "Bearer ", ""},
		{"", "Bearer nonsense", ""},
		{"", "Basic ZXJpa2E6cGFzc3dvcmQ=", ""},
		{"", "Bearer " + strings.Repeat("A", 200), ""},
		{"kipass_session={session}", "Bearer nonsense", ""},
		{"kipass_session=nonsense", "Bearer {token}", ""},
		{"kipass_session=\"{session}\"; kipass_csrf=\"{scsrf}\"", "", "{scsrf}"},
		{"kipass_session={session}; kipass_session=x", "", ""},
		{"kipass_session=" + strings.Repeat("a", 129), "", ""},
		{"kipass_lang=xx; kipass_session=%00; =; ;;", "", ""},
		{"kipass_lang=en; __Host-kipass_session={session}", "", ""},
	} {
		for target := range authTargets {
			f.Add(uint8(target), s[0], s[1], s[2])
		}
	}
	f.Fuzz(func(t *testing.T, target uint8, cookieHdr, authorization, csrfHdr string) {
		if !headerValueOK(cookieHdr) || !headerValueOK(authorization) || !headerValueOK(csrfHdr) {
			t.Skip()
		}
		a := env.bind(t)
		tg := authTargets[int(target)%len(authTargets)]
		cookieHdr, authorization, csrfHdr = env.fill(cookieHdr, nil), env.fill(authorization, nil), env.fill(csrfHdr, nil)
		h := http.Header{}
		if tg.body != "" {
			h.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		for k, v := range map[string]string{"Cookie": cookieHdr, "Authorization": authorization, "X-CSRF-Token": csrfHdr} {
			if v != "" {
				h.Set(k, v)
			}
		}
		r, refused := fuzzSend(t, env, a, tg.method, tg.path, h, tg.body)
		if refused {
			return // fasthttp answered (e.g. 431); no handler ran
		}

		withSession := strings.Contains(cookieHdr, env.vals["{session}"])
		withToken := strings.Contains(authorization, env.apiTok)
		sent := strings.Trim(csrfHdr, " \t")
		csrfOK := len(sent) == 43 && strings.Contains(cookieHdr, sent)
		switch tg.path {
		case "/api/v1/me":
			if r.status == 200 && !withSession && !withToken {
				t.Fatalf("authenticated without a valid token: %q %q", cookieHdr, authorization)
			}
		case "/me":
			if r.status == 200 && !withSession && !withToken {
				t.Fatalf("page shown without a valid token: %q %q", cookieHdr, authorization)
			}
			if r.status != 200 && r.status != 303 && r.status != 401 {
				t.Fatalf("status %d", r.status)
			}
		case "/admin":
			if r.status == 200 {
				t.Fatal("an employee or anonymous caller reached /admin")
			}
		}
		if tg.method == "POST" && r.status != 401 && r.status != 403 && !csrfOK && !withToken {
			t.Fatalf("%s passed the CSRF check (%d) with cookie %q, header %q", tg.path, r.status, cookieHdr, csrfHdr)
		}
	})
}
