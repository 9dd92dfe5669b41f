package certificates

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net/url"
	"strings"
	"time"

	"github.com/digitorus/pdf"
	"github.com/digitorus/pdfsign/sign"
	"golang.org/x/text/unicode/norm"
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
// key k: a certification signature that permits no later changes, PKCS#7
// detached (adbe.pkcs7.detached), SHA-256, signer name iss.Name, reason
// PDFSignReason, location iss.URL, signing time now. chain[0] must be a
// certificate for k (SelfSignedCert or the organisation's from
// LoadCertChain); the rest of chain is embedded too. An empty chain gets a
// fresh self-signed certificate. No time-stamp authority, no network.
// Poppler's pdfsig reports the result as "Signature is Valid". now must lie
// within chain[0]'s validity; the CMS signing-time attribute that pkcs7
// adds is the system clock, which must too (pdfsign's verify checks it).
// The output is not deterministic: ECDSA signatures are randomised.
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
	rdr, err := pdf.NewReader(bytes.NewReader(pdfBytes), int64(len(pdfBytes)))
	if err != nil {
		return nil, fmt.Errorf("certificates: sign pdf: read pdf: %w", err)
	}
	var out bytes.Buffer
	out.Grow(len(pdfBytes) + 8192)
	err = sign.Sign(bytes.NewReader(pdfBytes), &out, rdr, int64(len(pdfBytes)), sign.SignData{
		Signature: sign.SignDataSignature{
			CertType:   sign.CertificationSignature,
			DocMDPPerm: sign.DoNotAllowAnyChangesPerms,
			Info: sign.SignDataSignatureInfo{
				Name:     pdfSignString(iss.Name),
				Location: pdfSignString(iss.URL),
				Reason:   PDFSignReason,
				Date:     now,
			},
		},
		Signer:            k.Private,
		DigestAlgorithm:   crypto.SHA256,
		Certificate:       chain[0],
		CertificateChains: [][]*x509.Certificate{chain},
	})
	if err != nil {
		return nil, fmt.Errorf("certificates: sign pdf: %w", err)
	}
	return out.Bytes(), nil
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

// pdfSignString makes s safe for pdfsign, which writes non-ASCII text as
// UTF-16 without escaping: a UTF-16 byte equal to "(", ")" or "\" would
// break the signature dictionary. In such strings brackets and backslashes
// become "[", "]" and "/", and the rare other runes with such a byte lose
// their accents ("Ĩ" -> "I") or are dropped.
func pdfSignString(s string) string {
	s = SafeText(s)
	ascii := true
	for _, r := range s {
		if r > 0x7e {
			ascii = false
			break
		}
	}
	if ascii {
		return s // pdfsign escapes ASCII strings itself
	}
	bad := func(r rune) bool {
		for _, b := range []byte{byte(r >> 8), byte(r)} {
			if b == '(' || b == ')' || b == '\\' || b == '\r' {
				return true
			}
		}
		return false
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '(':
			b.WriteByte('[')
		case r == ')':
			b.WriteByte(']')
		case r == '\\':
			b.WriteByte('/')
		case !bad(r):
			b.WriteRune(r)
		default:
			for _, d := range norm.NFKD.String(string(r)) {
				if d >= 0x20 && d <= 0x7e && !bad(d) {
					b.WriteRune(d)
				}
			}
		}
	}
	return b.String()
}
