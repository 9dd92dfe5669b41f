package certificates

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"kipass/internal/i18n"
)

// MaxTokenSize is the largest token that VerifyCredential and
// VerifyStatusList look at (64 KiB). A kipass credential is about 2 KiB;
// anything much larger is refused before it is parsed.
const MaxTokenSize = 64 << 10

// Errors of VerifyCredential and VerifyStatusList. They are wrapped with
// detail; test for them with errors.Is.
var (
	// ErrMalformed means the token is not a compact JWS, not JSON, too
	// large, or not a kipass credential (or status list) of the expected shape.
	ErrMalformed = errors.New("certificates: malformed token")
	// ErrAlgorithm means the header names an algorithm other than ES256
	// ("none", HS256, RS256, ES384, ...) or none at all.
	ErrAlgorithm = errors.New("certificates: signature algorithm not accepted (only ES256)")
	// ErrUnknownKey means the kid is missing or names none of the keys.
	ErrUnknownKey = errors.New("certificates: signed by an unknown key")
	// ErrBadSignature means the signature does not match header and payload.
	ErrBadSignature = errors.New("certificates: invalid signature")
	// ErrExpired means the signature is valid but the validity ended (exp).
	// VerifyCredential returns the Credential along with it.
	ErrExpired = errors.New("certificates: expired")
	// ErrNotYetValid means the validity starts in the future (nbf).
	ErrNotYetValid = errors.New("certificates: not yet valid")
)

// JSON-LD contexts of the credential.
const (
	contextVC2 = "https://www.w3.org/ns/credentials/v2"
	contextOB3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
)

// jwsType is the JOSE "typ" of kipass credentials and status lists: "JWT",
// as Open Badges 3.0 section 8.2.3 requires of the VC-JWT that the
// credential claims to be (docs/decisions/0007-vc-jwt-typ.md).
// legacyJWSType is what tokens issued before December 2026 carry (W3C
// VC-JOSE-COSE's "vc+jwt"); they keep verifying.
const (
	jwsType       = "JWT"
	legacyJWSType = "vc+jwt"
)

// KeyURL is the kid of the key with RFC 7638 thumbprint tp of the issuer at
// base: a URL that dereferences to the JWK (Open Badges 3.0 section 8.2.3).
func KeyURL(base, tp string) string { return base + "/.well-known/jwks/" + tp }

// keyURLPath is what comes between the issuer's base URL and the
// thumbprint in a kid.
const keyURLPath = "/.well-known/jwks/"

// clockSkew is how far a verifier's clock may be behind the issuer's before
// a fresh credential counts as not yet valid. Expiry gets no leeway: the
// end of validity is a promise on the certificate.
const clockSkew = time.Minute

// Credential is what a verified credential states.
type Credential struct {
	ID               string // the certificate id (jti)
	Issuer           string // iss: the issuer's base URL; compare it with the issuer you trust
	IssuerName       string
	HolderName       string
	CourseID         string // from the achievement id; "" if the issuer's URL scheme differs
	CourseTitle      string // in Lang
	CertificateTitle string // the credential's name, in Lang
	Competences      []string
	ContentVersion   string // "sha256:..." of the course content
	Lang             string // language of the texts, "de" or "en"
	IssuedAt         time.Time
	ExpiresAt        time.Time
	StatusIndex      int    // position in the status list
	StatusListURL    string // where the issuer serves the status list credential
	Kid              string // the key that signed it
}

// The JSON shapes. Field order is the order in the token, chosen so that a
// person reading the decoded payload meets the important parts first.

type profile struct {
	ID   string   `json:"id"`
	Type []string `json:"type,omitempty"`
	Name string   `json:"name"`
}

// credentialClaims is the payload of a credential token. A new token is
// the credential itself (Open Badges 3.0 section 8.2.4.1; VC-JOSE-COSE
// forbids a "vc" claim) with the registered claims beside its fields, iss,
// jti, sub, nbf and exp equal to issuer.id, id, credentialSubject.id,
// validFrom and validUntil. Tokens issued before December 2026 carry the
// credential in "vc" instead, and jti is the bare certificate id; VC is
// read for them only.
type credentialClaims struct {
	openBadgeCredential
	jwt.RegisteredClaims
	VC *openBadgeCredential `json:"vc,omitempty"`
}

