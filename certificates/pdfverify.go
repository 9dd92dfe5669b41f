package certificates

import (
	"bytes"
	"compress/zlib"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"io"
	"math/big"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"

	"github.com/digitorus/pdfsign/verify"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// MaxPDFSize is the largest PDF that CheckPDF accepts (5 MiB). A kipass
// certificate is well under 100 KiB.
const MaxPDFSize = 5 << 20

// maxCredentialSize bounds the decompressed credential.jwt.
const maxCredentialSize = 256 << 10

// Errors of CheckPDF: they say what is wrong with an uploaded file, none
// of them is an internal failure.
var (
	// ErrTooLarge: the file is larger than MaxPDFSize.
	ErrTooLarge = errors.New("certificates: PDF larger than 5 MiB")
	// ErrNotPDF: the file does not start with a PDF header.
	ErrNotPDF = errors.New("certificates: not a PDF file")
	// ErrMalformedPDF: the file is damaged, or built in a way kipass does
	// not read (cross-reference streams, encryption, ...).
	ErrMalformedPDF = errors.New("certificates: malformed or unsupported PDF")
	// ErrNoCredential: the PDF has no embedded credential.jwt.
	ErrNoCredential = errors.New("certificates: the PDF carries no " + CredentialFileName)
)

// PDFCheck is what CheckPDF found in a PDF.
type PDFCheck struct {
	// SignatureValid: the PDF has exactly one signature, it is
	// cryptographically valid, and it covers every byte of the file
	// except the signature value itself (nothing changed, nothing
	// appended). It says nothing about who signed: compare SignerKey
	// with the issuer's keys.
	SignatureValid bool
	SignerKey      *ecdsa.PublicKey  // P-256 key of the signing certificate; nil if the signature could not be read
	SignerCert     *x509.Certificate // the signing certificate as embedded in (and bound to) the signature
	SignedAt       time.Time         // signing time claimed by the signer (/M, else the CMS signing-time)
	Credential     string            // content of the embedded credential.jwt
	Problem        string            // why SignatureValid is false, in English; empty when valid
}

// CheckPDF examines an uploaded PDF without trusting it. It rejects files
// over MaxPDFSize (ErrTooLarge) and files that do not start like a PDF
// (ErrNotPDF); it reads only the classic-xref structure that kipass writes,
// with limits, and anything else or any garbage is ErrMalformedPDF (it
// never panics). It verifies the one PDF signature strictly itself (byte
// range = whole file, CMS structure, ECDSA P-256 with SHA-256, signer
// certificate bound by ESS signing-certificate-v2) and asks pdfsign's
// verify package for a second opinion; both must agree for
// SignatureValid. It extracts the embedded credential.jwt but does not
// verify it. Once the structure could be read the PDFCheck is returned
// even if err is ErrNoCredential, or ErrMalformedPDF for a damaged
// credential.
func CheckPDF(pdf []byte) (res *PDFCheck, err error) {
	if len(pdf) > MaxPDFSize {
		return nil, ErrTooLarge
	}
	if !pdfHeaderOK(pdf) {
		return nil, ErrNotPDF
	}
	defer func() {
		if r := recover(); r != nil {
			res, err = nil, fmt.Errorf("%w: %v", ErrMalformedPDF, r)
		}
	}()
	f, err := parsePDF(pdf)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformedPDF, err)
	}
	res = &PDFCheck{}
	checkPDFSignature(f, res)
	cred, err := f.credential()
	if err != nil {
		return res, err
	}
	res.Credential = cred
	return res, nil
}

// pdfHeaderOK: "%PDF-1.0" to "%PDF-1.7" or "%PDF-2.0" at offset 0, as
// digitorus/pdf requires.
func pdfHeaderOK(b []byte) bool {
	if len(b) < 8 || !bytes.HasPrefix(b, []byte("%PDF-")) {
		return false
	}
	return (b[5] == '1' && b[6] == '.' && b[7] >= '0' && b[7] <= '7') ||
		(b[5] == '2' && b[6] == '.' && b[7] == '0')
}

// checkPDFSignature fills the signature fields of res.
func checkPDFSignature(f *pdfFile, res *PDFCheck) {
	// The signature dictionaries, found as pdfsign's verify finds them:
	// objects whose /Filter is /Adobe.PPKLite.
	var sigs []pdfDict
	for _, def := range f.objects {
		if d := f.dict(def.obj); d != nil && f.resolve(d["Filter"]) == pdfName("Adobe.PPKLite") {
			sigs = append(sigs, d)
		}
	}
	switch {
	case len(sigs) == 0:
		res.Problem = "the PDF is not signed"
		return
	case len(sigs) > 1:
		res.Problem = "the PDF has more than one signature"
		return
	}
	sig := sigs[0]
	contents, ok := f.resolve(sig["Contents"]).(pdfString)
	if !ok {
		res.Problem = "the signature has no value"
		return
	}
	ranges, p := pdfByteRanges(f, sig, contents)
	if p != "" {
		res.Problem = p
		return
	}
	der, p := pdfSignatureDER(contents.s)
	if p != "" {
		res.Problem = p
		return
	}
	cms, p := pdfParseCMS(der)
	if p != "" {
		res.Problem = p
		return
	}
	res.SignerCert, res.SignerKey, res.SignedAt = cms.signer, cms.key, cms.signingTime
	h := sha256.New()
	for _, r := range ranges {
		h.Write(r)
	}
	if !bytes.Equal(h.Sum(nil), cms.digest) {
		res.Problem = "the signature is invalid: the document was changed after signing"
		return
	}

	// A second opinion on the same signature from pdfsign's verify
	// package (safe to call now: parsePDF has vetted the file).
	opts := verify.DefaultVerifyOptions()
	opts.EnableExternalRevocationCheck = false
	resp, err := verify.VerifyWithOptions(bytes.NewReader(f.data), int64(len(f.data)), opts)
	switch {
	case err != nil:
		res.Problem = "the signature is invalid: " + err.Error()
	case len(resp.Signers) != 1:
		res.Problem = "the signature is invalid"
	case !resp.Signers[0].ValidSignature:
		res.Problem = "the signature is invalid"
		if resp.Error != "" {
			res.Problem += ": " + resp.Error
		}
	default:
		res.SignatureValid = true
		if t := resp.Signers[0].SignatureTime; t != nil {
			res.SignedAt = *t
		}
	}
}

