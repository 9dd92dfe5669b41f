package certificates

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"math/big"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// -update rewrites testdata/cred-credential.golden.
var updateCredGolden = flag.Bool("update", false, "rewrite the credential golden file in testdata")

var credTestIssuer = Issuer{Name: "Muster GmbH", URL: "https://kipass.muster.example"}

var credKeyOnce = sync.OnceValues(func() (*Key, error) {
	b, err := os.ReadFile(filepath.Join("testdata", "cred-key.pem"))
	if err != nil {
		return nil, err
	}
	return ParseKeyPEM(b)
})

// credTestKey is the fixed test key of testdata/cred-key.pem.
func credTestKey(t testing.TB) *Key {
	t.Helper()
	k, err := credKeyOnce()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// credTestCert is a certificate as the web layer builds it.
func credTestCert() Certificate {
	issued := time.Date(2026, 11, 29, 10, 30, 0, 0, time.UTC)
	return Certificate{
		ID:               "q8VYzB3kTn2Xc5Rw7pLm1A",
		HolderName:       "Jürgen Groß-Özdemir",
		CourseID:         "ki-am-arbeitsplatz",
		CourseTitle:      map[string]string{"de": "KI am Arbeitsplatz", "en": "AI at Work"},
		CertificateTitle: map[string]string{"de": "Zertifikat: KI am Arbeitsplatz", "en": "Certificate: AI at Work"},
		Competences: []map[string]string{
			{"de": "Was KI kann und was nicht", "en": "What AI can and cannot do"},
			{"de": "DSGVO-Grundlagen", "en": "GDPR basics"},
			{"de": "Der EU AI Act im Alltag", "en": "The EU AI Act in daily work"},
		},
		ContentVersion: "sha256:3f1c2a9d8b7e6f5a4c3b2a1908f7e6d5c4b3a29180f7e6d5c4b3a2918f7e6d5c",
		IssuedAt:       issued,
		ExpiresAt:      issued.AddDate(1, 0, 0),
		Lang:           "de",
		StatusIndex:    4711,
	}
}

// credIssue issues the test certificate with the test key.
func credIssue(t testing.TB, c Certificate) string {
	t.Helper()
	token, err := IssueCredential(testMessages(), c, credTestIssuer, credTestKey(t))
	if err != nil {
		t.Fatal(err)
	}
	return token
}

// credLookup knows only the test key.
func credLookup(t testing.TB) func(string) (*ecdsa.PublicKey, bool) {
	k := credTestKey(t)
	return func(kid string) (*ecdsa.PublicKey, bool) {
		if kid == k.ID {
			return k.Public, true
		}
		return nil, false
	}
}

// credDecode returns the decoded header and payload of a compact JWS.
func credDecode(t testing.TB, token string) (header, payload map[string]any) {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("token has %d parts", len(parts))
	}
	for i, dst := range []*map[string]any{&header, &payload} {
		b, err := base64.RawURLEncoding.DecodeString(parts[i])
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, dst); err != nil {
			t.Fatal(err)
		}
	}
	return header, payload
}

// credValidAt is a time at which the test certificate is valid.
var credValidAt = credTestCert().IssuedAt.Add(24 * time.Hour)

func TestIssueVerifyCredential(t *testing.T) {
	c := credTestCert()
	token := credIssue(t, c)
	if len(token) > 4096 {
		t.Errorf("token of %d bytes", len(token))
	}
	cred, err := VerifyCredential(token, credLookup(t), credValidAt)
	if err != nil {
		t.Fatal(err)
	}
	want := &Credential{
		ID:               c.ID,
		Issuer:           credTestIssuer.URL,
		IssuerName:       credTestIssuer.Name,
		HolderName:       c.HolderName,
		CourseID:         c.CourseID,
		CourseTitle:      "KI am Arbeitsplatz",
		CertificateTitle: "Zertifikat: KI am Arbeitsplatz",
		Competences:      []string{"Was KI kann und was nicht", "DSGVO-Grundlagen", "Der EU AI Act im Alltag"},
		ContentVersion:   c.ContentVersion,
		Lang:             "de",
		IssuedAt:         c.IssuedAt,
		ExpiresAt:        c.ExpiresAt,
		StatusIndex:      c.StatusIndex,
		StatusListURL:    "https://kipass.muster.example/status/1",
		Kid:              credTestKey(t).ID,
	}
	if !reflect.DeepEqual(cred, want) {
		t.Errorf("VerifyCredential =\n%+v\nwant\n%+v", cred, want)
	}
}

