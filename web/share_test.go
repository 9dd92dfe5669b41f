package web

import (
	"bytes"
	"encoding/json"
	"html"
	"image/png"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"kipass/certificates"
)

// metaContent returns the content of <meta property|name="key">, unescaped.
func metaContent(page, key string) string {
	re := regexp.MustCompile(`<meta (?:property|name)="` + regexp.QuoteMeta(key) + `" content="([^"]*)">`)
	m := re.FindStringSubmatch(page)
	if m == nil {
		return ""
	}
	return html.UnescapeString(m[1])
}

var alternateLink = regexp.MustCompile(`<link rel="alternate" type="application/vc\+jwt" href="([^"]*)">`)

func TestVerifyPageSharingPreview(t *testing.T) {
	a := newTestApp(t, nil)
	tok := a.apiUser("erika@example.com")
	id := passExam(t, a, tok)
	browser := map[string]string{"Accept": "text/html,*/*;q=0.8"}

	page := a.do(req{method: "GET", path: "/verify/" + id + "?lang=en", headers: browser})
	if page.status != 200 {
		t.Fatalf("verify page: %d", page.status)
	}
	head := page.body[:strings.Index(page.body, "</head>")]
	verifyURL := "http://kipass.test/verify/" + id
	for key, want := range map[string]string{
		"og:type":             "website",
		"og:url":              verifyURL,
		"og:title":            "Certificate “AI in the workplace” of Test erika@example.com",
		"og:image":            "http://kipass.test/static/certificate.png",
		"og:image:width":      "1200",
		"og:site_name":        "Muster GmbH",
		"twitter:card":        "summary_large_image",
		"twitter:image":       "http://kipass.test/static/certificate.png",
		"twitter:title":       "Certificate “AI in the workplace” of Test erika@example.com",
		"og:image:alt":        "Picture of a certificate, the same for every holder",
		"twitter:description": metaContent(head, "og:description"),
	} {
		if got := metaContent(head, key); got != want {
			t.Errorf("%s = %q, want %q", key, got, want)
		}
	}
	desc := metaContent(head, "og:description")
	if !strings.Contains(desc, "Muster GmbH") || !strings.HasSuffix(desc, "Status: Valid.") {
		t.Errorf("og:description %q", desc)
	}
	// Nothing personal beyond the holder's name: the email appears only
	// because the test user's name contains it, so check the page's tags
	// for the pieces a leak would add.
	if strings.Contains(head, "score") || strings.Contains(head, "department") {
		t.Errorf("head says more than the page: %s", head)
	}

	// The alternate link is the credential, public, and it verifies.
	m := alternateLink.FindStringSubmatch(head)
	if m == nil || m[1] != verifyURL+".jwt" {
		t.Fatalf("alternate link %v in %s", m, head)
	}
	r := a.do(req{method: "GET", path: pathOf(t, m[1])})
	publicHeaders(t, "credential", r, "application/vc+jwt", "public, max-age=300")
	cred, err := certificates.VerifyCredential(r.body, a.signer.Keys().Lookup, a.now())
	if err != nil || cred.ID != id || cred.HolderName != "Test erika@example.com" {
		t.Fatalf("public credential: %+v %v", cred, err)
	}

	// The image is a PNG of the size the tags announce.
	img := a.do(req{method: "GET", path: "/static/certificate.png"})
	cfg, err := png.DecodeConfig(bytes.NewReader([]byte(img.body)))
	if img.status != 200 || img.header.Get("Content-Type") != "image/png" || err != nil || cfg.Width != 1200 || cfg.Height != 630 {
		t.Fatalf("image: %d %q %v %+v", img.status, img.header.Get("Content-Type"), err, cfg)
	}

	// German page, German preview.
	de := a.do(req{method: "GET", path: "/verify/" + id + "?lang=de", headers: browser})
	if got := metaContent(de.body, "og:title"); got != "Zertifikat „KI am Arbeitsplatz“ von Test erika@example.com" {
		t.Errorf("German og:title %q", got)
	}

	// An unknown certificate gets no preview and no credential.
	unknown := a.do(req{method: "GET", path: "/verify/AAAAAAAAAAAAAAAAAAAAAA", headers: browser})
	if strings.Contains(unknown.body, "og:title") || alternateLink.MatchString(unknown.body) {
		t.Fatal("an unknown certificate has a sharing preview")
	}
	for _, p := range []string{"/verify/AAAAAAAAAAAAAAAAAAAAAA.jwt", "/verify/x.jwt", "/verify/..%2F..%2Fetc.jwt"} {
		if r := a.do(req{method: "GET", path: p}); r.status != 404 || !strings.Contains(r.body, `"not_found"`) {
			t.Fatalf("%s: %d %s", p, r.status, r.body)
		}
	}

	// Once the holder erased the account and withdrew the certificate, the
	// page shows no name, and neither do the preview and the credential.
	if r := a.do(req{method: "DELETE", path: "/api/v1/me", bearer: tok, json: map[string]any{"password": "correct horse battery", "keep_certificates": false}}); r.status != 204 {
		t.Fatalf("erase: %d %s", r.status, r.body)
	}
	gone := a.do(req{method: "GET", path: "/verify/" + id + "?lang=en", headers: browser})
	if strings.Contains(gone.body, "erika") || alternateLink.MatchString(gone.body) || metaContent(gone.body, "og:title") != "Certificate “AI in the workplace”" {
		t.Fatalf("withdrawn certificate's preview: %q", metaContent(gone.body, "og:title"))
	}
	if !strings.HasSuffix(metaContent(gone.body, "og:description"), "Status: Revoked.") {
		t.Fatalf("withdrawn description %q", metaContent(gone.body, "og:description"))
	}
	if r := a.do(req{method: "GET", path: "/verify/" + id + ".jwt"}); r.status != 404 {
		t.Fatalf("withdrawn credential still served: %d", r.status)
	}
}

func TestLinkedInOrganizationID(t *testing.T) {
	for _, orgID := range []string{"", "1337"} {
		a := newTestApp(t, func(c *Config) { c.LinkedInOrganizationID = orgID })
		b := a.browser()
		b.post("/register", url.Values{"name": {"Erika Mustermann"}, "email": {"erika@example.com"}, "password": {"correct horse battery"}})
		r := a.do(req{method: "POST", path: "/api/v1/login", json: map[string]any{"email": "erika@example.com", "password": "correct horse battery"}})
		var login struct{ Token string }
		json.Unmarshal([]byte(r.body), &login)
		passExam(t, a, login.Token)
		page := b.get("/me?lang=de").body
		m := regexp.MustCompile(`href="(https://www\.linkedin\.com/profile/add\?[^"]*)"`).FindStringSubmatch(page)
		if m == nil {
			t.Fatal("no add-to-profile link on /me")
		}
		u, err := url.Parse(html.UnescapeString(m[1]))
		if err != nil {
			t.Fatal(err)
		}
		q := u.Query()
		if orgID != "" && (q.Get("organizationId") != orgID || q.Has("organizationName")) {
			t.Errorf("with an organisation id: %v", q)
		}
		if orgID == "" && (q.Has("organizationId") || q.Get("organizationName") != "Muster GmbH") {
			t.Errorf("without an organisation id: %v", q)
		}
	}
}
