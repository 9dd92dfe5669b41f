package pdfscan

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"math/big"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

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
// pdfSignatureDER returns the DER of the CMS signature in contents, which
// is zero-padded to the placeholder size. Any non-zero byte in the padding
// is a change to the file that the signature does not cover.
func pdfSignatureDER(b []byte) ([]byte, string) {
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