// pdfCMS is what pdfParseCMS verified in a CMS signature.
type pdfCMS struct {
	signer      *x509.Certificate
	key         *ecdsa.PublicKey
	digest      []byte // the signed SHA-256 of the document's byte ranges
	signingTime time.Time
}

// pdfParseCMS reads a detached CMS SignedData (RFC 5652) strictly, in the
// form pdfsign writes: SHA-256, one ECDSA P-256 signer with signed
// attributes, no unsigned attributes, no CRLs. It checks the signature on
// the signed attributes and that every byte of the structure is either
// fixed or covered by a signature: the signer's certificate through the
// ESS signing-certificate-v2 attribute (RFC 5035), other certificates
// through the signatures on them. It returns a problem text if not.
func pdfParseCMS(der []byte) (*pdfCMS, string) {
	const bad = "the signature value is not a valid CMS signature"
	oidSignedData := asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}
	oidData := asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}
	oidSHA256 := asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	oidECDSAWithSHA256 := asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}
	oidContentType := asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 3}
	oidMessageDigest := asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 4}
	oidSigningTime := asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 5}
	oidSigningCertV2 := asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 47}
	ctx0 := cbasn1.Tag(0).Constructed().ContextSpecific()

	// sha256Alg reads an AlgorithmIdentifier that must be SHA-256
	// (parameters absent or NULL).
	sha256Alg := func(s *cryptobyte.String) bool {
		var alg cryptobyte.String
		var oid asn1.ObjectIdentifier
		if !s.ReadASN1(&alg, cbasn1.SEQUENCE) || !alg.ReadASN1ObjectIdentifier(&oid) || !oid.Equal(oidSHA256) {
			return false
		}
		if alg.PeekASN1Tag(cbasn1.NULL) {
			var null cryptobyte.String
			if !alg.ReadASN1(&null, cbasn1.NULL) || !null.Empty() {
				return false
			}
		}
		return alg.Empty()
	}

	in := cryptobyte.String(der)
	var ci, wrap, sd, algs, encap, certSet, infos, si cryptobyte.String
	var oid asn1.ObjectIdentifier
	var version int
	if !in.ReadASN1(&ci, cbasn1.SEQUENCE) || !in.Empty() ||
		!ci.ReadASN1ObjectIdentifier(&oid) || !oid.Equal(oidSignedData) ||
		!ci.ReadASN1(&wrap, ctx0) || !ci.Empty() ||
		!wrap.ReadASN1(&sd, cbasn1.SEQUENCE) || !wrap.Empty() ||
		!sd.ReadASN1Integer(&version) || version != 1 ||
		!sd.ReadASN1(&algs, cbasn1.SET) || !sha256Alg(&algs) || !algs.Empty() ||
		!sd.ReadASN1(&encap, cbasn1.SEQUENCE) || !encap.ReadASN1ObjectIdentifier(&oid) || !oid.Equal(oidData) || !encap.Empty() ||
		!sd.ReadASN1(&certSet, ctx0) ||
		!sd.ReadASN1(&infos, cbasn1.SET) || !sd.Empty() ||
		!infos.ReadASN1(&si, cbasn1.SEQUENCE) || !infos.Empty() {
		return nil, bad
	}
	var certs []*x509.Certificate
	for !certSet.Empty() {
		var raw cryptobyte.String
		if !certSet.ReadASN1Element(&raw, cbasn1.SEQUENCE) {
			return nil, bad
		}
		c, err := x509.ParseCertificate(raw)
		if err != nil {
			return nil, bad
		}
		certs = append(certs, c)
	}

	// SignerInfo: version 1, issuer and serial, SHA-256, signed
	// attributes, ECDSA with SHA-256, the signature, nothing else.
	var sid, issuer, attrs, sigAlg cryptobyte.String
	var sigValue []byte
	var serial big.Int
	if !si.ReadASN1Integer(&version) || version != 1 ||
		!si.ReadASN1(&sid, cbasn1.SEQUENCE) || !sid.ReadASN1Element(&issuer, cbasn1.SEQUENCE) ||
		!sid.ReadASN1Integer(&serial) || !sid.Empty() ||
		!sha256Alg(&si) ||
		!si.ReadASN1Element(&attrs, ctx0) ||
		!si.ReadASN1(&sigAlg, cbasn1.SEQUENCE) || !sigAlg.ReadASN1ObjectIdentifier(&oid) ||
		!oid.Equal(oidECDSAWithSHA256) || !sigAlg.Empty() ||
		!si.ReadASN1Bytes(&sigValue, cbasn1.OCTET_STRING) || !si.Empty() {
		return nil, bad
	}
	res := &pdfCMS{}
	for _, c := range certs {
		if bytes.Equal(c.RawIssuer, issuer) && c.SerialNumber.Cmp(&serial) == 0 {
			if res.signer != nil {
				return nil, bad
			}
			res.signer = c
		}
	}
	if res.signer == nil {
		return nil, "the signature does not contain its signer's certificate"
	}
	key, ok := res.signer.PublicKey.(*ecdsa.PublicKey)
	if !ok || key.Curve != elliptic.P256() {
		return nil, "the signing key is not an ECDSA P-256 key"
	}
	res.key = key

	// The signed attributes, signed as a SET (RFC 5652, 5.4).
	signed := bytes.Clone(attrs)
	signed[0] = 0x31
	sum := sha256.Sum256(signed)
	if !ecdsa.VerifyASN1(key, sum[:], sigValue) {
		return nil, "the signature is invalid"
	}
	var attrList cryptobyte.String
	if attrsCopy := attrs; !attrsCopy.ReadASN1(&attrList, ctx0) {
		return nil, bad
	}
	var haveType, bound bool
	for !attrList.Empty() {
		var attr, values cryptobyte.String
		if !attrList.ReadASN1(&attr, cbasn1.SEQUENCE) || !attr.ReadASN1ObjectIdentifier(&oid) ||
			!attr.ReadASN1(&values, cbasn1.SET) || !attr.Empty() {
			return nil, bad
		}
		switch {
		case oid.Equal(oidContentType):
			var t asn1.ObjectIdentifier
			haveType = values.ReadASN1ObjectIdentifier(&t) && t.Equal(oidData) && values.Empty()
		case oid.Equal(oidMessageDigest):
			if !values.ReadASN1Bytes(&res.digest, cbasn1.OCTET_STRING) || !values.Empty() || len(res.digest) != sha256.Size {
				return nil, bad
			}
		case oid.Equal(oidSigningTime):
			if values.PeekASN1Tag(cbasn1.UTCTime) {
				_ = values.ReadASN1UTCTime(&res.signingTime)
			} else {
				_ = values.ReadASN1GeneralizedTime(&res.signingTime)
			}
		case oid.Equal(oidSigningCertV2):
			bound = pdfESSCertHashMatches(values, res.signer)
		}
	}
	switch {
	case !haveType || res.digest == nil:
		return nil, bad
	case !bound:
		return nil, "the signer certificate is not bound to the signature"
	}
	// Every other certificate must be covered by a signature: issued by
	// another certificate in the set, or self-signed.
	for _, c := range certs {
		if c == res.signer {
			continue
		}
		covered := bytes.Equal(c.RawIssuer, c.RawSubject) &&
			c.CheckSignature(c.SignatureAlgorithm, c.RawTBSCertificate, c.Signature) == nil
		for _, p := range certs {
			if !covered && p != c && bytes.Equal(c.RawIssuer, p.RawSubject) && c.CheckSignatureFrom(p) == nil {
				covered = true
			}
		}
		if !covered {
			return nil, "the signature contains a certificate that was changed"
		}
	}
	return res, ""
}

