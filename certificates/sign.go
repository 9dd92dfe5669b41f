package certificates

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"

	"github.com/digitorus/pdf"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// PDFSignReason is the reason recorded in every certificate's PDF signature.
const PDFSignReason = "Zertifikat ausgestellt / certificate issued"

// SelfSignedCert makes a self-signed X.509 certificate for k, valid for ten
// years from now, with subject CN and O = iss.Name, key usage digital
// signature and content commitment (non-repudiation), extended key usage
// document signing (RFC 9336, what PDF validators look for) and email
// protection (the common fallback), and iss.URL as a URI name. It is the default
// certificate for PDF signatures; an organisation can supply its own chain
// instead (LoadCertChain). The serial number is random.
func SelfSignedCert(k *Key, iss Issuer, now time.Time) (*x509.Certificate, error) {
	pubKey, err := signingPublic(k)
	if err != nil {
		return nil, fmt.Errorf("certificates: self-signed cert: %w", err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, fmt.Errorf("certificates: self-signed cert: serial: %w", err)
	}
	name := SafeText(iss.Name)
	if name == "" {
		name = "kipass"
	}
	pub, err := x509.MarshalPKIXPublicKey(pubKey)
	if err != nil {
		return nil, fmt.Errorf("certificates: self-signed cert: %w", err)
	}
	ski := sha256.Sum256(pub)
	now = now.UTC().Truncate(time.Second)
	tmpl := &x509.Certificate{
		SerialNumber:          serial.Add(serial, big.NewInt(1)), // never zero
		Subject:               pkix.Name{CommonName: name, Organization: []string{name}},
		NotBefore:             now.Add(-time.Hour), // tolerate clocks that are slightly behind
		NotAfter:              now.AddDate(10, 0, 0),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
		UnknownExtKeyUsage:    []asn1.ObjectIdentifier{{1, 3, 6, 1, 5, 5, 7, 3, 36}}, // id-kp-documentSigning
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageEmailProtection},
		BasicConstraintsValid: true,
		SubjectKeyId:          ski[:20],
	}
	if u, err := url.Parse(iss.URL); err == nil && u.Scheme != "" && u.Host != "" {
		tmpl.URIs = []*url.URL{u}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, pubKey, k.Private)
	if err != nil {
		return nil, fmt.Errorf("certificates: self-signed cert: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("certificates: self-signed cert: %w", err)
	}
	return cert, nil
}

// LoadCertChain reads PEM "CERTIFICATE" blocks, the signing certificate
// first and then its issuers in order (the usual fullchain.pem), for
// --pdf-cert. Other PEM blocks are ignored. Each certificate must be
// signed by the next one; the chain must not be empty.
func LoadCertChain(pemBytes []byte) ([]*x509.Certificate, error) {
	var chain []*x509.Certificate
	rest := pemBytes
	for {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, fmt.Errorf("certificates: load cert chain: certificate %d: %w", len(chain)+1, err)
		}
		chain = append(chain, c)
	}
	if len(chain) == 0 {
		return nil, errors.New("certificates: load cert chain: no PEM CERTIFICATE block found")
	}
	for i := 0; i+1 < len(chain); i++ {
		if err := chain[i].CheckSignatureFrom(chain[i+1]); err != nil {
			return nil, fmt.Errorf("certificates: load cert chain: certificate %d is not issued by certificate %d: %w", i+1, i+2, err)
		}
	}
	return chain, nil
}