type openBadgeCredential struct {
	Context           []string            `json:"@context,omitempty"`
	ID                string              `json:"id,omitempty"`
	Type              []string            `json:"type,omitempty"`
	Issuer            *profile            `json:"issuer,omitempty"`
	ValidFrom         string              `json:"validFrom,omitempty"`
	ValidUntil        string              `json:"validUntil,omitempty"`
	Name              string              `json:"name,omitempty"`
	CredentialSubject *achievementSubject `json:"credentialSubject,omitempty"`
	CredentialStatus  *statusListEntry    `json:"credentialStatus,omitempty"`
}

// empty reports whether none of the credential's fields is set: the
// payload of an old token, whose credential is in "vc".
func (c *openBadgeCredential) empty() bool {
	return c.Context == nil && c.ID == "" && c.Type == nil && c.Issuer == nil && c.ValidFrom == "" &&
		c.ValidUntil == "" && c.Name == "" && c.CredentialSubject == nil && c.CredentialStatus == nil
}

type achievementSubject struct {
	ID          string           `json:"id"`
	Type        []string         `json:"type"`
	Name        string           `json:"name"`
	Identifier  []identityObject `json:"identifier,omitempty"`
	Achievement achievement      `json:"achievement"`
}

// identityObject is the Open Badges 3.0 way to name the recipient; kipass
// states only the display name, unhashed, as printed on the certificate.
type identityObject struct {
	Type         string `json:"type"`
	IdentityHash string `json:"identityHash"`
	IdentityType string `json:"identityType"`
	Hashed       bool   `json:"hashed"`
}

// achievement carries the course. Open Badges 3.0 fields hold the kipass
// extras: version is the content version hash the exam was taken on, tag
// lists the competences (the module titles), inLanguage the language.
type achievement struct {
	ID              string   `json:"id"`
	Type            []string `json:"type"`
	AchievementType string   `json:"achievementType,omitempty"`
	Name            string   `json:"name"`
	Description     string   `json:"description"`
	Criteria        criteria `json:"criteria"`
	InLanguage      string   `json:"inLanguage,omitempty"`
	Version         string   `json:"version,omitempty"`
	Tag             []string `json:"tag,omitempty"`
}

type criteria struct {
	Narrative string `json:"narrative"`
}

type statusListEntry struct {
	ID                   string `json:"id"`
	Type                 string `json:"type"`
	StatusPurpose        string `json:"statusPurpose"`
	StatusListIndex      string `json:"statusListIndex"`
	StatusListCredential string `json:"statusListCredential"`
}

// credentialLang is the language of a credential's sentences: German or
// English, English for any other language.
func credentialLang(lang string) string {
	if lang == "de" {
		return "de"
	}
	return "en"
}

// IssueCredential returns the certificate as a verifiable credential: an
// Open Badges 3.0 OpenBadgeCredential (W3C VC 2.0 data model) as a VC-JWT
// (Open Badges 3.0 section 8.2): the payload is the credential itself, with
// the registered claims iss (= issuer.id, the issuer's base URL), jti
// (= id, the certificate's verify URL), sub (= credentialSubject.id, a
// urn:uuid derived from the certificate id, so that it says nothing about
// the person), nbf (= validFrom) and exp (= validUntil) beside its fields,
// signed as a compact JWS with ES256 by k, with header
// {"alg":"ES256","kid":KeyURL(iss.URL, k.ID),"typ":"JWT"}. Texts are in
// c.Lang (German or English; other languages get English sentences). It
// holds the holder's display name and nothing else about them: no email,
// score or user id. credentialStatus points at index c.StatusIndex of the
// issuer's Bitstring Status List.
func IssueCredential(msgs *i18n.Catalog, c Certificate, iss Issuer, k *Key) (string, error) {
	if msgs == nil {
		return "", errors.New("certificates: issue credential: no message catalog")
	}
	if err := checkSigner(iss, k); err != nil {
		return "", fmt.Errorf("certificates: issue credential: %w", err)
	}
	if err := checkCertificate(c); err != nil {
		return "", fmt.Errorf("certificates: issue credential %q: %w", c.ID, err)
	}
	lang := credentialLang(c.Lang)
	title := localized(c.CertificateTitle, lang)
	if title == "" {
		title = localized(c.CourseTitle, lang)
	}
	issued := c.IssuedAt.UTC().Truncate(time.Second)
	expires := c.ExpiresAt.UTC().Truncate(time.Second)
	statusURL := StatusListURL(iss.URL)
	index := strconv.Itoa(c.StatusIndex)
	subject := subjectID(c.ID)

	id := VerifyURL(iss.URL, c.ID)
	claims := credentialClaims{
		openBadgeCredential: openBadgeCredential{
			Context:    []string{contextVC2, contextOB3},
			ID:         id,
			Type:       []string{"VerifiableCredential", "OpenBadgeCredential"},
			Issuer:     &profile{ID: iss.URL, Type: []string{"Profile"}, Name: iss.Name},
			ValidFrom:  issued.Format(time.RFC3339),
			ValidUntil: expires.Format(time.RFC3339),
			Name:       title,
			CredentialSubject: &achievementSubject{
				ID:   subject,
				Type: []string{"AchievementSubject"},
				Name: c.HolderName,
				Identifier: []identityObject{{
					Type: "IdentityObject", IdentityHash: c.HolderName, IdentityType: "name", Hashed: false,
				}},
				Achievement: newAchievement(msgs, iss, c.CourseID, c.CourseTitle, c.Competences, c.ContentVersion, lang),
			},
			CredentialStatus: &statusListEntry{
				ID:                   statusURL + "#" + index,
				Type:                 "BitstringStatusListEntry",
				StatusPurpose:        "revocation",
				StatusListIndex:      index,
				StatusListCredential: statusURL,
			},
		},
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    iss.URL,
			ID:        id,
			Subject:   subject,
			NotBefore: jwt.NewNumericDate(issued),
			ExpiresAt: jwt.NewNumericDate(expires),
		},
	}
	token, err := signJWS(claims, iss, k)
	if err != nil {
		return "", fmt.Errorf("certificates: issue credential %q: %w", c.ID, err)
	}
	return token, nil
}

