package web

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
)

func TestVerificationVerdicts(t *testing.T) {
	a := newTestApp(t, nil)
	tok := a.apiUser("erika@example.com")
	id := passExam(t, a, tok)
	pdf := a.do(req{method: "GET", path: "/certificates/" + id + ".pdf", bearer: tok}).body
	b := a.browser()
	upload := func(name string, data []byte) string {
		t.Helper()
		var body bytes.Buffer
		mw := multipartWriter(&body, map[string]string{"_csrf": b.csrf}, "pdf", name, data)
		r := b.send(req{method: "POST", path: "/verify?lang=en", raw: body.String(), rawType: mw})
		if r.status != 200 {
			t.Fatalf("%s: %d", name, r.status)
		}
		return r.body
	}
	png := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{0}, 64)...)
	plain := []byte("%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\nxref\n0 3\n0000000000 65535 f \n0000000009 00000 n \n0000000058 00000 n \ntrailer\n<< /Size 3 /Root 1 0 R >>\nstartxref\n109\n%%EOF\n")
	for _, tc := range []struct {
		name string
		data []byte
		want []string
	}{
		{"genuine", []byte(pdf), []string{"✓ Valid: genuine", "Compare the name with the person"}},
		{"genuine with a CRLF after %%EOF", []byte(pdf + "\r\n"), []string{"✓ Valid: genuine"}},
		{"genuine with spaces and line ends after %%EOF", []byte(pdf + " \n\r\n\t"), []string{"✓ Valid: genuine"}},
		{"something appended", []byte(pdf + "\n% a change\n1 0 obj\n<<>>\nendobj\n%%EOF\n"), []string{"✗ Altered", "This ID belongs to a genuine certificate of Test erika@example.com", "/verify/" + id}},
		{"a PNG", png, []string{"✗ Not a kipass certificate", "not a photo, scan or printout"}},
		{"an ordinary PDF", plain, []string{"✗ Not a kipass certificate"}},
	} {
		body := upload("x.pdf", tc.data)
		for _, w := range tc.want {
			if !strings.Contains(body, w) {
				t.Errorf("%s: page lacks %q", tc.name, w)
			}
		}
	}
	if r := b.get("/verify/AAAAAAAAAAAAAAAAAAAAAA?lang=en"); !strings.Contains(r.body, "✗ Unknown") || !strings.Contains(r.body, "typing errors") {
		t.Error("unknown id verdict")
	}
	// A changed credential pasted as text points to the genuine record.
	cred := a.do(req{method: "GET", path: "/certificates/" + id + ".jwt", bearer: tok}).body
	parts := strings.Split(strings.TrimSpace(cred), ".")
	sig := []byte(parts[2])
	// Another base64url letter (a flipped bit could leave the alphabet,
	// which makes the token malformed rather than altered).
	if sig[3] == 'A' {
		sig[3] = 'B'
	} else {
		sig[3] = 'A'
	}
	r := b.post("/verify?lang=en", map[string][]string{"token": {parts[0] + "." + parts[1] + "." + string(sig)}})
	if !strings.Contains(r.body, "✗ Altered") || !strings.Contains(r.body, "/verify/"+id) {
		t.Errorf("tampered credential: %s", r.body)
	}
}

// TestPublicPagesSpeakPlainly fails on markdown backticks and developer
// words on the public verification pages.
func TestPublicPagesSpeakPlainly(t *testing.T) {
	a := newTestApp(t, nil)
	tok := a.apiUser("erika@example.com")
	id := passExam(t, a, tok)
	dev := regexp.MustCompile("`|\\bJWT\\b|\\bJWS\\b|ES256|jwks|\\bjson\\b|/status/1|\\btoken\\b|\\bhash\\b|ByteRange|\\bnull\\b")
	for _, lang := range []string{"de", "en"} {
		for _, path := range []string{"/verify", "/verify/" + id, "/verify/AAAAAAAAAAAAAAAAAAAAAA", "/"} {
			body := a.do(req{method: "GET", path: path + "?lang=" + lang}).body
			if m := dev.FindString(visibleText(body)); m != "" {
				t.Errorf("%s %s shows %q", lang, path, m)
			}
		}
	}
}

// visibleText is the page's text without tags, scripts and attributes.
func visibleText(html string) string {
	html = regexp.MustCompile(`(?s)<script.*?</script>|<style.*?</style>`).ReplaceAllString(html, " ")
	return regexp.MustCompile(`(?s)<[^>]*>`).ReplaceAllString(html, " ")
}
