package web

import (
	"crypto/ecdsa"
	"crypto/x509"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"

	"kipass/certificates"
	"kipass/internal/app"
	"kipass/internal/errs"
)

var certIDPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{16,64}$`)

var errNoCertificate = errs.New(errs.NotFound, "not_found", "No such certificate.")

// Signer is what the web layer needs to sign credentials and PDFs.
type Signer struct {
	// Keys returns the current key store; it may change when keys are
	// rotated while the server runs.
	Keys func() *certificates.KeyStore
	// Refresh, when set, reads the key set again and reports whether it
	// changed. A credential signed with a key that Keys does not hold
	// calls it once before it is refused: another instance sharing the
	// keys may have seen a rotation first.
	Refresh func() bool
	Issuer  certificates.Issuer
	// Chain is the X.509 chain for PDF signatures (the organisation's
	// certificate for the current key); empty: a self-signed certificate
	// is made for each key.
	Chain []*x509.Certificate

	mu         sync.Mutex
	selfSigned map[string][]*x509.Certificate // kid -> chain
}

// lookup finds the public key with the kid, current or retired, reading
// the key set again (Refresh) when it is not there.
func (sg *Signer) lookup(kid string) (*ecdsa.PublicKey, bool) {
	if pk, ok := sg.Keys().Lookup(kid); ok {
		return pk, true
	}
	if sg.Refresh != nil && sg.Refresh() {
		return sg.Keys().Lookup(kid)
	}
	return nil, false
}

// chainFor returns the PDF signing chain for the key.
func (sg *Signer) chainFor(k *certificates.Key, now time.Time) ([]*x509.Certificate, error) {
	if len(sg.Chain) > 0 {
		return sg.Chain, nil
	}
	sg.mu.Lock()
	defer sg.mu.Unlock()
	if c, ok := sg.selfSigned[k.ID]; ok {
		return c, nil
	}
	cert, err := certificates.SelfSignedCert(k, sg.Issuer, now)
	if err != nil {
		return nil, err
	}
	if sg.selfSigned == nil {
		sg.selfSigned = map[string][]*x509.Certificate{}
	}
	sg.selfSigned[k.ID] = []*x509.Certificate{cert}
	return sg.selfSigned[k.ID], nil
}

// certificateFor builds what a certificate states from its record and the
// course in the catalogue.
func (s *server) certificateFor(rec app.Certificate) certificates.Certificate {
	c := certificates.Certificate{ID: rec.ID, HolderName: rec.HolderName, CourseID: rec.CourseID, ContentVersion: rec.ContentVersion,
		IssuedAt: rec.IssuedAt, ExpiresAt: rec.ExpiresAt, Lang: rec.Lang, StatusIndex: rec.StatusIndex,
		CourseTitle: map[string]string{"de": rec.CourseID, "en": rec.CourseID}, CertificateTitle: map[string]string{"de": rec.CourseID, "en": rec.CourseID}}
	if co, ok := s.catalog().Course(rec.CourseID); ok {
		c.CourseTitle, c.CertificateTitle = co.Title, co.CertificateTitle
		c.CourseMinutes = map[string]int{}
		for _, m := range co.Modules {
			c.Competences = append(c.Competences, m.Title)
			for lang, n := range m.Minutes {
				c.CourseMinutes[lang] += n
			}
		}
	}
	return c
}

// certStatus is valid, expired or revoked.
func certStatus(rec app.Certificate, now time.Time) string {
	switch {
	case rec.Revoked():
		return "revoked"
	case !now.Before(rec.ExpiresAt):
		return "expired"
	}
	return "valid"
}

// certificateAccess loads a certificate the caller may download
// (app.CertificateFor); anyone else gets "not found".
func (s *server) certificateAccess(c *fiber.Ctx, id string) (app.Certificate, error) {
	u := currentUser(c)
	if u == nil {
		return app.Certificate{}, errNoCertificate
	}
	return s.app.CertificateFor(c.UserContext(), *u, id)
}

// certificateFile serves /certificates/{id}.pdf (?lang=de|en) and
// /certificates/{id}.jwt.
func (s *server) certificateFile(c *fiber.Ctx) error {
	file := c.Params("file")
	id, ext, _ := strings.Cut(file, ".")
	if ext != "pdf" && ext != "jwt" {
		return errNoCertificate
	}
	rec, err := s.certificateAccess(c, id)
	if err != nil {
		return err
	}
	cert := s.certificateFor(rec)
	k := s.signer.Keys().Current()
	iss := s.issuer(c.UserContext())
	token, err := certificates.IssueCredential(s.views.messages, cert, iss, k)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	if ext == "jwt" {
		c.Set(fiber.HeaderContentType, "application/vc+jwt")
		c.Set(fiber.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="kipass-%s.jwt"`, rec.ID))
		return c.SendString(token)
	}
	lang := rec.Lang
	if l := c.Query("lang"); validLang(l) {
		lang = l
	}
	pdf, err := s.renderCertificate(cert, iss, lang, token)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/pdf")
	c.Set(fiber.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="kipass-certificate-%s-%s.pdf"`, rec.ID, lang))
	return c.Send(pdf)
}

// renderCertificate renders and signs the PDF.
func (s *server) renderCertificate(cert certificates.Certificate, iss certificates.Issuer, lang, token string) ([]byte, error) {
	k := s.signer.Keys().Current()
	pdf, err := certificates.RenderPDF(s.views.messages, cert, iss, lang, token)
	if err != nil {
		return nil, err
	}
	chain, err := s.signer.chainFor(k, s.now())
	if err != nil {
		return nil, err
	}
	return certificates.SignPDF(pdf, k, chain, iss, s.now())
}

// certificateOut is a certificate in the holder's list.
type certificateOut struct {
	ID        string `json:"id"`
	Course    string `json:"course"`
	IssuedAt  string `json:"issued_at"`
	ExpiresAt string `json:"expires_at"`
	Status    string `json:"status"`
	PDFURL    string `json:"pdf_url"`
	VerifyURL string `json:"verify_url"`
}

func (s *server) apiMyCertificates(c *fiber.Ctx) error {
	list, err := s.app.UserCertificates(c.UserContext(), currentUser(c).ID)
	if err != nil {
		return err
	}
	out := []certificateOut{}
	base := s.signer.Issuer.URL
	for _, rec := range list {
		out = append(out, certificateOut{ID: rec.ID, Course: rec.CourseID, IssuedAt: rfc3339(rec.IssuedAt), ExpiresAt: rfc3339(rec.ExpiresAt),
			Status: certStatus(rec, s.now()), PDFURL: base + "/certificates/" + rec.ID + ".pdf", VerifyURL: certificates.VerifyURL(base, rec.ID)})
	}
	return c.JSON(out)
}

func rfc3339(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// myCertificate is a certificate on /me with its links.
type myCertificate struct {
	Rec       app.Certificate
	Title     string
	Status    string
	VerifyURL string
	LinkedIn  string
	Issuer    string // the issuer's name, for the preview
	// Lang is the page's language, OtherLang the other one (for the PDF
	// in that language).
	Lang, OtherLang string
}

func (s *server) myCertificates(c *fiber.Ctx) ([]myCertificate, error) {
	list, err := s.app.UserCertificates(c.UserContext(), currentUser(c).ID)
	if err != nil {
		return nil, err
	}
	var out []myCertificate
	for _, rec := range list {
		out = append(out, s.certCard(c, rec))
	}
	return out, nil
}

// jwks serves the issuer's public keys, retired ones included.
func (s *server) jwks(c *fiber.Ctx) error {
	b, err := certificates.JWKS(s.signer.Keys().Keys())
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/jwk-set+json")
	c.Set(fiber.HeaderCacheControl, "public, max-age=300")
	c.Set("Access-Control-Allow-Origin", "*")
	return c.Send(b)
}

// statusCache keeps the signed status list: signing it costs about a
// millisecond and most of a megabyte. Each request reads the revoked
// positions (one small index scan) and the list is signed again when they
// changed, so a revocation made by another instance on the same database
// shows at once; otherwise it is re-signed hourly (it is valid for a day).
type statusCache struct {
	mu      sync.Mutex
	token   string
	kid     string
	at      time.Time
	revoked []int
}

func (sc *statusCache) drop() {
	sc.mu.Lock()
	sc.token = ""
	sc.mu.Unlock()
}

// statusList serves the signed Bitstring Status List credential.
func (s *server) statusList(c *fiber.Ctx) error {
	sc := &s.statusCache
	sc.mu.Lock()
	defer sc.mu.Unlock()
	k := s.signer.Keys().Current()
	now := s.now()
	revoked, err := s.app.RevokedIndexes(c.UserContext())
	if err != nil {
		return err
	}
	if sc.token == "" || sc.kid != k.ID || now.Sub(sc.at) > time.Hour || !slices.Equal(revoked, sc.revoked) {
		token, err := certificates.IssueStatusList(s.issuer(c.UserContext()), revoked, k, now)
		if err != nil {
			return err
		}
		sc.token, sc.kid, sc.at, sc.revoked = token, k.ID, now, revoked
	}
	token := sc.token
	c.Set(fiber.HeaderContentType, "application/vc+jwt")
	c.Set(fiber.HeaderCacheControl, "no-cache")
	c.Set("Access-Control-Allow-Origin", "*")
	return c.SendString(token)
}

// apiRevoke revokes a certificate (admins only).
func (s *server) apiRevoke(c *fiber.Ctx) error {
	var body struct {
		Reason string `json:"reason"`
	}
	if err := decodeJSON(c, &body); err != nil {
		return err
	}
	if err := s.revoke(c, c.Params("id"), body.Reason); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (s *server) revoke(c *fiber.Ctx, id, reason string) error {
	if err := s.app.Revoke(c.UserContext(), *currentUser(c), id, reason); err != nil {
		return err
	}
	s.statusCache.drop()
	s.log.Info("certificate revoked", "by_user_id", currentUser(c).ID)
	return nil
}

// requireRole lets only the given roles through; others get 403.
func requireRole(roles ...string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		u := currentUser(c)
		if u == nil {
			if isAPI(c) {
				return errs.New(errs.Unauthorized, "unauthorized", "Please log in.")
			}
			return c.Redirect("/login?next="+url.QueryEscape(safeNext(c.OriginalURL())), fiber.StatusSeeOther)
		}
		for _, r := range roles {
			if u.Role == r {
				return c.Next()
			}
		}
		return errs.New(errs.Forbidden, "forbidden", "You are not allowed to do this.")
	}
}
