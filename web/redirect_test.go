package web

import (
	"net/url"
	"strings"
	"testing"
)

// openRedirects are next= values that leave the site in some browser, as
// the login handler receives them (the query string decoded once).
var openRedirects = []string{
	"/\t/evil.example",     // from /%09/evil.example: browsers drop the tab, leaving //evil.example
	"/\\evil.example",      // from /%5Cevil.example: browsers read \ as /
	"//evil.example",       // scheme-relative
	"///evil.example",      // more slashes
	"/\\/evil.example",     // slash, backslash, slash
	"\\/evil.example",      // backslash first
	"\\\\evil.example",     // two backslashes
	"https://evil.example", // absolute URL
	"http:/evil.example",   // scheme without slashes
	"javascript:alert(document.domain)",
	"/%2F%2Fevil.example",          // encoded slashes: //evil.example after decoding
	"/%2F/evil.example",            // one of them encoded
	"/%5Cevil.example",             // double-encoded backslash (/%255C on the wire)
	"/%255Cevil.example",           // triple-encoded backslash
	"/%09/evil.example",            // double-encoded tab
	"/%0D%0A/evil.example",         // encoded CR LF
	"/\n/evil.example",             // newline
	"/\r/evil.example",             // carriage return
	"/\x00/evil.example",           // NUL
	"/\x7f/evil.example",           // DEL
	"/\u0085/evil.example",         // C1 control NEL
	"/%C2%85/evil.example",         // encoded NEL
	" //evil.example",              // leading space
	"\t//evil.example",             // leading tab
	"%2F%2Fevil.example",           // encoded from the start
	"/ok/..\\..\\evil.example",     // backslash later in the path
	"/me?x=\\",                     // backslash in the query
	"/%zz",                         // broken escape
	"/%25252525255Cevil.example",   // encoded deeper than any link of ours
	"/" + strings.Repeat("a", 600), // too long
	"",
}

func TestSafeNextRefusesOpenRedirects(t *testing.T) {
	for _, next := range openRedirects {
		if got := safeNext(next); got != "/" {
			t.Errorf("safeNext(%q) = %q, want /", next, got)
		}
	}
	for _, ok := range []string{"/", "/me", "/courses/ki-am-arbeitsplatz?lang=en", "/hr?department=R%26D&status=passed#people",
		"/verify/abc-123", "/certificates/x.pdf", "/a/b//c", "/javascript:alert(1)"} {
		if got := safeNext(ok); got != ok {
			t.Errorf("safeNext(%q) = %q, want it kept", ok, got)
		}
	}
}

// TestLoginNextStaysOnSite sends every bypass over HTTP, in the query of
// the login page (which redirects a logged-in visitor) and in the login
// form, and checks that the answer's Location is the start page.
func TestLoginNextStaysOnSite(t *testing.T) {
	a := newTestApp(t, nil)
	b := a.browser()
	if r := b.post("/register", url.Values{"name": {"Erika"}, "email": {"erika@example.com"}, "password": {"correct horse battery"}}); r.status != 303 {
		t.Fatalf("register: %d", r.status)
	}
	raw := append([]string{"/%09/evil.example", "/%5Cevil.example", "/%255Cevil.example", "/%2F%2Fevil.example", "%2F%2Fevil.example"}, "")
	for _, next := range openRedirects {
		raw = append(raw, url.QueryEscape(next))
	}
	for _, q := range raw {
		r := b.get("/login?next=" + q)
		if r.status != 303 || r.header.Get("Location") != "/" {
			t.Errorf("GET /login?next=%s: %d to %q", q, r.status, r.header.Get("Location"))
		}
	}
	for _, next := range openRedirects {
		b.post("/logout", url.Values{})
		r := b.post("/login", url.Values{"email": {"erika@example.com"}, "password": {"correct horse battery"}, "next": {next}})
		if r.status != 303 || r.header.Get("Location") != "/" {
			t.Errorf("POST /login next=%q: %d to %q", next, r.status, r.header.Get("Location"))
		}
	}
	b.post("/logout", url.Values{})
	if r := b.post("/login", url.Values{"email": {"erika@example.com"}, "password": {"correct horse battery"}, "next": {"/me?lang=en"}}); r.header.Get("Location") != "/me?lang=en" {
		t.Fatalf("a path on the site is not kept: %q", r.header.Get("Location"))
	}
}
