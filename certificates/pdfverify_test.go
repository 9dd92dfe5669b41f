package certificates

import (
	"bytes"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestCheckPDF(t *testing.T) {
	k := pdfTestKey(t)
	now := time.Now().Truncate(time.Second)
	pdf, err := RenderPDF(pdfTestCert("Zoë Ångström-Łukasiewicz"), pdfTestIssuer, "de", pdfTestJWT)
	if err != nil {
		t.Fatal(err)
	}
	signed, err := SignPDF(pdf, k, nil, pdfTestIssuer, now)
	if err != nil {
		t.Fatal(err)
	}
	res, err := CheckPDF(signed)
	if err != nil {
		t.Fatal(err)
	}
	if !res.SignatureValid || res.Problem != "" {
		t.Errorf("SignatureValid = %v, Problem = %q", res.SignatureValid, res.Problem)
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
}

// The stored sample (signed with a throwaway key) still checks out: the
// check does not depend on anything but the file.
func TestCheckPDFSample(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "pdf-sample-de.pdf"))
	if err != nil {
		t.Fatal(err)
	}
	res, err := CheckPDF(b)
	if err != nil || !res.SignatureValid || res.Credential != pdfTestJWT {
		t.Fatalf("CheckPDF(sample) = %+v, %v", res, err)
	}
}

