package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"kipass/content"
	"kipass/courses"
	"kipass/quiz"
)

// apiCall sends a JSON request to a running server.
func apiCall(t *testing.T, method, url, token string, body any) (int, []byte) {
	t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, url, r)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, b
}

func login(t *testing.T, base, email, password string) string {
	t.Helper()
	code, b := apiCall(t, "POST", base+"/api/v1/login", "", map[string]string{"email": email, "password": password})
	var out struct{ Token string }
	json.Unmarshal(b, &out)
	if code != 200 || out.Token == "" {
		t.Fatalf("login %s: %d %s", email, code, b)
	}
	return out.Token
}

// earnCertificate registers a learner, passes every module and the exam
// through the API and returns the learner's token and the certificate id.
func earnCertificate(t *testing.T, base string) (string, string) {
	t.Helper()
	if code, b := apiCall(t, "POST", base+"/api/v1/register", "", map[string]string{"name": "Zoë Ångström", "email": "zoe@example.com", "password": "correct horse battery"}); code != 201 {
		t.Fatalf("register: %d %s", code, b)
	}
	tok := login(t, base, "zoe@example.com", "correct horse battery")
	return tok, passCourse(t, base, tok)
}

// shownItem is a question of a started attempt as the API shows it: its
// options under the attempt's tokens, with their texts.
type shownItem struct {
	ID      string `json:"id"`
	Options []struct {
		ID   string `json:"id"`
		Text string `json:"text"`
	} `json:"options"`
}

// token returns the id under which the attempt shows the content option o
// (found by its text in any language).
func (q shownItem) token(o quiz.Option) string {
	for _, so := range q.Options {
		for _, text := range o.Text {
			if so.Text == text {
				return so.ID
			}
		}
	}
	return "not-shown"
}

// passCourse passes every module quiz and the final exam with the caller's
// token and returns the certificate id.
func passCourse(t *testing.T, base, tok string) string {
	t.Helper()
	co := passModules(t, base, tok)
	_, res := answerAPI(t, base, tok, co, "/api/v1/courses/"+co.ID+"/exam/attempts?lang=de")
	id, _ := res["certificate_id"].(string)
	if id == "" {
		t.Fatalf("no certificate: %v", res)
	}
	return id
}

// passModules passes every module quiz with the caller's token.
func passModules(t *testing.T, base, tok string) *courses.Course {
	t.Helper()
	cat, err := courses.Load(content.FS())
	must(t, err)
	co, _ := cat.Course("ki-am-arbeitsplatz")
	for _, m := range co.Modules {
		answerAPI(t, base, tok, co, "/api/v1/courses/"+co.ID+"/modules/"+m.ID+"/attempts")
	}
	return co
}

