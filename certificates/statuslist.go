package certificates

import (
	"bytes"
	"compress/gzip"
	"crypto/ecdsa"
	"encoding/base64"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// StatusListSize is the number of entries (bits) in a kipass status list:
// 131072, the minimum of W3C Bitstring Status List v1.0 (16 KiB), so that
// one revocation cannot be told apart from the size of the list. Status
// indexes run from 0 to StatusListSize-1.
const StatusListSize = 131072

// maxStatusListBytes bounds a decoded status list (16 MiB, 134 million
// entries) so that a small gzip bomb cannot exhaust memory.
const maxStatusListBytes = 16 << 20

// StatusListValidity is how long a signed status list is valid. A verifier
// must not trust an older list, so an issuer re-signs the list when it is
// served (it is cheap) and at the latest a day after the last signing;
// a revocation is visible as soon as the list is served again.
const StatusListValidity = 24 * time.Hour

// statusListClaims is the payload of a status list token: the
// BitstringStatusListCredential itself with iss, jti, sub, nbf and exp
// beside its fields (as credentialClaims), or, in lists signed before
// December 2026, the credential in "vc".
type statusListClaims struct {
	statusListCredential
	jwt.RegisteredClaims
	VC *statusListCredential `json:"vc,omitempty"`
}

type statusListCredential struct {
	Context           []string             `json:"@context,omitempty"`
	ID                string               `json:"id,omitempty"`
	Type              []string             `json:"type,omitempty"`
	Issuer            *profile             `json:"issuer,omitempty"`
	ValidFrom         string               `json:"validFrom,omitempty"`
	ValidUntil        string               `json:"validUntil,omitempty"`
	CredentialSubject *bitstringStatusList `json:"credentialSubject,omitempty"`
}

type bitstringStatusList struct {
	ID            string `json:"id"`
	Type          string `json:"type"`
	StatusPurpose string `json:"statusPurpose"`
	EncodedList   string `json:"encodedList"`
}

// EncodeStatusList returns the encodedList of a status list of
// StatusListSize entries in which the given indexes are set: the multibase
// base64url form ("u" prefix, no padding) of the GZIP-compressed bitstring,
// whose bit 0 is the left-most (most significant) bit of the first byte.
// An index outside 0..StatusListSize-1 is an error.
func EncodeStatusList(revoked []int) (string, error) {
	bits := make([]byte, StatusListSize/8)
	for _, i := range revoked {
		if i < 0 || i >= StatusListSize {
			return "", fmt.Errorf("certificates: status index %d outside 0..%d", i, StatusListSize-1)
		}
		bits[i/8] |= 0x80 >> (i % 8)
	}
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return "", err
	}
	if _, err := zw.Write(bits); err != nil {
		return "", err
	}
	if err := zw.Close(); err != nil {
		return "", err
	}
	return "u" + base64.RawURLEncoding.EncodeToString(buf.Bytes()), nil
}

