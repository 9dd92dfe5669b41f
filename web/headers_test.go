package web

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"kipass/internal/auth"
	"kipass/internal/store"
)

// allowedCookies are the only cookies kipass may ever set: the session, the
// CSRF token and the one-time flash message (the language lives on the
// account, not in a cookie). Over
// https they carry the __Host- prefix.
var allowedCookies = []string{"kipass_session", "kipass_csrf", "kipass_flash"}

// publicCacheable are the routes whose responses may be cached although the
// caller is logged in: they hold nothing personal.
func publicCacheable(path string) bool {
	return strings.HasPrefix(path, "/static/") || strings.HasPrefix(path, "/.well-known/") || path == "/status/1" ||
		strings.HasPrefix(path, "/verify/") && strings.HasSuffix(path, ".jwt") // the credential the verify page shows

}

// TestHeadersAndCookiesOnEveryRoute requests every route of the app (and a
// few unrouted requests) anonymously and logged in, over http and https,
// and checks the security headers and every Set-Cookie of each response,
// whatever its status.
func TestHeadersAndCookiesOnEveryRoute(t *testing.T) {
	for _, base := range []string{"http://kipass.test", "https://kipass.example.com"} {
		t.Run(strings.SplitN(base, ":", 2)[0], func(t *testing.T) {
			t.Parallel()
			a := newTestApp(t, func(c *Config) { c.BaseURL, _ = url.Parse(base) })
			checkEveryRoute(t, a, strings.HasPrefix(base, "https:"))
		})
	}
}

// caller is one way of calling a route.
type caller struct {
	name   string
	userID int64 // 0: anonymous
	bearer bool  // API routes only: an API token instead of the cookie
}

