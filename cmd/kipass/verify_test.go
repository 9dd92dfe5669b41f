package main

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"kipass/certificates"
)

// selfMadeIssuer is what anyone can run: an own key, an own server that
// publishes it (and a status list) under an iss of one's choosing, and
// certificates that name the genuine organisation.
type selfMadeIssuer struct {
	url      string
	key      *certificates.Key
	requests atomic.Int32
}

func newSelfMadeIssuer(t *testing.T) *selfMadeIssuer {
	t.Helper()
	k, err := certificates.NewKey(rand.Reader, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	si := &selfMadeIssuer{key: k}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		si.requests.Add(1)
		switch r.URL.Path {
		case "/.well-known/jwks.json":
			b, _ := certificates.JWKS([]*certificates.Key{k})
			w.Write(b)
		case "/status/1":
			s, _ := certificates.IssueStatusList(si.issuer(), nil, k, time.Now())
			w.Write([]byte(s))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	si.url = srv.URL
	return si
}

func (si *selfMadeIssuer) issuer() certificates.Issuer {
	return certificates.Issuer{Name: "Muster GmbH", URL: si.url}
}

func (si *selfMadeIssuer) certificate() certificates.Certificate {
	now := time.Now()
	return certificates.Certificate{ID: "SelfMadeCertificate0001", HolderName: "Mallory Fake", CourseID: "ki-am-arbeitsplatz",
		CourseTitle: map[string]string{"de": "KI am Arbeitsplatz"}, IssuedAt: now.Add(-time.Hour), ExpiresAt: now.AddDate(1, 0, 0), Lang: "de", StatusIndex: 3}
}

// token writes a self-made credential to a file.
func (si *selfMadeIssuer) token(t *testing.T) string {
	t.Helper()
	tok, err := certificates.IssueCredential(messages(t), si.certificate(), si.issuer(), si.key)
	if err != nil {
		t.Fatal(err)
	}
	f := filepath.Join(t.TempDir(), "self-made.jwt")
	must(t, os.WriteFile(f, []byte(tok), 0o600))
	return f
}

// pdf writes a self-made, properly signed certificate PDF to a file.
func (si *selfMadeIssuer) pdf(t *testing.T) string {
	t.Helper()
	tok, err := certificates.IssueCredential(messages(t), si.certificate(), si.issuer(), si.key)
	if err != nil {
		t.Fatal(err)
	}
	unsigned, err := certificates.RenderPDF(messages(t), si.certificate(), si.issuer(), "de", tok)
	if err != nil {
		t.Fatal(err)
	}
	signed, err := certificates.SignPDF(unsigned, si.key, nil, si.issuer(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	f := filepath.Join(t.TempDir(), "self-made.pdf")
	must(t, os.WriteFile(f, signed, 0o600))
	return f
}

// A certificate signed with anyone's own key, with an iss they host, used
// to print VALID and exit 0. Now it is untrusted_issuer and exit 1, unless
// the user names that issuer; with other issuers named, nothing is even
// fetched from it.
func TestVerifySelfMadeCertificate(t *testing.T) {
	si := newSelfMadeIssuer(t)
	want := "signature checks out, but the issuer is not one you trust: it claims to be Muster GmbH at " + si.url +
		"; run again with --issuer " + si.url + " if you trust it"
	for name, file := range map[string]string{"token": si.token(t), "pdf": si.pdf(t)} {
		code, out, errOut := runCmd(t, "verify", file)
		if code != 1 || strings.Contains(out, "VALID:") || !strings.Contains(out, "NOT VALID (untrusted_issuer): "+want) {
			t.Errorf("%s without anchor: exit %d\n%s%s", name, code, out, errOut)
		}
		code, out, _ = runCmd(t, "verify", file, "--json")
		var res verifyResult
		if err := json.Unmarshal([]byte(out), &res); err != nil || code != 1 || res.Valid || res.Status != "untrusted_issuer" || res.Reason != want || res.HolderName != "" {
			t.Errorf("%s --json: exit %d %s", name, code, out)
		}

		before := si.requests.Load()
		for _, anchor := range [][]string{{"--issuer", "https://kipass.muster.example"}, nil} {
			args := append([]string{"verify", file}, anchor...)
			env := map[string]string{}
			if anchor == nil {
				env["KIPASS_VERIFY_ISSUERS"] = "https://kipass.muster.example,https://other.example"
			}
			var o, eb syncBuffer
			err := run(t.Context(), append([]string{"kipass"}, args...), envFrom(env), strings.NewReader(""), &o, &eb)
			if exitCode(err) != 1 || !strings.Contains(o.String(), "NOT VALID (untrusted_issuer): the issuer is not one you trust: it claims to be Muster GmbH at "+si.url) {
				t.Errorf("%s with other issuers trusted (%v): exit %d\n%s%s", name, anchor, exitCode(err), o.String(), eb.String())
			}
		}
		if n := si.requests.Load() - before; n != 0 {
			t.Errorf("%s: %d requests to an issuer nobody trusts", name, n)
		}

		// Whoever names the issuer trusts it: then it verifies.
		if code, out, errOut := runCmd(t, "verify", file, "--issuer", si.url); code != 0 || !strings.Contains(out, "VALID: certificate SelfMadeCertificate0001") {
			t.Errorf("%s --issuer %s: exit %d\n%s%s", name, si.url, code, out, errOut)
		}
	}
}

// An iss of http://real.example@attacker.example names attacker.example,
// yet printed as it is it starts with the genuine URL. It is refused, also
// when its signature checks out with the keys given.
func TestVerifyRefusesDeceptiveIssuer(t *testing.T) {
	si := newSelfMadeIssuer(t)
	jwks := filepath.Join(t.TempDir(), "jwks.json")
	b, _ := certificates.JWKS([]*certificates.Key{si.key})
	must(t, os.WriteFile(jwks, b, 0o600))
	for _, fake := range []string{"http://real.example@" + strings.TrimPrefix(si.url, "http://"), "https://real.example?x", "https://real.example#x", "http://real.example"} {
		file := filepath.Join(t.TempDir(), "deceptive.jwt")
		must(t, os.WriteFile(file, []byte(reissue(t, si, fake)), 0o600))
		for _, args := range [][]string{{}, {"--jwks", jwks}, {"--jwks", jwks, "--offline"}, {"--issuer", "https://real.example"}} {
			code, out, errOut := runCmd(t, append([]string{"verify", file}, args...)...)
			if code != 1 || !strings.Contains(out, "NOT VALID (invalid): the credential's issuer is refused") || strings.Contains(out, "issuer:") {
				t.Errorf("iss %s %v: exit %d\n%s%s", fake, args, code, out, errOut)
			}
		}
	}
	// --issuer itself refuses such ids (exit 2).
	for _, bad := range []string{"http://real.example@attacker.example", "https://a.example?q", "http://intranet.example", "ftp://a.example"} {
		if code, _, _ := runCmd(t, "verify", "x.jwt", "--issuer", bad); code != 2 {
			t.Errorf("--issuer %s: exit %d, want 2", bad, code)
		}
	}
}

// reissue signs the self-made credential again with every occurrence of
// its issuer URL replaced by iss (the issuing code refuses such ids).
func reissue(t *testing.T, si *selfMadeIssuer, iss string) string {
	t.Helper()
	tok, err := certificates.IssueCredential(messages(t), si.certificate(), si.issuer(), si.key)
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(tok, ".")
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var claims jwt.MapClaims
	must(t, json.Unmarshal([]byte(strings.ReplaceAll(string(payload), si.url, iss)), &claims))
	header, _ := base64.RawURLEncoding.DecodeString(parts[0])
	var h map[string]any
	must(t, json.Unmarshal(header, &h))
	j := jwt.NewWithClaims(jwt.SigningMethodES256, claims)
	j.Header = h
	s, err := j.SignedString(si.key.Private)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// oldShape rewrites a new credential token into the shape kipass issued
// before December 2026 (credential in "vc", jti the bare certificate id,
// typ vc+jwt, kid the bare thumbprint) and signs it again with key.
func oldShape(t *testing.T, token string, key *certificates.Key) string {
	t.Helper()
	parts := strings.Split(token, ".")
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var p jwt.MapClaims
	must(t, json.Unmarshal(payload, &p))
	vc := map[string]any{}
	for _, k := range []string{"@context", "id", "type", "issuer", "validFrom", "validUntil", "name", "credentialSubject", "credentialStatus"} {
		vc[k] = p[k]
		delete(p, k)
	}
	id := vc["id"].(string)
	p["vc"], p["jti"], p["iat"] = vc, id[strings.LastIndex(id, "/")+1:], p["nbf"]
	j := jwt.NewWithClaims(jwt.SigningMethodES256, p)
	j.Header["typ"], j.Header["kid"] = "vc+jwt", key.ID
	s, err := j.SignedString(key.Private)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// Certificates issued before the credential shape changed keep verifying
// with kipass verify.
func TestVerifyOldShapeCredential(t *testing.T) {
	si := newSelfMadeIssuer(t)
	tok, err := certificates.IssueCredential(messages(t), si.certificate(), si.issuer(), si.key)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "old.jwt")
	must(t, os.WriteFile(file, []byte(oldShape(t, tok, si.key)), 0o600))
	if code, out, errOut := runCmd(t, "verify", file, "--issuer", si.url); code != 0 || !strings.Contains(out, "VALID: certificate SelfMadeCertificate0001") {
		t.Errorf("old shape: exit %d\n%s%s", code, out, errOut)
	}
	if code, out, _ := runCmd(t, "verify", file); code != 1 || !strings.Contains(out, "untrusted_issuer") {
		t.Errorf("old shape without anchor: exit %d\n%s", code, out)
	}
}