// pdfInvalidOrError reports whether CheckPDF refuses b, and how.
func pdfInvalidOrError(b []byte) (bool, string) {
	res, err := CheckPDF(b)
	switch {
	case err != nil && !errors.Is(err, ErrNoCredential):
		return true, "error: " + err.Error()
	case res == nil:
		return false, "nil result without error"
	case res.SignatureValid:
		return false, "signature valid"
	}
	return true, "invalid: " + res.Problem
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
// inserted bytes, up to four at a time) are all caught, quickly.
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
		if bytes.Equal(b, sample) {
			continue
		}
		start := time.Now()
		if ok, why := pdfInvalidOrError(b); !ok {
			t.Fatalf("edit %d not caught: %s", n, why)
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("edit %d took %v", n, d)
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
	res, err := CheckPDF(twice)
	if err != nil || res.SignatureValid || !strings.Contains(res.Problem, "more than one") {
		t.Errorf("twice signed: %+v, %v", res, err)
	}

	// An update that swaps the holder's name: valid structure, old signature.
	f, err := parsePDF(signed)
	if err != nil {
		t.Fatal(err)
	}
	startxref, _ := pdfStartXref(signed)
	info := f.trailer["Info"].(pdfRef)
	var upd bytes.Buffer
	upd.Write(signed)
	off := upd.Len()
	fmt.Fprintf(&upd, "%d 0 obj\n<< /Title (Zertifikat - Mallory) >>\nendobj\n", info.id)
	xref := upd.Len()
	fmt.Fprintf(&upd, "xref\n%d 1\n%010d 00000 n \ntrailer\n<< /Size %d /Root %d 0 R /Info %d 0 R /Prev %d >>\nstartxref\n%d\n%%%%EOF\n",
		info.id, off, f.trailer["Size"], f.trailer["Root"].(pdfRef).id, info.id, startxref, xref)
	res, err = CheckPDF(upd.Bytes())
	if err != nil || res.SignatureValid || !strings.Contains(res.Problem, "whole document") {
		t.Errorf("updated after signing: %+v, %v", res, err)
	}
	if res != nil && res.Credential != pdfTestJWT {
		t.Errorf("credential not found after an update: %q", res.Credential)
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
		{"header only", []byte("%PDF-1.7\n"), ErrMalformedPDF},
		{"garbage", []byte("%PDF-1.4\n\x00\xff garbage ((( <<<< [[[[ \n%%EOF"), ErrMalformedPDF},
		{"no xref", []byte("%PDF-1.4\n1 0 obj\n<<>>\nendobj\nstartxref\n9\n%%EOF\n"), ErrMalformedPDF},
	}
	for _, tt := range tests {
		res, err := CheckPDF(tt.in)
		if !errors.Is(err, tt.want) || res != nil {
			t.Errorf("%s: CheckPDF = %+v, %v; want %v", tt.name, res, err, tt.want)
		}
	}

	// Signed, but without a credential: the signature is still reported.
	pdf, err := RenderPDF(pdfTestCert("Anna Beispiel"), pdfTestIssuer, "de", "")
	if err != nil {
		t.Fatal(err)
	}
	signed, err := SignPDF(pdf, k, nil, pdfTestIssuer, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	res, err := CheckPDF(signed)
	if !errors.Is(err, ErrNoCredential) || res == nil || !res.SignatureValid {
		t.Errorf("signed without credential: %+v, %v", res, err)
	}

	// Not signed: the credential is there, the signature is not.
	pdf, err = RenderPDF(pdfTestCert("Anna Beispiel"), pdfTestIssuer, "de", pdfTestJWT)
	if err != nil {
		t.Fatal(err)
	}
	res, err = CheckPDF(pdf)
	if err != nil || res.SignatureValid || res.Credential != pdfTestJWT || res.Problem != "the PDF is not signed" {
		t.Errorf("unsigned: %+v, %v", res, err)
	}
}

// pdfWithBody wraps body (objects from offset 9) in a header, a one-entry
// xref table and a trailer.
func pdfWithBody(body, xrefLines string) []byte {
	doc := "%PDF-1.4\n" + body
	xref := len(doc)
	return []byte(doc + xrefLines + fmt.Sprintf("trailer\n<< /Size 2 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", xref))
}

// Files that make github.com/digitorus/pdf allocate gigabytes, overflow
// its stack (both fatal, no recover) or loop forever are turned away
// before it sees them.
func TestCheckPDFResourceAttacks(t *testing.T) {
	attacks := map[string][]byte{
		"huge xref start": pdfWithBody("1 0 obj\n<<>>\nendobj\n", "xref\n4000000000 1\n0000000009 00000 n \n"),
		"huge xref count": pdfWithBody("1 0 obj\n<<>>\nendobj\n", "xref\n0 900000000\n0000000009 00000 n \n"),
		"deep arrays": pdfWithBody("1 0 obj\n"+strings.Repeat("[", 4<<20)+"\nendobj\n",
			"xref\n0 2\n0000000000 65535 f \n0000000009 00000 n \n"),
		"deep dicts": pdfWithBody("1 0 obj\n"+strings.Repeat("<</A ", 800000)+"\nendobj\n",
			"xref\n0 2\n0000000000 65535 f \n0000000009 00000 n \n"),
		"nested objs": pdfWithBody("1 0 obj\n"+strings.Repeat("1 0 obj ", 500000)+"\nendobj\n",
			"xref\n0 2\n0000000000 65535 f \n0000000009 00000 n \n"),
		"xref stream": []byte("%PDF-1.5\n1 0 obj\n<< /Type /XRef /Size 4000000000 /W [1 4 2] /Length 0 >>\nstream\n\nendstream\nendobj\nstartxref\n9\n%%EOF\n"),
		"prev loop":   pdfWithBody("", "xref\n0 1\n0000000000 65535 f \ntrailer\n<< /Size 1 /Prev 9 >>\n"),
		// digitorus/pdf reads "[ endobj" as an endless run of nulls.
		"endless array": pdfWithBody("1 0 obj\n[ endobj\n", "xref\n0 2\n0000000000 65535 f \n0000000009 00000 n \n"),
	}
	// Many xref entries pointing at one big object: quadratic work.
	entries := strings.Repeat("0000000009 00000 n \n", 20000)
	attacks["shared object"] = pdfWithBody("1 0 obj\n["+strings.Repeat("0 ", 1<<20)+"]\nendobj\n", "xref\n1 20000\n"+entries)
	for name, b := range attacks {
		start := time.Now()
		res, err := CheckPDF(b)
		if !errors.Is(err, ErrMalformedPDF) || res != nil {
			t.Errorf("%s: CheckPDF = %+v, %v; want ErrMalformedPDF", name, res, err)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("%s: took %v", name, d)
		}
	}
}

// PDFs written by other tools: a plain rewrite keeps the credential
// readable (and breaks the signature); object streams are refused cleanly.
func TestCheckPDFRewrittenByQPDF(t *testing.T) {
	pdfNeedTool(t, "qpdf")
	dir := t.TempDir()
	in := filepath.Join(dir, "in.pdf")
	signed := pdfRenderSigned(t, pdfTestKey(t), pdfTestCert("Anna Beispiel"), "en", pdfTestJWT)
	if err := os.WriteFile(in, signed, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args      []string
		wantCred  bool
		wantError error
	}{
		{[]string{"--object-streams=disable", "--compress-streams=y"}, true, nil},
		{[]string{"--object-streams=generate"}, false, ErrMalformedPDF},
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
		res, err := CheckPDF(b)
		if tc.wantError != nil {
			if !errors.Is(err, tc.wantError) {
				t.Errorf("qpdf %v: err = %v, want %v", tc.args, err, tc.wantError)
			}
			continue
		}
		if err != nil {
			t.Errorf("qpdf %v: %v", tc.args, err)
			continue
		}
		if res.SignatureValid {
			t.Errorf("qpdf %v: rewritten file still has a valid signature", tc.args)
		}
		if tc.wantCred && res.Credential != pdfTestJWT {
			t.Errorf("qpdf %v: credential = %q", tc.args, res.Credential)
		}
	}
}

// FuzzCheckPDF: arbitrary bytes never make CheckPDF panic, hang or
// crash, and a valid signature always comes with a key and no problem.
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
	f.Add(pdfWithBody("1 0 obj\n[[[[[[[[\nendobj\n", "xref\n0 2\n0000000000 65535 f \n0000000009 00000 n \n"))
	f.Add([]byte("%PDF-1.4\n"))
	f.Add([]byte("not a pdf"))
	// The seeds are large: run with -fuzzminimizetime=1s or so, or the
	// engine spends its time minimising.
	f.Fuzz(func(t *testing.T, b []byte) {
		res, err := CheckPDF(b)
		if err == nil && res == nil {
			t.Fatal("nil result without error")
		}
		if res != nil && res.SignatureValid && (res.SignerKey == nil || res.Problem != "") {
			t.Fatalf("valid signature with %+v", res)
		}
	})
}

func BenchmarkCheckPDF(b *testing.B) {
	signed := pdfRenderSigned(b, pdfTestKey(b), pdfTestCert("Zoë Ångström-Łukasiewicz"), "de", pdfTestJWT)
	b.SetBytes(int64(len(signed)))
	for b.Loop() {
		res, err := CheckPDF(signed)
		if err != nil || !res.SignatureValid {
			b.Fatal(res, err)
		}
	}
}
