package certificates

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"errors"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"kipass/internal/pdfscan"
)

// -update-pdf (or -update) rewrites testdata/pdf-golden-de.pdf, pdf-sample-de.pdf
// and the pdf-page-*.png images.
var updatePDFGolden = flag.Bool("update-pdf", false, "rewrite the PDF golden files in testdata")

func pdfTestKey(t testing.TB) *Key {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return &Key{ID: "test-kid", Private: k, Public: &k.PublicKey}
}

// pdfTestCert is a certificate as the web layer would build it.
func pdfTestCert(name string) Certificate {
	issued := time.Date(2026, 11, 29, 10, 30, 0, 0, time.UTC)
	return Certificate{
		ID:               "q8VYzB3kTn2Xc5Rw7pLm1A",
		HolderName:       name,
		CourseID:         "ki-am-arbeitsplatz",
		CourseTitle:      map[string]string{"de": "KI am Arbeitsplatz", "en": "AI in the workplace"},
		CertificateTitle: map[string]string{"de": "Zertifikat: KI am Arbeitsplatz", "en": "Certificate: AI in the workplace"},
		Competences: []map[string]string{
			{"de": "Was KI ist und was nicht", "en": "What AI is and is not"},
			{"de": "KI-Werkzeuge sicher nutzen", "en": "Using AI tools safely"},
			{"de": "Datenschutz und vertrauliche Daten", "en": "Data protection and confidential data"},
			{"de": "Ergebnisse prüfen: Fehler und Halluzinationen", "en": "Checking results: errors and hallucinations"},
			{"de": "Urheberrecht und Kennzeichnung", "en": "Copyright and labelling"},
			{"de": "EU-KI-Verordnung: Pflichten im Alltag", "en": "EU AI Act: everyday obligations"},
		},
		ContentVersion: "sha256:3f9a1c0e7b2d4a6f8e1c3b5d7f9a0c2e4b6d8f1a3c5e7b9d0f2a4c6e8b1d3f5a",
		IssuedAt:       issued,
		ExpiresAt:      issued.AddDate(1, 0, 0),
		Lang:           "de",
		StatusIndex:    42,
	}
}

var pdfTestIssuer = Issuer{Name: "Muster GmbH", URL: "https://kipass.muster.example"}

// pdfTestJWT stands in for a credential: the PDF code only carries it.
var pdfTestJWT = "eyJhbGciOiJFUzI1NiIsImtpZCI6InRlc3Qta2lkIiwidHlwIjoidmMrand0In0." +
	strings.Repeat("eyJAY29udGV4dCI6WyJodHRwczovL3d3dy53My5vcmcvbnMvY3JlZGVudGlhbHMvdjIiXX0", 20) +
	".MEUCIQDxT3sVb2k8yZ0mN4pL6qR9wE1tU5vY7aB3cD2eF0gH1gIgJ4kL6mN8pQ0rS2tU4vW6xY8zA1bC3dE5fG7hI9jK0lM"

// pdfRenderSigned renders and signs a certificate for name in lang.
func pdfRenderSigned(t testing.TB, k *Key, c Certificate, lang, jwt string) []byte {
	t.Helper()
	unsigned, err := RenderPDF(testMessages(), c, pdfTestIssuer, lang, jwt)
	if err != nil {
		t.Fatalf("RenderPDF: %v", err)
	}
	signed, err := SignPDF(unsigned, k, nil, pdfTestIssuer, time.Now())
	if err != nil {
		t.Fatalf("SignPDF: %v", err)
	}
	return signed
}

// pdfTrust trusts k only; pdfTrustAny trusts every signer, for tests of
// the structure.
func pdfTrust(k *Key) PDFTrust {
	return TrustKeys(func(kid string) (*ecdsa.PublicKey, bool) { return k.Public, kid == Thumbprint(k.Public) })
}

var pdfTrustAny PDFTrust = func(*ecdsa.PublicKey, *x509.Certificate) error { return nil }

// pdfNeedTool skips the test when a command-line tool is missing.
func pdfNeedTool(t *testing.T, name string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		t.Skipf("%s is not installed (poppler-utils, qpdf, zbar-tools): skipping", name)
	}
}

// pdfRunTool runs a tool and returns its stdout; stderr goes into the failure.
func pdfRunTool(t *testing.T, name string, args ...string) string {
	t.Helper()
	pdfNeedTool(t, name)
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\n%s\n%s", name, strings.Join(args, " "), err, stdout.String(), stderr.String())
	}
	return stdout.String()
}