// SignPDF adds a PDF signature to pdfBytes (as RenderPDF makes them) with
// key k, as an incremental update that leaves every original byte in
// place. The signature is PAdES baseline B-B (ETSI EN 319 142-1): SubFilter
// ETSI.CAdES.detached, a detached CMS SignedData over SHA-256 whose signed
// attributes are content type, message digest and the ESS
// signing-certificate-v2 (RFC 5035) that binds chain[0], and no CMS
// signing-time: the time is the dictionary's /M, which is now. It is a
// certification signature (/Perms /DocMDP, P=1: no changes permitted,
// DigestMethod SHA256 in the SigRef), so that readers flag any later
// change; a PDF that is certified already gets an approval signature
// instead. Name iss.Name, reason PDFSignReason, location iss.URL, each
// written as an exact PDF text string.
//
// chain[0] must be a certificate for k (SelfSignedCert or the
// organisation's from LoadCertChain); the rest of chain is embedded too.
// An empty chain gets a fresh self-signed certificate. No time-stamp
// authority, no network. Poppler's pdfsig reports the result as
// "Signature is Valid" and "Total document signed". now must lie within
// chain[0]'s validity. The output is not deterministic: ECDSA signatures
// are randomised.
func SignPDF(pdfBytes []byte, k *Key, chain []*x509.Certificate, iss Issuer, now time.Time) ([]byte, error) {
	pubKey, err := signingPublic(k)
	if err != nil {
		return nil, fmt.Errorf("certificates: sign pdf: %w", err)
	}
	if len(chain) == 0 {
		c, err := SelfSignedCert(k, iss, now)
		if err != nil {
			return nil, fmt.Errorf("certificates: sign pdf: %w", err)
		}
		chain = []*x509.Certificate{c}
	}
	if !pubKey.Equal(chain[0].PublicKey) {
		return nil, errors.New("certificates: sign pdf: chain[0] is not a certificate for the signing key")
	}
	if now.Before(chain[0].NotBefore) || now.After(chain[0].NotAfter) {
		return nil, fmt.Errorf("certificates: sign pdf: the signing certificate is valid from %s to %s, not at %s",
			chain[0].NotBefore.Format(time.RFC3339), chain[0].NotAfter.Format(time.RFC3339), now.Format(time.RFC3339))
	}
	out, err := signPDF(pdfBytes, k, chain, iss, now)
	if err != nil {
		return nil, fmt.Errorf("certificates: sign pdf: %w", err)
	}
	return out, nil
}