func download(t *testing.T, url, token, file string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("GET %s: %v %v", url, res, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	must(t, os.WriteFile(file, b, 0o600))
}

// The whole certificate story through the binary's own commands: earn it,
// download it, check it with pdfsig and zbarimg, verify it online and
// offline, revoke it and see verification say so.
func TestCertificateEndToEnd(t *testing.T) {
	data := t.TempDir()
	if code, _, errOut := runCmdIn(t, "admin password 1\n", "admin", "create", "--email", "ada@example.com", "--name", "Ada", "--role", "admin", "--password-stdin", "--data", data); code != 0 {
		t.Fatalf("admin create: %s", errOut)
	}
	s := startServer(t, nil, "--data", data, "--issuer-name", "Muster GmbH")
	tok, id := earnCertificate(t, s.url)
	dir := t.TempDir()
	pdf := filepath.Join(dir, "cert.pdf")
	download(t, s.url+"/certificates/"+id+".pdf?lang=de", tok, pdf)
	jwtFile := filepath.Join(dir, "cert.jwt")
	download(t, s.url+"/certificates/"+id+".jwt", tok, jwtFile)
	jwks := filepath.Join(dir, "jwks.json")
	download(t, s.url+"/.well-known/jwks.json", tok, jwks)

	if _, err := exec.LookPath("pdfsig"); err == nil {
		out, _ := exec.Command("pdfsig", pdf).CombinedOutput()
		if !strings.Contains(string(out), "Signature is Valid") {
			t.Fatalf("pdfsig:\n%s", out)
		}
	}
	_, errZbar := exec.LookPath("zbarimg")
	_, errPpm := exec.LookPath("pdftoppm")
	if errZbar == nil && errPpm == nil {
		png := filepath.Join(dir, "page")
		must(t, exec.Command("pdftoppm", "-r", "150", "-png", "-f", "1", "-l", "1", "-singlefile", pdf, png).Run())
		out, err := exec.Command("zbarimg", "--quiet", "--raw", png+".png").Output()
		if err != nil || strings.TrimSpace(string(out)) != s.url+"/verify/"+id {
			t.Fatalf("QR code decodes to %q (%v), want %s/verify/%s", out, err, s.url, id)
		}
	}

	verify := func(args ...string) (int, string) {
		code, out, errOut := runCmd(t, append([]string{"verify"}, args...)...)
		return code, out + errOut
	}
	for _, args := range [][]string{{pdf, "--issuer", s.url}, {jwtFile, "--issuer", s.url + "/"}, {pdf, "--offline", "--jwks", jwks}, {jwtFile, "--jwks", s.url + "/.well-known/jwks.json"}} {
		if code, out := verify(args...); code != 0 || !strings.Contains(out, "VALID: certificate "+id) || !strings.Contains(out, "Zoë Ångström") {
			t.Fatalf("verify %v: %d\n%s", args, code, out)
		}
	}
	code, out := verify(pdf, "--json", "--issuer", s.url)
	var res verifyResult
	if json.Unmarshal([]byte(out), &res); code != 0 || !res.Valid || res.ID != id {
		t.Fatalf("--json: %d %s", code, out)
	}

	// A changed byte in the PDF: not valid.
	b, _ := os.ReadFile(pdf)
	b[len(b)/3] ^= 0x20
	bad := filepath.Join(dir, "bad.pdf")
	os.WriteFile(bad, b, 0o600)
	if code, out := verify(bad, "--issuer", s.url); code != 1 || !strings.Contains(out, "NOT VALID") {
		t.Fatalf("tampered: %d %s", code, out)
	}
	// The genuine certificate without a trust anchor: not valid, and the
	// answer says whom to trust.
	if code, out := verify(pdf); code != 1 || !strings.Contains(out, "NOT VALID (untrusted_issuer): signature checks out, but the issuer is not one you trust: it claims to be Muster GmbH at "+s.url+"; run again with --issuer "+s.url+" if you trust it") {
		t.Fatalf("without --issuer: %d %s", code, out)
	}
	// Usage and I/O errors: exit 2.
	for _, args := range [][]string{{}, {pdf, "--offline"}, {pdf, "--offline", "--jwks", filepath.Join(dir, "missing.json")},
		{pdf, "--issuer", "http://kipass.example"}, {pdf, "--issuer", "https://real.example@attacker.example"}} {
		if code, _ := verify(args...); code != 2 {
			t.Fatalf("verify %v: exit %d, want 2", args, code)
		}
	}

	// Revoke as admin: online verification says revoked.
	admin := login(t, s.url, "ada@example.com", "admin password 1")
	if code, b := apiCall(t, "POST", s.url+"/api/v1/admin/certificates/"+id+"/revoke", admin, map[string]string{"reason": "test"}); code != 204 {
		t.Fatalf("revoke: %d %s", code, b)
	}
	if code, out := verify(pdf, "--issuer", s.url); code != 1 || !strings.Contains(out, "revoked") {
		t.Fatalf("after revocation: %d %s", code, out)
	}
	if code, out := verify(jwtFile, "--issuer", s.url); code != 1 || !strings.Contains(out, "revoked") {
		t.Fatalf("token after revocation: %d %s", code, out)
	}
	// Offline, revocation cannot be known; the output says it was not checked.
	if code, out := verify(pdf, "--offline", "--jwks", jwks); code != 0 || !strings.Contains(out, "not checked: revocation") {
		t.Fatalf("offline after revocation: %d %s", code, out)
	}
	_, _, _ = fmt.Sprint, code, out

	// Key rotation: old certificates keep verifying, the JWKS lists both keys.
	if code, out, _ := runCmd(t, "keys", "rotate", "--data", data); code != 0 || !strings.Contains(out, "new signing key") {
		t.Fatalf("rotate: %d %s", code, out)
	}
	offlineJWKS := filepath.Join(dir, "jwks2.json")
	s.stop()
	s2 := startServer(t, nil, "--data", data, "--issuer-name", "Muster GmbH", "--addr", strings.TrimPrefix(s.url, "http://"))
	download(t, s2.url+"/.well-known/jwks.json", tok, offlineJWKS)
	var set struct{ Keys []map[string]string }
	jb, _ := os.ReadFile(offlineJWKS)
	json.Unmarshal(jb, &set)
	if len(set.Keys) != 2 {
		t.Fatalf("jwks after rotation: %s", jb)
	}
	if code, out := verify(jwtFile, "--offline", "--jwks", offlineJWKS); code != 0 {
		t.Fatalf("old credential after rotation: %d %s", code, out)
	}
}

// runCmdIn runs a command with standard input.
func runCmdIn(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb syncBuffer
	err := run(t.Context(), append([]string{"kipass"}, args...), envFrom(nil), strings.NewReader(stdin), &out, &errb)
	return exitCode(err), out.String(), errb.String()
}