// pdfESSCertHashMatches reads the value of an ESS signing-certificate-v2
// attribute and reports whether its first certificate hash (SHA-256, the
// default and only algorithm accepted) is that of cert.
func pdfESSCertHashMatches(values cryptobyte.String, cert *x509.Certificate) bool {
	var v2, ids, id cryptobyte.String
	var hash []byte
	if !values.ReadASN1(&v2, cbasn1.SEQUENCE) || !values.Empty() ||
		!v2.ReadASN1(&ids, cbasn1.SEQUENCE) || !ids.ReadASN1(&id, cbasn1.SEQUENCE) {
		return false
	}
	if id.PeekASN1Tag(cbasn1.SEQUENCE) { // explicit algorithm: must be SHA-256
		var alg cryptobyte.String
		var oid asn1.ObjectIdentifier
		if !id.ReadASN1(&alg, cbasn1.SEQUENCE) || !alg.ReadASN1ObjectIdentifier(&oid) ||
			!oid.Equal(asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}) {
			return false
		}
	}
	if !id.ReadASN1Bytes(&hash, cbasn1.OCTET_STRING) {
		return false
	}
	sum := sha256.Sum256(cert.Raw)
	return bytes.Equal(hash, sum[:])
}

// pdfByteRanges checks that /ByteRange [0 a b c] covers the whole file
// but for the /Contents hex string, which must sit exactly in the gap, and
// returns the two ranges.
func pdfByteRanges(f *pdfFile, sig pdfDict, contents pdfString) ([][]byte, string) {
	br, ok := f.resolve(sig["ByteRange"]).(pdfArray)
	if !ok || len(br) != 4 {
		return nil, "the signature has no valid byte range"
	}
	var v [4]int64
	for i, x := range br {
		n, ok := f.resolve(x).(int64)
		if !ok || n < 0 || n > int64(len(f.data)) {
			return nil, "the signature has no valid byte range"
		}
		v[i] = n
	}
	if v[0] != 0 || v[1] != int64(contents.start) || v[2] != int64(contents.end) ||
		v[2]+v[3] != int64(len(f.data)) || f.data[contents.start] != '<' {
		return nil, "the signature does not cover the whole document"
	}
	return [][]byte{f.data[:v[1]], f.data[v[2]:]}, ""
}

