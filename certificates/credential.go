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

// jwsType is the JOSE "typ" of kipass credentials (W3C VC-JOSE-COSE).
const jwsType = "vc+jwt"

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
	Type []string `json:"type"`
	Name string   `json:"name"`
}

type credentialClaims struct {
	jwt.RegisteredClaims
	VC openBadgeCredential `json:"vc"`
}

type openBadgeCredential struct {
	Context           []string           `json:"@context"`
	ID                string             `json:"id"`
	Type              []string           `json:"type"`
	Issuer            profile            `json:"issuer"`
	ValidFrom         string             `json:"validFrom"`
	ValidUntil        string             `json:"validUntil"`
	Name              string             `json:"name"`
	CredentialSubject achievementSubject `json:"credentialSubject"`
	CredentialStatus  *statusListEntry   `json:"credentialStatus"`
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

// credentialWords are the generated sentences of the credential.
type credentialWords struct {
	description string // %s: course title
	narrative   string // %s: course title
}

// credentialWordsFor returns the sentences for lang and the language they
// are in: German or English, English for any other language.
func credentialWordsFor(lang string) (credentialWords, string) {
	if lang == "de" {
		return credentialWords{
			description: "Bestätigt den erfolgreichen Abschluss der Schulung „%s“ mit allen Modulen und bestandener Abschlussprüfung.",
			narrative:   "Alle Module der Schulung „%s“ mit bestandenem Modultest abgeschlossen und die Abschlussprüfung bestanden.",
		}, "de"
	}
	return credentialWords{
		description: "Certifies that the holder completed the training course \"%s\" with all of its modules and passed its final exam.",
		narrative:   "Passed the final exam of the course \"%s\" after working through all modules and passing each module quiz.",
	}, "en"
}

// IssueCredential returns the certificate as a verifiable credential: an
// Open Badges 3.0 OpenBadgeCredential (W3C VC 2.0 data model) in the "vc"
// claim of a JWT, signed as a compact JWS with ES256 by k, with header
// {"alg":"ES256","kid":k.ID,"typ":"vc+jwt"}. The claims are iss (the
// issuer's base URL), jti (the certificate id), sub (a urn:uuid derived
// from the certificate id, so that it says nothing about the person),
// nbf/iat (issue time) and exp (end of validity). Texts are in c.Lang
// (German or English; other languages get English sentences). It holds the
// holder's display name and nothing else about them: no email, score or
// user id. credentialStatus points at index c.StatusIndex of the issuer's
// Bitstring Status List.
func IssueCredential(c Certificate, iss Issuer, k *Key) (string, error) {
	if err := checkSigner(iss, k); err != nil {
		return "", fmt.Errorf("certificates: issue credential: %w", err)
	}
	if err := checkCertificate(c); err != nil {
		return "", fmt.Errorf("certificates: issue credential %q: %w", c.ID, err)
	}
	words, lang := credentialWordsFor(c.Lang)
	course := localized(c.CourseTitle, lang)
	title := localized(c.CertificateTitle, lang)
	if title == "" {
		title = course
	}
	var competences []string
	for _, m := range c.Competences {
		if t := localized(m, lang); t != "" {
			competences = append(competences, t)
		}
	}
	issued := c.IssuedAt.UTC().Truncate(time.Second)
	expires := c.ExpiresAt.UTC().Truncate(time.Second)
	statusURL := StatusListURL(iss.URL)
	index := strconv.Itoa(c.StatusIndex)
	subject := subjectID(c.ID)

	claims := credentialClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    iss.URL,
			Subject:   subject,
			ExpiresAt: jwt.NewNumericDate(expires),
			NotBefore: jwt.NewNumericDate(issued),
			IssuedAt:  jwt.NewNumericDate(issued),
			ID:        c.ID,
		},
		VC: openBadgeCredential{
			Context:    []string{contextVC2, contextOB3},
			ID:         VerifyURL(iss.URL, c.ID),
			Type:       []string{"VerifiableCredential", "OpenBadgeCredential"},
			Issuer:     profile{ID: iss.URL, Type: []string{"Profile"}, Name: iss.Name},
			ValidFrom:  issued.Format(time.RFC3339),
			ValidUntil: expires.Format(time.RFC3339),
			Name:       title,
			CredentialSubject: achievementSubject{
				ID:   subject,
				Type: []string{"AchievementSubject"},
				Name: c.HolderName,
				Identifier: []identityObject{{
					Type: "IdentityObject", IdentityHash: c.HolderName, IdentityType: "name", Hashed: false,
				}},
				Achievement: achievement{
					ID:              iss.URL + "/courses/" + c.CourseID,
					Type:            []string{"Achievement"},
					AchievementType: "Certificate",
					Name:            course,
					Description:     fmt.Sprintf(words.description, course),
					Criteria:        criteria{Narrative: fmt.Sprintf(words.narrative, course)},
					InLanguage:      lang,
					Version:         c.ContentVersion,
					Tag:             competences,
				},
			},
			CredentialStatus: &statusListEntry{
				ID:                   statusURL + "#" + index,
				Type:                 "BitstringStatusListEntry",
				StatusPurpose:        "revocation",
				StatusListIndex:      index,
				StatusListCredential: statusURL,
			},
		},
	}
	token, err := signJWS(claims, k)
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
	kid, err := verifyJWS(token, keys, &claims)
	if err != nil {
		return nil, err
	}
	cred, err := credentialFrom(&claims, kid)
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
// extracts it.
func credentialFrom(c *credentialClaims, kid string) (*Credential, error) {
	vc := &c.VC
	switch {
	case c.Issuer == "" || c.ID == "":
		return nil, errors.New("iss and jti are required")
	case issuerIDShape(c.Issuer) != nil:
		return nil, issuerIDShape(c.Issuer)
	case c.ExpiresAt == nil || c.NotBefore == nil:
		return nil, errors.New("exp and nbf are required")
	case !c.ExpiresAt.After(c.NotBefore.Time):
		return nil, errors.New("exp is not after nbf")
	case len(vc.Context) == 0 || vc.Context[0] != contextVC2:
		return nil, errors.New("not a VC 2.0 credential")
	case !slices.Contains(vc.Type, "VerifiableCredential") || !slices.Contains(vc.Type, "OpenBadgeCredential"):
		return nil, errors.New("not an OpenBadgeCredential")
	case vc.Issuer.ID != c.Issuer:
		return nil, errors.New("vc.issuer differs from iss")
	case vc.ID != VerifyURL(c.Issuer, c.ID):
		return nil, errors.New("vc.id differs from the issuer's verify URL for jti")
	case vc.CredentialSubject.Name == "" || vc.CredentialSubject.Achievement.Name == "":
		return nil, errors.New("holder or course missing")
	}
	st := vc.CredentialStatus
	if st == nil || st.Type != "BitstringStatusListEntry" || st.StatusPurpose != "revocation" {
		return nil, errors.New("no revocation status list entry")
	}
	if st.StatusListCredential != StatusListURL(c.Issuer) {
		return nil, errors.New("the status list is not the issuer's")
	}
	index, err := parseStatusIndex(st.StatusListIndex)
	if err != nil {
		return nil, err
	}
	a := &vc.CredentialSubject.Achievement
	cred := &Credential{
		ID:               c.ID,
		Issuer:           c.Issuer,
		IssuerName:       vc.Issuer.Name,
		HolderName:       vc.CredentialSubject.Name,
		CourseID:         strings.TrimPrefix(a.ID, c.Issuer+"/courses/"),
		CourseTitle:      a.Name,
		CertificateTitle: vc.Name,
		Competences:      a.Tag,
		ContentVersion:   a.Version,
		Lang:             a.InLanguage,
		IssuedAt:         c.NotBefore.UTC(),
		ExpiresAt:        c.ExpiresAt.UTC(),
		StatusIndex:      index,
		StatusListURL:    st.StatusListCredential,
		Kid:              kid,
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

// signJWS signs claims as a compact JWS with ES256 and the kipass header.
func signJWS(claims jwt.Claims, k *Key) (string, error) {
	t := jwt.NewWithClaims(jwt.SigningMethodES256, claims)
	t.Header["typ"] = jwsType
	t.Header["kid"] = k.ID
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
// signature) and decodes its claims. It returns the kid. Times and claim
// contents are the caller's to check.
func verifyJWS(token string, keys func(string) (*ecdsa.PublicKey, bool), claims jwt.Claims) (string, error) {
	if len(token) > MaxTokenSize {
		return "", fmt.Errorf("%w: larger than %d KiB", ErrMalformed, MaxTokenSize>>10)
	}
	if strings.Count(token, ".") != 2 {
		return "", fmt.Errorf("%w: not a compact JWS", ErrMalformed)
	}
	var kid string
	var keyErr error // the precise reason the key lookup failed
	keyFunc := func(t *jwt.Token) (any, error) {
		if _, ok := t.Header["crit"]; ok {
			keyErr = fmt.Errorf("%w: unsupported critical header parameters", ErrMalformed)
			return nil, keyErr
		}
		if typ, _ := t.Header["typ"].(string); !isCredentialType(typ) {
			keyErr = fmt.Errorf("%w: typ %q, want %q", ErrMalformed, typ, jwsType)
			return nil, keyErr
		}
		kid, _ = t.Header["kid"].(string)
		if kid == "" {
			keyErr = fmt.Errorf("%w: no kid in the header", ErrUnknownKey)
			return nil, keyErr
		}
		var pub *ecdsa.PublicKey
		ok := keys != nil
		if ok {
			pub, ok = keys(kid)
		}
		if !ok || pub == nil || pub.Curve != elliptic.P256() {
			keyErr = fmt.Errorf("%w: kid %q", ErrUnknownKey, clip(kid))
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
		return kid, nil
	case keyErr != nil:
		return "", keyErr
	case t != nil && t.Method != nil && t.Method.Alg() != jwt.SigningMethodES256.Alg():
		return "", fmt.Errorf("%w: %q", ErrAlgorithm, clip(t.Method.Alg()))
	case errors.Is(err, jwt.ErrTokenUnverifiable) && t != nil: // alg missing or unknown
		alg, _ := t.Header["alg"].(string)
		return "", fmt.Errorf("%w: %q", ErrAlgorithm, clip(alg))
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return "", ErrBadSignature
	default:
		return "", fmt.Errorf("%w: %v", ErrMalformed, err)
	}
}

// isCredentialType accepts the typ of VC-JOSE-COSE, "vc+jwt", also in its
// full media type form (RFC 7515 section 4.1.9).
func isCredentialType(typ string) bool {
	typ = strings.ToLower(typ)
	return typ == jwsType || typ == "application/"+jwsType
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
