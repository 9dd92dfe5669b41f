package web

import (
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"kipass/certificates"
)

// The documents a verifier dereferences from a credential (docs/CERTIFICATES.md):
// the key named by kid, the issuer metadata, and the issuer and achievement
// ids, which answer JSON to a client that asks for it and HTML to browsers.
// None needs a login, none sets a cookie, all may be cached and read from
// other origins (a verifier running in a browser).

// Cache lifetimes of the public documents. A key never changes under its
// thumbprint, so it may be kept for a day; profile and achievement follow
// configuration and content, an hour is short enough for a change.
const (
	cacheKey      = "public, max-age=86400"
	cacheDocument = "public, max-age=3600"
)

// Media types offered by the issuer and achievement ids, HTML first: a
// client that says nothing (or */*) gets the page.
const (
	mimeHTML   = "text/html"
	mimeLDJSON = "application/ld+json"
)

// publicDocument sets the headers every public document carries.
func publicDocument(c *fiber.Ctx, contentType, cache string) {
	c.Set(fiber.HeaderContentType, contentType)
	c.Set(fiber.HeaderCacheControl, cache)
	c.Set("Access-Control-Allow-Origin", "*")
}

// documentNotFound is the contract's error JSON with 404, not cached: a key
// or course may appear later.
func documentNotFound(c *fiber.Ctx, what string) error {
	c.Set("Access-Control-Allow-Origin", "*")
	return c.Status(fiber.StatusNotFound).JSON(apiError{apiErrorBody{Code: "not_found", Message: "No such " + what + "."}})
}

// jwk serves /.well-known/jwks/{kid}: the one public key with that RFC 7638
// thumbprint, current or retired, as application/jwk+json. The kid header
// of new credentials is this URL.
func (s *server) jwk(c *fiber.Ctx) error {
	kid := c.Params("kid")
	if _, ok := s.signer.lookup(kid); !ok { // reads the keys again for a kid another instance made
		return documentNotFound(c, "key")
	}
	for _, k := range s.signer.Keys().Keys() {
		if k.ID == kid {
			b, err := certificates.PublicJWK(k)
			if err != nil {
				return err
			}
			publicDocument(c, "application/jwk+json", cacheKey)
			return c.Send(b)
		}
	}
	return documentNotFound(c, "key")
}

// jwtVCIssuer serves /.well-known/jwt-vc-issuer: {issuer, jwks_uri}, the
// way from an issuer id to its keys.
func (s *server) jwtVCIssuer(c *fiber.Ctx) error {
	b, err := certificates.IssuerMetadataJSON(s.issuer(c.UserContext()))
	if err != nil {
		return err
	}
	publicDocument(c, fiber.MIMEApplicationJSON, cacheDocument)
	return c.Send(b)
}

// linkedData answers with doc when the client prefers JSON
// (application/json or application/ld+json) over HTML, and passes on to
// the page otherwise. Both answers vary with Accept, so that a cache does
// not hand the page to a verifier or the JSON to a browser.
func (s *server) linkedData(doc func(c *fiber.Ctx, contentType string) error) fiber.Handler {
	return func(c *fiber.Ctx) error {
		c.Vary(fiber.HeaderAccept)
		switch negotiate(c.Get(fiber.HeaderAccept), mimeHTML, mimeLDJSON, fiber.MIMEApplicationJSON) {
		case mimeLDJSON:
			return doc(c, mimeLDJSON)
		case fiber.MIMEApplicationJSON:
			return doc(c, fiber.MIMEApplicationJSON)
		}
		return c.Next()
	}
}

// issuerProfile is the issuer id (the base URL) as an Open Badges 3.0
// Profile.
func (s *server) issuerProfile(c *fiber.Ctx, contentType string) error {
	b, err := certificates.ProfileJSON(s.issuer(c.UserContext()))
	if err != nil {
		return err
	}
	publicDocument(c, contentType, cacheDocument)
	return c.Send(b)
}

// achievementDocument is a course's achievement id as an Open Badges 3.0
// Achievement, in ?lang= or the Accept-Language's language (German by
// default); unknown courses are 404.
func (s *server) achievementDocument(c *fiber.Ctx, contentType string) error {
	co, ok := s.catalog().Course(c.Params("course"))
	if !ok {
		return documentNotFound(c, "course")
	}
	lang := c.Query("lang")
	if !validLang(lang) {
		lang = acceptLanguage(c.Get(fiber.HeaderAcceptLanguage))
	}
	course := certificates.Course{ID: co.ID, Title: co.Title, ContentVersion: co.Version, ImageURL: s.certificateImageURL()}
	for _, m := range co.Modules {
		course.Competences = append(course.Competences, m.Title)
	}
	b, err := certificates.AchievementJSON(s.views.messages, s.issuer(c.UserContext()), course, lang)
	if err != nil {
		return err
	}
	c.Vary(fiber.HeaderAcceptLanguage)
	publicDocument(c, contentType, cacheDocument)
	return c.Send(b)
}

// certificateImageURL is the picture of a certificate that previews and the
// achievement show: the course's, the same for every holder.
func (s *server) certificateImageURL() string {
	return s.signer.Issuer.URL + "/static/certificate.png"
}

// negotiate picks the offer the Accept header ranks highest (RFC 9110
// section 12.5.1): each offer gets the quality of the most specific media
// range that matches it (type/subtype over type/* over */*), compared
// without case and ignoring parameters other than q, so that
// `application/ld+json;profile="..."` still asks for JSON-LD. Ties go to
// the earlier offer; an empty or unreadable header, or one that accepts
// none of them, gives the first offer.
func negotiate(accept string, offers ...string) string {
	if len(offers) == 0 {
		return ""
	}
	type mediaRange struct {
		typ, sub string
		q        float64
	}
	var ranges []mediaRange
	for _, part := range strings.Split(accept, ",") {
		params := strings.Split(part, ";")
		typ, sub, ok := strings.Cut(strings.ToLower(strings.TrimSpace(params[0])), "/")
		if !ok || typ == "" || sub == "" {
			continue
		}
		q := 1.0
		for _, p := range params[1:] {
			k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
			if strings.EqualFold(strings.TrimSpace(k), "q") {
				f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
				if err != nil || f < 0 || f > 1 {
					f = 0
				}
				q = f
			}
		}
		ranges = append(ranges, mediaRange{typ, sub, q})
	}
	if len(ranges) == 0 {
		return offers[0]
	}
	best, bestQ := offers[0], 0.0
	for _, o := range offers {
		typ, sub, _ := strings.Cut(o, "/")
		q, specificity := 0.0, -1
		for _, r := range ranges {
			s := -1
			switch {
			case r.typ == typ && r.sub == sub:
				s = 2
			case r.typ == typ && r.sub == "*":
				s = 1
			case r.typ == "*" && r.sub == "*":
				s = 0
			}
			if s > specificity {
				q, specificity = r.q, s
			}
		}
		if q > bestQ {
			best, bestQ = o, q
		}
	}
	return best
}