// pdfSignatureDER returns the DER of the CMS signature in contents, which
// is zero-padded to the placeholder size. Any non-zero byte in the padding
// is a change to the file that the signature does not cover.
func pdfSignatureDER(contents string) ([]byte, string) {
	b := []byte(contents)
	var raw asn1.RawValue
	rest, err := asn1.Unmarshal(b, &raw)
	if err != nil {
		return nil, "the signature value is not a CMS signature"
	}
	for _, c := range rest {
		if c != 0 {
			return nil, "the signature value was changed"
		}
	}
	return b[:len(b)-len(rest)], ""
}

// credential returns the embedded credential.jwt: the file specification
// named credential.jwt in the /EmbeddedFiles name tree (by tree key, /UF
// or /F), its /EF stream, FlateDecode or unfiltered.
func (f *pdfFile) credential() (string, error) {
	root := f.dict(f.trailer["Root"])
	names := f.dict(root["Names"])
	tree := f.dict(names["EmbeddedFiles"])
	if tree == nil {
		return "", ErrNoCredential
	}
	nodes := 0
	var walk func(n pdfDict, depth int) pdfDict
	walk = func(n pdfDict, depth int) pdfDict {
		if n == nil || depth > 8 || nodes > 256 {
			return nil
		}
		nodes++
		if kv, ok := f.resolve(n["Names"]).(pdfArray); ok {
			for i := 0; i+1 < len(kv); i += 2 {
				spec := f.dict(kv[i+1])
				if spec == nil {
					continue
				}
				if pdfText(f.resolve(kv[i])) == CredentialFileName ||
					pdfText(f.resolve(spec["UF"])) == CredentialFileName ||
					pdfText(f.resolve(spec["F"])) == CredentialFileName {
					return spec
				}
			}
		}
		if kids, ok := f.resolve(n["Kids"]).(pdfArray); ok {
			for _, k := range kids {
				if s := walk(f.dict(k), depth+1); s != nil {
					return s
				}
			}
		}
		return nil
	}
	spec := walk(tree, 0)
	if spec == nil {
		return "", ErrNoCredential
	}
	ef := f.dict(spec["EF"])
	ref := ef["F"]
	if ref == nil {
		ref = ef["UF"]
	}
	data, err := f.streamData(ref, maxCredentialSize)
	if err != nil {
		return "", fmt.Errorf("%w: %s: %v", ErrMalformedPDF, CredentialFileName, err)
	}
	cred := strings.TrimSpace(string(data))
	if cred == "" {
		return "", ErrNoCredential
	}
	return cred, nil
}

// streamData returns the decoded data of the stream v, at most limit bytes.
func (f *pdfFile) streamData(v any, limit int) ([]byte, error) {
	s, ok := f.resolve(v).(pdfStream)
	if !ok {
		return nil, errors.New("not a stream")
	}
	n, ok := f.resolve(s.dict["Length"]).(int64)
	if !ok || n < 0 || int64(s.off)+n > int64(len(f.data)) {
		return nil, errors.New("bad stream length")
	}
	raw := f.data[s.off : s.off+int(n)]
	filter := f.resolve(s.dict["Filter"])
	if a, ok := filter.(pdfArray); ok && len(a) == 1 {
		filter = f.resolve(a[0])
	}
	if _, ok := s.dict["DecodeParms"]; ok {
		return nil, errors.New("unsupported decode parameters")
	}
	switch filter {
	case nil:
		if len(raw) > limit {
			return nil, errors.New("too large")
		}
		return raw, nil
	case pdfName("FlateDecode"):
		zr, err := zlib.NewReader(bytes.NewReader(raw))
		if err != nil {
			return nil, err
		}
		out, err := io.ReadAll(io.LimitReader(zr, int64(limit)+1))
		if err != nil {
			return nil, err
		}
		if len(out) > limit {
			return nil, errors.New("too large")
		}
		return out, nil
	}
	return nil, errors.New("unsupported filter")
}

// A small, strict, bounded reader for the PDF subset that kipass writes
// (gofpdf output plus pdfsign's incremental update: classic cross-reference
// tables, no object or xref streams, no encryption). It serves two ends:
// CheckPDF reads the signature dictionary and the embedded credential with
// it, and it vets an upload before github.com/digitorus/pdf (used by
// pdfsign's verify package) sees it. That reader trusts its input: a
// 400-byte file with a huge xref subsection start makes it allocate
// gigabytes, and deeply nested arrays overflow its stack, both fatal and
// not recoverable. The lexer below follows its tokenisation rules closely,
// so that what is vetted here is what it will parse.

