package certificates

import (
	"bytes"
	"crypto/x509"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/digitorus/pdfsign/verify"

	"kipass/internal/pdfscan"
)

func TestCheckPDF(t *testing.T) {
	k := pdfTestKey(t)
	now := time.Now().Truncate(time.Second)
	pdf, err := RenderPDF(testMessages(), pdfTestCert("Zoë Ångström-Łukasiewicz"), pdfTestIssuer, "de", pdfTestJWT)
	if err != nil {
		t.Fatal(err)
	}
	signed, err := SignPDF(pdf, k, nil, pdfTestIssuer, now)
	if err != nil {
		t.Fatal(err)
	}
	res, err := CheckPDF(signed, pdfTrust(k))
	if err != nil {
		t.Fatal(err)
	}
	if !res.SignerKey.Equal(k.Public) || res.SignerCert.Subject.CommonName != "Muster GmbH" {
		t.Errorf("signer = %v / %v", res.SignerKey, res.SignerCert.Subject)
	}
	if !res.SignedAt.Equal(now) {
		t.Errorf("SignedAt = %v, want %v", res.SignedAt, now)
	}
	if res.Credential != pdfTestJWT {
		t.Errorf("Credential = %q", res.Credential)
	}

	// pdfsign's own verifier (not used on uploads any more: it parses the
	// whole object tree first) agrees on the same real file.
	opts := verify.DefaultVerifyOptions()
	opts.EnableExternalRevocationCheck = false
	resp, err := verify.VerifyWithOptions(bytes.NewReader(signed), int64(len(signed)), opts)
	if err != nil || len(resp.Signers) != 1 || !resp.Signers[0].ValidSignature {
		t.Errorf("pdfsign verify disagrees: %+v, %v", resp, err)
	}
}

// A PDF signed, intact, by a key that is not the issuer's is "not a
// certificate of this issuer", before anything of its structure is read.
func TestCheckPDFUntrustedSigner(t *testing.T) {
	issuer, other := pdfTestKey(t), pdfTestKey(t)
	signed := pdfRenderSigned(t, other, pdfTestCert("Mallory"), "de", pdfTestJWT)
	res, err := CheckPDF(signed, pdfTrust(issuer))
	if !errors.Is(err, ErrPDFUntrusted) || res != nil {
		t.Fatalf("CheckPDF(signed by another key) = %+v, %v; want ErrPDFUntrusted", res, err)
	}
}

// The signing certificate's URI is an issuer id: user info, a query or a
// fragment make the signer untrusted whatever the key.
func TestCheckPDFSignerCertificateURI(t *testing.T) {
	k := pdfTestKey(t)
	for _, u := range []string{"http://real.example@attacker.example", "https://real.example?x=1", "https://real.example#frag"} {
		iss := Issuer{Name: "Muster GmbH", URL: u}
		cert, err := SelfSignedCert(k, iss, time.Now())
		if err != nil || len(cert.URIs) != 1 {
			t.Fatalf("%s: cert %v, %v", u, cert, err)
		}
		pdf, err := RenderPDF(testMessages(), pdfTestCert("Anna"), pdfTestIssuer, "de", pdfTestJWT)
		if err != nil {
			t.Fatal(err)
		}
		signed, err := SignPDF(pdf, k, []*x509.Certificate{cert}, pdfTestIssuer, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if res, err := CheckPDF(signed, pdfTrust(k)); !errors.Is(err, ErrPDFUntrusted) {
			t.Errorf("signer certificate URI %s: %+v, %v; want ErrPDFUntrusted", u, res, err)
		}
	}
}

// The stored sample (signed with a throwaway key) still checks out: the
// check does not depend on anything but the file.
func TestCheckPDFSample(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "pdf-sample-de.pdf"))
	if err != nil {
		t.Fatal(err)
	}
	res, err := CheckPDF(b, pdfTrustAny)
	if err != nil || res.Credential != pdfTestJWT {
		t.Fatalf("CheckPDF(sample) = %+v, %v", res, err)
	}
}

