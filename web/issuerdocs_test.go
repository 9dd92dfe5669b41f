package web

import (
	"encoding/base64"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"kipass/certificates"
)

// ob30 compiles a definition of the project's OB 3.0 schema
// (certificates/testdata/ob30, see its README).
func ob30(t *testing.T, def string) *jsonschema.Schema {
	t.Helper()
	abs, err := filepath.Abs(filepath.Join("..", "certificates", "testdata", "ob30", "schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2019)
	c.AssertFormat()
	s, err := c.Compile(abs + "#/$defs/" + def)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func validateDoc(t *testing.T, def, doc string) {
	t.Helper()
	v, err := jsonschema.UnmarshalJSON(strings.NewReader(doc))
	if err != nil {
		t.Fatalf("%s: %v", def, err)
	}
	if err := ob30(t, def).Validate(v); err != nil {
		t.Fatalf("%s breaks the schema:\n%v\n%s", def, err, doc)
	}
}

// pathOf is the path of a URL under the test server's base URL.
func pathOf(t *testing.T, u string) string {
	t.Helper()
	const base = "http://kipass.test"
	if !strings.HasPrefix(u, base+"/") {
		t.Fatalf("%q is not under %s", u, base)
	}
	return strings.TrimPrefix(u, base)
}

// publicHeaders checks what every public document carries: the cache
// policy, CORS for browser verifiers, and no cookie.
func publicHeaders(t *testing.T, what string, r resp, contentType, cache string) {
	t.Helper()
	if r.status != 200 || r.header.Get("Content-Type") != contentType || r.header.Get("Cache-Control") != cache ||
		r.header.Get("Access-Control-Allow-Origin") != "*" || len(r.cookies) != 0 {
		t.Fatalf("%s: %d %q %q cors %q cookies %v\n%s", what, r.status, r.header.Get("Content-Type"), r.header.Get("Cache-Control"),
			r.header.Get("Access-Control-Allow-Origin"), r.cookies, r.body)
	}
}

// TestVerifierWalkthrough does what issue 19 asks of a generic verifier
// with only the token and the issuer's base URL: the key from kid (checked
// with go-jose, not kipass's JOSE library), the issuer metadata, the
// profile and the achievement from their ids, the payload against the
// OB 3.0 schema, the claims against the credential, the revoked bit.
func TestVerifierWalkthrough(t *testing.T) {
	a := newTestApp(t, nil)
	tok := a.apiUser("erika@example.com")
	id := passExam(t, a, tok)
	token := a.do(req{method: "GET", path: "/certificates/" + id + ".jwt", bearer: tok}).body

	// The key, from the kid URL, verifies the signature in go-jose.
	jws, err := jose.ParseSigned(token, []jose.SignatureAlgorithm{jose.ES256})
	if err != nil {
		t.Fatal(err)
	}
	h := jws.Signatures[0].Protected
	if h.ExtraHeaders[jose.HeaderType] != "JWT" {
		t.Fatalf("typ %v", h.ExtraHeaders[jose.HeaderType])
	}
	r := a.do(req{method: "GET", path: pathOf(t, h.KeyID)})
	publicHeaders(t, "kid URL", r, "application/jwk+json", cacheKey)
	var key jose.JSONWebKey
	if err := json.Unmarshal([]byte(r.body), &key); err != nil || !key.IsPublic() {
		t.Fatalf("JWK %s: %v", r.body, err)
	}
	payload, err := jws.Verify(key)
	if err != nil {
		t.Fatalf("the key at the kid URL does not verify the token: %v", err)
	}
	validateDoc(t, "VCJWTPayload", string(payload))
	var cred struct {
		ID        string `json:"id"`
		Jti       string `json:"jti"`
		Iss       string `json:"iss"`
		Sub       string `json:"sub"`
		Issuer    struct{ ID string }
		ValidFrom string `json:"validFrom"`
		Subject   struct {
			ID          string
			Achievement struct{ ID, Name string }
		} `json:"credentialSubject"`
		Status struct {
			StatusListIndex      string
			StatusListCredential string
		} `json:"credentialStatus"`
	}
	json.Unmarshal(payload, &cred)
	if cred.Iss != cred.Issuer.ID || cred.Jti != cred.ID || cred.Sub != cred.Subject.ID {
		t.Fatalf("claims disagree with the credential: %s", payload)
	}

	// The issuer metadata names the issuer and its key set, which holds the key.
	r = a.do(req{method: "GET", path: "/.well-known/jwt-vc-issuer"})
	publicHeaders(t, "jwt-vc-issuer", r, "application/json", cacheDocument)
	var meta struct {
		Issuer  string `json:"issuer"`
		JWKSURI string `json:"jwks_uri"`
	}
	json.Unmarshal([]byte(r.body), &meta)
	if meta.Issuer != cred.Iss || meta.JWKSURI != cred.Iss+"/.well-known/jwks.json" {
		t.Fatalf("issuer metadata %s", r.body)
	}
	var set jose.JSONWebKeySet
	json.Unmarshal([]byte(a.do(req{method: "GET", path: pathOf(t, meta.JWKSURI)}).body), &set)
	if len(set.Key(key.KeyID)) != 1 {
		t.Fatalf("the key set lacks kid %s", key.KeyID)
	}

	// The issuer id and the achievement id answer JSON to a verifier.
	r = a.do(req{method: "GET", path: "/", headers: map[string]string{"Accept": "application/ld+json"}})
	publicHeaders(t, "issuer id", r, "application/ld+json", cacheDocument)
	validateDoc(t, "ProfileDocument", r.body)
	var prof map[string]any
	json.Unmarshal([]byte(r.body), &prof)
	if prof["id"] != cred.Issuer.ID || prof["name"] != "Muster GmbH" {
		t.Fatalf("profile %s", r.body)
	}
	r = a.do(req{method: "GET", path: pathOf(t, cred.Subject.Achievement.ID), headers: map[string]string{"Accept": "application/json"}})
	publicHeaders(t, "achievement id", r, "application/json", cacheDocument)
	validateDoc(t, "AchievementDocument", r.body)
	var ach map[string]any
	json.Unmarshal([]byte(r.body), &ach)
	if ach["id"] != cred.Subject.Achievement.ID || ach["name"] != cred.Subject.Achievement.Name {
		t.Fatalf("achievement %s, credential names %+v", r.body, cred.Subject.Achievement)
	}

	// Revoked: the bit at the credential's index is set in the list,
	// whose signature go-jose checks with the same key.
	admin := a.makeUser("ada@example.com", "admin")
	if r := a.do(req{method: "POST", path: "/api/v1/admin/certificates/" + id + "/revoke", bearer: admin, json: map[string]string{"reason": "test"}}); r.status != 204 {
		t.Fatalf("revoke: %d %s", r.status, r.body)
	}
	list := a.do(req{method: "GET", path: pathOf(t, cred.Status.StatusListCredential)}).body
	ljws, err := jose.ParseSigned(list, []jose.SignatureAlgorithm{jose.ES256})
	if err != nil {
		t.Fatal(err)
	}
	lp, err := ljws.Verify(key)
	if err != nil {
		t.Fatalf("status list: %v", err)
	}
	validateDoc(t, "StatusListPayload", string(lp))
	var sl struct {
		CredentialSubject struct{ EncodedList string } `json:"credentialSubject"`
	}
	json.Unmarshal(lp, &sl)
	bits, err := certificates.DecodeStatusList(sl.CredentialSubject.EncodedList)
	if err != nil {
		t.Fatal(err)
	}
	var index int
	json.Unmarshal([]byte(cred.Status.StatusListIndex), &index)
	if !certificates.Bit(bits, index) {
		t.Fatalf("bit %d not set after revocation", index)
	}
}

func TestKeyURLsCurrentRetiredAndUnknown(t *testing.T) {
	a := newTestApp(t, nil)
	ks := a.signer.Keys()
	old := ks.Current()
	if _, err := ks.Rotate(); err != nil {
		t.Fatal(err)
	}
	for _, k := range []*certificates.Key{old, ks.Current()} {
		r := a.do(req{method: "GET", path: "/.well-known/jwks/" + k.ID})
		publicHeaders(t, "key "+k.ID, r, "application/jwk+json", cacheKey)
		var jwk map[string]string
		json.Unmarshal([]byte(r.body), &jwk)
		if jwk["kid"] != k.ID || jwk["kty"] != "EC" || jwk["crv"] != "P-256" || jwk["alg"] != "ES256" || jwk["d"] != "" {
			t.Fatalf("JWK %s", r.body)
		}
	}
	for _, kid := range []string{"AAAA", strings.Repeat("x", 43), base64.RawURLEncoding.EncodeToString([]byte("../../etc/passwd"))} {
		r := a.do(req{method: "GET", path: "/.well-known/jwks/" + kid})
		if r.status != 404 || !strings.Contains(r.body, `"code":"not_found"`) || r.header.Get("Cache-Control") != "no-store" {
			t.Fatalf("unknown kid %s: %d %s %q", kid, r.status, r.body, r.header.Get("Cache-Control"))
		}
	}
}

// TestContentNegotiation: the issuer id and an achievement id give JSON to
// those who ask for it and HTML to browsers and to clients that do not say;
// both answers say that they vary with Accept.
func TestContentNegotiation(t *testing.T) {
	a := newTestApp(t, nil)
	browser := "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
	for _, path := range []string{"/", "/courses/" + courseID} {
		for accept, want := range map[string]string{
			"application/json":                     "application/json",
			"application/ld+json":                  "application/ld+json",
			"application/json, text/html;q=0.5":    "application/json",
			browser:                                "text/html; charset=utf-8",
			"*/*":                                  "text/html; charset=utf-8",
			"":                                     "text/html; charset=utf-8",
			"text/html;q=0.9, application/ld+json": "application/ld+json",
			`application/ld+json; profile="https://www.w3.org/ns/json-ld#compacted"`: "application/ld+json",
			"APPLICATION/JSON": "application/json",
		} {
			h := map[string]string{}
			if accept != "" {
				h["Accept"] = accept
			}
			r := a.do(req{method: "GET", path: path, headers: h})
			if r.status != 200 || r.header.Get("Content-Type") != want || !strings.Contains(r.header.Get("Vary"), "Accept") {
				t.Fatalf("%s Accept %q: %d %q Vary %q", path, accept, r.status, r.header.Get("Content-Type"), r.header.Get("Vary"))
			}
			if strings.HasPrefix(want, "text/html") != strings.Contains(r.body, "<html") {
				t.Fatalf("%s Accept %q: body %.80s", path, accept, r.body)
			}
		}
	}
	// The achievement's language follows ?lang= or Accept-Language.
	for _, c := range []struct{ query, acceptLang, want string }{
		{"", "", "de"}, {"?lang=en", "", "en"}, {"", "en-GB,en;q=0.9", "en"}, {"?lang=de", "en", "de"},
	} {
		h := map[string]string{"Accept": "application/json"}
		if c.acceptLang != "" {
			h["Accept-Language"] = c.acceptLang
		}
		r := a.do(req{method: "GET", path: "/courses/" + courseID + c.query, headers: h})
		var ach map[string]any
		json.Unmarshal([]byte(r.body), &ach)
		if ach["inLanguage"] != c.want || !strings.Contains(r.header.Get("Vary"), "Accept-Language") {
			t.Fatalf("%q %q: inLanguage %v", c.query, c.acceptLang, ach["inLanguage"])
		}
	}
	// An unknown course is 404 in both worlds: JSON for a verifier, the
	// error page for a browser.
	r := a.do(req{method: "GET", path: "/courses/no-such-course", headers: map[string]string{"Accept": "application/json"}})
	if r.status != 404 || !strings.Contains(r.body, `"code":"not_found"`) || r.header.Get("Cache-Control") != "no-store" {
		t.Fatalf("unknown course as JSON: %d %s", r.status, r.body)
	}
	r = a.do(req{method: "GET", path: "/courses/no-such-course", headers: map[string]string{"Accept": browser}})
	if r.status != 404 || !strings.Contains(r.body, "<html") {
		t.Fatalf("unknown course as HTML: %d %.80s", r.status, r.body)
	}
}

// A logged-in visitor asking for JSON still gets the public document,
// nothing personal, and no cookie is set.
func TestProfileIsTheSameForEveryone(t *testing.T) {
	a := newTestApp(t, nil)
	tok := a.apiUser("erika@example.com")
	anon := a.do(req{method: "GET", path: "/", headers: map[string]string{"Accept": "application/json"}})
	user := a.do(req{method: "GET", path: "/", bearer: tok, headers: map[string]string{"Accept": "application/json"}})
	if anon.body != user.body || strings.Contains(user.body, "erika") || len(user.cookies) != 0 {
		t.Fatalf("profile differs for a logged-in caller:\n%s\n%s", anon.body, user.body)
	}
}

func TestNegotiate(t *testing.T) {
	offers := []string{mimeHTML, mimeLDJSON, "application/json"}
	for accept, want := range map[string]string{
		"":                    mimeHTML,
		"*/*":                 mimeHTML,
		"application/json":    "application/json",
		"APPLICATION/JSON":    "application/json",
		"application/ld+json": mimeLDJSON,
		`application/ld+json; profile="https://www.w3.org/ns/json-ld#expanded"`: mimeLDJSON,
		"application/*":                           mimeLDJSON,
		"text/*":                                  mimeHTML,
		"text/html;q=0.9, application/ld+json":    mimeLDJSON,
		"application/json;q=0.9, text/html;q=0.8": "application/json",
		"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8": mimeHTML,
		"application/json;q=0, */*":                                       mimeHTML,
		"image/png":                                                       mimeHTML, // none acceptable: the page (and its own status)
		"application/json;q=abc, text/html":                               mimeHTML,
		",,;;/,garbage":                                                   mimeHTML,
		"*/*;q=0.1, application/json;q=0.5":                               "application/json",
	} {
		if got := negotiate(accept, offers...); got != want {
			t.Errorf("Accept %q: %q, want %q", accept, got, want)
		}
	}
}

func FuzzNegotiate(f *testing.F) {
	f.Add("application/ld+json;profile=x;q=0.5, text/html;q=0.4")
	f.Add("*/*;q=")
	f.Fuzz(func(t *testing.T, accept string) {
		got := negotiate(accept, mimeHTML, mimeLDJSON, "application/json")
		if got != mimeHTML && got != mimeLDJSON && got != "application/json" {
			t.Fatalf("%q -> %q", accept, got)
		}
	})
}

// From the PDF alone: poppler's pdfdetach takes out credential.jwt, its
// kid URL gives the key, and go-jose verifies it with that key.
func TestVerifierFromPDF(t *testing.T) {
	if _, err := exec.LookPath("pdfdetach"); err != nil {
		t.Skip("pdfdetach not installed (apt-get install poppler-utils)")
	}
	a := newTestApp(t, nil)
	tok := a.apiUser("erika@example.com")
	id := passExam(t, a, tok)
	pdf := a.do(req{method: "GET", path: "/certificates/" + id + ".pdf", bearer: tok})
	dir := t.TempDir()
	in, out := filepath.Join(dir, "c.pdf"), filepath.Join(dir, "credential.jwt")
	if err := os.WriteFile(in, []byte(pdf.body), 0o600); err != nil {
		t.Fatal(err)
	}
	if b, err := exec.Command("pdfdetach", "-list", in).CombinedOutput(); err != nil || !strings.Contains(string(b), "1: credential.jwt") {
		t.Fatalf("pdfdetach -list: %v %s", err, b)
	}
	if b, err := exec.Command("pdfdetach", "-save", "1", "-o", out, in).CombinedOutput(); err != nil {
		t.Fatalf("pdfdetach: %v %s", err, b)
	}
	token, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	jws, err := jose.ParseSigned(strings.TrimSpace(string(token)), []jose.SignatureAlgorithm{jose.ES256})
	if err != nil {
		t.Fatal(err)
	}
	r := a.do(req{method: "GET", path: pathOf(t, jws.Signatures[0].Protected.KeyID)})
	var key jose.JSONWebKey
	if err := json.Unmarshal([]byte(r.body), &key); err != nil {
		t.Fatalf("kid URL: %d %s", r.status, r.body)
	}
	payload, err := jws.Verify(key)
	if err != nil {
		t.Fatalf("the embedded credential does not verify with the kid URL's key: %v", err)
	}
	validateDoc(t, "VCJWTPayload", string(payload))
	if !strings.Contains(string(payload), `"id":"http://kipass.test/verify/`+id+`"`) {
		t.Fatalf("payload %s", payload)
	}
}
