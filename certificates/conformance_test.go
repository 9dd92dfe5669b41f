package certificates

import (
	"crypto"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	josejwt "github.com/go-jose/go-jose/v4/jwt"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// These tests check kipass's documents with tools that are not kipass's:
// a JSON Schema validator, a second JOSE implementation, and (with the
// context files at hand) a JSON-LD processor in safe mode.

// ob30Schema compiles one definition of testdata/ob30/schema.json, the
// project's own reading of Open Badges 3.0 (see the README beside it).
func ob30Schema(t *testing.T, def string) *jsonschema.Schema {
	t.Helper()
	abs, err := filepath.Abs(filepath.Join("testdata", "ob30", "schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2019)
	c.AssertFormat()
	s, err := c.Compile(abs + "#/$defs/" + def)
	if err != nil {
		t.Fatalf("compile %s: %v", def, err)
	}
	return s
}

// payloadOf decodes a compact JWS's payload as JSON for a validator.
func payloadOf(t *testing.T, token string) any {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("not a compact JWS: %q", token)
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	v, err := jsonschema.UnmarshalJSON(strings.NewReader(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func unmarshalDoc(t *testing.T, b []byte) any {
	t.Helper()
	v, err := jsonschema.UnmarshalJSON(strings.NewReader(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestCredentialPayloadMatchesOB30Schema(t *testing.T) {
	token, err := IssueCredential(testMessages(), credTestCert(), credTestIssuer, credTestKey(t))
	if err != nil {
		t.Fatal(err)
	}
	s := ob30Schema(t, "VCJWTPayload")
	payload := payloadOf(t, token)
	if err := s.Validate(payload); err != nil {
		t.Fatalf("the credential's payload breaks the schema:\n%v", err)
	}
	// The schema can fail: a token of the old shape (credential in "vc")
	// and a credential without a name are refused.
	old, err := os.ReadFile(filepath.Join("testdata", "cred-v1.jwt"))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Validate(payloadOf(t, strings.TrimSpace(string(old)))); err == nil {
		t.Fatal("the old token shape (vc claim) passes the VC-JWT payload schema")
	}
	m := payload.(map[string]any)
	ctx := m["@context"]
	m["@context"] = []any{contextOB3, contextVC2}
	if err := s.Validate(m); err == nil {
		t.Fatal("a credential whose first context is not VC 2.0 passes the schema")
	}
	m["@context"] = ctx
	delete(m, "name")
	if err := s.Validate(m); err == nil {
		t.Fatal("a credential without name passes the schema")
	}
}

func TestProfileAndAchievementMatchOB30Schema(t *testing.T) {
	iss := credTestIssuer
	iss.Email, iss.Phone, iss.Image = "zertifikate@muster.example", "+49 30 1234567", iss.URL+"/static/logo.png"
	for _, iss := range []Issuer{credTestIssuer, iss} {
		b, err := ProfileJSON(iss)
		if err != nil {
			t.Fatal(err)
		}
		if err := ob30Schema(t, "ProfileDocument").Validate(unmarshalDoc(t, b)); err != nil {
			t.Fatalf("profile %s breaks the schema:\n%v", b, err)
		}
		var p map[string]any
		json.Unmarshal(b, &p)
		if p["id"] != iss.URL || p["url"] != iss.URL || p["name"] != iss.Name || (iss.Email != "") != (p["email"] != nil) || (iss.Image != "") != (p["image"] != nil) {
			t.Fatalf("profile %s", b)
		}
	}
	c := credTestCert()
	co := Course{ID: c.CourseID, Title: c.CourseTitle, Competences: c.Competences, ContentVersion: c.ContentVersion, ImageURL: iss.URL + "/static/certificate.png"}
	for _, lang := range []string{"de", "en"} {
		b, err := AchievementJSON(testMessages(), credTestIssuer, co, lang)
		if err != nil {
			t.Fatal(err)
		}
		if err := ob30Schema(t, "AchievementDocument").Validate(unmarshalDoc(t, b)); err != nil {
			t.Fatalf("achievement breaks the schema:\n%v", err)
		}
		var a achievementDocument
		json.Unmarshal(b, &a)
		if a.ID != AchievementURL(credTestIssuer.URL, c.CourseID) || a.InLanguage != lang || a.Name != c.CourseTitle[lang] || a.Image == nil {
			t.Fatalf("achievement %s", b)
		}
	}
	// The credential names the same achievement as the document says.
	token, _ := IssueCredential(testMessages(), c, credTestIssuer, credTestKey(t))
	var claims credentialClaims
	json.Unmarshal(decodeSegment(t, token, 1), &claims)
	b, _ := AchievementJSON(testMessages(), credTestIssuer, co, c.Lang)
	var a achievementDocument
	json.Unmarshal(b, &a)
	got := claims.CredentialSubject.Achievement
	if got.ID != a.ID || got.Name != a.Name || got.Description != a.Description || got.Criteria != a.Criteria {
		t.Fatalf("credential's achievement %+v, document's %+v", got, a.achievement)
	}
	if _, err := AchievementJSON(testMessages(), credTestIssuer, Course{ID: "../x", Title: co.Title}, "de"); err == nil {
		t.Fatal("an achievement with a bad id")
	}
}

func decodeSegment(t *testing.T, token string, i int) []byte {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(strings.Split(token, ".")[i])
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestStatusListPayloadMatchesSchema(t *testing.T) {
	token, err := IssueStatusList(credTestIssuer, []int{7}, credTestKey(t), time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if err := ob30Schema(t, "StatusListPayload").Validate(payloadOf(t, token)); err != nil {
		t.Fatalf("status list payload breaks the schema:\n%v", err)
	}
}

// TestTokensVerifyWithGoJose checks a credential and the status list with
// go-jose, a JOSE implementation other than the golang-jwt that kipass
// signs with: the key from the kid URL's JWK, ES256 only, the registered
// claims against the credential's fields.
func TestTokensVerifyWithGoJose(t *testing.T) {
	k := credTestKey(t)
	jwkJSON, err := PublicJWK(&Key{ID: k.ID, Public: k.Public})
	if err != nil {
		t.Fatal(err)
	}
	var key jose.JSONWebKey
	if err := json.Unmarshal(jwkJSON, &key); err != nil || !key.Valid() || !key.IsPublic() {
		t.Fatalf("go-jose reads the JWK %s: %v", jwkJSON, err)
	}
	tp, err := key.Thumbprint(crypto.SHA256)
	if err != nil || base64.RawURLEncoding.EncodeToString(tp) != k.ID || key.KeyID != k.ID {
		t.Fatalf("go-jose's RFC 7638 thumbprint differs from the kid: %v", err)
	}

	cert := credTestCert()
	token, err := IssueCredential(testMessages(), cert, credTestIssuer, k)
	if err != nil {
		t.Fatal(err)
	}
	jws, err := jose.ParseSigned(token, []jose.SignatureAlgorithm{jose.ES256})
	if err != nil {
		t.Fatal(err)
	}
	h := jws.Signatures[0].Protected
	if h.Algorithm != "ES256" || h.KeyID != KeyURL(credTestIssuer.URL, k.ID) || h.ExtraHeaders[jose.HeaderType] != "JWT" {
		t.Fatalf("header %+v", h)
	}
	payload, err := jws.Verify(key)
	if err != nil {
		t.Fatalf("go-jose rejects the signature: %v", err)
	}
	var cred map[string]any
	if err := json.Unmarshal(payload, &cred); err != nil {
		t.Fatal(err)
	}
	if _, ok := cred["vc"]; ok {
		t.Fatal("payload has a vc claim")
	}

	// go-jose's JWT layer checks the registered claims on its own.
	parsed, err := josejwt.ParseSigned(token, []jose.SignatureAlgorithm{jose.ES256})
	if err != nil {
		t.Fatal(err)
	}
	var rc josejwt.Claims
	if err := parsed.Claims(key, &rc); err != nil {
		t.Fatal(err)
	}
	subject := cred["credentialSubject"].(map[string]any)
	issuer := cred["issuer"].(map[string]any)
	err = rc.Validate(josejwt.Expected{
		Issuer: issuer["id"].(string), ID: cred["id"].(string), Subject: subject["id"].(string),
		Time: cert.IssuedAt.Add(time.Hour),
	})
	if err != nil {
		t.Fatalf("go-jose's claim check: %v", err)
	}
	from, _ := time.Parse(time.RFC3339, cred["validFrom"].(string))
	until, _ := time.Parse(time.RFC3339, cred["validUntil"].(string))
	if !rc.NotBefore.Time().Equal(from) || !rc.Expiry.Time().Equal(until) {
		t.Fatalf("nbf %v exp %v, validFrom %v validUntil %v", rc.NotBefore.Time(), rc.Expiry.Time(), from, until)
	}
	if err := rc.Validate(josejwt.Expected{Time: cert.ExpiresAt.Add(time.Hour)}); !errors.Is(err, josejwt.ErrExpired) {
		t.Fatalf("after validUntil go-jose says %v, want expired", err)
	}

	// A changed payload under the same signature fails in go-jose too.
	parts := strings.Split(token, ".")
	forged := strings.Replace(string(payload), cert.HolderName, "Mallory", 1)
	bad, err := jose.ParseSigned(parts[0]+"."+base64.RawURLEncoding.EncodeToString([]byte(forged))+"."+parts[2], []jose.SignatureAlgorithm{jose.ES256})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bad.Verify(key); err == nil {
		t.Fatal("go-jose accepts a changed payload")
	}

	list, err := IssueStatusList(credTestIssuer, []int{cert.StatusIndex}, k, cert.IssuedAt)
	if err != nil {
		t.Fatal(err)
	}
	ljws, err := jose.ParseSigned(list, []jose.SignatureAlgorithm{jose.ES256})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ljws.Verify(key); err != nil {
		t.Fatalf("go-jose rejects the status list: %v", err)
	}
}

// officialSchemaDir is where a reviewer put the official 1EdTech Open
// Badges 3.0 JSON schemas (docs/CERTIFICATES.md); "" skips the tests that
// need them.
func officialSchemaDir(t *testing.T) string {
	dir := os.Getenv("KIPASS_OB30_SCHEMA_DIR")
	if dir == "" {
		t.Skip("KIPASS_OB30_SCHEMA_DIR is not set: the official OB 3.0 schemas are not kept in the repository " +
			"(docs/CERTIFICATES.md says how to get them); the project's own schema was checked above")
	}
	return dir
}

// localOnly resolves the schemas' https references to files in dir by
// their base name and refuses anything else: the tests never fetch.
type localOnly struct{ dir string }

func (l localOnly) Load(url string) (any, error) {
	if !strings.HasPrefix(url, "https://") {
		return nil, fmt.Errorf("not loading %s", url)
	}
	f, err := os.Open(filepath.Join(l.dir, filepath.Base(url)))
	if err != nil {
		return nil, fmt.Errorf("%s is not in KIPASS_OB30_SCHEMA_DIR: %w", url, err)
	}
	defer f.Close()
	return jsonschema.UnmarshalJSON(f)
}

func TestOfficialOB30Schemas(t *testing.T) {
	dir := officialSchemaDir(t)
	validate := func(t *testing.T, file string, doc any, wrong ...any) {
		path := filepath.Join(dir, file)
		if _, err := os.Stat(path); err != nil {
			t.Skipf("%s is not in KIPASS_OB30_SCHEMA_DIR", file)
		}
		c := jsonschema.NewCompiler()
		c.UseLoader(jsonschema.SchemeURLLoader{"file": jsonschema.FileLoader{}, "https": localOnly{dir}})
		c.AssertFormat()
		abs, _ := filepath.Abs(path)
		s, err := c.Compile(abs)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		if err := s.Validate(doc); err != nil {
			t.Fatalf("breaks the official %s:\n%v", file, err)
		}
		for _, w := range wrong {
			if s.Validate(w) == nil {
				t.Fatalf("the official %s accepts %v", file, w)
			}
		}
	}
	t.Run("AchievementCredential", func(t *testing.T) {
		token, err := IssueCredential(testMessages(), credTestCert(), credTestIssuer, credTestKey(t))
		if err != nil {
			t.Fatal(err)
		}
		// The old token shape, with the credential in "vc", is not one.
		old, err := os.ReadFile(filepath.Join("testdata", "cred-v1.jwt"))
		if err != nil {
			t.Fatal(err)
		}
		validate(t, "ob_v3p0_achievementcredential_schema.json", payloadOf(t, token), payloadOf(t, strings.TrimSpace(string(old))))
	})
	t.Run("Profile", func(t *testing.T) {
		iss := credTestIssuer
		iss.Email, iss.Image = "zertifikate@muster.example", iss.URL+"/static/logo.png"
		b, err := ProfileJSON(iss)
		if err != nil {
			t.Fatal(err)
		}
		validate(t, "ob_v3p0_profile_schema.json", unmarshalDoc(t, b))
	})
}
