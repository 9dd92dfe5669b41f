// Package certificates issues and verifies kipass certificates: the
// verifiable credential (an Open Badges 3.0 OpenBadgeCredential secured as a
// compact JWS with ES256), the issuer's keys (JWKS, RFC 7638 thumbprints,
// rotation), the Bitstring Status List for revocation, and the signed PDF.
// It takes plain values: no database, no HTTP.
package certificates

import (
	"crypto/ecdsa"
	"time"
)

// Certificate is everything a certificate states. The web layer builds it
// from the stored record and the course catalogue; the credential and the
// PDF are derived from it.
type Certificate struct {
	ID               string            // random, URL-safe, at least 128 bits; the credential's jti
	HolderName       string            // display name as registered; nothing else about the holder
	CourseID         string            // e.g. "ki-am-arbeitsplatz"
	CourseTitle      map[string]string // language -> course title
	CertificateTitle map[string]string // language -> "Zertifikat: KI am Arbeitsplatz"
	Competences      []map[string]string
	ContentVersion   string // "sha256:..." of the course content the exam was taken on
	IssuedAt         time.Time
	ExpiresAt        time.Time
	Lang             string // the holder's language, "de" or "en"
	StatusIndex      int    // position in the status list
	// CourseMinutes is the course's total time in minutes by language
	// (the sum of its modules'), shown on the PDF as the course's scope
	// with the number of Competences ("8 Module, ca. 95 Minuten"). Nil:
	// the PDF names only the number of modules.
	CourseMinutes map[string]int
}

// Issuer is the organisation that issues certificates.
type Issuer struct {
	Name string // shown on the certificate, e.g. "Muster GmbH"
	URL  string // the base URL of the kipass server; the credential's iss
	// Logo is the organisation's logo as the bytes of a PNG, JPEG or SVG
	// file, drawn at the top of the PDF (see CheckLogo). Nil: no logo; a
	// logo that CheckLogo refuses is left out rather than failing the PDF.
	Logo []byte
	// Email and Phone are the issuer's public contact, stated in the
	// issuer's Profile document when set; Image is the URL of its logo.
	Email, Phone, Image string
}

// Key is an ECDSA P-256 key pair of the issuer.
type Key struct {
	ID      string            // RFC 7638 JWK thumbprint (base64url SHA-256), the JWS kid
	Private *ecdsa.PrivateKey // nil when only the public key is known
	Public  *ecdsa.PublicKey
	Created time.Time
}

// VerifyURL is the public page that checks certificate id at issuer.
func VerifyURL(issuerURL, id string) string { return issuerURL + "/verify/" + id }

// StatusListURL is where the issuer serves its status list credential.
func StatusListURL(issuerURL string) string { return issuerURL + "/status/1" }