// A line end added after %%EOF (a mail gateway, an editor) changes
// nothing a reader sees and is accepted; anything else after the signed
// bytes is not.
func TestCheckPDFTrailingWhiteSpace(t *testing.T) {
	k := pdfTestKey(t)
	signed := pdfRenderSigned(t, k, pdfTestCert("Anna Beispiel"), "de", pdfTestJWT)
	for _, tail := range []string{"\r\n", "\n", "\n\n  \r\n"} {
		if res, err := CheckPDF(append(bytes.Clone(signed), tail...), pdfTrust(k)); err != nil || res.Credential != pdfTestJWT {
			t.Errorf("signed + %q: %+v, %v", tail, res, err)
		}
	}
	for _, tail := range []string{"\r\n%x", "\x00", "\n1 0 obj\n<<>>\nendobj\n"} {
		if _, err := CheckPDF(append(bytes.Clone(signed), tail...), pdfTrust(k)); !errors.Is(err, ErrPDFSignature) {
			t.Errorf("signed + %q: %v, want ErrPDFSignature", tail, err)
		}
	}
}

// pdfInvalidOrError reports whether CheckPDF refuses b, and how.
func pdfInvalidOrError(b []byte) (bool, string) {
	res, err := CheckPDF(b, pdfTrustAny)
	switch {
	case err != nil && !errors.Is(err, ErrNoCredential):
		return true, "error: " + err.Error()
	case res == nil:
		return false, "nil result without error"
	}
	return false, "signature valid"
}

// Every byte of a signed certificate matters: changing any one of them
// (spread over the whole file, and densely around and inside the signature
// value) makes the signature invalid or the file unreadable.
func TestCheckPDFDetectsChangedBytes(t *testing.T) {
	signed := pdfRenderSigned(t, pdfTestKey(t), pdfTestCert("Zoë Ångström-Łukasiewicz"), "de", pdfTestJWT)
	gapStart := bytes.Index(signed, []byte("/Contents<")) + len("/Contents")
	gapEnd := gapStart + bytes.IndexByte(signed[gapStart:], '>') + 1

	positions := map[int]bool{0: true, len(signed) / 2: true, len(signed) - 1: true, len(signed) - 2: true}
	for i := 0; i < len(signed); i += 53 {
		positions[i] = true
	}
	for _, edge := range []int{gapStart, gapEnd} {
		for i := edge - 200; i < edge+200; i++ {
			positions[i] = true
		}
	}
	for i := gapStart; i < gapEnd; i++ { // every byte of the DER and its zero padding
		positions[i] = true
	}
	reasons := map[string]int{}
	for i := range positions {
		if i < 0 || i >= len(signed) {
			continue
		}
		b := bytes.Clone(signed)
		b[i] ^= 0x01
		ok, why := pdfInvalidOrError(b)
		if !ok {
			t.Errorf("byte %d (%q -> %q, signature value at %d..%d): %s", i, signed[i], b[i], gapStart, gapEnd, why)
		}
		reasons[strings.SplitN(why, ":", 3)[0]+":"+strings.SplitN(why+":", ":", 3)[1]]++
	}
	t.Logf("%d positions checked: %v", len(positions), reasons)

	// Appending (an incremental update), truncating, cutting the middle.
	for name, b := range map[string][]byte{
		"appended":  append(bytes.Clone(signed), []byte("% more\n")...),
		"truncated": signed[:len(signed)-10],
		"half":      signed[:len(signed)/2],
		"cut":       append(bytes.Clone(signed[:1000]), signed[1001:]...),
	} {
		if ok, why := pdfInvalidOrError(b); !ok {
			t.Errorf("%s: %s", name, why)
		}
	}
}