// TestCertificatePDFWithRealTools renders and signs the certificate in both
// languages and checks it the way a recipient would: with pdfsig, qpdf,
// pdftotext, pdfdetach, pdfinfo, and a phone-like QR decoder on the
// rendered page.
func TestCertificatePDFWithRealTools(t *testing.T) {
	const name = "Zoë Ångström-Łukasiewicz"
	k := pdfTestKey(t)
	verifyURL := VerifyURL(pdfTestIssuer.URL, "q8VYzB3kTn2Xc5Rw7pLm1A")
	tests := []struct {
		lang string
		want []string
	}{
		{"de", []string{name, "Zertifikat: KI am Arbeitsplatz", "Hiermit wird bestätigt, dass",
			"die Abschlussprüfung des Kurses „KI am Arbeitsplatz“ bestanden hat.",
			"Ausgestellt am 29.11.2026 · gültig bis 29.11.2027", "q8VYzB3kTn2Xc5Rw7pLm1A",
			"Muster GmbH · https://kipass.muster.example", "sha256:3f9a1c0e7b2d",
			"Datenschutz und vertrauliche Daten", "EU-KI-Verordnung: Pflichten im Alltag",
			"Echtheit prüfen: " + verifyURL, "digital signiert"}},
		{"en", []string{name, "Certificate: AI in the workplace", "This certifies that",
			"has passed the final exam of the course “AI in the workplace”.",
			"Issued 29 November 2026 · valid until 29 November 2027", "q8VYzB3kTn2Xc5Rw7pLm1A",
			"Muster GmbH · https://kipass.muster.example", "Data protection and confidential data",
			"Verify: " + verifyURL, "digitally signed"}},
	}
	for _, tt := range tests {
		t.Run(tt.lang, func(t *testing.T) {
			dir := t.TempDir()
			file := filepath.Join(dir, "certificate.pdf")
			// The German one with a logo, the English one without.
			iss := pdfTestIssuer
			if tt.lang == "de" {
				iss.Logo = pdfTestLogo(t)
			}
			unsigned, err := RenderPDF(testMessages(), pdfTestCert(name), iss, tt.lang, pdfTestJWT)
			if err != nil {
				t.Fatal(err)
			}
			signed, err := SignPDF(unsigned, k, nil, iss, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(file, signed, 0o600); err != nil {
				t.Fatal(err)
			}

			t.Run("pdfsig", func(t *testing.T) {
				out := pdfRunTool(t, "pdfsig", file)
				for _, want := range []string{"Signature is Valid", "Total document signed",
					"Signer Certificate Common Name: Muster GmbH", "SHA-256", "Signature Type: ETSI.CAdES.detached"} {
					if !strings.Contains(out, want) {
						t.Errorf("pdfsig output lacks %q:\n%s", want, out)
					}
				}
			})
			t.Run("qpdf", func(t *testing.T) {
				out := pdfRunTool(t, "qpdf", "--check", file)
				if !strings.Contains(out, "No syntax or stream encoding errors") {
					t.Errorf("qpdf --check:\n%s", out)
				}
			})
			t.Run("pdftotext", func(t *testing.T) {
				text := pdfRunTool(t, "pdftotext", "-layout", file, "-")
				flat := strings.Join(strings.Fields(text), " ")
				for _, want := range tt.want {
					if !strings.Contains(flat, want) {
						t.Errorf("text lacks %q:\n%s", want, text)
					}
				}
			})
			t.Run("pdfinfo", func(t *testing.T) {
				out := pdfRunTool(t, "pdfinfo", file)
				fields := map[string]string{}
				for _, line := range strings.Split(out, "\n") {
					if k, v, ok := strings.Cut(line, ":"); ok {
						fields[k] = strings.TrimSpace(v)
					}
				}
				for k, want := range map[string]string{
					"Title":     pdfTestCert("").CertificateTitle[tt.lang] + " – " + name,
					"Author":    "Muster GmbH",
					"Creator":   "kipass",
					"Pages":     "1",
					"Page size": "841.89 x 595.28 pts (A4)",
				} {
					if fields[k] != want {
						t.Errorf("pdfinfo %s = %q, want %q", k, fields[k], want)
					}
				}
				if !strings.Contains(fields["CreationDate"], "2026") {
					t.Errorf("pdfinfo CreationDate = %q", fields["CreationDate"])
				}
			})
			t.Run("pdfdetach", func(t *testing.T) {
				list := pdfRunTool(t, "pdfdetach", "-list", file)
				if !strings.Contains(list, "1 embedded files") || !strings.Contains(list, "1: "+CredentialFileName) {
					t.Errorf("pdfdetach -list:\n%s", list)
				}
				out := filepath.Join(dir, "extracted.jwt")
				pdfRunTool(t, "pdfdetach", "-save", "1", "-o", out, file)
				got, err := os.ReadFile(out)
				if err != nil {
					t.Fatal(err)
				}
				if string(got) != pdfTestJWT {
					t.Errorf("extracted credential differs:\n got %q\nwant %q", got, pdfTestJWT)
				}
			})
			t.Run("qr", func(t *testing.T) {
				pdfNeedTool(t, "zbarimg")
				pdfRunTool(t, "pdftoppm", "-r", "150", "-png", "-f", "1", "-l", "1", "-singlefile", file, filepath.Join(dir, "page"))
				out := pdfRunTool(t, "zbarimg", "--quiet", "--raw", filepath.Join(dir, "page.png"))
				if got := strings.TrimSpace(out); got != verifyURL {
					t.Errorf("QR code decodes to %q, want %q", got, verifyURL)
				}
			})
			t.Run("CheckPDF", func(t *testing.T) {
				res, err := CheckPDF(signed, pdfTrust(k))
				if err != nil {
					t.Fatal(err)
				}
				if res.Credential != pdfTestJWT || !res.SignerKey.Equal(k.Public) {
					t.Errorf("CheckPDF = %+v", res)
				}
			})
		})
	}
}

// The QR code must survive a coarser scan too (an office scanner at
// 100 dpi), and print at the promised size.
func TestQRCodeScansAt100dpi(t *testing.T) {
	pdfNeedTool(t, "pdftoppm")
	pdfNeedTool(t, "zbarimg")
	dir := t.TempDir()
	b, err := RenderPDF(testMessages(), pdfTestCert("Max Mustermann"), pdfTestIssuer, "de", "")
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "c.pdf")
	if err := os.WriteFile(file, b, 0o600); err != nil {
		t.Fatal(err)
	}
	pdfRunTool(t, "pdftoppm", "-r", "100", "-gray", "-png", "-singlefile", file, filepath.Join(dir, "page"))
	out := pdfRunTool(t, "zbarimg", "--quiet", "--raw", filepath.Join(dir, "page.png"))
	if got, want := strings.TrimSpace(out), VerifyURL(pdfTestIssuer.URL, "q8VYzB3kTn2Xc5Rw7pLm1A"); got != want {
		t.Errorf("QR code decodes to %q, want %q", got, want)
	}
	if qrSize < 30 {
		t.Errorf("QR code is %v mm, want at least 30 mm", qrSize)
	}
}

