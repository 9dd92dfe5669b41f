package web

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/golang-jwt/jwt/v5"

	"kipass/certificates"
	"kipass/internal/i18n"
)

// hostilePDF is an unsigned PDF of about size bytes of nested arrays, each
// within any depth limit: the upload that cost 150 MB of heap when its
// object tree was parsed first.
func hostilePDF(size int) []byte {
	unit := strings.Repeat("[", 30) + strings.Repeat("]", 30) + " "
	doc := "%PDF-1.4\n1 0 obj\n[" + strings.Repeat(unit, size/len(unit)) + "]\nendobj\n"
	xref := len(doc)
	doc += "xref\n0 2\n0000000000 65535 f \n0000000009 00000 n \n"
	doc += fmt.Sprintf("trailer\n<< /Size 2 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", xref)
	return []byte(doc)
}

// heapDuring is the heap allocated while f runs, in bytes.
func heapDuring(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// A 4 MB hostile unsigned PDF, on the API and through the form, is "not
// signed by this issuer" at the cost of reading it: the heap the whole
// request allocates (the test client's copies of the body included) stays
// a few times the file size, where parsing it first took 150 MB.
func TestVerifyHostilePDFIsCheap(t *testing.T) {
	a := newTestApp(t, nil)
	pdf := hostilePDF(4 << 20)
	var v verification
	n := heapDuring(func() {
		v = a.verify("/api/v1/verify", req{method: "POST", raw: string(pdf), rawType: "application/pdf"})
	})
	if v.Status != "unknown" || v.Signature != "invalid" || v.Reason != "pdf_signature_invalid" {
		t.Errorf("hostile PDF: %+v", v)
	}
	if n > 80<<20 && !raceDetector {
		t.Errorf("verifying a %d-byte hostile PDF allocated %d MB", len(pdf), n>>20)
	}
	t.Logf("API: %d MB allocated for a %d MB upload", n>>20, len(pdf)>>20)

	b := a.browser()
	var body bytes.Buffer
	mw := multipartWriter(&body, map[string]string{"_csrf": b.csrf}, "pdf", "hostile.pdf", pdf)
	var r resp
	n = heapDuring(func() { r = b.send(req{method: "POST", path: "/verify?lang=en", raw: body.String(), rawType: mw}) })
	if r.status != 200 || !strings.Contains(r.body, "its signature is missing") {
		t.Errorf("form: %d %.300s", r.status, r.body)
	}
	if n > 100<<20 && !raceDetector {
		t.Errorf("the form with a %d-byte hostile PDF allocated %d MB", len(pdf), n>>20)
	}
	t.Logf("form: %d MB allocated for a %d MB upload", n>>20, len(pdf)>>20)
}

// A certificate that anyone can make (own key, this server's name and
// URL, a well-formed credential) is not a certificate of this issuer.
func TestVerifySelfMadePDF(t *testing.T) {
	a := newTestApp(t, nil)
	ks, err := certificates.OpenKeyStore(filepath.Join(t.TempDir(), "keys"), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	iss := a.signer.Issuer
	iss.Name = "Muster GmbH" // the name this issuer's certificates state
	now := time.Now()
	c := certificates.Certificate{ID: "AAAAAAAAAAAAAAAAAAAAAA", HolderName: "Mallory", CourseID: courseID,
		CourseTitle: map[string]string{"de": "KI am Arbeitsplatz"}, IssuedAt: now, ExpiresAt: now.AddDate(1, 0, 0), Lang: "de"}
	msgs, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	tok, err := certificates.IssueCredential(msgs, c, iss, ks.Current())
	if err != nil {
		t.Fatal(err)
	}
	unsigned, err := certificates.RenderPDF(msgs, c, iss, "de", tok)
	if err != nil {
		t.Fatal(err)
	}
	pdf, err := certificates.SignPDF(unsigned, ks.Current(), nil, iss, now)
	if err != nil {
		t.Fatal(err)
	}
	v := a.verify("/api/v1/verify", req{method: "POST", raw: string(pdf), rawType: "application/pdf"})
	if v.Status != "unknown" || v.Signature != "invalid" || v.Reason != "pdf_signer_unknown" ||
		len(v.Checks) != 2 || !v.Checks[0].OK || v.Checks[1] != (check{"pdf_signer", false}) {
		t.Errorf("self-made PDF: %+v", v)
	}
	if v.HolderName != "" {
		t.Errorf("a self-made certificate's name is shown: %+v", v)
	}
}

// /verify is limited per client address, on the API and the form, with
// the contract's error body.
func TestVerifyRateLimitPerAddress(t *testing.T) {
	a := newTestApp(t, func(c *Config) { c.VerifyLimit = 3 })
	for i := range 3 {
		if r := a.do(req{method: "POST", path: "/api/v1/verify", json: map[string]string{"token": "x.y.z"}}); r.status != 200 {
			t.Fatalf("request %d: %d %s", i, r.status, r.body)
		}
	}
	r := a.do(req{method: "POST", path: "/api/v1/verify", raw: string(hostilePDF(1 << 10)), rawType: "application/pdf"})
	var e apiError
	if r.status != 429 || json.Unmarshal([]byte(r.body), &e) != nil || e.Error.Code != "too_many_requests" || r.header.Get("Retry-After") == "" {
		t.Errorf("4th request: %d %s %v", r.status, r.body, r.header)
	}
	b := a.browser()
	if r := b.post("/verify?lang=en", map[string][]string{"token": {"x"}}); r.status != 429 || !strings.Contains(r.body, "Too many verifications") {
		t.Errorf("form after the limit: %d %.200s", r.status, r.body)
	}
	// The id lookup is not a POST and stays open.
	if r := a.do(req{method: "GET", path: "/api/v1/verify/AAAAAAAAAAAAAAAAAAAAAA"}); r.status != 200 {
		t.Errorf("GET after the limit: %d", r.status)
	}
}

// When every verification slot is taken, an upload waits briefly, then
// gets 503 busy with Retry-After.
func TestVerifyBusy(t *testing.T) {
	s := &server{verifyGate: newVerifyGate(Config{VerifyLimit: 100, VerifyConcurrency: 1, VerifyQueueWait: 10 * time.Millisecond}, time.Now)}
	app := fiber.New()
	ran := 0
	app.Post("/api/v1/verify", func(c *fiber.Ctx) error {
		return s.refuseVerify(c, s.withPDFSlot(c, func() error { ran++; return c.SendStatus(200) }))
	})
	if res, err := app.Test(httptest.NewRequest("POST", "/api/v1/verify", nil)); err != nil || res.StatusCode != 200 || ran != 1 {
		t.Fatalf("free slot: %v %v", res, err)
	}
	s.verifyGate.slots <- struct{}{} // another verification holds the only slot
	res, err := app.Test(httptest.NewRequest("POST", "/api/v1/verify", nil))
	if err != nil {
		t.Fatal(err)
	}
	var e apiError
	if json.NewDecoder(res.Body).Decode(&e); res.StatusCode != 503 || e.Error.Code != "busy" || res.Header.Get("Retry-After") != verifyRetryAfter || ran != 1 {
		t.Errorf("busy: %d %+v %v, ran %d", res.StatusCode, e, res.Header, ran)
	}
	<-s.verifyGate.slots
	if res, err := app.Test(httptest.NewRequest("POST", "/api/v1/verify", nil)); err != nil || res.StatusCode != 200 || ran != 2 {
		t.Fatalf("slot free again: %v %v", res, err)
	}
}

// rawRequest sends the head of a POST with a large Content-Length and
// only the first bytes of its body over a new connection.
func rawRequest(t *testing.T, base, path string, length int, body string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	fmt.Fprintf(c, "POST %s HTTP/1.1\r\nHost: kipass.test\r\nContent-Type: application/pdf\r\nContent-Length: %d\r\n\r\n%s", path, length, body)
	return c
}

// A large body is admitted before fasthttp reads it: it needs a lease,
// and without one it gets 503 busy, its body unread. A lease whose
// request never completes (the client went away mid-body) expires.
func TestUploadGate(t *testing.T) {
	a := newTestApp(t, func(c *Config) { c.UploadsAtOnce, c.UploadQueueWait = 1, 50*time.Millisecond })
	base := a.listen()
	read := func(c net.Conn) *http.Response {
		t.Helper()
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		res, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	// One upload holds the only lease while it trickles in.
	rawRequest(t, base, "/api/v1/verify", 2<<20, "%PDF-1.4\n")
	time.Sleep(100 * time.Millisecond)
	res := read(rawRequest(t, base, "/api/v1/verify/", 2<<20, ""))
	var e apiError
	if json.NewDecoder(res.Body).Decode(&e); res.StatusCode != 503 || e.Error.Code != "busy" || res.Header.Get("Retry-After") == "" {
		t.Errorf("second upload: %d %+v %v", res.StatusCode, e, res.Header)
	}
	// The form, spelt as fiber also routes it: the error page.
	if res := read(rawRequest(t, base, "/Verify?lang=en", 2<<20, "")); res.StatusCode != 503 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
		t.Errorf("second upload to the form: %d %v", res.StatusCode, res.Header)
	}
	// Small bodies are not held up, large ones on any route are.
	if res := read(rawRequest(t, base, "/api/v1/login", 2<<20, "")); res.StatusCode != 503 {
		t.Errorf("large body to /api/v1/login: %d", res.StatusCode)
	}
	if r := a.do(req{method: "POST", path: "/api/v1/verify", json: map[string]string{"token": "x.y.z"}}); r.status != 200 {
		t.Errorf("token while the lease is taken: %d", r.status)
	}
	// The stalled upload's lease expires.
	now := time.Now().Add(time.Minute)
	a.setClock(func() time.Time { return now })
	pdf := hostilePDF(2 << 20)
	if v := a.verify("/api/v1/verify", req{method: "POST", raw: string(pdf), rawType: "application/pdf"}); v.Reason != "pdf_signature_invalid" {
		t.Errorf("after the lease expired: %+v", v)
	}
}

// oldShapeToken rewrites a credential token into the shape issued before
// December 2026 (credential in "vc", jti the bare id, typ vc+jwt, kid the
// bare thumbprint), signed again with key.
func oldShapeToken(t *testing.T, token string, key *certificates.Key) string {
	t.Helper()
	parts := strings.Split(token, ".")
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var p jwt.MapClaims
	if err := json.Unmarshal(payload, &p); err != nil {
		t.Fatal(err)
	}
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

// The server verifies credentials of the new shape (issue 19) and of the
// old one, and refuses a token whose claims disagree with the credential
// even when its signature is valid.
func TestVerifyCredentialShapes(t *testing.T) {
	a := newTestApp(t, nil)
	tok := a.apiUser("erika@example.com")
	id := passExam(t, a, tok)
	jwtBody := a.do(req{method: "GET", path: "/certificates/" + id + ".jwt", bearer: tok}).body
	parts := strings.Split(jwtBody, ".")
	header, _ := base64.RawURLEncoding.DecodeString(parts[0])
	if !strings.Contains(string(header), `"typ":"JWT"`) || !strings.Contains(string(header), `"kid":"http://kipass.test/.well-known/jwks/`) {
		t.Errorf("new header: %s", header)
	}
	key := a.signer.Keys().Current()
	for name, token := range map[string]string{"new": jwtBody, "old": oldShapeToken(t, jwtBody, key)} {
		v := a.verify("/api/v1/verify", req{method: "POST", json: map[string]string{"token": token}})
		if v.Status != "valid" || v.Signature != "valid" || v.ID != id {
			t.Errorf("%s shape: %+v", name, v)
		}
	}
	// Signed by the server's own key, but jti names another certificate
	// than the credential's id.
	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	var p jwt.MapClaims
	json.Unmarshal(payload, &p)
	p["jti"] = "http://kipass.test/verify/AAAAAAAAAAAAAAAAAAAAAA"
	j := jwt.NewWithClaims(jwt.SigningMethodES256, p)
	j.Header["typ"], j.Header["kid"] = "JWT", certificates.KeyURL("http://kipass.test", key.ID)
	forged, err := j.SignedString(key.Private)
	if err != nil {
		t.Fatal(err)
	}
	if v := a.verify("/api/v1/verify", req{method: "POST", json: map[string]string{"token": forged}}); v.Status == "valid" || v.Signature != "invalid" || v.Reason != "malformed_token" {
		t.Errorf("claims disagreeing: %+v", v)
	}
}