// Random edits of a signed certificate (changed, deleted, duplicated and
// inserted bytes, up to four at a time) are all caught.
func TestCheckPDFRandomChanges(t *testing.T) {
	sample, err := os.ReadFile(filepath.Join("testdata", "pdf-sample-de.pdf"))
	if err != nil {
		t.Fatal(err)
	}
	rng := mrand.New(mrand.NewPCG(1, 2))
	for n := 0; n < 3000; n++ {
		b := bytes.Clone(sample)
		for k := rng.IntN(4) + 1; k > 0; k-- {
			i := rng.IntN(len(b))
			switch rng.IntN(4) {
			case 0:
				b[i] = byte(rng.IntN(256))
			case 1:
				b = append(b[:i], b[min(len(b), i+1+rng.IntN(50)):]...)
			case 2:
				j := min(len(b), i+1+rng.IntN(200))
				b = append(b[:i], append(bytes.Clone(b[i:j]), b[i:]...)...)
			case 3:
				b = append(b[:i], append([]byte{"0123456789 <>[]()/\n"[rng.IntN(19)]}, b[i:]...)...)
			}
		}
		if bytes.Equal(b, bytes.TrimRight(sample, " \r\n")) || bytes.HasPrefix(b, sample) && len(bytes.TrimRight(b[len(sample):], " \r\n\t\f")) == 0 {
			continue // only white space after %%EOF: the same document
		}
		if ok, why := pdfInvalidOrError(b); !ok {
			t.Fatalf("edit %d not caught: %s", n, why)
		}
	}
}

