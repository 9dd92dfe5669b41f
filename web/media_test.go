package web

import (
	"regexp"
	"strings"
	"testing"
)

// TestModuleIllustration fetches a module page in both languages, follows
// its <img> to the media route and checks the headers; unknown names and
// traversal attempts get 404.
func TestModuleIllustration(t *testing.T) {
	a := newTestApp(t, nil)
	img := regexp.MustCompile(`<figure class="illustration"><img src="(/courses/[^"?]+/media/([^"?]+)\?v=([0-9a-f]{16}))" alt="([^"]+)" width="(\d+)" height="(\d+)"`)
	for _, lang := range []string{"de", "en"} {
		page := a.do(req{method: "GET", path: "/courses/" + courseID + "/dsgvo-grundlagen?lang=" + lang})
		m := img.FindStringSubmatch(page.body)
		if page.status != 200 || m == nil {
			t.Fatalf("%s: status %d, no figure in the module page", lang, page.status)
		}
		if want := "grundsaetze." + lang + ".svg"; m[2] != want {
			t.Errorf("%s page shows %s, want %s", lang, m[2], want)
		}
		if csp := page.header.Get("Content-Security-Policy"); !strings.Contains(csp, "img-src 'self'") {
			t.Errorf("page CSP %q", csp)
		}
		res := a.do(req{method: "GET", path: m[1]})
		if res.status != 200 || !strings.HasPrefix(res.body, "<svg") {
			t.Fatalf("%s: %d %.60q", m[1], res.status, res.body)
		}
		h := res.header
		for k, want := range map[string]string{
			"Content-Type":           "image/svg+xml",
			"X-Content-Type-Options": "nosniff",
			"Cache-Control":          "public, max-age=31536000, immutable",
			"ETag":                   `"` + m[3] + `"`,
		} {
			if got := h.Get(k); got != want {
				t.Errorf("%s: %s = %q, want %q", m[1], k, got, want)
			}
		}
		csp := cspDirectives(h.Get("Content-Security-Policy"))
		if strings.Join(csp["default-src"], " ") != "'none'" || csp["sandbox"] == nil || strings.Join(csp["frame-ancestors"], " ") != "'none'" {
			t.Errorf("SVG CSP %q", h.Get("Content-Security-Policy"))
		}
		if p := headerProblems(res, false); len(p) > 0 {
			t.Errorf("%s: %v", m[1], p)
		}
		if nm := a.do(req{method: "GET", path: m[1], headers: map[string]string{"If-None-Match": h.Get("ETag")}}); nm.status != 304 || nm.body != "" {
			t.Errorf("If-None-Match: %d %q", nm.status, nm.body)
		}
		stale := a.do(req{method: "GET", path: strings.Split(m[1], "?")[0] + "?v=0000"})
		if stale.status != 200 || stale.header.Get("Cache-Control") != "public, no-cache" {
			t.Errorf("stale hash: %d %q", stale.status, stale.header.Get("Cache-Control"))
		}
	}
	base := "/courses/" + courseID + "/dsgvo-grundlagen/media/"
	for _, p := range []string{
		base + "unbekannt.svg",
		base + "de.md",
		base + "questions.yaml",
		base + "..%2Fde.md",
		base + "..%2F..%2Feu-ai-act%2Frisikostufen.de.svg",
		base + "%2e%2e%2fde.md",
		"/courses/" + courseID + "/dsgvo-grundlagen/media/../de.md",
		"/courses/" + courseID + "/eu-ai-act/media/grundsaetze.de.svg", // another module's file
		"/courses/kein-kurs/dsgvo-grundlagen/media/grundsaetze.de.svg",
		"/courses/" + courseID + "/kein-modul/media/grundsaetze.de.svg",
	} {
		if res := a.do(req{method: "GET", path: p}); res.status != 404 || strings.Contains(res.body, "<svg") {
			t.Errorf("%s: %d, want 404", p, res.status)
		}
	}
}