// signPDF writes the incremental update: the signature dictionary, an
// invisible signature field (merged with its widget), the first page with
// the widget in /Annots and the catalog with /AcroForm, /Perms and the
// ESIC extension, then the cross-reference section, and fills in the byte
// range and the CMS signature last.
func signPDF(doc []byte, k *Key, chain []*x509.Certificate, iss Issuer, now time.Time) (out []byte, err error) {
	// digitorus/pdf panics on some malformed input; SignPDF only gets
	// kipass's own PDFs, but an error is still better than a crash.
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, fmt.Errorf("read pdf: %v", r)
		}
	}()
	rdr, err := pdf.NewReader(bytes.NewReader(doc), int64(len(doc)))
	if err != nil {
		return nil, fmt.Errorf("read pdf: %w", err)
	}
	trailer := rdr.Trailer()
	root := trailer.Key("Root")
	if root.Kind() != pdf.Dict || rdr.NumPage() < 1 {
		return nil, errors.New("read pdf: no catalog or no page")
	}
	page := rdr.Page(1).V
	rootID, pageID := root.GetPtr(), page.GetPtr()
	size := trailer.Key("Size").Int64()
	if size <= 0 || rootID.GetID() == 0 || pageID.GetID() == 0 || pageID.GetID() == rootID.GetID() {
		return nil, errors.New("read pdf: bad trailer")
	}
	sigID, fieldID := uint32(size), uint32(size)+1

	// Existing signature fields stay in the form; a document that is
	// certified already cannot be certified twice.
	form := root.Key("AcroForm")
	var fields []string
	for i := 0; i < form.Key("Fields").Len(); i++ {
		fields = append(fields, pdfRefString(ptrOf(form.Key("Fields").Index(i))))
	}
	certify := root.Key("Perms").Key("DocMDP").IsNull()

	var b bytes.Buffer
	b.Grow(len(doc) + 16384)
	b.Write(doc)
	if doc[len(doc)-1] != '\n' && doc[len(doc)-1] != '\r' {
		b.WriteByte('\n')
	}
	offsets := map[uint32]int{}

	// The signature dictionary, with placeholders for /ByteRange and
	// /Contents. The CMS size does not depend on the digest, so a trial
	// signature over zeros tells how much room the real one needs.
	trial, err := signCMS(make([]byte, sha256.Size), k, chain)
	if err != nil {
		return nil, err
	}
	room := len(trial) + 64 // ECDSA signatures vary by a few bytes
	offsets[sigID] = b.Len()
	fmt.Fprintf(&b, "%d 0 obj\n<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached\n", sigID)
	b.WriteString("/ByteRange ")
	byteRangeAt := b.Len()
	b.WriteString("[0 0000000000 0000000000 0000000000]\n/Contents ")
	contentsAt := b.Len()
	b.WriteByte('<')
	b.Write(bytes.Repeat([]byte("0"), 2*room))
	b.WriteByte('>')
	contentsEnd := b.Len()
	fmt.Fprintf(&b, "\n/M %s\n/Name %s\n/Reason %s\n/Location %s\n",
		pdfTextString(pdfDate(now)), pdfTextString(SafeText(iss.Name)), pdfTextString(PDFSignReason), pdfTextString(SafeText(iss.URL)))
	if certify {
		b.WriteString("/Reference [<< /Type /SigRef /TransformMethod /DocMDP /DigestMethod /SHA256\n" +
			"/TransformParams << /Type /TransformParams /P 1 /V /1.2 >> >>]\n")
	}
	b.WriteString("/Prop_Build << /App << /Name /kipass >> >>\n>>\nendobj\n")

	// The field and its widget in one dictionary: invisible (zero
	// rectangle), printed, locked.
	offsets[fieldID] = b.Len()
	fmt.Fprintf(&b, "%d 0 obj\n<< /Type /Annot /Subtype /Widget /FT /Sig /T %s /V %d 0 R /F 132 /Rect [0 0 0 0] /P %s >>\nendobj\n",
		fieldID, pdfTextString(fmt.Sprintf("Signature%d", len(fields)+1)), sigID, pdfRefString(&pageID))
	fields = append(fields, fmt.Sprintf("%d 0 R", fieldID))

	// The page, as it was, plus the widget.
	offsets[pageID.GetID()] = b.Len()
	fmt.Fprintf(&b, "%d %d obj\n<<", pageID.GetID(), pageID.GetGen())
	for _, key := range page.Keys() {
		if key == "Annots" {
			continue
		}
		b.WriteString(" " + pdfNameString(key) + " ")
		if err := pdfWriteValue(&b, page.Key(key), pageID.GetID(), 0); err != nil {
			return nil, err
		}
	}
	b.WriteString(" /Annots [")
	annots := page.Key("Annots")
	for i := 0; i < annots.Len(); i++ {
		if err := pdfWriteValue(&b, annots.Index(i), pageID.GetID(), 0); err != nil {
			return nil, err
		}
		b.WriteByte(' ')
	}
	fmt.Fprintf(&b, "%d 0 R] >>\nendobj\n", fieldID)

	// The catalog, as it was, plus the form, the DocMDP permission and
	// the declaration that the file uses the ETSI extension to PDF 1.7
	// (level 2: CAdES signatures).
	offsets[rootID.GetID()] = b.Len()
	fmt.Fprintf(&b, "%d %d obj\n<< /Type /Catalog", rootID.GetID(), rootID.GetGen())
	for _, key := range root.Keys() {
		switch key {
		case "Type", "AcroForm", "Version", "Extensions":
			continue
		case "Perms":
			if certify {
				continue
			}
		}
		b.WriteString(" " + pdfNameString(key) + " ")
		if err := pdfWriteValue(&b, root.Key(key), rootID.GetID(), 0); err != nil {
			return nil, err
		}
	}
	b.WriteString("\n/Version /1.7 /Extensions << /ESIC << /BaseVersion /1.7 /ExtensionLevel 2 >> >>")
	if certify {
		fmt.Fprintf(&b, "\n/Perms << /DocMDP %d 0 R >>", sigID)
	}
	fmt.Fprintf(&b, "\n/AcroForm << /Fields [%s] /SigFlags 3 >> >>\nendobj\n", strings.Join(fields, " "))

	// The cross-reference section: one subsection per run of numbers.
	ids := make([]uint32, 0, len(offsets))
	for id := range offsets {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	xrefAt := b.Len()
	b.WriteString("xref\n")
	for i := 0; i < len(ids); {
		j := i + 1
		for j < len(ids) && ids[j] == ids[j-1]+1 {
			j++
		}
		fmt.Fprintf(&b, "%d %d\n", ids[i], j-i)
		for _, id := range ids[i:j] {
			gen := 0
			switch id {
			case pageID.GetID():
				gen = int(pageID.GetGen())
			case rootID.GetID():
				gen = int(rootID.GetGen())
			}
			fmt.Fprintf(&b, "%010d %05d n \n", offsets[id], gen)
		}
		i = j
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root %s", fieldID+1, pdfRefString(&rootID))
	if info := trailer.Key("Info"); info.Kind() == pdf.Dict {
		b.WriteString(" /Info " + pdfRefString(ptrOf(info)))
	}
	if id := trailer.Key("ID"); id.Kind() == pdf.Array {
		b.WriteString(" /ID ")
		if err := pdfWriteValue(&b, id, 0, 0); err != nil {
			return nil, err
		}
	}
	fmt.Fprintf(&b, " /Prev %d >>\nstartxref\n%d\n%%%%EOF\n", rdr.XrefInformation.StartPos, xrefAt)

	// Byte range: everything but the /Contents hex string.
	out = b.Bytes()
	br := fmt.Sprintf("[0 %d %d %d]", contentsAt, contentsEnd, len(out)-contentsEnd)
	if len(br) > len("[0 0000000000 0000000000 0000000000]") {
		return nil, errors.New("the document is too large")
	}
	copy(out[byteRangeAt:], br+strings.Repeat(" ", len("[0 0000000000 0000000000 0000000000]")-len(br)))
	h := sha256.New()
	h.Write(out[:contentsAt])
	h.Write(out[contentsEnd:])
	cms, err := signCMS(h.Sum(nil), k, chain)
	if err != nil {
		return nil, err
	}
	if len(cms) > room {
		return nil, errors.New("the signature does not fit its placeholder")
	}
	hex.Encode(out[contentsAt+1:], cms)
	return out, nil
}

// signCMS makes the detached CMS SignedData (RFC 5652) for a document
// whose SHA-256 is digest, in the profile of PAdES B-B (ETSI EN 319 142-1,
// 6.3): signed attributes content-type, message-digest and
// signing-certificate-v2 with the signer's issuer and serial, no
// signing-time, no unsigned attributes; all of chain embedded. It is
// written here rather than with digitorus/pkcs7, which always adds a
// signing-time attribute.
func signCMS(digest []byte, k *Key, chain []*x509.Certificate) ([]byte, error) {
	oidData := asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}
	oidSignedData := asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}
	oidSHA256 := asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	oidECDSAWithSHA256 := asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}
	oidContentType := asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 3}
	oidMessageDigest := asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 4}
	oidSigningCertV2 := asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 47}
	signer := chain[0]

	attr := func(oid asn1.ObjectIdentifier, value func(*cryptobyte.Builder)) []byte {
		var a cryptobyte.Builder
		a.AddASN1(cbasn1.SEQUENCE, func(a *cryptobyte.Builder) {
			a.AddASN1ObjectIdentifier(oid)
			a.AddASN1(cbasn1.SET, value)
		})
		return a.BytesOrPanic()
	}
	certHash := sha256.Sum256(signer.Raw)
	attrs := [][]byte{
		attr(oidContentType, func(v *cryptobyte.Builder) { v.AddASN1ObjectIdentifier(oidData) }),
		attr(oidMessageDigest, func(v *cryptobyte.Builder) { v.AddASN1OctetString(digest) }),
		// SigningCertificateV2 { certs SEQUENCE OF ESSCertIDv2 }, the
		// hash algorithm left at its default, SHA-256.
		attr(oidSigningCertV2, func(v *cryptobyte.Builder) {
			v.AddASN1(cbasn1.SEQUENCE, func(v *cryptobyte.Builder) {
				v.AddASN1(cbasn1.SEQUENCE, func(v *cryptobyte.Builder) {
					v.AddASN1(cbasn1.SEQUENCE, func(v *cryptobyte.Builder) {
						v.AddASN1OctetString(certHash[:])
						v.AddASN1(cbasn1.SEQUENCE, func(v *cryptobyte.Builder) { // IssuerSerial
							v.AddASN1(cbasn1.SEQUENCE, func(v *cryptobyte.Builder) { // GeneralNames
								v.AddASN1(cbasn1.Tag(4).Constructed().ContextSpecific(), func(v *cryptobyte.Builder) {
									v.AddBytes(signer.RawIssuer)
								})
							})
							v.AddASN1BigInt(signer.SerialNumber)
						})
					})
				})
			})
		}),
	}
	// DER orders a SET OF by the encodings of its elements.
	slices.SortFunc(attrs, bytes.Compare)
	attrSet := bytes.Join(attrs, nil)

	var signed cryptobyte.Builder
	signed.AddASN1(cbasn1.SET, func(s *cryptobyte.Builder) { s.AddBytes(attrSet) })
	sum := sha256.Sum256(signed.BytesOrPanic())
	sig, err := ecdsa.SignASN1(rand.Reader, k.Private, sum[:])
	if err != nil {
		return nil, fmt.Errorf("sign: %w", err)
	}

	ctx0 := cbasn1.Tag(0).Constructed().ContextSpecific()
	sha256Alg := func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { b.AddASN1ObjectIdentifier(oidSHA256) })
	}
	var ci cryptobyte.Builder
	ci.AddASN1(cbasn1.SEQUENCE, func(ci *cryptobyte.Builder) {
		ci.AddASN1ObjectIdentifier(oidSignedData)
		ci.AddASN1(ctx0, func(w *cryptobyte.Builder) {
			w.AddASN1(cbasn1.SEQUENCE, func(sd *cryptobyte.Builder) {
				sd.AddASN1Int64(1)
				sd.AddASN1(cbasn1.SET, sha256Alg)
				sd.AddASN1(cbasn1.SEQUENCE, func(e *cryptobyte.Builder) { e.AddASN1ObjectIdentifier(oidData) })
				sd.AddASN1(ctx0, func(cs *cryptobyte.Builder) {
					for _, c := range chain {
						cs.AddBytes(c.Raw)
					}
				})
				sd.AddASN1(cbasn1.SET, func(infos *cryptobyte.Builder) {
					infos.AddASN1(cbasn1.SEQUENCE, func(si *cryptobyte.Builder) {
						si.AddASN1Int64(1)
						si.AddASN1(cbasn1.SEQUENCE, func(ias *cryptobyte.Builder) {
							ias.AddBytes(signer.RawIssuer)
							ias.AddASN1BigInt(signer.SerialNumber)
						})
						sha256Alg(si)
						si.AddASN1(ctx0, func(a *cryptobyte.Builder) { a.AddBytes(attrSet) })
						si.AddASN1(cbasn1.SEQUENCE, func(a *cryptobyte.Builder) { a.AddASN1ObjectIdentifier(oidECDSAWithSHA256) })
						si.AddASN1OctetString(sig)
					})
				})
			})
		})
	})
	der, err := ci.Bytes()
	if err != nil {
		return nil, fmt.Errorf("cms: %w", err)
	}
	return der, nil
}

