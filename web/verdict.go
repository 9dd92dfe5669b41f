package web

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"strings"

	"github.com/gofiber/fiber/v2"

	"kipass/certificates"
	"kipass/internal/app"
	"kipass/internal/pdfscan"
)

// The verdicts of a verification, each with its own next step.
const (
	verdictGenuine = "genuine" // issued here and unchanged (valid, expired or revoked)
	verdictAltered = "altered" // signed here once, changed since
	verdictForeign = "foreign" // not a kipass certificate of this issuer
	verdictUnknown = "unknown" // an id that was never issued here
)

// verdictOf sorts a verification into one of the verdicts.
func verdictOf(v verification, unsignedPDF bool) string {
	switch v.Reason {
	case "", "expired", "revoked":
		if v.Signature == "invalid" {
			return verdictAltered
		}
		if v.Status == "unknown" {
			return verdictUnknown
		}
		return verdictGenuine
	case "unknown":
		if v.Signature == "valid" {
			return verdictAltered // a signed credential whose record is gone
		}
		return verdictUnknown
	case "pdf_signature_invalid":
		if unsignedPDF {
			return verdictForeign // an ordinary PDF
		}
		return verdictAltered
	case "signature_invalid", "no_credential", "malformed_pdf", "issuer_mismatch":
		return verdictAltered
	}
	return verdictForeign // not_a_pdf, pdf_signer_unknown, unknown_key, malformed_token, not_yet_valid
}

// claimedID reads the certificate id a credential claims, without
// trusting it: an altered certificate's id may point to the genuine record.
func claimedID(token string) string {
	parts := strings.Split(strings.TrimSpace(token), ".")
	if len(parts) != 3 || len(parts[1]) > 64<<10 {
		return ""
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return ""
	}
	var claims struct {
		JTI string `json:"jti"`
	}
	if json.Unmarshal(b, &claims) != nil {
		return ""
	}
	id := claims.JTI
	if i := strings.LastIndex(id, "/"); i >= 0 { // a URL id
		id = id[i+1:]
	}
	if !app.ValidCertificateID(id) {
		return ""
	}
	return id
}

// claimedPDFID reads the id that an altered PDF's embedded credential
// claims. Parsing is bounded by the scanner's limits; nothing is trusted.
// When the whole file does not parse (something was appended), the
// revisions before it are tried, newest first, a few at most.
func claimedPDFID(pdf []byte) string {
	end := len(pdf)
	for range 4 {
		if f, err := pdfscan.Parse(pdf[:end], pdfscan.Limits{}); err == nil {
			if b, err := f.EmbeddedFile(certificates.CredentialFileName); err == nil {
				return claimedID(string(b))
			}
		}
		i := bytes.LastIndex(pdf[:end], []byte("%%EOF"))
		if i < 0 {
			return ""
		}
		if i+len("%%EOF") < end {
			end = i + len("%%EOF")
		} else if end = bytes.LastIndex(pdf[:i], []byte("%%EOF")); end < 0 {
			return ""
		} else {
			end += len("%%EOF")
		}
	}
	return ""
}

// verdictView is the verification result page: the verification, its
// verdict and, for an altered certificate whose id is known, the genuine
// record to compare with.
type verdictView struct {
	verification
	Verdict string
	// Genuine is the issuer's record of the id an altered certificate
	// claims (nil: none, or the id is unknown).
	Genuine *verification
}

// withVerdict completes the page view. claimed is the id an altered
// certificate claims ("": none).
func (s *server) withVerdict(c *fiber.Ctx, v verification, unsignedPDF bool, claimed string) (verdictView, error) {
	out := verdictView{verification: v, Verdict: verdictOf(v, unsignedPDF)}
	if out.Verdict == verdictAltered && claimed != "" {
		g, err := s.verifyID(c, claimed, langOf(c))
		if err != nil {
			return out, err
		}
		if g.Status != "unknown" {
			out.Genuine = &g
		}
	}
	return out, nil
}
