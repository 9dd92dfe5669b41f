package certificates

import (
	"encoding/json"
	"errors"
	"fmt"

	"kipass/internal/i18n"
)

// The documents behind the ids a credential names, so that a verifier
// holding only the token can dereference them (Open Badges 3.0 section
// 8.2.3 for the key, the Profile and Achievement data classes for the
// rest): the key URL in kid, the issuer id and the achievement id.

// profileDocument is an Open Badges 3.0 Profile of the issuer.
type profileDocument struct {
	Context []string `json:"@context"`
	ID      string   `json:"id"`
	Type    []string `json:"type"`
	Name    string   `json:"name"`
	URL     string   `json:"url"`
	Email   string   `json:"email,omitempty"`
	Phone   string   `json:"phone,omitempty"`
	Image   *obImage `json:"image,omitempty"`
}

// obImage is an Open Badges 3.0 Image.
type obImage struct {
	ID      string `json:"id"`
	Type    string `json:"type"`
	Caption string `json:"caption,omitempty"`
}

// ProfileJSON returns the issuer's Open Badges 3.0 Profile: what its id
// (the base URL, the credential's issuer.id) answers to a client that asks
// for JSON. It states id, type, name, url, and email, phone and image when
// the issuer has them.
func ProfileJSON(iss Issuer) ([]byte, error) {
	if err := checkIssuerURL(iss.URL); err != nil {
		return nil, fmt.Errorf("certificates: profile: %w", err)
	}
	if iss.Name == "" {
		return nil, errors.New("certificates: profile: the issuer has no name")
	}
	p := profileDocument{
		Context: []string{contextVC2, contextOB3},
		ID:      iss.URL, Type: []string{"Profile"}, Name: iss.Name, URL: iss.URL,
		Email: iss.Email, Phone: iss.Phone,
	}
	if iss.Image != "" {
		p.Image = &obImage{ID: iss.Image, Type: "Image", Caption: iss.Name}
	}
	return json.Marshal(p)
}

// Course is what the Achievement document of a course states.
type Course struct {
	ID             string            // the course id, the last part of the achievement id
	Title          map[string]string // language -> title
	Competences    []map[string]string
	ContentVersion string // "sha256:..." of the course content now served
	ImageURL       string // an image of the certificate; "" for none
}

// AchievementURL is the achievement id of a course at the issuer.
func AchievementURL(issuerURL, courseID string) string { return issuerURL + "/courses/" + courseID }

// achievementDocument is an Open Badges 3.0 Achievement on its own, with
// the contexts that define its terms.
type achievementDocument struct {
	Context []string `json:"@context"`
	achievement
	Image *obImage `json:"image,omitempty"`
}

// AchievementJSON returns the Open Badges 3.0 Achievement of a course in
// lang (German or English): the same id, type, name, description, criteria
// and inLanguage as in the credentials that name it, with the content
// version now served and an image when co has one.
func AchievementJSON(msgs *i18n.Catalog, iss Issuer, co Course, lang string) ([]byte, error) {
	if msgs == nil {
		return nil, errors.New("certificates: achievement: no message catalog")
	}
	if err := checkIssuerURL(iss.URL); err != nil {
		return nil, fmt.Errorf("certificates: achievement: %w", err)
	}
	if !urlSafe(co.ID, true) || localized(co.Title, lang) == "" {
		return nil, fmt.Errorf("certificates: achievement %q: a URL-safe id and a title are required", co.ID)
	}
	d := achievementDocument{
		Context:     []string{contextVC2, contextOB3},
		achievement: newAchievement(msgs, iss, co.ID, co.Title, co.Competences, co.ContentVersion, lang),
	}
	if co.ImageURL != "" {
		d.Image = &obImage{ID: co.ImageURL, Type: "Image", Caption: d.Name}
	}
	return json.Marshal(d)
}

// newAchievement is the achievement of a course in lang, as credentials
// and the achievement document state it.
func newAchievement(msgs *i18n.Catalog, iss Issuer, courseID string, title map[string]string, competences []map[string]string, version, lang string) achievement {
	lang = credentialLang(lang)
	course := localized(title, lang)
	var tags []string
	for _, m := range competences {
		if t := localized(m, lang); t != "" {
			tags = append(tags, t)
		}
	}
	return achievement{
		ID:              AchievementURL(iss.URL, courseID),
		Type:            []string{"Achievement"},
		AchievementType: "Certificate",
		Name:            course,
		Description:     msgs.T(lang, "certificate.credential_description", course),
		Criteria:        criteria{Narrative: msgs.T(lang, "certificate.credential_narrative", course)},
		InLanguage:      lang,
		Version:         version,
		Tag:             tags,
	}
}

// PublicJWK returns one public key as a JWK (what a kid URL answers):
// {"kty":"EC","crv":"P-256","x":..,"y":..,"kid":thumbprint,"alg":"ES256","use":"sig"}.
func PublicJWK(k *Key) ([]byte, error) {
	if k == nil {
		return nil, errors.New("certificates: JWK: nil key")
	}
	x, y, ok := p256XY(k.Public)
	if !ok {
		return nil, fmt.Errorf("certificates: JWK: key %s is not a P-256 public key", k.ID)
	}
	return json.Marshal(jwk{Kty: "EC", Crv: "P-256", X: x, Y: y, Kid: Thumbprint(k.Public), Alg: "ES256", Use: "sig"})
}

// JWKSURL is where the issuer serves its key set.
func JWKSURL(issuerURL string) string { return issuerURL + "/.well-known/jwks.json" }

// IssuerMetadataJSON returns the JWT VC issuer metadata,
// {"issuer": base URL, "jwks_uri": JWKSURL}, served at
// /.well-known/jwt-vc-issuer so that a verifier that knows only the
// issuer id finds its keys.
func IssuerMetadataJSON(iss Issuer) ([]byte, error) {
	if err := checkIssuerURL(iss.URL); err != nil {
		return nil, fmt.Errorf("certificates: issuer metadata: %w", err)
	}
	return json.Marshal(struct {
		Issuer  string `json:"issuer"`
		JWKSURI string `json:"jwks_uri"`
	}{iss.URL, JWKSURL(iss.URL)})
}
