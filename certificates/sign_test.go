package certificates

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/digitorus/pdf"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
	"kipass/internal/pdfscan"
)

func TestSelfSignedCert(t *testing.T) {
	k := pdfTestKey(t)
	now := time.Date(2026, 11, 29, 10, 30, 0, 0, time.UTC)
	c, err := SelfSignedCert(k, pdfTestIssuer, now)
	if err != nil {
		t.Fatal(err)
	}
	if c.Subject.CommonName != "Muster GmbH" || len(c.Subject.Organization) != 1 || c.Subject.Organization[0] != "Muster GmbH" {
		t.Errorf("subject = %v", c.Subject)
	}
	if c.Issuer.String() != c.Subject.String() {
		t.Errorf("issuer %v != subject %v", c.Issuer, c.Subject)
	}
	if err := c.CheckSignature(c.SignatureAlgorithm, c.RawTBSCertificate, c.Signature); err != nil {
		t.Errorf("not self-signed: %v", err)
	}
	if !k.Public.Equal(c.PublicKey) {
		t.Error("certificate is for another key")
	}
	if c.KeyUsage != x509.KeyUsageDigitalSignature|x509.KeyUsageContentCommitment {
		t.Errorf("key usage = %v", c.KeyUsage)
	}
	if len(c.UnknownExtKeyUsage) != 1 || !c.UnknownExtKeyUsage[0].Equal(asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 36}) {
		t.Errorf("extended key usage lacks document signing: %v", c.UnknownExtKeyUsage)
	}
	if c.IsCA {
		t.Error("certificate is a CA")
	}
	if !c.NotBefore.Before(now) || !c.NotAfter.Equal(now.AddDate(10, 0, 0)) {
		t.Errorf("validity %v to %v", c.NotBefore, c.NotAfter)
	}
	if len(c.URIs) != 1 || c.URIs[0].String() != pdfTestIssuer.URL {
		t.Errorf("URIs = %v", c.URIs)
	}
	if c.PublicKeyAlgorithm != x509.ECDSA || c.SignatureAlgorithm != x509.ECDSAWithSHA256 {
		t.Errorf("algorithms %v %v", c.PublicKeyAlgorithm, c.SignatureAlgorithm)
	}

	c2, err := SelfSignedCert(k, pdfTestIssuer, now)
	if err != nil {
		t.Fatal(err)
	}
	if c.SerialNumber.Cmp(c2.SerialNumber) == 0 {
		t.Error("two certificates with the same serial number")
	}
}