// VerifyCredential checks a credential token and returns what it states.
// It refuses tokens over MaxTokenSize before parsing, accepts only ES256
// (ErrAlgorithm otherwise), requires a kid that keys knows (ErrUnknownKey),
// checks the signature (ErrBadSignature), the shape of a kipass
// OpenBadgeCredential (ErrMalformed) and nbf (ErrNotYetValid). An expired
// credential returns the Credential together with an error matching
// ErrExpired, so that callers can show whose certificate expired.
//
// keys is the issuer's key lookup: KeyStore.Lookup on the server, or a map
// from ParseJWKS offline. VerifyCredential checks that the credential is
// consistent with its iss, but not that iss is an issuer you trust: compare
// Credential.Issuer with the expected base URL (or make sure keys holds
// only that issuer's keys). Revocation is not checked here: fetch the list
// at StatusListURL, verify it with VerifyStatusList and look at
// Bit(list, StatusIndex).
func VerifyCredential(token string, keys func(kid string) (*ecdsa.PublicKey, bool), now time.Time) (*Credential, error) {
	var claims credentialClaims
	h, err := verifyJWS(token, keys, &claims)
	if err != nil {
		return nil, err
	}
	cred, err := credentialFrom(&claims, h)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	if now.Add(clockSkew).Before(cred.IssuedAt) {
		return nil, fmt.Errorf("%w: valid from %s", ErrNotYetValid, cred.IssuedAt.Format(time.RFC3339))
	}
	if !now.Before(cred.ExpiresAt) {
		return cred, fmt.Errorf("%w on %s", ErrExpired, cred.ExpiresAt.Format(time.RFC3339))
	}
	return cred, nil
}