// DecodeStatusList reverses EncodeStatusList and returns the bitstring. It
// refuses anything that is not multibase base64url of GZIP data, lists
// shorter than the 16 KiB minimum, and lists that decompress to more than
// 16 MiB (gzip bombs); all such errors match ErrMalformed.
func DecodeStatusList(encoded string) ([]byte, error) {
	if len(encoded) == 0 || encoded[0] != 'u' {
		return nil, fmt.Errorf("%w: status list: not multibase base64url (\"u\" prefix)", ErrMalformed)
	}
	compressed, err := base64.RawURLEncoding.Strict().DecodeString(encoded[1:])
	if err != nil {
		return nil, fmt.Errorf("%w: status list: %v", ErrMalformed, err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(compressed))
	if err != nil {
		return nil, fmt.Errorf("%w: status list: %v", ErrMalformed, err)
	}
	// Read one byte beyond the limit to tell "exactly at the limit" from
	// "over it". ReadAll reaching EOF also checks the gzip CRC and size.
	list, err := io.ReadAll(io.LimitReader(zr, maxStatusListBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%w: status list: %v", ErrMalformed, err)
	}
	switch {
	case len(list) > maxStatusListBytes:
		return nil, fmt.Errorf("%w: status list decompresses to more than %d MiB", ErrMalformed, maxStatusListBytes>>20)
	case len(list) < StatusListSize/8:
		return nil, fmt.Errorf("%w: status list of %d bytes, shorter than the %d-byte minimum", ErrMalformed, len(list), StatusListSize/8)
	}
	return list, nil
}

// Bit reports whether entry index of a decoded status list is set (for a
// revocation list: revoked). Bit 0 is the left-most bit of the first byte.
// An index outside the list reports false; VerifyCredential only returns
// indexes below StatusListSize, which every list from DecodeStatusList
// covers.
func Bit(list []byte, index int) bool {
	if index < 0 || index/8 >= len(list) {
		return false
	}
	return list[index/8]&(0x80>>(index%8)) != 0
}

// IssueStatusList returns the issuer's revocation list as a signed
// BitstringStatusListCredential (a VC-JWT like IssueCredential's: typ JWT,
// ES256, kid the key URL of k, the credential as payload), with id
// StatusListURL(iss.URL) and the given indexes revoked. It is valid from
// now for StatusListValidity (24 hours): serve a freshly signed list rather
// than a stored one.
func IssueStatusList(iss Issuer, revoked []int, k *Key, now time.Time) (string, error) {
	if err := checkSigner(iss, k); err != nil {
		return "", fmt.Errorf("certificates: issue status list: %w", err)
	}
	encoded, err := EncodeStatusList(revoked)
	if err != nil {
		return "", err
	}
	from := now.UTC().Truncate(time.Second)
	until := from.Add(StatusListValidity)
	listURL := StatusListURL(iss.URL)
	claims := statusListClaims{
		statusListCredential: statusListCredential{
			Context: []string{contextVC2},
			ID:      listURL,
			Type:    []string{"VerifiableCredential", "BitstringStatusListCredential"},
			// No type: "Profile" is an Open Badges term, undefined under the
			// VC 2.0 context alone, and JSON-LD safe mode refuses it.
			Issuer:     &profile{ID: iss.URL, Name: iss.Name},
			ValidFrom:  from.Format(time.RFC3339),
			ValidUntil: until.Format(time.RFC3339),
			CredentialSubject: &bitstringStatusList{
				ID:            listURL + "#list",
				Type:          "BitstringStatusList",
				StatusPurpose: "revocation",
				EncodedList:   encoded,
			},
		},
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    iss.URL,
			ID:        listURL,
			Subject:   listURL + "#list",
			NotBefore: jwt.NewNumericDate(from),
			ExpiresAt: jwt.NewNumericDate(until),
		},
	}
	token, err := signJWS(claims, iss, k)
	if err != nil {
		return "", fmt.Errorf("certificates: issue status list: %w", err)
	}
	return token, nil
}

// VerifyStatusList checks a status list token as VerifyCredential checks a
// credential (size, ES256 only, known kid, signature) and returns the
// decoded bitstring. The list must be a revocation
// BitstringStatusListCredential whose id is StatusListURL of its iss, and
// valid at now: an expired list is an error matching ErrExpired, because
// it can no longer show that nothing was revoked since. Pass the same keys
// as for the credential, so that only its issuer's list is accepted.
func VerifyStatusList(token string, keys func(string) (*ecdsa.PublicKey, bool), now time.Time) ([]byte, error) {
	var c statusListClaims
	h, err := verifyJWS(token, keys, &c)
	if err != nil {
		return nil, err
	}
	rc, vc := &c.RegisteredClaims, &c.statusListCredential
	legacy := c.VC != nil
	if legacy {
		vc = c.VC
	}
	switch {
	case legacy && (c.statusListCredential.ID != "" || c.statusListCredential.CredentialSubject != nil):
		return nil, fmt.Errorf("%w: status list: both a vc claim and a credential at the top level", ErrMalformed)
	case rc.Issuer == "" || rc.ExpiresAt == nil || rc.NotBefore == nil:
		return nil, fmt.Errorf("%w: status list: iss, exp and nbf are required", ErrMalformed)
	case vc.Issuer == nil || vc.CredentialSubject == nil:
		return nil, fmt.Errorf("%w: status list: issuer or credentialSubject missing", ErrMalformed)
	case !slices.Contains(vc.Type, "BitstringStatusListCredential") || vc.CredentialSubject.Type != "BitstringStatusList":
		return nil, fmt.Errorf("%w: not a BitstringStatusListCredential", ErrMalformed)
	case vc.CredentialSubject.StatusPurpose != "revocation":
		return nil, fmt.Errorf("%w: status list purpose %q, want revocation", ErrMalformed, clip(vc.CredentialSubject.StatusPurpose))
	case vc.ID != StatusListURL(rc.Issuer) || vc.Issuer.ID != rc.Issuer:
		return nil, fmt.Errorf("%w: the status list is not its issuer's", ErrMalformed)
	case !legacy && (rc.ID != vc.ID || h.typ != jwsType || h.kid != KeyURL(rc.Issuer, h.keyID)):
		return nil, fmt.Errorf("%w: status list: jti, typ or kid do not match the list", ErrMalformed)
	case legacy && h.kid != h.keyID:
		return nil, fmt.Errorf("%w: status list: a vc claim with a kid URL", ErrMalformed)
	}
	if err := claimsAgree(rc, vc.Issuer.ID, vc.CredentialSubject.ID, vc.ValidFrom, vc.ValidUntil); err != nil {
		return nil, fmt.Errorf("%w: status list: %v", ErrMalformed, err)
	}
	switch {
	case now.Add(clockSkew).Before(rc.NotBefore.Time):
		return nil, fmt.Errorf("%w: status list valid from %s", ErrNotYetValid, rc.NotBefore.UTC().Format(time.RFC3339))
	case !now.Before(rc.ExpiresAt.Time):
		return nil, fmt.Errorf("%w: status list expired on %s", ErrExpired, rc.ExpiresAt.UTC().Format(time.RFC3339))
	}
	list, err := DecodeStatusList(vc.CredentialSubject.EncodedList)
	if err != nil {
		return nil, err
	}
	return list, nil
}