func TestRenderPDFIsDeterministic(t *testing.T) {
	c := pdfTestCert("Zoë Ångström-Łukasiewicz")
	a, err := RenderPDF(testMessages(), c, pdfTestIssuer, "de", pdfTestJWT)
	if err != nil {
		t.Fatal(err)
	}
	b, err := RenderPDF(testMessages(), c, pdfTestIssuer, "de", pdfTestJWT)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Fatal("two renderings of the same certificate differ")
	}
	en, err := RenderPDF(testMessages(), c, pdfTestIssuer, "en", pdfTestJWT)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(a, en) {
		t.Fatal("German and English renderings are identical")
	}

	golden := filepath.Join("testdata", "pdf-golden-de.pdf")
	if pdfUpdateGolden() {
		if err := os.WriteFile(golden, a, 0o644); err != nil {
			t.Fatal(err)
		}
		signed, err := SignPDF(a, pdfTestKey(t), nil, pdfTestIssuer, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join("testdata", "pdf-sample-de.pdf"), signed, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -run TestRenderPDFIsDeterministic -update-pdf to create it)", err)
	}
	if !bytes.Equal(a, want) {
		t.Errorf("rendering differs from %s; if the change is intended, look at it and run with -update-pdf", golden)
	}
}

func TestRenderPDFMetadataAndAttachment(t *testing.T) {
	b, err := RenderPDF(testMessages(), pdfTestCert("Anna Beispiel"), pdfTestIssuer, "en", pdfTestJWT)
	if err != nil {
		t.Fatal(err)
	}
	f, err := pdfscan.Parse(b, pdfscan.Limits{})
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	info := f.Trailer().Key("Info")
	for key, want := range map[string]string{
		"Title":        "Certificate: AI in the workplace – Anna Beispiel",
		"Author":       "Muster GmbH",
		"Creator":      "kipass",
		"CreationDate": "D:20261129103000",
	} {
		if got := info.Key(key).Text(); got != want {
			t.Errorf("Info /%s = %q, want %q", key, got, want)
		}
	}
	if s := info.Key("Subject").Text(); !strings.Contains(s, "q8VYzB3kTn2Xc5Rw7pLm1A") {
		t.Errorf("Info /Subject = %q, want the certificate id in it", s)
	}
	if got := f.Trailer().Key("Root").Key("Lang").Text(); got != "en" {
		t.Errorf("catalog /Lang = %q", got)
	}
	cred, err := f.EmbeddedFile(CredentialFileName)
	if err != nil || string(cred) != pdfTestJWT {
		t.Fatalf("credential = %q, %v", cred, err)
	}
	// The file specification names the file and its media type.
	var spec pdfscan.Value
	for _, o := range f.Objects() {
		if o.Key("Type").Name() == "Filespec" {
			spec = o
		}
	}
	if spec.Key("F").Text() != CredentialFileName || spec.Key("UF").Text() != CredentialFileName || spec.Key("Desc").Text() == "" {
		t.Errorf("file spec: F %q, UF %q, Desc %q", spec.Key("F").Text(), spec.Key("UF").Text(), spec.Key("Desc").Text())
	}
	ef := spec.Key("EF").Key("F")
	if !ef.IsStream() || ef.Key("Subtype").Name() != "application/vc+jwt" {
		t.Errorf("embedded file stream: stream %v, subtype %q", ef.IsStream(), ef.Key("Subtype").Name())
	}
}

