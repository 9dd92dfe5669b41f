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
	return s.renderAdminCertificates(c, fiber.StatusOK, nil)
}

func (s *server) renderAdminCertificates(c *fiber.Ctx, status int, f *form) error {
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
	return s.render(c, status, "admin_certificates", "admin.certificates", f, rows)
}

// confirmed reports whether an irreversible action's form carries the
// ticked "I understand" box. The box is required in the page too, but the
// server decides: a POST without it changes nothing.
func confirmed(c *fiber.Ctx) bool { return c.FormValue("confirm") == "yes" }

// notConfirmed is the form message shown again when the box was not ticked.
func notConfirmed() *form {
	return &form{Errors: map[string]string{"confirm": "confirm_required"}, Message: "confirm.required"}
}

// revokeForm revokes a certificate once the admin has confirmed it.
func (s *server) revokeForm(c *fiber.Ctx) error {
	if !confirmed(c) {
		return s.renderAdminCertificates(c, fiber.StatusBadRequest, notConfirmed())
	}
	if err := s.revoke(c, c.Params("id"), c.FormValue("reason")); err != nil {
		return err
	}
	s.setFlash(c, flash("flash.certificate_revoked"))
	return c.Redirect("/admin/certificates", fiber.StatusSeeOther)
}