func checkEveryRoute(t *testing.T, a *testApp, https bool) {
	ctx := context.Background()
	prefix := ""
	if https {
		prefix = "__Host-"
	}
	sessionCookie, csrfCookie := prefix+"kipass_session", prefix+"kipass_csrf"

	// The data the routes' parameters point at: a certificate and an open
	// quiz attempt of the employee, another employee the admin may edit.
	empToken := a.apiUser("erika@example.com")
	certID := passExam(t, a, empToken)
	att, r := a.start(empToken, modulePath("dsgvo-grundlagen"))
	if r.status != 201 {
		t.Fatalf("start attempt: %d %s", r.status, r.body)
	}
	a.makeUser("ada@example.com", store.RoleAdmin)
	a.makeUser("max@example.com", store.RoleEmployee)
	userID := func(email string) int64 {
		u, err := a.db.UserByEmail(ctx, email)
		if err != nil {
			t.Fatal(err)
		}
		return u.ID
	}
	victim := userID("max@example.com")
	callers := []caller{
		{name: "anonymous"},
		{name: "employee", userID: userID("erika@example.com")},
		{name: "admin", userID: userID("ada@example.com")},
		{name: "admin with a bearer token", userID: userID("ada@example.com"), bearer: true},
	}

	param := regexp.MustCompile(`:[A-Za-z_]+|\*`)
	fill := func(route string) string {
		return param.ReplaceAllStringFunc(route, func(p string) string {
			switch {
			case p == "*":
				return "style.css"
			case p == ":course":
				return courseID
			case p == ":module":
				return "dsgvo-grundlagen"
			case p == ":attempt":
				return att.AttemptID
			case p == ":file":
				return certID + ".pdf"
			case p == ":id" && strings.Contains(route, "/users/"):
				return fmt.Sprint(victim)
			case p == ":id" && strings.Contains(route, "assignments"):
				id, err := a.db.CreateAssignment(ctx, store.Assignment{CourseID: courseID, Scope: store.ScopeAll, DueAt: time.Now().Add(24 * time.Hour)})
				if err != nil {
					t.Fatal(err)
				}
				return fmt.Sprint(id)
			case p == ":id":
				return certID
			}
			return "x"
		})
	}

	type request struct {
		method, route  string
		body, bodyType string
	}
	var requests []request
	seen := map[string]bool{}
	for _, rt := range a.app.GetRoutes(true) {
		if rt.Method == "HEAD" || rt.Method == "USE" || seen[rt.Method+" "+rt.Path] {
			continue
		}
		seen[rt.Method+" "+rt.Path] = true
		requests = append(requests, request{method: rt.Method, route: rt.Path})
	}
	if len(requests) < 40 {
		t.Fatalf("only %d routes found", len(requests))
	}
	// Unrouted requests, a wrong method and an oversized body.
	requests = append(requests,
		request{method: "GET", route: "/nowhere"},
		request{method: "GET", route: "/api/v1/nowhere"},
		request{method: "DELETE", route: "/login"},
		request{method: "POST", route: "/api/v1/register", body: `{"name":"` + strings.Repeat("a", 1<<20) + `"}`, bodyType: "application/json"},
	)

	// Each caller keeps its session until a route (logout, erase) ends it.
	sessions := map[caller]string{}
	sessionOf := func(who caller) string {
		if tok, ok := sessions[who]; ok {
			if _, err := a.db.SessionByHash(ctx, auth.HashToken(tok), time.Hour); err == nil {
				return tok
			}
		}
		tok, kind := auth.NewToken(), store.SessionBrowser
		if who.bearer {
			kind = store.SessionAPI
		}
		if err := a.db.CreateSession(ctx, auth.HashToken(tok), who.userID, kind, time.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		sessions[who] = tok
		return tok
	}

	n := 0
	for _, rq := range requests {
		api := strings.HasPrefix(rq.route, "/api/")
		for _, who := range callers {
			if who.bearer && !api || rq.body != "" && who.userID != 0 {
				continue // the oversized body only once
			}
			path := fill(rq.route)
			if strings.HasSuffix(path, ".pdf") && who.name != "employee" {
				path = strings.TrimSuffix(path, ".pdf") + ".jwt" // one PDF rendering is enough
			}
			public := publicCacheable(path)
			hr := req{method: rq.method, path: path, headers: map[string]string{}}
			csrf := auth.NewToken() // anonymous callers send one the server never issued
			loggedIn := who.userID != 0
			if loggedIn {
				tok := sessionOf(who)
				if who.bearer {
					hr.bearer = tok
				} else {
					csrf = a.csrfFor(tok)
					hr.cookies = []*http.Cookie{{Name: sessionCookie, Value: tok}, {Name: csrfCookie, Value: csrf}}
					hr.headers["X-CSRF-Token"] = csrf
				}
				if rq.method == "GET" {
					// Also exercise the language switch (it sets no cookie).
					path += map[bool]string{true: "&", false: "?"}[strings.Contains(path, "?")] + "lang=en"
					hr.path = path
				}
			}
			switch {
			case rq.body != "":
				hr.raw, hr.rawType = rq.body, rq.bodyType
			case rq.method == "GET" || rq.method == "HEAD":
			case api:
				hr.raw, hr.rawType = `{}`, "application/json"
			default:
				hr.form = url.Values{"_csrf": {csrf}}
			}
			res := a.do(hr)
			n++
			where := fmt.Sprintf("%s %s as %s (%d)", rq.method, path, who.name, res.status)
			for _, problem := range headerProblems(res, https) {
				t.Errorf("%s: %s", where, problem)
			}
			for _, problem := range cookieProblems(res, https) {
				t.Errorf("%s: %s", where, problem)
			}
			ct := res.header.Get("Content-Type")
			personal := strings.HasPrefix(ct, "text/html") || strings.HasPrefix(ct, "application/json") || res.body != ""
			if loggedIn && personal && !public && !strings.Contains(res.header.Get("Cache-Control"), "no-store") {
				t.Errorf("%s: logged-in response (%s) without Cache-Control no-store: %q", where, ct, res.header.Get("Cache-Control"))
			}
		}
	}
	t.Logf("%d requests checked", n)
}

// cspDirectives splits a Content-Security-Policy into its directives.
func cspDirectives(csp string) map[string][]string {
	d := map[string][]string{}
	for _, part := range strings.Split(csp, ";") {
		f := strings.Fields(strings.ToLower(part))
		if len(f) > 0 {
			d[f[0]] = f[1:]
		}
	}
	return d
}

var versionLike = regexp.MustCompile(`\d`)

// headerProblems lists what is wrong with a response's security headers.
func headerProblems(res resp, https bool) []string {
	var p []string
	h := res.header
	csp := cspDirectives(h.Get("Content-Security-Policy"))
	if len(h.Values("Content-Security-Policy")) != 1 {
		p = append(p, fmt.Sprintf("%d Content-Security-Policy headers", len(h.Values("Content-Security-Policy"))))
	}
	if def := strings.Join(csp["default-src"], " "); def != "'self'" && def != "'none'" {
		p = append(p, fmt.Sprintf("CSP default-src %q", def))
	}
	script, ok := csp["script-src"]
	if !ok {
		script = csp["default-src"]
	}
	for _, src := range script {
		switch {
		case src == "'unsafe-inline'", src == "'unsafe-eval'", src == "*", src == "data:", src == "http:", src == "https:":
			p = append(p, "CSP script-src allows "+src)
		}
	}
	if strings.Join(csp["frame-ancestors"], " ") != "'none'" {
		p = append(p, fmt.Sprintf("CSP frame-ancestors %q", csp["frame-ancestors"]))
	}
	if strings.Join(csp["object-src"], " ") != "'none'" {
		p = append(p, fmt.Sprintf("CSP object-src %q", csp["object-src"]))
	}
	if h.Get("X-Content-Type-Options") != "nosniff" {
		p = append(p, fmt.Sprintf("X-Content-Type-Options %q", h.Get("X-Content-Type-Options")))
	}
	switch h.Get("Referrer-Policy") {
	case "no-referrer", "same-origin", "strict-origin", "strict-origin-when-cross-origin":
	default:
		p = append(p, fmt.Sprintf("Referrer-Policy %q", h.Get("Referrer-Policy")))
	}
	if xfo := strings.ToUpper(h.Get("X-Frame-Options")); xfo != "" && xfo != "DENY" {
		p = append(p, fmt.Sprintf("X-Frame-Options %q", xfo))
	}
	pp := h.Get("Permissions-Policy")
	for _, feature := range []string{"camera=()", "microphone=()", "geolocation=()"} {
		if !strings.Contains(pp, feature) {
			p = append(p, fmt.Sprintf("Permissions-Policy %q lacks %s", pp, feature))
		}
	}
	if s := h.Get("Server"); versionLike.MatchString(s) || strings.Contains(strings.ToLower(s), "fasthttp") {
		p = append(p, fmt.Sprintf("Server header %q", s))
	}
	if x := h.Get("X-Powered-By"); x != "" {
		p = append(p, fmt.Sprintf("X-Powered-By %q", x))
	}
	hsts := h.Get("Strict-Transport-Security")
	switch {
	case !https && hsts != "":
		p = append(p, "HSTS over http")
	case https:
		var age int
		if _, err := fmt.Sscanf(hsts, "max-age=%d", &age); err != nil || age < 31536000 {
			p = append(p, fmt.Sprintf("HSTS %q, want max-age of at least a year", hsts))
		}
	}
	return p
}

// cookieProblems lists what is wrong with a response's cookies.
func cookieProblems(res resp, https bool) []string {
	var p []string
	for _, line := range res.header.Values("Set-Cookie") {
		c, err := http.ParseSetCookie(line)
		if err != nil {
			p = append(p, fmt.Sprintf("unparsable Set-Cookie %q: %v", line, err))
			continue
		}
		name := c.Name
		if https {
			var ok bool
			if name, ok = strings.CutPrefix(name, "__Host-"); !ok {
				p = append(p, fmt.Sprintf("cookie %s without the __Host- prefix over https", c.Name))
			}
		}
		known := false
		for _, a := range allowedCookies {
			known = known || name == a
		}
		if !known {
			p = append(p, fmt.Sprintf("cookie %s is not in the allow-list %v", c.Name, allowedCookies))
		}
		if !c.HttpOnly {
			p = append(p, fmt.Sprintf("cookie %s not HttpOnly", c.Name))
		}
		if c.SameSite != http.SameSiteLaxMode && c.SameSite != http.SameSiteStrictMode {
			p = append(p, fmt.Sprintf("cookie %s SameSite %v: %q", c.Name, c.SameSite, line))
		}
		if c.Path != "/" {
			p = append(p, fmt.Sprintf("cookie %s path %q", c.Name, c.Path))
		}
		if c.Domain != "" {
			p = append(p, fmt.Sprintf("cookie %s has a Domain (%q)", c.Name, c.Domain))
		}
		if c.Secure != https {
			p = append(p, fmt.Sprintf("cookie %s Secure=%v with https=%v", c.Name, c.Secure, https))
		}
	}
	return p
}

// TestOversizedHeaders: a request whose headers exceed the server's read
// buffer (a browser with many or large cookies) is refused by fasthttp
// before routing; over a real connection it must get a 431, not a 500, and
// the security headers.
func TestOversizedHeaders(t *testing.T) {
	a := newTestApp(t, nil)
	base := a.listen()
	for _, path := range []string{"/login", "/api/v1/me"} {
		r, err := http.NewRequest("GET", base+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		r.Header.Set("Cookie", "kipass_csrf=x; other="+strings.Repeat("x", 8<<10))
		res, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		got := resp{status: res.StatusCode, header: res.Header, body: string(body)}
		if got.status != http.StatusRequestHeaderFieldsTooLarge {
			t.Errorf("%s: status %d, want 431: %.200s", path, got.status, got.body)
		}
		for _, p := range headerProblems(got, false) {
			t.Errorf("%s: %s", path, p)
		}
		if strings.Contains(a.log.String(), "internal error") {
			t.Errorf("%s: logged as an internal error", path)
		}
	}
}

// TestPathsAreCaseSensitive: a path in another case is not a route. Were it
// matched, the checks that read the path (JSON errors for the API, the CSRF
// rule for token clients, the upload limit, SCIM errors) would see a path
// the router treated differently.
func TestPathsAreCaseSensitive(t *testing.T) {
	a := newTestApp(t, nil)
	admin := a.makeUser("admin@example.com", "admin")
	for _, path := range []string{"/API/v1/me", "/Api/v1/admin/users", "/ADMIN", "/Hr", "/scim/V2/Users"} {
		r := a.do(req{method: "GET", path: path, bearer: admin})
		if r.status != 404 {
			t.Errorf("GET %s: status %d, want 404", path, r.status)
		}
	}
	if r := a.do(req{method: "GET", path: "/api/v1/me", bearer: admin}); r.status != 200 {
		t.Errorf("GET /api/v1/me: %d %s", r.status, r.body)
	}
	// An unknown API path still answers in JSON.
	if r := a.do(req{method: "GET", path: "/api/v1/nothing-here"}); r.status != 404 || !strings.Contains(r.header.Get("Content-Type"), "json") {
		t.Errorf("unknown API path: %d %s", r.status, r.header.Get("Content-Type"))
	}
}
