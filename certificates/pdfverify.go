package certificates

import (
	"crypto/ecdsa"
	"crypto/x509"
	"errors"
	"fmt"
	"strings"
	"time"

	"kipass/internal/pdfscan"
)

// MaxPDFSize is the largest PDF that CheckPDF accepts (5 MiB). A kipass
// certificate is well under 100 KiB.
const MaxPDFSize = 5 << 20

// maxCredentialSize bounds the decompressed credential.jwt.
const maxCredentialSize = 256 << 10

// Errors of CheckPDF: they say what is wrong with an uploaded file, none
// of them is an internal failure. They are pdfscan's, so errors.Is works
// with either name.
var (
	// ErrTooLarge: the file is larger than MaxPDFSize.
	ErrTooLarge = pdfscan.ErrTooLarge
	// ErrNotPDF: the file does not start with a PDF header.
	ErrNotPDF = pdfscan.ErrNotPDF
	// ErrPDFNotSigned: the file carries no PDF signature.
	ErrPDFNotSigned = pdfscan.ErrNotSigned
	// ErrPDFSignature: the signature does not cover the whole file, is
	// damaged, or the file changed after signing.
	ErrPDFSignature = pdfscan.ErrSignature
	// ErrPDFUntrusted: the signature is intact but was not made by a key
	// the caller trusts: not a certificate of this issuer.
	ErrPDFUntrusted = pdfscan.ErrUntrusted
	// ErrMalformedPDF: signed by a trusted key, but damaged or built in a
	// way kipass does not read (cross-reference streams, encryption, a
	// second signature, over the parsing limits, ...).
	ErrMalformedPDF = pdfscan.ErrMalformed
	// ErrIssuerID: an issuer id (a credential's iss, a URI in a PDF
	// signer's certificate) has user info, a query, a fragment or a
	// scheme that kipass refuses (see CheckIssuerID).
	ErrIssuerID = errors.New("certificates: refused issuer id")
	// ErrNoCredential: the PDF has no embedded credential.jwt.
	ErrNoCredential = errors.New("certificates: the PDF carries no " + CredentialFileName)
)

// PDFCheck is what CheckPDF found in a PDF whose signature checks out.
type PDFCheck struct {
	SignerKey  *ecdsa.PublicKey  // P-256 key of the signing certificate
	SignerCert *x509.Certificate // the signing certificate as embedded in (and bound to) the signature
	SignedAt   time.Time         // signing time claimed by the signer (CMS signing-time)
	Credential string            // content of the embedded credential.jwt
}

// PDFTrust decides whether the key and certificate that signed a PDF are
// the issuer's; an error says why not.
type PDFTrust func(key *ecdsa.PublicKey, cert *x509.Certificate) error

// CheckPDF verifies a certificate PDF without trusting it and returns its
// embedded credential.jwt (not yet verified: see VerifyCredential). The
// work is ordered by cost (see internal/pdfscan): the signature's byte
// range must cover the whole file, the CMS signature (ECDSA P-256 with
// SHA-256, signer certificate bound by ESS signing-certificate-v2) must be
// valid, and trusted must accept its key, all before the object tree is
// parsed. A URI in the signing certificate with user info, a query or a
// fragment, or a scheme other than http(s), is refused as an issuer id in
// a credential is. Errors are the Err* values above; with ErrNoCredential
// (or ErrMalformedPDF for a damaged credential) the PDFCheck is returned
// too, since its signature was good. It never panics.
func CheckPDF(pdf []byte, trusted PDFTrust) (*PDFCheck, error) {
	trust := func(s pdfscan.Signer) error {
		for _, u := range s.Cert.URIs {
			if err := issuerIDShape(u.String()); err != nil {
				return fmt.Errorf("%w: the signing certificate names %w", ErrIssuerID, err)
			}
		}
		return trusted(s.Key, s.Cert)
	}
	lim := pdfscan.DefaultLimits()
	lim.MaxSize, lim.MaxFileSize = MaxPDFSize, maxCredentialSize
	res, err := pdfscan.Verify(pdf, trust, CredentialFileName, lim)
	if res == nil {
		return nil, err
	}
	chk := &PDFCheck{SignerKey: res.Signer.Key, SignerCert: res.Signer.Cert, SignedAt: res.Signer.SignedAt}
	if errors.Is(err, pdfscan.ErrNoFile) {
		return chk, ErrNoCredential
	}
	if err != nil {
		return chk, err
	}
	chk.Credential = strings.TrimSpace(string(res.File))
	if chk.Credential == "" {
		return chk, ErrNoCredential
	}
	return chk, nil
}

// TrustKeys is a PDFTrust that accepts the keys lookup finds by their RFC
// 7638 thumbprint, such as an issuer's Keys().Lookup.
func TrustKeys(lookup func(kid string) (*ecdsa.PublicKey, bool)) PDFTrust {
	return func(key *ecdsa.PublicKey, _ *x509.Certificate) error {
		if k, ok := lookup(Thumbprint(key)); ok && k.Equal(key) {
			return nil
		}
		return errors.New("the signing key is not one of the issuer's keys")
	}
}