// Limits for uploaded PDFs; kipass certificates use a small fraction.
const (
	pdfMaxObjects  = 20000 // highest object number in the xref tables
	pdfMaxSections = 16    // xref sections (incremental updates)
	pdfMaxDepth    = 32    // nesting of arrays, dictionaries, objects
)

type (
	pdfName    string
	pdfKeyword string
	pdfDict    map[pdfName]any
	pdfArray   []any
	pdfRef     struct {
		id  uint32
		gen uint16
	}
	// pdfString is a decoded string with its extent in the file.
	pdfString struct {
		s          string
		start, end int
	}
	pdfStream struct {
		dict pdfDict
		off  int // first byte of the stream data
	}
	pdfObjDef struct {
		ref pdfRef
		obj any
	}
)

var errPDFSyntax = errors.New("pdf syntax")

// pdfLexer reads tokens from b starting at pos. Objects are nil, bool,
// int64, float64, pdfString, pdfName, pdfKeyword, pdfDict, pdfArray,
// pdfRef, pdfStream, pdfObjDef.
type pdfLexer struct {
	b      []byte
	pos    int
	unread []any
	budget *int // bytes the whole file may still cost to lex, shared
}

func pdfIsSpace(c byte) bool {
	switch c {
	case 0, '\t', '\n', '\f', '\r', ' ':
		return true
	}
	return false
}

func pdfIsDelim(c byte) bool {
	switch c {
	case '<', '>', '(', ')', '[', ']', '{', '}', '/', '%':
		return true
	}
	return false
}

func (l *pdfLexer) readByte() (byte, error) {
	if l.pos >= len(l.b) {
		return 0, fmt.Errorf("%w: unexpected end of file", errPDFSyntax)
	}
	*l.budget--
	if *l.budget < 0 {
		return 0, fmt.Errorf("%w: too much to parse", errPDFSyntax)
	}
	c := l.b[l.pos]
	l.pos++
	return c, nil
}

func (l *pdfLexer) token() (any, error) {
	if n := len(l.unread); n > 0 {
		t := l.unread[n-1]
		l.unread = l.unread[:n-1]
		return t, nil
	}
	c, err := l.readByte()
	for err == nil {
		if pdfIsSpace(c) {
			c, err = l.readByte()
		} else if c == '%' {
			for err == nil && c != '\r' && c != '\n' {
				c, err = l.readByte()
			}
		} else {
			break
		}
	}
	if err != nil {
		return nil, err
	}
	start := l.pos - 1
	switch c {
	case '<':
		if l.pos < len(l.b) && l.b[l.pos] == '<' {
			l.pos++
			return pdfKeyword("<<"), nil
		}
		return l.hexString(start)
	case '(':
		return l.literalString(start)
	case '[', ']', '{', '}':
		return pdfKeyword(string(c)), nil
	case '/':
		return l.name()
	case '>':
		if l.pos < len(l.b) && l.b[l.pos] == '>' {
			l.pos++
			return pdfKeyword(">>"), nil
		}
		return nil, fmt.Errorf("%w: unexpected '>'", errPDFSyntax)
	}
	if pdfIsDelim(c) {
		return nil, fmt.Errorf("%w: unexpected delimiter %q", errPDFSyntax, c)
	}
	l.pos--
	return l.keyword()
}

func (l *pdfLexer) hexString(start int) (any, error) {
	var out []byte
	for {
		c, err := l.readByte()
		for err == nil && pdfIsSpace(c) {
			c, err = l.readByte()
		}
		if err != nil {
			return nil, err
		}
		if c == '>' {
			return pdfString{string(out), start, l.pos}, nil
		}
		c2, err := l.readByte()
		for err == nil && pdfIsSpace(c2) {
			c2, err = l.readByte()
		}
		if err != nil {
			return nil, err
		}
		hi, lo := pdfUnhex(c), pdfUnhex(c2)
		if hi < 0 || lo < 0 {
			return nil, fmt.Errorf("%w: bad hex string", errPDFSyntax)
		}
		out = append(out, byte(hi<<4|lo))
	}
}