func TestSigningKeyChecks(t *testing.T) {
	k := pdfTestKey(t)
	other := pdfTestKey(t)
	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	bad := map[string]*Key{
		"nil":            nil,
		"public only":    {ID: "x", Public: k.Public},
		"P-384":          {ID: "x", Private: p384, Public: &p384.PublicKey},
		"mismatched key": {ID: "x", Private: k.Private, Public: other.Public},
	}
	pdf, err := RenderPDF(testMessages(), pdfTestCert("Anna"), pdfTestIssuer, "de", "")
	if err != nil {
		t.Fatal(err)
	}
	for name, key := range bad {
		if _, err := SelfSignedCert(key, pdfTestIssuer, time.Now()); err == nil {
			t.Errorf("SelfSignedCert with %s key: no error", name)
		}
		if _, err := SignPDF(pdf, key, nil, pdfTestIssuer, time.Now()); err == nil {
			t.Errorf("SignPDF with %s key: no error", name)
		}
	}
	// A certificate for another key, or one not valid at the signing time.
	otherCert, err := SelfSignedCert(other, pdfTestIssuer, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := SignPDF(pdf, k, []*x509.Certificate{otherCert}, pdfTestIssuer, time.Now()); err == nil {
		t.Error("SignPDF with another key's certificate: no error")
	}
	old, err := SelfSignedCert(k, pdfTestIssuer, time.Now().AddDate(-11, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := SignPDF(pdf, k, []*x509.Certificate{old}, pdfTestIssuer, time.Now()); err == nil {
		t.Error("SignPDF with an expired certificate: no error")
	}
	if _, err := SignPDF([]byte("not a pdf"), k, nil, pdfTestIssuer, time.Now()); err == nil {
		t.Error("SignPDF of garbage: no error")
	}
	// A Key without Public still signs.
	if _, err := SignPDF(pdf, &Key{ID: "x", Private: k.Private}, nil, pdfTestIssuer, time.Now()); err != nil {
		t.Errorf("SignPDF with Public unset: %v", err)
	}
}

// pdfTestCA makes a root CA and a P-256 signing certificate for k issued by
// it, as an organisation would supply with --pdf-cert.
func pdfTestCA(t *testing.T, k *Key) (leaf, root *x509.Certificate) {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "Muster Root CA", Organization: []string{"Muster GmbH"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.AddDate(5, 0, 0),
		KeyUsage:              x509.KeyUsageCertSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	root, err = x509.ParseCertificate(caDER)
	if err != nil {
		t.Fatal(err)
	}
	leafTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: "Muster GmbH Zertifikate", Organization: []string{"Muster GmbH"}},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.AddDate(2, 0, 0),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageEmailProtection},
	}
	leafDER, err := x509.CreateCertificate(rand.Reader, leafTmpl, root, k.Public, caKey)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err = x509.ParseCertificate(leafDER)
	if err != nil {
		t.Fatal(err)
	}
	return leaf, root
}

func pdfPEMCerts(certs ...*x509.Certificate) []byte {
	var b bytes.Buffer
	for _, c := range certs {
		_ = pem.Encode(&b, &pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
	}
	return b.Bytes()
}

func TestLoadCertChain(t *testing.T) {
	k := pdfTestKey(t)
	leaf, root := pdfTestCA(t, k)

	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: []byte("ignored")})
	chain, err := LoadCertChain(append(append(pdfPEMCerts(leaf), keyPEM...), pdfPEMCerts(root)...))
	if err != nil {
		t.Fatal(err)
	}
	if len(chain) != 2 || !chain[0].Equal(leaf) || !chain[1].Equal(root) {
		t.Fatalf("chain = %v", chain)
	}

	for name, in := range map[string][]byte{
		"empty":       nil,
		"no cert":     keyPEM,
		"garbage":     []byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"),
		"wrong order": pdfPEMCerts(root, leaf),
	} {
		if _, err := LoadCertChain(in); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// A PDF signed with an organisation's chain: pdfsig accepts it and names
// the organisation's certificate; CheckPDF reports the key.
func TestSignPDFWithOrganisationChain(t *testing.T) {
	k := pdfTestKey(t)
	leaf, root := pdfTestCA(t, k)
	chain, err := LoadCertChain(pdfPEMCerts(leaf, root))
	if err != nil {
		t.Fatal(err)
	}
	pdf, err := RenderPDF(testMessages(), pdfTestCert("Anna Beispiel"), pdfTestIssuer, "de", pdfTestJWT)
	if err != nil {
		t.Fatal(err)
	}
	signed, err := SignPDF(pdf, k, chain, pdfTestIssuer, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	res, err := CheckPDF(signed, pdfTrust(k))
	if err != nil {
		t.Fatal(err)
	}
	if !res.SignerKey.Equal(k.Public) || !res.SignerCert.Equal(leaf) {
		t.Errorf("CheckPDF = %+v", res)
	}

	file := filepath.Join(t.TempDir(), "signed.pdf")
	if err := os.WriteFile(file, signed, 0o600); err != nil {
		t.Fatal(err)
	}
	out := pdfRunTool(t, "pdfsig", file)
	for _, want := range []string{"Signature is Valid", "Common Name: Muster GmbH Zertifikate"} {
		if !strings.Contains(out, want) {
			t.Errorf("pdfsig lacks %q:\n%s", want, out)
		}
	}
}

// The signature dictionary carries name, reason, location and time, exact
// also for names with brackets, backslashes or runes whose UTF-16 bytes
// are brackets or backslashes.
func TestSignPDFSignatureFields(t *testing.T) {
	k := pdfTestKey(t)
	now := time.Now().Truncate(time.Second)
	for _, iss := range []Issuer{
		pdfTestIssuer,
		{Name: "Müller & Söhne (Deutschland) GmbH", URL: "https://kipass.mueller.example"},
		{Name: "Ĩ\\Ĩ(Ĩ)", URL: "https://x.example"}, // UTF-16 bytes 0x28, 0x29, 0x5c
	} {
		pdf, err := RenderPDF(testMessages(), pdfTestCert("Anna"), iss, "de", pdfTestJWT)
		if err != nil {
			t.Fatal(err)
		}
		signed, err := SignPDF(pdf, k, nil, iss, now)
		if err != nil {
			t.Fatal(err)
		}
		f, err := pdfscan.Parse(signed, pdfscan.Limits{})
		if err != nil {
			t.Fatalf("%s: %v", iss.Name, err)
		}
		res, err := CheckPDF(signed, pdfTrust(k))
		if err != nil || !res.SignedAt.Equal(now) {
			t.Fatalf("%s: CheckPDF = %+v, %v", iss.Name, res, err)
		}
		var sig pdfscan.Value
		for _, o := range f.Objects() {
			if o.Key("Type").Name() == "Sig" {
				sig = o
			}
		}
		wantName := iss.Name // exact: brackets, backslashes and UTF-16 all survive
		for key, want := range map[string]string{"Name": wantName, "Reason": PDFSignReason, "Location": iss.URL} {
			if got := sig.Key(key).Text(); got != want {
				t.Errorf("%s: /%s = %q, want %q", iss.Name, key, got, want)
			}
		}
	}
}

// The signature is PAdES baseline B-B and a certification signature, as
// pdfsig, qpdf and a reading of the file's own structure show:
// ETSI.CAdES.detached, signing-certificate-v2 and no signing-time in the
// CMS, the time in /M, /Perms /DocMDP with P=1 and DigestMethod in the
// SigRef, the ESIC extension declared, and the document opening at its
// page.
func TestSignPDFIsPAdESBaselineB(t *testing.T) {
	k := pdfTestKey(t)
	now := time.Now().UTC().Truncate(time.Second)
	unsigned, err := RenderPDF(testMessages(), pdfTestCert("Anna Beispiel"), pdfTestIssuer, "de", pdfTestJWT)
	if err != nil {
		t.Fatal(err)
	}
	signed, err := SignPDF(unsigned, k, nil, pdfTestIssuer, now)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(signed, unsigned) {
		t.Fatal("signing changed the original bytes instead of appending an update")
	}

	rdr, err := pdf.NewReader(bytes.NewReader(signed), int64(len(signed)))
	if err != nil {
		t.Fatal(err)
	}
	root := rdr.Trailer().Key("Root")
	sig := root.Key("Perms").Key("DocMDP")
	if sig.Key("Type").Name() != "Sig" || sig.Key("Filter").Name() != "Adobe.PPKLite" {
		t.Fatalf("/Perms /DocMDP is not the signature: %v", sig)
	}
	if got := sig.Key("SubFilter").Name(); got != "ETSI.CAdES.detached" {
		t.Errorf("SubFilter = %q", got)
	}
	if got, want := sig.Key("M").Text(), "D:"+now.Format("20060102150405")+"+00'00'"; got != want {
		t.Errorf("/M = %q, want %q", got, want)
	}
	ref := sig.Key("Reference").Index(0)
	if ref.Key("Type").Name() != "SigRef" || ref.Key("TransformMethod").Name() != "DocMDP" ||
		ref.Key("DigestMethod").Name() != "SHA256" || ref.Key("TransformParams").Key("P").Int64() != 1 {
		t.Errorf("SigRef = %v", ref)
	}
	if root.Key("AcroForm").Key("SigFlags").Int64() != 3 || root.Key("AcroForm").Key("Fields").Len() != 1 {
		t.Errorf("AcroForm = %v", root.Key("AcroForm"))
	}
	if esic := root.Key("Extensions").Key("ESIC"); esic.Key("BaseVersion").Name() != "1.7" || esic.Key("ExtensionLevel").Int64() != 2 {
		t.Errorf("Extensions = %v", root.Key("Extensions"))
	}
	if got, want := root.Key("OpenAction").Index(0).GetPtr(), rdr.Page(1).V.GetPtr(); got != want {
		t.Errorf("OpenAction points at object %v, the page is %v", got, want)
	}
	if root.Key("Names").Key("EmbeddedFiles").IsNull() {
		t.Error("the updated catalog lost the embedded credential")
	}

	// The signed attributes of the CMS signer.
	in := cryptobyte.String(sig.Key("Contents").RawString())
	var ci, wrap, sd, si, attrs cryptobyte.String
	ctx0 := cbasn1.Tag(0).Constructed().ContextSpecific()
	if !in.ReadASN1(&ci, cbasn1.SEQUENCE) || !ci.SkipASN1(cbasn1.OBJECT_IDENTIFIER) || !ci.ReadASN1(&wrap, ctx0) ||
		!wrap.ReadASN1(&sd, cbasn1.SEQUENCE) || !sd.SkipASN1(cbasn1.INTEGER) || !sd.SkipASN1(cbasn1.SET) ||
		!sd.SkipASN1(cbasn1.SEQUENCE) || !sd.SkipASN1(ctx0) || !sd.ReadASN1(&si, cbasn1.SET) ||
		!si.ReadASN1(&si, cbasn1.SEQUENCE) || !si.SkipASN1(cbasn1.INTEGER) || !si.SkipASN1(cbasn1.SEQUENCE) ||
		!si.SkipASN1(cbasn1.SEQUENCE) || !si.ReadASN1(&attrs, ctx0) {
		t.Fatal("cannot read the CMS signer info")
	}
	found := map[string]bool{}
	for !attrs.Empty() {
		var a cryptobyte.String
		var oid asn1.ObjectIdentifier
		if !attrs.ReadASN1(&a, cbasn1.SEQUENCE) || !a.ReadASN1ObjectIdentifier(&oid) {
			t.Fatal("bad attribute")
		}
		found[oid.String()] = true
	}
	for oid, want := range map[string]bool{
		"1.2.840.113549.1.9.3":       true,  // content-type
		"1.2.840.113549.1.9.4":       true,  // message-digest
		"1.2.840.113549.1.9.16.2.47": true,  // signing-certificate-v2
		"1.2.840.113549.1.9.5":       false, // signing-time: not in B-B
		"1.2.840.113549.1.9.16.2.12": false, // signing-certificate v1
	} {
		if found[oid] != want {
			t.Errorf("signed attribute %s present = %v, want %v", oid, found[oid], want)
		}
	}

	res, err := CheckPDF(signed, pdfTrust(k))
	if err != nil || !res.SignedAt.Equal(now) {
		t.Errorf("CheckPDF = %+v, %v", res, err)
	}

	file := filepath.Join(t.TempDir(), "signed.pdf")
	if err := os.WriteFile(file, signed, 0o600); err != nil {
		t.Fatal(err)
	}
	out := pdfRunTool(t, "pdfsig", file)
	for _, want := range []string{"Signature Type: ETSI.CAdES.detached", "Signature is Valid", "Total document signed",
		"Signing Time: " + now.Local().Format("Jan 02 2006 15:04:05")} {
		if !strings.Contains(out, want) {
			t.Errorf("pdfsig lacks %q:\n%s", want, out)
		}
	}
	if out := pdfRunTool(t, "qpdf", "--check", file); !strings.Contains(out, "No syntax or stream encoding errors") {
		t.Errorf("qpdf --check:\n%s", out)
	}

	// A change appended after signing (a new title) is flagged.
	info, rootPtr := rdr.Trailer().Key("Info").GetPtr(), root.GetPtr()
	var upd bytes.Buffer
	upd.Write(signed)
	off := upd.Len()
	fmt.Fprintf(&upd, "%d 0 obj\n<< /Title (Mallory) >>\nendobj\n", info.GetID())
	xref := upd.Len()
	fmt.Fprintf(&upd, "xref\n%d 1\n%010d 00000 n \ntrailer\n<< /Size %d /Root %d 0 R /Info %d 0 R /Prev %d >>\nstartxref\n%d\n%%%%EOF\n",
		info.GetID(), off, rdr.Trailer().Key("Size").Int64(), rootPtr.GetID(), info.GetID(), rdr.XrefInformation.StartPos, xref)
	if err := os.WriteFile(file, upd.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	if out := pdfRunTool(t, "pdfsig", file); !strings.Contains(out, "Not total document signed") {
		t.Errorf("pdfsig does not flag the change:\n%s", out)
	}
}

// Input that is not a PDF, or a damaged one, is an error, never a panic.
func TestSignPDFRejectsBrokenInput(t *testing.T) {
	k := pdfTestKey(t)
	good, err := RenderPDF(testMessages(), pdfTestCert("Anna Beispiel"), pdfTestIssuer, "de", pdfTestJWT)
	if err != nil {
		t.Fatal(err)
	}
	for name, in := range map[string][]byte{
		"empty":     nil,
		"garbage":   []byte("not a pdf at all"),
		"truncated": good[:len(good)/2],
		"no xref":   bytes.Replace(good, []byte("\nxref\n"), []byte("\nxxxx\n"), 1),
	} {
		if out, err := SignPDF(in, k, nil, pdfTestIssuer, time.Now()); err == nil {
			t.Errorf("%s: signed (%d bytes), want an error", name, len(out))
		}
	}
}