func TestRenderPDFWithoutCredential(t *testing.T) {
	b, err := RenderPDF(testMessages(), pdfTestCert("Anna Beispiel"), pdfTestIssuer, "de", "")
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(b, []byte("EmbeddedFile ")) {
		t.Error("an empty credential was embedded")
	}
	res, err := CheckPDF(b, pdfTrustAny)
	if !errors.Is(err, ErrPDFNotSigned) || res != nil {
		t.Errorf("CheckPDF(unsigned, no credential) = %+v, %v", res, err)
	}
}

func TestRenderPDFRejects(t *testing.T) {
	c := pdfTestCert("Anna Beispiel")
	if _, err := RenderPDF(testMessages(), c, pdfTestIssuer, "fr", ""); err == nil {
		t.Error("language fr: no error")
	}
	noID := c
	noID.ID = ""
	if _, err := RenderPDF(testMessages(), noID, pdfTestIssuer, "de", ""); err == nil {
		t.Error("empty id: no error")
	}
	if _, err := RenderPDF(testMessages(), c, Issuer{Name: "X"}, "de", ""); err == nil {
		t.Error("empty issuer url: no error")
	}
}

// Odd content still gives a one-page PDF: no competences, many long ones,
// missing translations, a long issuer name and URL, no expiry.
func TestRenderPDFOddContent(t *testing.T) {
	many := pdfTestCert("Anna Beispiel")
	many.Competences = nil
	for i := 0; i < 15; i++ {
		many.Competences = append(many.Competences, map[string]string{"de": strings.Repeat("Sehr lange Kompetenzbezeichnung ", 5)})
	}
	none := pdfTestCert("Anna Beispiel")
	none.Competences = nil
	none.ExpiresAt = time.Time{}
	none.CertificateTitle = nil
	none.CourseTitle = map[string]string{"fr": "IA au travail"}
	longIssuer := Issuer{Name: strings.Repeat("Sehr Lange Organisationsbezeichnung ", 8), URL: "https://" + strings.Repeat("sub.", 40) + "example.com"}
	for name, tc := range map[string]struct {
		c   Certificate
		iss Issuer
	}{"many": {many, pdfTestIssuer}, "none": {none, pdfTestIssuer}, "long issuer": {many, longIssuer}} {
		for _, lang := range []string{"de", "en"} {
			b, err := RenderPDF(testMessages(), tc.c, tc.iss, lang, pdfTestJWT)
			if err != nil {
				t.Fatalf("%s/%s: %v", name, lang, err)
			}
			if _, err := pdfscan.Parse(b, pdfscan.Limits{}); err != nil {
				t.Errorf("%s/%s: %v", name, lang, err)
			}
		}
	}
}

func BenchmarkRenderPDF(b *testing.B) {
	c, msgs := pdfTestCert("Zoë Ångström-Łukasiewicz"), testMessages()
	for b.Loop() {
		if _, err := RenderPDF(msgs, c, pdfTestIssuer, "de", pdfTestJWT); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRenderAndSignPDF(b *testing.B) {
	k := pdfTestKey(b)
	cert, err := SelfSignedCert(k, pdfTestIssuer, time.Now())
	if err != nil {
		b.Fatal(err)
	}
	chain := []*x509.Certificate{cert}
	c, msgs := pdfTestCert("Zoë Ångström-Łukasiewicz"), testMessages()
	b.ResetTimer()
	for b.Loop() {
		pdf, err := RenderPDF(msgs, c, pdfTestIssuer, "de", pdfTestJWT)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := SignPDF(pdf, k, chain, pdfTestIssuer, time.Now()); err != nil {
			b.Fatal(err)
		}
	}
}
