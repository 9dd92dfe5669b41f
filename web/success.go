package web

import (
	"github.com/gofiber/fiber/v2"

	"kipass/certificates"
	"kipass/internal/app"
)

// certCard is one certificate as a card: preview, PDF, LinkedIn, link.
func (s *server) certCard(c *fiber.Ctx, rec app.Certificate) myCertificate {
	cert := s.certificateFor(rec)
	lang := langOf(c)
	other := "en"
	if lang == "en" {
		other = "de"
	}
	title := cert.CertificateTitle[lang]
	v := certificates.VerifyURL(s.signer.Issuer.URL, rec.ID)
	issuer := s.issuer(c.UserContext()).Name
	return myCertificate{Rec: rec, Title: title, Status: certStatus(rec, s.now()), VerifyURL: v,
		LinkedIn: linkedInURL(title, issuer, s.cfg.LinkedInOrganizationID, rec.IssuedAt, rec.ExpiresAt, rec.ID, v), Issuer: issuer,
		Lang: lang, OtherLang: other}
}

// successCertificate returns the certificate a passed exam stands on, as a
// card for the moment of success; nil when there is none (revoked since).
func (s *server) successCertificate(c *fiber.Ctx, a app.Attempt, r submitResult) (*myCertificate, error) {
	if a.Kind != app.KindExam || !r.Passed {
		return nil, nil
	}
	id := r.CertificateID
	if id == "" {
		return nil, nil
	}
	rec, err := s.app.CertificateFor(c.UserContext(), *currentUser(c), id)
	if err != nil || rec.Revoked() {
		return nil, nil
	}
	card := s.certCard(c, rec)
	return &card, nil
}