// credentialFrom checks that verified claims are a kipass credential and
// extracts it: a new token (the credential as payload) or an old one (in
// "vc"), each with its own header, and the registered claims agreeing with
// the credential's fields.
func credentialFrom(c *credentialClaims, h jwsHeader) (*Credential, error) {
	rc := &c.RegisteredClaims
	vc := &c.openBadgeCredential
	legacy := c.VC != nil
	switch {
	case legacy && !vc.empty():
		return nil, errors.New("both a vc claim and a credential at the top level")
	case legacy:
		vc = c.VC
	}
	switch {
	case rc.Issuer == "" || rc.ID == "":
		return nil, errors.New("iss and jti are required")
	case issuerIDShape(rc.Issuer) != nil:
		return nil, issuerIDShape(rc.Issuer)
	case rc.ExpiresAt == nil || rc.NotBefore == nil:
		return nil, errors.New("exp and nbf are required")
	case !rc.ExpiresAt.After(rc.NotBefore.Time):
		return nil, errors.New("exp is not after nbf")
	case len(vc.Context) == 0 || vc.Context[0] != contextVC2:
		return nil, errors.New("not a VC 2.0 credential")
	case !slices.Contains(vc.Type, "VerifiableCredential") || !slices.Contains(vc.Type, "OpenBadgeCredential"):
		return nil, errors.New("not an OpenBadgeCredential")
	case vc.Issuer == nil || vc.CredentialSubject == nil:
		return nil, errors.New("issuer or credentialSubject missing")
	case vc.CredentialSubject.Name == "" || vc.CredentialSubject.Achievement.Name == "":
		return nil, errors.New("holder or course missing")
	}
	// The claims must say what the credential says, even under a valid
	// signature: a verifier that reads only one of them must not be told
	// something else.
	if err := claimsAgree(rc, vc.Issuer.ID, vc.CredentialSubject.ID, vc.ValidFrom, vc.ValidUntil); err != nil {
		return nil, err
	}
	var certID string
	if legacy {
		// Before December 2026: jti is the certificate id that ends the
		// credential's id URL; typ vc+jwt, kid the bare thumbprint.
		certID = rc.ID
		switch {
		case !urlSafe(certID, false) || vc.ID != VerifyURL(rc.Issuer, certID):
			return nil, errors.New("vc.id differs from the issuer's verify URL for jti")
		case !strings.EqualFold(h.typ, legacyJWSType) && !strings.EqualFold(h.typ, "application/"+legacyJWSType):
			return nil, fmt.Errorf("typ %q with a vc claim, want %q", clip(h.typ), legacyJWSType)
		case h.kid != h.keyID:
			return nil, errors.New("a vc claim with a kid URL")
		}
	} else {
		certID = strings.TrimPrefix(vc.ID, VerifyURL(rc.Issuer, ""))
		switch {
		case rc.ID != vc.ID:
			return nil, errors.New("jti differs from the credential's id")
		case !urlSafe(certID, false) || vc.ID != VerifyURL(rc.Issuer, certID):
			return nil, errors.New("the credential's id is not the issuer's verify URL of a certificate")
		case h.typ != jwsType:
			return nil, fmt.Errorf("typ %q, want %q", clip(h.typ), jwsType)
		case h.kid != KeyURL(rc.Issuer, h.keyID):
			return nil, errors.New("the kid is not a key URL of the issuer")
		}
	}
	st := vc.CredentialStatus
	if st == nil || st.Type != "BitstringStatusListEntry" || st.StatusPurpose != "revocation" {
		return nil, errors.New("no revocation status list entry")
	}
	if st.StatusListCredential != StatusListURL(rc.Issuer) {
		return nil, errors.New("the status list is not the issuer's")
	}
	index, err := parseStatusIndex(st.StatusListIndex)
	if err != nil {
		return nil, err
	}
	a := &vc.CredentialSubject.Achievement
	cred := &Credential{
		ID:               certID,
		Issuer:           rc.Issuer,
		IssuerName:       vc.Issuer.Name,
		HolderName:       vc.CredentialSubject.Name,
		CourseID:         strings.TrimPrefix(a.ID, rc.Issuer+"/courses/"),
		CourseTitle:      a.Name,
		CertificateTitle: vc.Name,
		Competences:      a.Tag,
		ContentVersion:   a.Version,
		Lang:             a.InLanguage,
		IssuedAt:         rc.NotBefore.UTC(),
		ExpiresAt:        rc.ExpiresAt.UTC(),
		StatusIndex:      index,
		StatusListURL:    st.StatusListCredential,
		Kid:              h.keyID,
	}
	if cred.CourseID == a.ID {
		cred.CourseID = ""
	}
	return cred, nil
}

// parseStatusIndex reads a statusListIndex: decimal digits, below
// StatusListSize.
func parseStatusIndex(s string) (int, error) {
	if s == "" || len(s) > 9 || strings.Trim(s, "0123456789") != "" {
		return 0, fmt.Errorf("statusListIndex %q is not a decimal number", s)
	}
	n, _ := strconv.Atoi(s)
	if n >= StatusListSize {
		return 0, fmt.Errorf("statusListIndex %d is outside the status list", n)
	}
	return n, nil
}