func pdfUnhex(c byte) int {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0')
	case 'a' <= c && c <= 'f':
		return int(c-'a') + 10
	case 'A' <= c && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

func (l *pdfLexer) literalString(start int) (any, error) {
	var out []byte
	depth := 1
	for {
		c, err := l.readByte()
		if err != nil {
			return nil, err
		}
		switch c {
		case '(':
			depth++
			out = append(out, c)
		case ')':
			if depth--; depth == 0 {
				return pdfString{string(out), start, l.pos}, nil
			}
			out = append(out, c)
		case '\\':
			c, err = l.readByte()
			if err != nil {
				return nil, err
			}
			switch c {
			case 'n':
				out = append(out, '\n')
			case 'r':
				out = append(out, '\r')
			case 'b':
				out = append(out, '\b')
			case 't':
				out = append(out, '\t')
			case 'f':
				out = append(out, '\f')
			case '(', ')', '\\':
				out = append(out, c)
			case '\r':
				if l.pos < len(l.b) && l.b[l.pos] == '\n' {
					l.pos++
				}
			case '\n':
			case '0', '1', '2', '3', '4', '5', '6', '7':
				x := int(c - '0')
				for i := 0; i < 2 && l.pos < len(l.b) && l.b[l.pos] >= '0' && l.b[l.pos] <= '7'; i++ {
					x = x*8 + int(l.b[l.pos]-'0')
					l.pos++
				}
				if x > 255 {
					return nil, fmt.Errorf("%w: bad octal escape", errPDFSyntax)
				}
				out = append(out, byte(x))
			default:
				return nil, fmt.Errorf("%w: bad escape", errPDFSyntax)
			}
		default:
			out = append(out, c)
		}
	}
}

func (l *pdfLexer) name() (any, error) {
	var out []byte
	for l.pos < len(l.b) {
		c := l.b[l.pos]
		if pdfIsDelim(c) || pdfIsSpace(c) {
			break
		}
		if _, err := l.readByte(); err != nil {
			return nil, err
		}
		if c == '#' {
			if l.pos+2 > len(l.b) {
				return nil, fmt.Errorf("%w: bad name", errPDFSyntax)
			}
			hi, lo := pdfUnhex(l.b[l.pos]), pdfUnhex(l.b[l.pos+1])
			if hi < 0 || lo < 0 {
				return nil, fmt.Errorf("%w: bad name", errPDFSyntax)
			}
			l.pos += 2
			c = byte(hi<<4 | lo)
		}
		out = append(out, c)
	}
	return pdfName(out), nil
}

func (l *pdfLexer) keyword() (any, error) {
	start := l.pos
	for l.pos < len(l.b) && !pdfIsDelim(l.b[l.pos]) && !pdfIsSpace(l.b[l.pos]) {
		if _, err := l.readByte(); err != nil {
			return nil, err
		}
	}
	s := string(l.b[start:l.pos])
	switch {
	case s == "true":
		return true, nil
	case s == "false":
		return false, nil
	case pdfIsNumber(s, false):
		x, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%w: bad integer", errPDFSyntax)
		}
		return x, nil
	case pdfIsNumber(s, true):
		x, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return nil, fmt.Errorf("%w: bad real", errPDFSyntax)
		}
		return x, nil
	}
	if s == "" {
		return nil, fmt.Errorf("%w: empty token", errPDFSyntax)
	}
	return pdfKeyword(s), nil
}

// pdfIsNumber reports whether s is an integer (real: with exactly one dot).
func pdfIsNumber(s string, wantReal bool) bool {
	if len(s) > 0 && (s[0] == '+' || s[0] == '-') {
		s = s[1:]
	}
	if s == "" {
		return false
	}
	dots := 0
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '.':
			dots++
		case s[i] < '0' || s[i] > '9':
			return false
		}
	}
	if wantReal {
		return dots == 1
	}
	return dots == 0
}

// object reads one object the way digitorus/pdf's readObject does
// (including its "int int R" and "int int obj" look-ahead), at most
// pdfMaxDepth levels deep.
func (l *pdfLexer) object(depth int) (any, error) {
	if depth > pdfMaxDepth {
		return nil, fmt.Errorf("%w: nested too deeply", errPDFSyntax)
	}
	tok, err := l.token()
	if err != nil {
		return nil, err
	}
	if kw, ok := tok.(pdfKeyword); ok {
		switch kw {
		case "null":
			return nil, nil
		case "endobj":
			l.unread = append(l.unread, tok)
			return nil, nil
		case "<<":
			return l.dict(depth + 1)
		case "[":
			return l.array(depth + 1)
		}
		return nil, fmt.Errorf("%w: unexpected keyword %.20q", errPDFSyntax, string(kw))
	}
	t1, ok := tok.(int64)
	if !ok || int64(uint32(t1)) != t1 {
		return tok, nil
	}
	tok2, err := l.token()
	if err != nil {
		return nil, err
	}
	if t2, ok := tok2.(int64); ok && int64(uint16(t2)) == t2 {
		tok3, err := l.token()
		if err != nil {
			return nil, err
		}
		switch tok3 {
		case pdfKeyword("R"):
			return pdfRef{uint32(t1), uint16(t2)}, nil
		case pdfKeyword("obj"):
			obj, err := l.object(depth + 1)
			if err != nil {
				return nil, err
			}
			if _, ok := obj.(pdfStream); !ok {
				end, err := l.token()
				if err != nil {
					return nil, err
				}
				if end != pdfKeyword("endobj") {
					return nil, fmt.Errorf("%w: missing endobj", errPDFSyntax)
				}
			}
			return pdfObjDef{pdfRef{uint32(t1), uint16(t2)}, obj}, nil
		}
		l.unread = append(l.unread, tok3)
	}
	l.unread = append(l.unread, tok2)
	return tok, nil
}

func (l *pdfLexer) array(depth int) (any, error) {
	var a pdfArray
	for {
		tok, err := l.token()
		if err != nil {
			return nil, err
		}
		if tok == pdfKeyword("]") {
			return a, nil
		}
		if tok == pdfKeyword("endobj") {
			// digitorus/pdf loops forever here, reading null after null.
			return nil, fmt.Errorf("%w: unterminated array", errPDFSyntax)
		}
		l.unread = append(l.unread, tok)
		v, err := l.object(depth)
		if err != nil {
			return nil, err
		}
		a = append(a, v)
	}
}