func TestCredentialHeaderAndClaims(t *testing.T) {
	c := credTestCert()
	header, payload := credDecode(t, credIssue(t, c))
	// Open Badges 3.0 section 8.2.3: typ "JWT", kid a URL of the key.
	wantHeader := map[string]any{"alg": "ES256", "typ": "JWT", "kid": "https://kipass.muster.example/.well-known/jwks/" + credTestKey(t).ID}
	if !reflect.DeepEqual(header, wantHeader) {
		t.Errorf("header %v, want %v", header, wantHeader)
	}
	// Section 8.2.4.1: the payload is the credential, the registered
	// claims beside its fields and equal to them; no vc claim, no iat.
	id := "https://kipass.muster.example/verify/" + c.ID
	subject, _ := payload["credentialSubject"].(map[string]any)
	issuer, _ := payload["issuer"].(map[string]any)
	if payload["iss"] != credTestIssuer.URL || issuer["id"] != payload["iss"] || payload["jti"] != id || payload["id"] != id ||
		subject["id"] != payload["sub"] || payload["validFrom"] != "2026-11-29T10:30:00Z" || payload["validUntil"] != "2027-11-29T10:30:00Z" {
		t.Errorf("claims and credential disagree: %v", payload)
	}
	for _, absent := range []string{"vc", "iat"} {
		if _, ok := payload[absent]; ok {
			t.Errorf("payload has %q", absent)
		}
	}
	for claim, want := range map[string]time.Time{"nbf": c.IssuedAt, "exp": c.ExpiresAt} {
		if got, _ := payload[claim].(float64); int64(got) != want.Unix() {
			t.Errorf("%s = %v, want %d", claim, payload[claim], want.Unix())
		}
	}
	sub, _ := payload["sub"].(string)
	if !regexp.MustCompile(`^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(sub) {
		t.Errorf("sub %q is not a version 8 urn:uuid", sub)
	}
	other := c
	other.ID = "another-certificate-id-0001"
	_, p2 := credDecode(t, credIssue(t, other))
	if p2["sub"] == sub {
		t.Error("two certificates share a subject id")
	}
}

// TestCredentialHasNoPersonalData: besides the display name the credential
// carries nothing about the person: no email, score or user id, whatever
// the web layer knows.
func TestCredentialHasNoPersonalData(t *testing.T) {
	c := credTestCert()
	c.HolderName = "Erika Mustermann"
	_, payload := credDecode(t, credIssue(t, c))
	raw, _ := json.Marshal(payload)
	text := strings.ToLower(string(raw))
	for _, bad := range []string{"@muster", "mail", "score", "percent", "user", "points", "answers"} {
		if strings.Contains(text, bad) {
			t.Errorf("payload contains %q: %s", bad, raw)
		}
	}
	if strings.Count(string(raw), "Erika Mustermann") != 2 { // name and identifier
		t.Errorf("the holder name appears %d times", strings.Count(string(raw), "Erika Mustermann"))
	}
	if strings.Contains(payload["sub"].(string), "Erika") {
		t.Error("sub derived from the name")
	}
	// The only person-related member names are those of the display name.
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, e := range v {
				switch strings.ToLower(k) {
				case "email", "mail", "userid", "user_id", "score", "result", "birthdate", "department":
					t.Errorf("member %s%s", prefix, k)
				}
				walk(prefix+k+".", e)
			}
		case []any:
			for _, e := range v {
				walk(prefix, e)
			}
		}
	}
	walk("", payload)
}

func TestCredentialGolden(t *testing.T) {
	// The decoded header and payload, indented, in the token's own member
	// order. The signature is left out: ECDSA signatures are randomized.
	parts := strings.Split(credIssue(t, credTestCert()), ".")
	var got []byte
	for i, label := range []string{"header", "payload"} {
		var buf bytes.Buffer
		if err := json.Indent(&buf, mustB64(t, parts[i]), "", "  "); err != nil {
			t.Fatal(err)
		}
		got = append(got, "// "+label+"\n"...)
		got = append(got, buf.Bytes()...)
		got = append(got, '\n')
	}
	path := filepath.Join("testdata", "cred-credential.golden")
	if *updateCredGolden {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run TestCredentialGolden -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("credential differs from %s (run with -update if intended):\n%s", path, got)
	}
}

func TestCredentialLanguage(t *testing.T) {
	c := credTestCert()
	c.Lang = "en"
	cred, err := VerifyCredential(credIssue(t, c), credLookup(t), credValidAt)
	if err != nil {
		t.Fatal(err)
	}
	if cred.CourseTitle != "AI at Work" || cred.CertificateTitle != "Certificate: AI at Work" || cred.Lang != "en" ||
		cred.Competences[1] != "GDPR basics" {
		t.Errorf("English credential: %+v", cred)
	}
	_, payload := credDecode(t, credIssue(t, c))
	a := payload["credentialSubject"].(map[string]any)["achievement"].(map[string]any)
	if n := a["criteria"].(map[string]any)["narrative"].(string); !strings.HasPrefix(n, "Passed the final exam") {
		t.Errorf("narrative %q", n)
	}

	// An unknown language gets English texts; missing titles fall back.
	c.Lang = "fr"
	c.CourseTitle = map[string]string{"de": "Nur Deutsch"}
	c.CertificateTitle = nil
	cred, err = VerifyCredential(credIssue(t, c), credLookup(t), credValidAt)
	if err != nil {
		t.Fatal(err)
	}
	if cred.Lang != "en" || cred.CourseTitle != "Nur Deutsch" || cred.CertificateTitle != "Nur Deutsch" {
		t.Errorf("fallback: %+v", cred)
	}
}

func TestIssueCredentialRejects(t *testing.T) {
	k := credTestKey(t)
	pubOnly := &Key{ID: k.ID, Public: k.Public}
	wrongID := &Key{ID: "not-the-thumbprint", Private: k.Private, Public: k.Public}
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	tests := []struct {
		name   string
		change func(c *Certificate, iss *Issuer) *Key
	}{
		{"nil key", func(*Certificate, *Issuer) *Key { return nil }},
		{"public key only", func(*Certificate, *Issuer) *Key { return pubOnly }},
		{"kid not thumbprint", func(*Certificate, *Issuer) *Key { return wrongID }},
		{"P-384 key", func(*Certificate, *Issuer) *Key { return &Key{ID: "x", Private: p384, Public: &p384.PublicKey} }},
		{"issuer URL with slash", func(_ *Certificate, iss *Issuer) *Key { iss.URL += "/"; return k }},
		{"issuer URL relative", func(_ *Certificate, iss *Issuer) *Key { iss.URL = "kipass.example"; return k }},
		{"issuer URL ftp", func(_ *Certificate, iss *Issuer) *Key { iss.URL = "ftp://kipass.example"; return k }},
		{"issuer URL query", func(_ *Certificate, iss *Issuer) *Key { iss.URL += "?a=b"; return k }},
		{"no issuer name", func(_ *Certificate, iss *Issuer) *Key { iss.Name = " "; return k }},
		{"id with slash", func(c *Certificate, _ *Issuer) *Key { c.ID = "a/b"; return k }},
		{"empty id", func(c *Certificate, _ *Issuer) *Key { c.ID = ""; return k }},
		{"course id with space", func(c *Certificate, _ *Issuer) *Key { c.CourseID = "a b"; return k }},
		{"no holder", func(c *Certificate, _ *Issuer) *Key { c.HolderName = "  "; return k }},
		{"no course title", func(c *Certificate, _ *Issuer) *Key { c.CourseTitle = nil; return k }},
		{"no expiry", func(c *Certificate, _ *Issuer) *Key { c.ExpiresAt = time.Time{}; return k }},
		{"expires before issue", func(c *Certificate, _ *Issuer) *Key { c.ExpiresAt = c.IssuedAt; return k }},
		{"negative index", func(c *Certificate, _ *Issuer) *Key { c.StatusIndex = -1; return k }},
		{"index past list", func(c *Certificate, _ *Issuer) *Key { c.StatusIndex = StatusListSize; return k }},
		{"token too large", func(c *Certificate, _ *Issuer) *Key { c.HolderName = strings.Repeat("x", MaxTokenSize); return k }},
	}
	for _, tt := range tests {
		c, iss := credTestCert(), credTestIssuer
		key := tt.change(&c, &iss)
		if token, err := IssueCredential(testMessages(), c, iss, key); err == nil {
			t.Errorf("%s: IssueCredential = %.40s..., want an error", tt.name, token)
		}
	}
}

// credSegment base64url-encodes JSON.
func credSegment(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// credHS256 signs header and payload with an HMAC secret (HS256).
func credHS256(header, payload string, secret []byte) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(header + "." + payload))
	return header + "." + payload + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// credES256 signs header and payload with an ECDSA key as JWS wants it (r||s).
func credES256(t testing.TB, header, payload string, priv *ecdsa.PrivateKey) string {
	t.Helper()
	digest := sha256.Sum256([]byte(header + "." + payload))
	r, s, err := ecdsa.Sign(rand.Reader, priv, digest[:])
	if err != nil {
		t.Fatal(err)
	}
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	return header + "." + payload + "." + base64.RawURLEncoding.EncodeToString(sig)
}

func TestVerifyCredentialRefusesForgeries(t *testing.T) {
	k := credTestKey(t)
	good := credIssue(t, credTestCert())
	parts := strings.Split(good, ".")
	kid := KeyURL(credTestIssuer.URL, k.ID)
	hdr := func(alg string) string {
		return credSegment(t, map[string]any{"alg": alg, "typ": "JWT", "kid": kid})
	}
	pubPEM, _ := MarshalKeyPEM(&Key{Public: k.Public})
	pubDER, _ := x509.MarshalPKIXPublicKey(k.Public)
	pubPoint, _ := k.Public.Bytes()
	stranger, _ := NewKey(rand.Reader, time.Time{})

	// Payload with one byte of the holder's name changed.
	changed := strings.Replace(string(mustB64(t, parts[1])), "Jürgen", "Jürgan", 1)
	changedPayload := base64.RawURLEncoding.EncodeToString([]byte(changed))
	// Signature with one byte changed.
	sig := mustB64(t, parts[2])
	sig[10] ^= 0x01
	changedSig := base64.RawURLEncoding.EncodeToString(sig)

	// A status list signed by the right key is not a credential.
	statusToken, err := IssueStatusList(credTestIssuer, nil, k, credValidAt)
	if err != nil {
		t.Fatal(err)
	}
	// Claims signed by the right key that are not a consistent credential.
	inconsistent := func(change func(p map[string]any)) string {
		var p map[string]any
		json.Unmarshal(mustB64(t, parts[1]), &p)
		change(p)
		return credES256(t, parts[0], credSegment(t, p), k.Private)
	}
	vc := func(p map[string]any) map[string]any { return p }

	tests := []struct {
		name  string
		token string
		want  error
	}{
		{"alg none", hdr("none") + "." + parts[1] + ".", ErrAlgorithm},
		{"alg none with signature", hdr("none") + "." + parts[1] + "." + parts[2], ErrAlgorithm},
		{"alg NONE", hdr("NONE") + "." + parts[1] + ".", ErrAlgorithm},
		{"no alg", credSegment(t, map[string]any{"typ": "JWT", "kid": kid}) + "." + parts[1] + "." + parts[2], ErrAlgorithm},
		{"HS256 keyed with the public key PEM", credHS256(hdr("HS256"), parts[1], pubPEM), ErrAlgorithm},
		{"HS256 keyed with the public key DER", credHS256(hdr("HS256"), parts[1], pubDER), ErrAlgorithm},
		{"HS256 keyed with the public point", credHS256(hdr("HS256"), parts[1], pubPoint), ErrAlgorithm},
		{"RS256", hdr("RS256") + "." + parts[1] + "." + parts[2], ErrAlgorithm},
		{"ES384", hdr("ES384") + "." + parts[1] + "." + parts[2], ErrAlgorithm},
		{"EdDSA", hdr("EdDSA") + "." + parts[1] + "." + parts[2], ErrAlgorithm},
		{"unknown key", mustIssueWith(t, stranger), ErrUnknownKey},
		{"no kid", credES256(t, credSegment(t, map[string]any{"alg": "ES256", "typ": "JWT"}), parts[1], k.Private), ErrUnknownKey},
		{"kid not a string", credES256(t, credSegment(t, map[string]any{"alg": "ES256", "typ": "JWT", "kid": 7}), parts[1], k.Private), ErrUnknownKey},
		{"kid URL with no thumbprint", credES256(t, credSegment(t, map[string]any{"alg": "ES256", "typ": "JWT", "kid": credTestIssuer.URL + "/.well-known/jwks/"}), parts[1], k.Private), ErrUnknownKey},
		{"our kid, stranger's signature", credES256(t, parts[0], parts[1], stranger.Private), ErrBadSignature},
		{"changed payload byte", parts[0] + "." + changedPayload + "." + parts[2], ErrBadSignature},
		{"changed signature byte", parts[0] + "." + parts[1] + "." + changedSig, ErrBadSignature},
		{"truncated signature", parts[0] + "." + parts[1] + "." + parts[2][:40], ErrBadSignature},
		{"empty signature", parts[0] + "." + parts[1] + ".", ErrBadSignature},
		{"DER signature", parts[0] + "." + parts[1] + "." + derSig(t, parts[0]+"."+parts[1], k.Private), ErrBadSignature},
		{"typ vc+jwt on the new shape", credES256(t, credSegment(t, map[string]any{"alg": "ES256", "typ": "vc+jwt", "kid": kid}), parts[1], k.Private), ErrMalformed},
		{"typ jwt in lower case", credES256(t, credSegment(t, map[string]any{"alg": "ES256", "typ": "jwt", "kid": kid}), parts[1], k.Private), ErrMalformed},
		{"no typ", credES256(t, credSegment(t, map[string]any{"alg": "ES256", "kid": kid}), parts[1], k.Private), ErrMalformed},
		{"bare thumbprint kid on the new shape", credES256(t, credSegment(t, map[string]any{"alg": "ES256", "typ": "JWT", "kid": k.ID}), parts[1], k.Private), ErrMalformed},
		{"kid URL of another host", credES256(t, credSegment(t, map[string]any{"alg": "ES256", "typ": "JWT", "kid": KeyURL("https://evil.example", k.ID)}), parts[1], k.Private), ErrMalformed},
		{"crit header", credES256(t, credSegment(t, map[string]any{"alg": "ES256", "typ": "JWT", "kid": kid, "crit": []string{"b64"}, "b64": false}), parts[1], k.Private), ErrMalformed},
		// Issue 19 item 3: the claims must agree with the credential,
		// whatever the signature says.
		{"jti differs from id", inconsistent(func(p map[string]any) { p["jti"] = "q8VYzB3kTn2Xc5Rw7pLm1A" }), ErrMalformed},
		{"id differs from jti", inconsistent(func(p map[string]any) { p["id"] = credTestIssuer.URL + "/verify/AAAAAAAAAAAAAAAAAAAAAA" }), ErrMalformed},
		{"iss differs from issuer.id", inconsistent(func(p map[string]any) { p["iss"] = "https://evil.example" }), ErrMalformed},
		{"sub differs from credentialSubject.id", inconsistent(func(p map[string]any) { p["sub"] = "urn:uuid:00000000-0000-8000-8000-000000000000" }), ErrMalformed},
		{"nbf differs from validFrom", inconsistent(func(p map[string]any) { p["nbf"] = p["nbf"].(float64) - 86400 }), ErrMalformed},
		{"exp differs from validUntil", inconsistent(func(p map[string]any) { p["exp"] = p["exp"].(float64) + 86400*365 }), ErrMalformed},
		{"validUntil differs from exp", inconsistent(func(p map[string]any) { p["validUntil"] = "2099-01-01T00:00:00Z" }), ErrMalformed},
		{"a vc claim beside the credential", inconsistent(func(p map[string]any) {
			inner := map[string]any{}
			for k, v := range p {
				inner[k] = v
			}
			p["vc"] = inner
		}), ErrMalformed},
		{"no credentialSubject", inconsistent(func(p map[string]any) { delete(p, "credentialSubject") }), ErrMalformed},
		{"issuer not an object", inconsistent(func(p map[string]any) { p["issuer"] = credTestIssuer.URL }), ErrMalformed},
		{"status list instead of credential", statusToken, ErrMalformed},
		{"issuer differs from iss", inconsistent(func(p map[string]any) { vc(p)["issuer"].(map[string]any)["id"] = "https://evil.example" }), ErrMalformed},
		{"foreign status list", inconsistent(func(p map[string]any) {
			vc(p)["credentialStatus"].(map[string]any)["statusListCredential"] = "https://evil.example/status/1"
		}), ErrMalformed},
		{"status index too large", inconsistent(func(p map[string]any) {
			vc(p)["credentialStatus"].(map[string]any)["statusListIndex"] = "131072"
		}), ErrMalformed},
		{"status index not decimal", inconsistent(func(p map[string]any) {
			vc(p)["credentialStatus"].(map[string]any)["statusListIndex"] = "0x10"
		}), ErrMalformed},
		{"no exp", inconsistent(func(p map[string]any) { delete(p, "exp") }), ErrMalformed},
		{"exp as string", inconsistent(func(p map[string]any) { p["exp"] = "tomorrow" }), ErrMalformed},
		{"not an OpenBadgeCredential", inconsistent(func(p map[string]any) { vc(p)["type"] = []string{"VerifiableCredential"} }), ErrMalformed},
		{"padded segments", parts[0] + "=." + parts[1] + "." + parts[2], ErrMalformed},
		{"oversized", parts[0] + "." + strings.Repeat("A", 1<<20) + "." + parts[2], ErrMalformed},
		{"empty", "", ErrMalformed},
		{"garbage", "hello world", ErrMalformed},
		{"dots", "..", ErrMalformed},
		{"four parts", good + ".x", ErrMalformed},
		{"JSON instead of JWS", `{"alg":"ES256"}`, ErrMalformed},
		{"binary", "\x00\xff.\x01.\x02", ErrMalformed},
		{"header not JSON", base64.RawURLEncoding.EncodeToString([]byte("alg")) + "." + parts[1] + "." + parts[2], ErrMalformed},
		{"payload not JSON", parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte("[1,2")) + "." + parts[2], ErrMalformed},
	}
	sentinels := []error{ErrMalformed, ErrAlgorithm, ErrUnknownKey, ErrBadSignature, ErrExpired, ErrNotYetValid}
	for _, tt := range tests {
		cred, err := VerifyCredential(tt.token, credLookup(t), credValidAt)
		if err == nil {
			t.Errorf("%s: verified: %+v", tt.name, cred)
			continue
		}
		if cred != nil {
			t.Errorf("%s: returned a credential with %v", tt.name, err)
		}
		if !errors.Is(err, tt.want) {
			t.Errorf("%s: err = %v, want %v", tt.name, err, tt.want)
		}
		for _, s := range sentinels {
			if s != tt.want && errors.Is(err, s) {
				t.Errorf("%s: err = %v also matches %v", tt.name, err, s)
			}
		}
		if len(err.Error()) > 300 {
			t.Errorf("%s: error of %d bytes", tt.name, len(err.Error()))
		}
	}
}

func mustB64(t testing.TB, s string) []byte {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustIssueWith(t testing.TB, k *Key) string {
	t.Helper()
	token, err := IssueCredential(testMessages(), credTestCert(), credTestIssuer, k)
	if err != nil {
		t.Fatal(err)
	}
	return token
}

// derSig is an ASN.1 DER ECDSA signature, which JWS does not use.
func derSig(t testing.TB, signingInput string, priv *ecdsa.PrivateKey) string {
	t.Helper()
	digest := sha256.Sum256([]byte(signingInput))
	der, err := ecdsa.SignASN1(rand.Reader, priv, digest[:])
	if err != nil {
		t.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(der)
}

func TestVerifyCredentialOversizedIsQuick(t *testing.T) {
	token := strings.Repeat("eyJhbGciOiJFUzI1NiJ9.", 1<<20/21)
	start := time.Now()
	_, err := VerifyCredential(token, credLookup(t), credValidAt)
	if !errors.Is(err, ErrMalformed) {
		t.Fatalf("err = %v", err)
	}
	if d := time.Since(start); d > 50*time.Millisecond {
		t.Errorf("refusing a 1 MiB token took %v", d)
	}
}

func TestVerifyCredentialTimes(t *testing.T) {
	c := credTestCert()
	token := credIssue(t, c)
	lookup := credLookup(t)

	for _, now := range []time.Time{c.ExpiresAt, c.ExpiresAt.Add(time.Second), c.ExpiresAt.AddDate(3, 0, 0)} {
		cred, err := VerifyCredential(token, lookup, now)
		if !errors.Is(err, ErrExpired) {
			t.Errorf("at %v: err = %v, want ErrExpired", now, err)
			continue
		}
		if cred == nil || cred.HolderName != c.HolderName || !cred.ExpiresAt.Equal(c.ExpiresAt) {
			t.Errorf("expired credential not returned: %+v", cred)
		}
	}
	if _, err := VerifyCredential(token, lookup, c.ExpiresAt.Add(-time.Second)); err != nil {
		t.Errorf("a second before expiry: %v", err)
	}
	if _, err := VerifyCredential(token, lookup, c.IssuedAt.Add(-30*time.Second)); err != nil {
		t.Errorf("within the clock skew: %v", err)
	}
	cred, err := VerifyCredential(token, lookup, c.IssuedAt.Add(-time.Hour))
	if !errors.Is(err, ErrNotYetValid) || cred != nil {
		t.Errorf("an hour before issue: %v, %v", cred, err)
	}
	// A bad signature is reported as such even when the token is expired.
	parts := strings.Split(token, ".")
	sig := mustB64(t, parts[2])
	sig[0] ^= 0x80
	forged := parts[0] + "." + parts[1] + "." + base64.RawURLEncoding.EncodeToString(sig)
	if cred, err := VerifyCredential(forged, lookup, c.ExpiresAt.AddDate(1, 0, 0)); !errors.Is(err, ErrBadSignature) || cred != nil {
		t.Errorf("expired forgery: %v, %v", cred, err)
	}
}

func TestVerifyCredentialNilLookup(t *testing.T) {
	_, err := VerifyCredential(credIssue(t, credTestCert()), nil, credValidAt)
	if !errors.Is(err, ErrUnknownKey) {
		t.Errorf("err = %v", err)
	}
	wrongCurve := func(string) (*ecdsa.PublicKey, bool) {
		k, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
		return &k.PublicKey, true
	}
	if _, err := VerifyCredential(credIssue(t, credTestCert()), wrongCurve, credValidAt); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("P-384 lookup: err = %v", err)
	}
}

// TestVerifyCredentialWithJWKS is the offline path of `kipass verify`.
func TestVerifyCredentialWithJWKS(t *testing.T) {
	k := credTestKey(t)
	other, _ := NewKey(rand.Reader, time.Time{})
	b, err := JWKS([]*Key{other, k})
	if err != nil {
		t.Fatal(err)
	}
	keys, err := ParseJWKS(b)
	if err != nil {
		t.Fatal(err)
	}
	lookup := func(kid string) (*ecdsa.PublicKey, bool) { p, ok := keys[kid]; return p, ok }
	if _, err := VerifyCredential(credIssue(t, credTestCert()), lookup, credValidAt); err != nil {
		t.Fatal(err)
	}
}

// credSignedByTestKey checks a JWS signature with the test key directly,
// without the code under test.
func credSignedByTestKey(t testing.TB, token string) bool {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return false
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil || len(sig) != 64 {
		return false
	}
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	r, s := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])
	return ecdsa.Verify(credTestKey(t).Public, digest[:], r, s)
}

func FuzzVerifyCredential(f *testing.F) {
	k := credTestKey(f)
	good := credIssue(f, credTestCert())
	parts := strings.Split(good, ".")
	f.Add(good)
	f.Add(parts[0] + "." + parts[1] + ".")
	f.Add(credHS256(parts[0], parts[1], []byte("secret")))
	f.Add("eyJhbGciOiJub25lIn0." + parts[1] + ".")
	f.Add("")
	f.Add("..")
	f.Add("a.b.c")
	status, _ := IssueStatusList(credTestIssuer, []int{1, 2, 3}, k, credValidAt)
	f.Add(status)
	lookup := credLookup(f)
	f.Fuzz(func(t *testing.T, token string) {
		cred, err := VerifyCredential(token, lookup, credValidAt)
		if err != nil && !errors.Is(err, ErrExpired) {
			if cred != nil {
				t.Fatalf("credential returned with %v", err)
			}
			return
		}
		if cred == nil {
			t.Fatalf("no credential and err %v", err)
		}
		if !credSignedByTestKey(t, token) {
			t.Fatalf("verified a token the test key did not sign: %q", token)
		}
		if cred.Kid != k.ID || cred.ID == "" || cred.HolderName == "" {
			t.Fatalf("verified credential %+v", cred)
		}
	})
}

func BenchmarkIssueCredential(b *testing.B) {
	c, k := credTestCert(), credTestKey(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := IssueCredential(testMessages(), c, credTestIssuer, k); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyCredential(b *testing.B) {
	token := credIssue(b, credTestCert())
	lookup := credLookup(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := VerifyCredential(token, lookup, credValidAt); err != nil {
			b.Fatal(err)
		}
	}
}

// TestVerifyCredentialRefusesLibraryHS256 cross-checks the hand-made
// HS256 forgery with the JWT library's own signer.
func TestVerifyCredentialRefusesLibraryHS256(t *testing.T) {
	k := credTestKey(t)
	pubPEM, _ := MarshalKeyPEM(&Key{Public: k.Public})
	tok := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"iss": credTestIssuer.URL, "jti": "x"})
	tok.Header["kid"] = k.ID
	tok.Header["typ"] = "vc+jwt"
	s, err := tok.SignedString(pubPEM)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := VerifyCredential(s, credLookup(t), credValidAt); !errors.Is(err, ErrAlgorithm) {
		t.Errorf("err = %v, want ErrAlgorithm", err)
	}
}

// An issuer id that shows one host and means another (user info), or
// carries a query or fragment, is refused even when the signature is by a
// known key: a reader could take "http://real.example@attacker.example"
// for real.example.
func TestVerifyCredentialRefusesDeceptiveIssuer(t *testing.T) {
	k := credTestKey(t)
	token := credIssue(t, credTestCert())
	header, _ := credDecode(t, token)
	parts := strings.Split(token, ".")
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	host := strings.TrimPrefix(credTestIssuer.URL, "https://")
	for _, fake := range []string{"http://real.example@" + host, "https://real.example@" + host, credTestIssuer.URL + "?x=1", credTestIssuer.URL + "#x", "ftp://" + host} {
		var payload map[string]any
		if err := json.Unmarshal([]byte(strings.ReplaceAll(string(raw), credTestIssuer.URL, fake)), &payload); err != nil {
			t.Fatal(err)
		}
		forged := credES256(t, credSegment(t, header), credSegment(t, payload), k.Private)
		if cred, err := VerifyCredential(forged, credLookup(t), credValidAt); !errors.Is(err, ErrMalformed) || !errors.Is(err, ErrIssuerID) || cred != nil {
			t.Errorf("iss %q: %+v, %v; want ErrMalformed (ErrIssuerID)", fake, cred, err)
		}
	}
}

func TestCheckIssuerID(t *testing.T) {
	for _, ok := range []string{"https://kipass.example", "https://kipass.example/org", "http://127.0.0.1:8080", "http://localhost:8080", "http://[::1]:9"} {
		if err := CheckIssuerID(ok); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "kipass.example", "http://kipass.example", "https://a@kipass.example", "https://a:b@kipass.example",
		"https://kipass.example?", "https://kipass.example?a", "https://kipass.example#", "https://kipass.example#a", "ftp://kipass.example",
		"https://", "https:kipass.example", "https://kipass.example/\\evil", "https://kipass.example /x", "javascript:alert(1)", "http://127.0.0.1.evil.example"} {
		if err := CheckIssuerID(bad); !errors.Is(err, ErrIssuerID) {
			t.Errorf("%q: %v, want ErrIssuerID", bad, err)
		}
	}
}

// Issue 19 item 2: a credential of the shape issued before December 2026
// (the credential in a "vc" claim, jti the bare certificate id, typ
// vc+jwt, kid the bare thumbprint), kept as issued in
// testdata/cred-v1.jwt, still verifies and states the same as a new one.
// For it the old rule stays: jti is the certificate id that ends vc.id,
// and iss, sub, nbf and exp match the credential's fields.
func TestVerifyCredentialOldShape(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "cred-v1.jwt"))
	if err != nil {
		t.Fatal(err)
	}
	old := strings.TrimSpace(string(b))
	header, payload := credDecode(t, old)
	if header["typ"] != "vc+jwt" || header["kid"] != credTestKey(t).ID || payload["vc"] == nil || payload["jti"] != credTestCert().ID {
		t.Fatalf("testdata/cred-v1.jwt is not of the old shape: %v %v", header, payload)
	}
	got, err := VerifyCredential(old, credLookup(t), credValidAt)
	if err != nil {
		t.Fatal(err)
	}
	want, err := VerifyCredential(credIssue(t, credTestCert()), credLookup(t), credValidAt)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("old shape states\n%+v\nnew shape\n%+v", got, want)
	}

	parts := strings.Split(old, ".")
	resigned := func(h map[string]any, change func(p, vc map[string]any)) string {
		var p map[string]any
		if err := json.Unmarshal(mustB64(t, parts[1]), &p); err != nil {
			t.Fatal(err)
		}
		change(p, p["vc"].(map[string]any))
		if h == nil {
			h = header
		}
		return credES256(t, credSegment(t, h), credSegment(t, p), credTestKey(t).Private)
	}
	if _, err := VerifyCredential(resigned(nil, func(p, vc map[string]any) {}), credLookup(t), credValidAt); err != nil {
		t.Fatalf("re-signed unchanged: %v", err)
	}
	for name, token := range map[string]string{
		"jti not ending vc.id":      resigned(nil, func(p, vc map[string]any) { p["jti"] = "AAAAAAAAAAAAAAAAAAAAAA" }),
		"jti as the URL":            resigned(nil, func(p, vc map[string]any) { p["jti"] = vc["id"] }),
		"sub differs":               resigned(nil, func(p, vc map[string]any) { p["sub"] = "urn:uuid:00000000-0000-8000-8000-000000000000" }),
		"nbf differs":               resigned(nil, func(p, vc map[string]any) { p["nbf"] = p["nbf"].(float64) - 3600 }),
		"exp differs":               resigned(nil, func(p, vc map[string]any) { p["exp"] = p["exp"].(float64) + 86400 }),
		"iss differs":               resigned(nil, func(p, vc map[string]any) { vc["issuer"].(map[string]any)["id"] = "https://evil.example" }),
		"typ JWT with a vc claim":   resigned(map[string]any{"alg": "ES256", "typ": "JWT", "kid": credTestKey(t).ID}, func(p, vc map[string]any) {}),
		"kid URL with a vc claim":   resigned(map[string]any{"alg": "ES256", "typ": "vc+jwt", "kid": KeyURL(credTestIssuer.URL, credTestKey(t).ID)}, func(p, vc map[string]any) {}),
		"credential also top level": resigned(nil, func(p, vc map[string]any) { p["id"] = vc["id"] }),
	} {
		if cred, err := VerifyCredential(token, credLookup(t), credValidAt); !errors.Is(err, ErrMalformed) || cred != nil {
			t.Errorf("%s: %+v, %v; want ErrMalformed", name, cred, err)
		}
	}
}