// claimsAgree checks the registered claims against the credential's own
// fields: iss = issuer.id, sub = credentialSubject.id, nbf = validFrom,
// exp = validUntil (to the second).
func claimsAgree(rc *jwt.RegisteredClaims, issuerID, subjectID, validFrom, validUntil string) error {
	same := func(d *jwt.NumericDate, s string) bool {
		t, err := time.Parse(time.RFC3339, s)
		return err == nil && d != nil && d.Unix() == t.Unix()
	}
	switch {
	case issuerID != rc.Issuer:
		return errors.New("iss differs from issuer.id")
	case subjectID != rc.Subject:
		return errors.New("sub differs from credentialSubject.id")
	case !same(rc.NotBefore, validFrom):
		return errors.New("nbf differs from validFrom")
	case !same(rc.ExpiresAt, validUntil):
		return errors.New("exp differs from validUntil")
	}
	return nil
}

// jwsHeader is what verifyJWS read from a token's header: kid as written,
// keyID the key it names (the thumbprint at the end of a kid URL, or the
// bare kid of an old token), typ.
type jwsHeader struct {
	kid, keyID, typ string
}

// signJWS signs claims as a compact JWS with ES256 and the kipass header:
// typ "JWT", kid the key's URL under the issuer.
func signJWS(claims jwt.Claims, iss Issuer, k *Key) (string, error) {
	t := jwt.NewWithClaims(jwt.SigningMethodES256, claims)
	t.Header["typ"] = jwsType
	t.Header["kid"] = KeyURL(iss.URL, k.ID)
	token, err := t.SignedString(k.Private)
	if err != nil {
		return "", err
	}
	if len(token) > MaxTokenSize {
		return "", fmt.Errorf("the token would be %d bytes, more than verifiers accept (%d)", len(token), MaxTokenSize)
	}
	return token, nil
}

// verifyJWS checks a compact JWS of kipass (size, ES256, typ, known kid,
// signature) and decodes its claims. keys is asked for the key by its
// thumbprint: a kid URL ".../.well-known/jwks/{thumbprint}" names the
// thumbprint at its end (the caller checks that the URL is the issuer's).
// Times and claim contents are the caller's to check.
func verifyJWS(token string, keys func(string) (*ecdsa.PublicKey, bool), claims jwt.Claims) (jwsHeader, error) {
	var h jwsHeader
	if len(token) > MaxTokenSize {
		return h, fmt.Errorf("%w: larger than %d KiB", ErrMalformed, MaxTokenSize>>10)
	}
	if strings.Count(token, ".") != 2 {
		return h, fmt.Errorf("%w: not a compact JWS", ErrMalformed)
	}
	var keyErr error // the precise reason the key lookup failed
	keyFunc := func(t *jwt.Token) (any, error) {
		if _, ok := t.Header["crit"]; ok {
			keyErr = fmt.Errorf("%w: unsupported critical header parameters", ErrMalformed)
			return nil, keyErr
		}
		h.typ, _ = t.Header["typ"].(string)
		if !isCredentialType(h.typ) {
			keyErr = fmt.Errorf("%w: typ %q, want %q", ErrMalformed, clip(h.typ), jwsType)
			return nil, keyErr
		}
		h.kid, _ = t.Header["kid"].(string)
		h.keyID = h.kid
		if i := strings.LastIndex(h.kid, keyURLPath); i >= 0 {
			h.keyID = h.kid[i+len(keyURLPath):]
		}
		if h.keyID == "" {
			keyErr = fmt.Errorf("%w: no kid in the header", ErrUnknownKey)
			return nil, keyErr
		}
		var pub *ecdsa.PublicKey
		ok := keys != nil
		if ok {
			pub, ok = keys(h.keyID)
		}
		if !ok || pub == nil || pub.Curve != elliptic.P256() {
			keyErr = fmt.Errorf("%w: kid %q", ErrUnknownKey, clip(h.kid))
			return nil, keyErr
		}
		return pub, nil
	}
	p := jwt.NewParser(
		jwt.WithValidMethods([]string{jwt.SigningMethodES256.Alg()}),
		jwt.WithoutClaimsValidation(), // times are checked by the caller, with the caller's clock
		jwt.WithStrictDecoding(),
	)
	t, err := p.ParseWithClaims(token, claims, keyFunc)
	switch {
	case err == nil:
		return h, nil
	case keyErr != nil:
		return h, keyErr
	case t != nil && t.Method != nil && t.Method.Alg() != jwt.SigningMethodES256.Alg():
		return h, fmt.Errorf("%w: %q", ErrAlgorithm, clip(t.Method.Alg()))
	case errors.Is(err, jwt.ErrTokenUnverifiable) && t != nil: // alg missing or unknown
		alg, _ := t.Header["alg"].(string)
		return h, fmt.Errorf("%w: %q", ErrAlgorithm, clip(alg))
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return h, ErrBadSignature
	default:
		return h, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
}

// isCredentialType accepts "JWT" (new tokens) and the "vc+jwt" of old
// ones, also in its full media type form (RFC 7515 section 4.1.9). Which
// one goes with which payload shape is checked by the caller.
func isCredentialType(typ string) bool {
	typ = strings.ToLower(typ)
	return typ == "jwt" || typ == legacyJWSType || typ == "application/"+legacyJWSType
}

// checkSigner checks the issuer and the signing key.
func checkSigner(iss Issuer, k *Key) error {
	if err := checkIssuerURL(iss.URL); err != nil {
		return err
	}
	if strings.TrimSpace(iss.Name) == "" {
		return errors.New("the issuer has no name")
	}
	if k == nil || k.Private == nil || k.Private.Curve != elliptic.P256() {
		return errors.New("no P-256 private key to sign with")
	}
	if k.ID == "" || k.ID != Thumbprint(&k.Private.PublicKey) {
		return errors.New("the key's ID is not its RFC 7638 thumbprint")
	}
	return nil
}

// checkIssuerURL requires an absolute http(s) base URL without trailing
// slash, query or fragment: the credential's URLs are built by appending
// paths to it.
func checkIssuerURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" ||
		u.User != nil || u.RawQuery != "" || u.Fragment != "" || strings.HasSuffix(s, "/") {
		return fmt.Errorf("issuer URL %q must be an http(s) base URL without trailing slash", s)
	}
	return nil
}