func (l *pdfLexer) dict(depth int) (any, error) {
	d := pdfDict{}
	for {
		tok, err := l.token()
		if err != nil {
			return nil, err
		}
		if tok == pdfKeyword(">>") {
			break
		}
		k, ok := tok.(pdfName)
		if !ok {
			return nil, fmt.Errorf("%w: dictionary key is not a name", errPDFSyntax)
		}
		v, err := l.object(depth)
		if err != nil {
			return nil, err
		}
		d[k] = v
	}
	tok, err := l.token()
	if err != nil {
		return nil, err
	}
	if tok != pdfKeyword("stream") {
		l.unread = append(l.unread, tok)
		return d, nil
	}
	c, err := l.readByte()
	if err == nil && c == '\r' {
		if l.pos < len(l.b) && l.b[l.pos] == '\n' {
			l.pos++
		}
	} else if err != nil || c != '\n' {
		return nil, fmt.Errorf("%w: stream keyword not followed by newline", errPDFSyntax)
	}
	return pdfStream{d, l.pos}, nil
}

// pdfFile is a parsed PDF: its newest trailer and every object in use.
type pdfFile struct {
	data    []byte
	trailer pdfDict
	objects map[uint32]pdfObjDef
}

// parsePDF reads a PDF with classic cross-reference tables strictly and
// within the limits above. Anything else (xref streams, encryption, bad
// offsets, objects that do not parse) is an error.
func parsePDF(data []byte) (*pdfFile, error) {
	budget := 4*len(data) + 1<<20
	startxref, err := pdfStartXref(data)
	if err != nil {
		return nil, err
	}
	type entry struct {
		off int
		gen uint16
	}
	var table []entry // index = object number; off 0 = not in use
	var newest pdfDict
	seen := map[int]bool{}
	for off, n := startxref, 0; ; n++ {
		if n >= pdfMaxSections || seen[off] {
			return nil, fmt.Errorf("%w: too many or looping xref sections", errPDFSyntax)
		}
		seen[off] = true
		trailer, err := pdfReadXrefSection(data, off, &budget, func(id, off int, gen uint16) {
			for len(table) <= id {
				table = append(table, entry{})
			}
			if table[id].off == 0 {
				table[id] = entry{off, gen}
			}
		})
		if err != nil {
			return nil, err
		}
		if newest == nil {
			newest = trailer
		}
		if _, ok := trailer["Encrypt"]; ok {
			return nil, fmt.Errorf("%w: encrypted PDF", errPDFSyntax)
		}
		if _, ok := trailer["XRefStm"]; ok {
			return nil, fmt.Errorf("%w: hybrid cross-reference stream", errPDFSyntax)
		}
		prev, ok := trailer["Prev"]
		if !ok {
			break
		}
		p, ok := prev.(int64)
		if !ok || p <= 0 || p >= int64(len(data)) {
			return nil, fmt.Errorf("%w: bad /Prev", errPDFSyntax)
		}
		off = int(p)
	}
	size, ok := newest["Size"].(int64)
	if !ok || size < 0 {
		return nil, fmt.Errorf("%w: trailer without /Size", errPDFSyntax)
	}
	if size < int64(len(table)) {
		table = table[:size]
	}
	f := &pdfFile{data: data, trailer: newest, objects: make(map[uint32]pdfObjDef, len(table))}
	for id, e := range table {
		if e.off == 0 {
			continue
		}
		l := &pdfLexer{b: data, pos: e.off, budget: &budget}
		obj, err := l.object(0)
		if err != nil {
			return nil, fmt.Errorf("object %d: %w", id, err)
		}
		def, ok := obj.(pdfObjDef)
		if !ok || def.ref != (pdfRef{uint32(id), e.gen}) {
			return nil, fmt.Errorf("%w: xref entry %d does not point to its object", errPDFSyntax, id)
		}
		f.objects[uint32(id)] = def
	}
	return f, nil
}

// pdfStartXref finds the offset after the final "startxref". The file must
// end in "startxref <offset> %%EOF" (and line ends), so that every reader
// finds the same cross-reference table.
func pdfStartXref(data []byte) (int, error) {
	end := len(data)
	for end > 0 && pdfIsSpace(data[end-1]) {
		end--
	}
	if !bytes.HasSuffix(data[:end], []byte("%%EOF")) {
		return 0, fmt.Errorf("%w: does not end in %%%%EOF", errPDFSyntax)
	}
	end -= len("%%EOF")
	for end > 0 && pdfIsSpace(data[end-1]) {
		end--
	}
	digits := end
	for digits > 0 && end-digits < 10 && data[digits-1] >= '0' && data[digits-1] <= '9' {
		digits--
	}
	if digits == end || digits == 0 || !pdfIsSpace(data[digits-1]) {
		return 0, fmt.Errorf("%w: no startxref offset", errPDFSyntax)
	}
	off, _ := strconv.Atoi(string(data[digits:end]))
	kw := digits
	for kw > 0 && pdfIsSpace(data[kw-1]) {
		kw--
	}
	// digitorus/pdf looks for "startxref" alone on its line: so must we,
	// or it could pick an earlier one than we checked.
	at := kw - len("startxref")
	if at < 1 || !bytes.Equal(data[at:kw], []byte("startxref")) ||
		(data[at-1] != '\n' && data[at-1] != '\r') || (data[kw] != '\n' && data[kw] != '\r') {
		return 0, fmt.Errorf("%w: no startxref", errPDFSyntax)
	}
	if off <= 0 || off >= len(data) {
		return 0, fmt.Errorf("%w: startxref out of range", errPDFSyntax)
	}
	return off, nil
}