// pdfDate formats t as a PDF date in UTC, D:YYYYMMDDHHmmSS+00'00'.
func pdfDate(t time.Time) string {
	return "D:" + t.UTC().Format("20060102150405") + "+00'00'"
}

// pdfTextString writes s as a PDF text string: a literal string with
// ( ) \\ escaped if s is printable ASCII, else UTF-16BE with a byte order
// mark in hex, which needs no escaping at all.
func pdfTextString(s string) string {
	ascii := true
	for _, r := range s {
		if r < 0x20 || r > 0x7e {
			ascii = false
			break
		}
	}
	if ascii {
		return "(" + strings.NewReplacer("\\", "\\\\", "(", "\\(", ")", "\\)").Replace(s) + ")"
	}
	u := utf16.Encode([]rune(s))
	raw := make([]byte, 2, 2+2*len(u))
	raw[0], raw[1] = 0xfe, 0xff
	for _, c := range u {
		raw = append(raw, byte(c>>8), byte(c))
	}
	return "<" + hex.EncodeToString(raw) + ">"
}

// pdfNameString writes a PDF name, with #xx for bytes outside the
// regular characters (ISO 32000-1, 7.3.5).
func pdfNameString(n string) string {
	var b strings.Builder
	b.WriteByte('/')
	for i := 0; i < len(n); i++ {
		c := n[i]
		if c < 0x21 || c > 0x7e || strings.IndexByte("#()<>[]{}/%", c) >= 0 {
			fmt.Fprintf(&b, "#%02X", c)
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// pdfRefString writes an indirect reference to the object p points to
// (a pointer, because digitorus/pdf's GetGen has a pointer receiver).
func pdfRefString(p interface {
	GetID() uint32
	GetGen() uint16
}) string {
	return fmt.Sprintf("%d %d R", p.GetID(), p.GetGen())
}

// ptrOf returns a pointer to the object reference of v.
func ptrOf(v pdf.Value) interface {
	GetID() uint32
	GetGen() uint16
} {
	p := v.GetPtr()
	return &p
}

// pdfWriteValue writes v, a value inside the object numbered self, as PDF
// syntax: values that live in other objects (digitorus/pdf resolves
// references, keeping the object they came from) become references.
func pdfWriteValue(b *bytes.Buffer, v pdf.Value, self uint32, depth int) error {
	if depth > 32 {
		return errors.New("read pdf: nesting too deep")
	}
	if p := v.GetPtr(); p.GetID() != self && p.GetID() != 0 {
		b.WriteString(pdfRefString(&p))
		return nil
	}
	switch v.Kind() {
	case pdf.Null:
		b.WriteString("null")
	case pdf.Bool:
		b.WriteString(strconv.FormatBool(v.Bool()))
	case pdf.Integer:
		b.WriteString(strconv.FormatInt(v.Int64(), 10))
	case pdf.Real:
		b.WriteString(strconv.FormatFloat(v.Float64(), 'f', -1, 64))
	case pdf.String:
		b.WriteString("<" + hex.EncodeToString([]byte(v.RawString())) + ">")
	case pdf.Name:
		b.WriteString(pdfNameString(v.Name()))
	case pdf.Dict:
		b.WriteString("<<")
		for _, key := range v.Keys() {
			b.WriteString(" " + pdfNameString(key) + " ")
			if err := pdfWriteValue(b, v.Key(key), self, depth+1); err != nil {
				return err
			}
		}
		b.WriteString(" >>")
	case pdf.Array:
		b.WriteByte('[')
		for i := 0; i < v.Len(); i++ {
			if i > 0 {
				b.WriteByte(' ')
			}
			if err := pdfWriteValue(b, v.Index(i), self, depth+1); err != nil {
				return err
			}
		}
		b.WriteByte(']')
	default:
		return errors.New("read pdf: a direct stream")
	}
	return nil
}

// signingPublic checks that k can sign (a P-256 private key whose public
// half matches k.Public, if set) and returns its public key.
func signingPublic(k *Key) (*ecdsa.PublicKey, error) {
	switch {
	case k == nil || k.Private == nil:
		return nil, errors.New("a private key is required")
	case k.Private.Curve != elliptic.P256():
		return nil, errors.New("the key must be ECDSA P-256")
	case k.Public != nil && !k.Public.Equal(&k.Private.PublicKey):
		return nil, errors.New("public and private key do not match")
	}
	return &k.Private.PublicKey, nil
}
