package web

import (
	"github.com/gofiber/fiber/v2"
)

// adminRow is a certificate in the admin list.
type adminRow struct {
	myCertificate
	Holder string
}

// adminCertificatesPage lists the newest certificates with a revoke form each.
func (s *server) adminCertificatesPage(c *fiber.Ctx) error {
	list, err := s.app.RecentCertificates(c.UserContext(), 200)
	if err != nil {
		return err
	}
	var rows []adminRow
	lang := langOf(c)
	for _, rec := range list {
		cert := s.certificateFor(rec)
		rows = append(rows, adminRow{myCertificate: myCertificate{Rec: rec, Title: cert.CertificateTitle[lang], Status: certStatus(rec, s.now())}, Holder: rec.HolderName})
	}
	return s.render(c, fiber.StatusOK, "admin_certificates", "admin.certificates", nil, rows)
}

func (s *server) revokeForm(c *fiber.Ctx) error {
	if err := s.revoke(c, c.Params("id"), c.FormValue("reason")); err != nil {
		return err
	}
	return c.Redirect("/admin/certificates", fiber.StatusSeeOther)
}