// checkCertificate checks what IssueCredential needs.
func checkCertificate(c Certificate) error {
	switch {
	case !urlSafe(c.ID, false):
		return errors.New("the id must be 1-128 URL-safe characters (A-Z a-z 0-9 - _)")
	case !urlSafe(c.CourseID, true):
		return errors.New("the course id must be 1-128 URL-safe characters (A-Z a-z 0-9 - _ .)")
	case strings.TrimSpace(c.HolderName) == "":
		return errors.New("no holder name")
	case localized(c.CourseTitle, c.Lang) == "":
		return errors.New("no course title")
	case c.IssuedAt.IsZero() || c.ExpiresAt.IsZero():
		return errors.New("issue and expiry dates are required")
	case !c.ExpiresAt.Truncate(time.Second).After(c.IssuedAt.Truncate(time.Second)):
		return errors.New("expires before it is issued")
	case c.StatusIndex < 0 || c.StatusIndex >= StatusListSize:
		return fmt.Errorf("status index %d outside 0..%d", c.StatusIndex, StatusListSize-1)
	}
	return nil
}

func urlSafe(s string, dot bool) bool {
	if s == "" || len(s) > 128 {
		return false
	}
	for _, r := range s {
		switch {
		case 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z', '0' <= r && r <= '9', r == '-', r == '_':
		case r == '.' && dot:
		default:
			return false
		}
	}
	return true
}

// localized picks the text in lang, else English, else German, else the
// first language in alphabetical order.
func localized(m map[string]string, lang string) string {
	for _, l := range []string{lang, "en", "de"} {
		if s := strings.TrimSpace(m[l]); s != "" {
			return s
		}
	}
	langs := make([]string, 0, len(m))
	for l := range m {
		langs = append(langs, l)
	}
	sort.Strings(langs)
	for _, l := range langs {
		if s := strings.TrimSpace(m[l]); s != "" {
			return s
		}
	}
	return ""
}

// subjectID is the credential subject's id: a UUID (version 8, RFC 9562)
// made from a hash of the certificate id. It is stable per certificate and
// says nothing about the person that the certificate id does not.
func subjectID(certID string) string {
	sum := sha256.Sum256([]byte("kipass credential subject\x00" + certID))
	b := sum[:16]
	b[6] = b[6]&0x0f | 0x80 // version 8
	b[8] = b[8]&0x3f | 0x80 // variant 10
	h := hex.EncodeToString(b)
	return "urn:uuid:" + h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// clip shortens attacker-supplied strings before they go into errors.
func clip(s string) string {
	const n = 64
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}
