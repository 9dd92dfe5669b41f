package web

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"kipass/certificates"
	"kipass/internal/store"
)

// passExam passes every module and the final exam; it returns the
// certificate id from the submission.
func passExam(t *testing.T, a *testApp, tok string) string {
	t.Helper()
	passAllModules(t, a, tok)
	s, r := a.start(tok, "/api/v1/courses/"+courseID+"/exam/attempts?lang=de")
	if r.status != 201 {
		t.Fatalf("exam start: %d %s", r.status, r.body)
	}
	res, r := a.submitAPI(tok, s.AttemptID, key(realCatalog(t), s.Questions, true))
	if !res.Passed || res.CertificateID == "" {
		t.Fatalf("exam: %s", r.body)
	}
	return res.CertificateID
}

func (a *testApp) verify(path string, body req) verification {
	a.t.Helper()
	body.path = path
	if body.method == "" {
		body.method = "GET"
	}
	r := a.do(body)
	var v verification
	if err := json.Unmarshal([]byte(r.body), &v); err != nil || r.status != 200 {
		a.t.Fatalf("%s: %d %s", path, r.status, r.body)
	}
	return v
}

func TestCertificateLifecycle(t *testing.T) {
	a := newTestApp(t, nil)
	tok := a.apiUser("erika@example.com")
	id := passExam(t, a, tok)
	if len(id) < 22 {
		t.Fatalf("certificate id %q too short for 128 bits", id)
	}

	// The holder lists it.
	r := a.do(req{method: "GET", path: "/api/v1/me/certificates", bearer: tok})
	var list []certificateOut
	json.Unmarshal([]byte(r.body), &list)
	if len(list) != 1 || list[0].ID != id || list[0].Status != "valid" || list[0].VerifyURL != "http://kipass.test/verify/"+id {
		t.Fatalf("me/certificates: %s", r.body)
	}

	// Anyone can look it up; the answer has no email or score.
	v := a.verify("/api/v1/verify/"+id, req{})
	if v.Status != "valid" || v.HolderName != "Test erika@example.com" || v.CourseTitle != "KI am Arbeitsplatz" || v.IssuedAt == "" {
		t.Fatalf("verify by id: %+v", v)
	}
	if v := a.verify("/api/v1/verify/AAAAAAAAAAAAAAAAAAAAAA", req{}); v.Status != "unknown" {
		t.Fatalf("unknown id: %+v", v)
	}

	// The holder downloads the PDF and the credential; another employee cannot.
	pdf := a.do(req{method: "GET", path: "/certificates/" + id + ".pdf?lang=en", bearer: tok})
	if pdf.status != 200 || pdf.header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(pdf.body, "%PDF") {
		t.Fatalf("pdf: %d %s", pdf.status, pdf.header)
	}
	jwt := a.do(req{method: "GET", path: "/certificates/" + id + ".jwt", bearer: tok})
	if jwt.status != 200 || strings.Count(jwt.body, ".") != 2 {
		t.Fatalf("jwt: %d", jwt.status)
	}
	other := a.apiUser("max@example.com")
	for _, p := range []string{"/certificates/" + id + ".pdf", "/certificates/" + id + ".jwt"} {
		if r := a.do(req{method: "GET", path: p, bearer: other}); r.status != 404 {
			t.Fatalf("%s for another employee: %d", p, r.status)
		}
	}

	// Verify the PDF and the token through the API.
	v = a.verify("/api/v1/verify", req{method: "POST", raw: pdf.body, rawType: "application/pdf"})
	if v.Status != "valid" || v.Signature != "valid" {
		t.Fatalf("pdf verify: %+v", v)
	}
	v = a.verify("/api/v1/verify", req{method: "POST", json: map[string]string{"token": jwt.body}})
	if v.Status != "valid" || v.Signature != "valid" || v.ID != id {
		t.Fatalf("token verify: %+v", v)
	}
	// A changed byte in the PDF or the token is caught.
	b := []byte(pdf.body)
	b[len(b)/2] ^= 0x01
	if v := a.verify("/api/v1/verify", req{method: "POST", raw: string(b), rawType: "application/pdf"}); v.Signature != "invalid" || v.Status == "valid" {
		t.Fatalf("tampered pdf: %+v", v)
	}
	parts := strings.Split(jwt.body, ".")
	forged := parts[0] + "." + strings.Replace(parts[1], parts[1][5:6], map[bool]string{true: "A", false: "B"}[parts[1][5:6] != "A"], 1) + "." + parts[2]
	if v := a.verify("/api/v1/verify", req{method: "POST", json: map[string]string{"token": forged}}); v.Signature != "invalid" {
		t.Fatalf("forged token: %+v", v)
	}
	for _, bad := range []req{
		{method: "POST", raw: "not a pdf at all", rawType: "application/pdf"},
		{method: "POST", raw: "%PDF-1.7\ngarbage", rawType: "application/pdf"},
		{method: "POST", json: map[string]string{"token": "eyJhbGciOiJub25lIn0.e30."}},
		{method: "POST", json: map[string]string{"token": strings.Repeat("a", 500_000)}},
	} {
		if v := a.verify("/api/v1/verify", bad); v.Status == "valid" || v.Reason == "" {
			t.Fatalf("bad input verified: %+v", v)
		}
	}

	// An admin revokes it; every path says so at once.
	admin := a.makeUser("ada@example.com", store.RoleAdmin)
	if r := a.do(req{method: "POST", path: "/api/v1/admin/certificates/" + id + "/revoke", bearer: tok, json: map[string]string{"reason": "x"}}); r.status != 403 {
		t.Fatalf("employee revoked: %d", r.status)
	}
	if r := a.do(req{method: "POST", path: "/api/v1/admin/certificates/" + id + "/revoke", bearer: admin, json: map[string]string{}}); r.status != 400 {
		t.Fatalf("revoke without reason: %d", r.status)
	}
	if r := a.do(req{method: "POST", path: "/api/v1/admin/certificates/" + id + "/revoke", bearer: admin, json: map[string]string{"reason": "issued in error"}}); r.status != 204 {
		t.Fatalf("revoke: %d %s", r.status, r.body)
	}
	if v := a.verify("/api/v1/verify/"+id, req{}); v.Status != "revoked" {
		t.Fatalf("after revocation: %+v", v)
	}
	if v := a.verify("/api/v1/verify", req{method: "POST", raw: pdf.body, rawType: "application/pdf"}); v.Status != "revoked" || v.Signature != "valid" {
		t.Fatalf("pdf after revocation: %+v", v)
	}
	page := a.do(req{method: "GET", path: "/verify/" + id + "?lang=en"})
	if !strings.Contains(page.body, "Revoked") || strings.Contains(page.body, "issued in error") {
		t.Fatal("verify page does not say revoked, or shows the reason")
	}
	// The status list shows the revocation.
	sl := a.do(req{method: "GET", path: "/status/1"})
	bits, err := certificates.VerifyStatusList(sl.body, a.signer.Keys().Lookup, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	rec, _ := a.db.CertificateByID(t.Context(), id)
	if !certificates.Bit(bits, rec.StatusIndex) {
		t.Fatal("status list does not show the revocation")
	}
	// JWKS lists the key.
	ks := a.do(req{method: "GET", path: "/.well-known/jwks.json"})
	keys, err := certificates.ParseJWKS([]byte(ks.body))
	if err != nil || keys[a.signer.Keys().Current().ID] == nil {
		t.Fatalf("jwks: %v %s", err, ks.body)
	}
}

func TestVerifyPages(t *testing.T) {
	a := newTestApp(t, nil)
	tok := a.apiUser("erika@example.com")
	id := passExam(t, a, tok)
	pdf := a.do(req{method: "GET", path: "/certificates/" + id + ".pdf", bearer: tok}).body

	b := a.browser()
	if r := b.get("/verify?lang=de"); r.status != 200 || !strings.Contains(r.body, `enctype="multipart/form-data"`) {
		t.Fatalf("verify page: %d", r.status)
	}
	if r := b.get("/verify?id=" + url.QueryEscape("http://kipass.test/verify/"+id)); r.status != 303 || r.header.Get("Location") != "/verify/"+id {
		t.Fatalf("id form: %d %s", r.status, r.header.Get("Location"))
	}
	r := b.get("/verify/" + id)
	if !strings.Contains(r.body, "✓ Gültig") || !strings.Contains(r.body, "Test erika@example.com") {
		t.Fatal("verify result page")
	}
	// Upload the PDF through the form.
	var body bytes.Buffer
	mw := multipartWriter(&body, map[string]string{"_csrf": b.csrf}, "pdf", "certificate.pdf", []byte(pdf))
	r = b.send(req{method: "POST", path: "/verify", raw: body.String(), rawType: mw})
	if r.status != 200 || !strings.Contains(r.body, "✓ Gültig") || !strings.Contains(r.body, "PDF-Signatur unversehrt") {
		t.Fatalf("upload: %d\n%s", r.status, r.body)
	}
	body.Reset()
	mw = multipartWriter(&body, map[string]string{"_csrf": b.csrf}, "pdf", "x.pdf", []byte("hello"))
	if r = b.send(req{method: "POST", path: "/verify", raw: body.String(), rawType: mw}); !strings.Contains(r.body, "kein PDF") {
		t.Fatal("not-a-PDF upload")
	}
	if r = b.post("/verify", url.Values{"token": {"garbage"}}); !strings.Contains(r.body, "kein gültiger Nachweis") {
		t.Fatal("garbage token")
	}
	// Over 5 MiB: 413.
	body.Reset()
	mw = multipartWriter(&body, map[string]string{"_csrf": b.csrf}, "pdf", "big.pdf", bytes.Repeat([]byte("x"), 5<<20+10))
	if r = b.send(req{method: "POST", path: "/verify", raw: body.String(), rawType: mw}); r.status != 413 {
		t.Fatalf("big upload: %d", r.status)
	}
	// Nothing about the verifier or the file reaches the log.
	if strings.Contains(a.log.String(), id) || strings.Contains(a.log.String(), "erika") {
		t.Fatal("verification logged personal data or the certificate id")
	}
}

func TestMePageListsCertificates(t *testing.T) {
	a := newTestApp(t, nil)
	b := a.browser()
	b.post("/register", url.Values{"name": {"Erika Mustermann"}, "email": {"erika@example.com"}, "password": {"correct horse battery"}})
	r := a.do(req{method: "POST", path: "/api/v1/login", json: map[string]any{"email": "erika@example.com", "password": "correct horse battery"}})
	var login struct{ Token string }
	json.Unmarshal([]byte(r.body), &login)
	id := passExam(t, a, login.Token)
	r = b.get("/me?lang=de")
	for _, want := range []string{"Zertifikat: KI am Arbeitsplatz", "/certificates/" + id + ".pdf?lang=de", "/certificates/" + id + ".pdf?lang=en",
		"/certificates/" + id + ".jwt", "http://kipass.test/verify/" + id, "linkedin.com/profile/add?", "certId=" + id} {
		if !strings.Contains(r.body, want) {
			t.Errorf("/me lacks %q", want)
		}
	}
}

// The PDF from the server passes poppler's pdfsig.
func TestCertificatePDFWithPdfsig(t *testing.T) {
	if _, err := exec.LookPath("pdfsig"); err != nil {
		t.Skip("pdfsig not installed (apt-get install poppler-utils)")
	}
	a := newTestApp(t, nil)
	tok := a.apiUser("erika@example.com")
	id := passExam(t, a, tok)
	pdf := a.do(req{method: "GET", path: "/certificates/" + id + ".pdf", bearer: tok}).body
	f := filepath.Join(t.TempDir(), "c.pdf")
	writeFile(t, f, []byte(pdf))
	out, _ := exec.Command("pdfsig", f).CombinedOutput()
	if !strings.Contains(string(out), "Signature is Valid") {
		t.Fatalf("pdfsig:\n%s", out)
	}
	_ = http.StatusOK
}