// A second signature over a changed document, or an update appended after
// signing, does not count as a valid kipass signature.
func TestCheckPDFIncrementalUpdates(t *testing.T) {
	k := pdfTestKey(t)
	signed := pdfRenderSigned(t, k, pdfTestCert("Anna Beispiel"), "de", pdfTestJWT)
	twice, err := SignPDF(signed, k, nil, pdfTestIssuer, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	res, err := CheckPDF(twice, pdfTrust(k))
	if !errors.Is(err, ErrMalformedPDF) || res != nil || !strings.Contains(err.Error(), "more than one") {
		t.Errorf("twice signed: %+v, %v", res, err)
	}

	// An update that swaps the holder's name: valid structure, old signature.
	upd := pdfUpdateTitle(t, signed, "Zertifikat - Mallory")
	if _, err := pdfscan.Parse(upd, pdfscan.Limits{}); err != nil {
		t.Fatalf("the update is not a readable PDF: %v", err)
	}
	res, err = CheckPDF(upd, pdfTrust(k))
	if !errors.Is(err, ErrPDFSignature) || res != nil || !strings.Contains(err.Error(), "whole document") {
		t.Errorf("updated after signing: %+v, %v", res, err)
	}
}

// pdfUpdateTitle appends an incremental update to signed that replaces
// the document information's /Title: what a forger does to change what a
// reader shows, leaving the signed bytes as they were.
func pdfUpdateTitle(t *testing.T, signed []byte, title string) []byte {
	t.Helper()
	trailer := signed[bytes.LastIndex(signed, []byte("trailer")):]
	ref := func(key string) int {
		m := regexp.MustCompile(`/` + key + `\s+(\d+)\s+0\s+R`).FindSubmatch(trailer)
		if m == nil {
			t.Fatalf("no /%s in %q", key, trailer)
		}
		n, _ := strconv.Atoi(string(m[1]))
		return n
	}
	size, _ := strconv.Atoi(string(regexp.MustCompile(`/Size\s+(\d+)`).FindSubmatch(trailer)[1]))
	startxref, _ := strconv.Atoi(string(regexp.MustCompile(`startxref\s+(\d+)`).FindSubmatch(trailer)[1]))
	info, root := ref("Info"), ref("Root")
	var upd bytes.Buffer
	upd.Write(signed)
	off := upd.Len()
	fmt.Fprintf(&upd, "%d 0 obj\n<< /Title (%s) >>\nendobj\n", info, title)
	xref := upd.Len()
	fmt.Fprintf(&upd, "xref\n%d 1\n%010d 00000 n \ntrailer\n<< /Size %d /Root %d 0 R /Info %d 0 R /Prev %d >>\nstartxref\n%d\n%%%%EOF\n",
		info, off, size, root, info, startxref, xref)
	return upd.Bytes()
}

// What docs/CERTIFICATES.md tells third parties about pdfsig: it reports
// "Signature is Valid" also for a file with an update after the
// signature, and only its "Total document signed" line tells the two
// apart. kipass refuses the update.
func TestPdfsigTotalDocumentSigned(t *testing.T) {
	pdfNeedTool(t, "pdfsig")
	k := pdfTestKey(t)
	signed := pdfRenderSigned(t, k, pdfTestCert("Anna Beispiel"), "de", pdfTestJWT)
	dir := t.TempDir()
	for _, tc := range []struct {
		name  string
		pdf   []byte
		total bool
	}{
		{"as issued", signed, true},
		{"updated after signing", pdfUpdateTitle(t, signed, "Zertifikat - Mallory"), false},
	} {
		file := filepath.Join(dir, "c.pdf")
		if err := os.WriteFile(file, tc.pdf, 0o600); err != nil {
			t.Fatal(err)
		}
		out, _ := exec.Command("pdfsig", file).CombinedOutput()
		if !strings.Contains(string(out), "Signature is Valid") {
			t.Errorf("%s: pdfsig does not say valid:\n%s", tc.name, out)
		}
		total := strings.Contains(string(out), "- Total document signed")
		if total != tc.total || !total && !strings.Contains(string(out), "Not total document signed") {
			t.Errorf("%s: pdfsig:\n%s", tc.name, out)
		}
		if _, err := CheckPDF(tc.pdf, pdfTrust(k)); (err == nil) != tc.total {
			t.Errorf("%s: CheckPDF = %v", tc.name, err)
		}
	}
}

func TestCheckPDFRejects(t *testing.T) {
	k := pdfTestKey(t)
	big := append([]byte("%PDF-1.4\n"), make([]byte, MaxPDFSize)...)
	tests := []struct {
		name string
		in   []byte
		want error
	}{
		{"too large", big, ErrTooLarge},
		{"empty", nil, ErrNotPDF},
		{"text", []byte("hello, this is not a PDF"), ErrNotPDF},
		{"png", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), ErrNotPDF},
		{"pdf 9.9", []byte("%PDF-9.9\n%%EOF\n"), ErrNotPDF},
		{"header only", []byte("%PDF-1.7\n"), ErrPDFNotSigned},
		{"garbage", []byte("%PDF-1.4\n\x00\xff garbage ((( <<<< [[[[ \n%%EOF"), ErrPDFNotSigned},
		{"byte range garbage", []byte("%PDF-1.4\n/ByteRange [0 9 99999999999 1]\n%%EOF"), ErrPDFSignature},
		{"byte range, no hex", []byte("%PDF-1.4\n<</ByteRange [0 9 12 26]>>\n%%EOF\n"), ErrPDFSignature},
	}
	for _, tt := range tests {
		res, err := CheckPDF(tt.in, pdfTrustAny)
		if !errors.Is(err, tt.want) || res != nil {
			t.Errorf("%s: CheckPDF = %+v, %v; want %v", tt.name, res, err, tt.want)
		}
	}

	// Signed, but without a credential: the signature is still reported.
	pdf, err := RenderPDF(testMessages(), pdfTestCert("Anna Beispiel"), pdfTestIssuer, "de", "")
	if err != nil {
		t.Fatal(err)
	}
	signed, err := SignPDF(pdf, k, nil, pdfTestIssuer, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	res, err := CheckPDF(signed, pdfTrust(k))
	if !errors.Is(err, ErrNoCredential) || res == nil || !res.SignerKey.Equal(k.Public) {
		t.Errorf("signed without credential: %+v, %v", res, err)
	}

	// Not signed: the credential is there, but is not even looked for.
	pdf, err = RenderPDF(testMessages(), pdfTestCert("Anna Beispiel"), pdfTestIssuer, "de", pdfTestJWT)
	if err != nil {
		t.Fatal(err)
	}
	if res, err = CheckPDF(pdf, pdfTrustAny); !errors.Is(err, ErrPDFNotSigned) || res != nil {
		t.Errorf("unsigned: %+v, %v", res, err)
	}
}

// PDFs written by other tools: a plain rewrite keeps the credential
// readable but breaks the signature; object streams are refused cleanly.
func TestCheckPDFRewrittenByQPDF(t *testing.T) {
	pdfNeedTool(t, "qpdf")
	dir := t.TempDir()
	in := filepath.Join(dir, "in.pdf")
	k := pdfTestKey(t)
	signed := pdfRenderSigned(t, k, pdfTestCert("Anna Beispiel"), "en", pdfTestJWT)
	if err := os.WriteFile(in, signed, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args     []string
		readable bool
	}{
		{[]string{"--object-streams=disable", "--compress-streams=y"}, true},
		{[]string{"--object-streams=generate"}, false},
	} {
		out := filepath.Join(dir, "out.pdf")
		cmd := exec.Command("qpdf", append(tc.args, in, out)...)
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("qpdf %v: %v\n%s", tc.args, err, b)
		}
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		if res, err := CheckPDF(b, pdfTrust(k)); err == nil {
			t.Errorf("qpdf %v: rewritten file still passes: %+v", tc.args, res)
		}
		f, err := pdfscan.Parse(b, pdfscan.Limits{})
		if !tc.readable {
			if !errors.Is(err, pdfscan.ErrMalformed) {
				t.Errorf("qpdf %v: Parse err = %v, want ErrMalformed", tc.args, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("qpdf %v: %v", tc.args, err)
		}
		if cred, err := f.EmbeddedFile(CredentialFileName); err != nil || string(cred) != pdfTestJWT {
			t.Errorf("qpdf %v: credential = %q, %v", tc.args, cred, err)
		}
	}
}

// FuzzCheckPDF: arbitrary bytes never make CheckPDF panic, hang or
// crash, and a passing file always comes with a key and a credential.
func FuzzCheckPDF(f *testing.F) {
	sample, err := os.ReadFile(filepath.Join("testdata", "pdf-sample-de.pdf"))
	if err != nil {
		f.Fatal(err)
	}
	golden, err := os.ReadFile(filepath.Join("testdata", "pdf-golden-de.pdf"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(sample)
	f.Add(golden)
	f.Add(sample[:len(sample)-100])
	f.Add(sample[:len(sample)/2])
	for _, i := range []int{len(sample) / 3, len(sample) - 50, bytes.Index(sample, []byte("/Contents<")) + 200} {
		b := bytes.Clone(sample)
		b[i] ^= 0x20
		f.Add(b)
	}
	f.Add([]byte("%PDF-1.4\n1 0 obj\n[[[[[[[[\nendobj\n"))
	f.Add([]byte("%PDF-1.4\n"))
	f.Add([]byte("not a pdf"))
	// The seeds are large: run with -fuzzminimizetime=1s or so, or the
	// engine spends its time minimising.
	f.Fuzz(func(t *testing.T, b []byte) {
		res, err := CheckPDF(b, pdfTrustAny)
		if err == nil && (res == nil || res.SignerKey == nil || res.Credential == "") {
			t.Fatalf("passed with %+v", res)
		}
	})
}

func BenchmarkCheckPDF(b *testing.B) {
	k := pdfTestKey(b)
	signed := pdfRenderSigned(b, k, pdfTestCert("Zoë Ångström-Łukasiewicz"), "de", pdfTestJWT)
	trust := pdfTrust(k)
	b.SetBytes(int64(len(signed)))
	for b.Loop() {
		if _, err := CheckPDF(signed, trust); err != nil {
			b.Fatal(err)
		}
	}
}