// pdfReadXrefSection reads the classic xref table at off, in its strict
// form (subsection headers, then 20-byte entries), calls use for each
// entry in use, and returns the trailer dictionary after it.
func pdfReadXrefSection(data []byte, off int, budget *int, use func(id, off int, gen uint16)) (pdfDict, error) {
	p := off
	line := func() (string, bool) {
		i := p
		for i < len(data) && data[i] != '\n' && data[i] != '\r' {
			i++
		}
		if i >= len(data) || i-p > 40 {
			return "", false
		}
		s := string(data[p:i])
		p = i + 1
		if data[i] == '\r' && p < len(data) && data[p] == '\n' {
			p++
		}
		return s, true
	}
	if s, ok := line(); !ok || s != "xref" {
		return nil, fmt.Errorf("%w: no classic xref table at startxref (cross-reference streams are not supported)", errPDFSyntax)
	}
	for {
		for p < len(data) && pdfIsSpace(data[p]) {
			p++
		}
		if bytes.HasPrefix(data[p:], []byte("trailer")) {
			l := &pdfLexer{b: data, pos: p + len("trailer"), budget: budget}
			if p+len("trailer") >= len(data) || !pdfIsSpace(data[p+len("trailer")]) {
				return nil, fmt.Errorf("%w: bad trailer keyword", errPDFSyntax)
			}
			t, err := l.object(0)
			if err != nil {
				return nil, fmt.Errorf("trailer: %w", err)
			}
			d, ok := t.(pdfDict)
			if !ok {
				return nil, fmt.Errorf("%w: trailer is not a dictionary", errPDFSyntax)
			}
			return d, nil
		}
		s, ok := line()
		if !ok {
			return nil, fmt.Errorf("%w: bad xref subsection", errPDFSyntax)
		}
		var start, count int
		if n, err := fmt.Sscanf(s, "%d %d", &start, &count); n != 2 || err != nil ||
			start < 0 || count < 0 || start+count > pdfMaxObjects || s != strconv.Itoa(start)+" "+strconv.Itoa(count) {
			return nil, fmt.Errorf("%w: bad or oversized xref subsection %.40q", errPDFSyntax, s)
		}
		if p+20*count > len(data) {
			return nil, fmt.Errorf("%w: truncated xref table", errPDFSyntax)
		}
		for i := 0; i < count; i++ {
			e := data[p : p+20]
			p += 20
			if !pdfXrefEntryOK(e) {
				return nil, fmt.Errorf("%w: bad xref entry", errPDFSyntax)
			}
			if e[17] == 'f' {
				continue
			}
			o, _ := strconv.Atoi(string(e[:10]))
			g, _ := strconv.Atoi(string(e[11:16]))
			if o <= 0 || o >= len(data) || g > 65535 {
				return nil, fmt.Errorf("%w: xref offset out of range", errPDFSyntax)
			}
			use(start+i, o, uint16(g))
		}
	}
}

// pdfXrefEntryOK checks "nnnnnnnnnn ggggg n" plus a two-byte line end.
func pdfXrefEntryOK(e []byte) bool {
	for i, c := range e[:16] {
		if i == 10 {
			if c != ' ' {
				return false
			}
			continue
		}
		if c < '0' || c > '9' {
			return false
		}
	}
	if e[16] != ' ' || (e[17] != 'n' && e[17] != 'f') {
		return false
	}
	eol := string(e[18:20])
	return eol == " \n" || eol == " \r" || eol == "\r\n"
}

// resolve follows a reference, and a reference to a reference, up to
// eight steps (a cycle gives nil).
func (f *pdfFile) resolve(v any) any {
	for range 8 {
		r, ok := v.(pdfRef)
		if !ok {
			return v
		}
		def, ok := f.objects[r.id]
		if !ok || def.ref.gen != r.gen {
			return nil
		}
		v = def.obj
	}
	return nil
}

func (f *pdfFile) dict(v any) pdfDict {
	switch d := f.resolve(v).(type) {
	case pdfDict:
		return d
	case pdfStream:
		return d.dict
	}
	return nil
}

// pdfText decodes a PDF text string: UTF-16BE with a byte order mark, else
// PDFDocEncoding, read as Latin-1 (exact for ASCII).
func pdfText(v any) string {
	s, ok := v.(pdfString)
	if !ok {
		return ""
	}
	b := []byte(s.s)
	if len(b) >= 2 && b[0] == 0xfe && b[1] == 0xff {
		u := make([]uint16, 0, len(b)/2)
		for i := 2; i+1 < len(b); i += 2 {
			u = append(u, uint16(b[i])<<8|uint16(b[i+1]))
		}
		return string(utf16.Decode(u))
	}
	r := make([]rune, len(b))
	for i, c := range b {
		r[i] = rune(c)
	}
	return string(r)
}
