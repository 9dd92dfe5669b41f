package web

import (
	"bytes"
	"context"
	"errors"
	"io"
	"mime/multipart"
	"strings"

	"github.com/gofiber/fiber/v2"

	"kipass/certificates"
	"kipass/internal/app"
	"kipass/internal/errs"
)

// The organisation's settings (issue 14 item 7): asked for at /setup,
// edited at /admin/settings; flags given to serve win and are shown
// read-only.

// organisation is the organisation in effect; when the settings cannot be
// read it is logged and the flags' values are used.
func (s *server) organisation(ctx context.Context) app.Organisation {
	o, err := s.app.Organisation(ctx)
	if err != nil {
		s.log.Warn("settings: cannot read the organisation", "err", err)
	}
	return o
}

// issuer is the issuer of certificates as of now: the configured keys'
// issuer with the organisation's name and logo.
func (s *server) issuer(ctx context.Context) certificates.Issuer {
	iss := s.signer.Issuer
	o := s.organisation(ctx)
	iss.Name = o.IssuerName(iss.URL)
	if len(o.Logo) > 0 {
		iss.Logo = o.Logo
		if iss.Image == "" {
			iss.Image = iss.URL + logoPath + "?v=" + o.LogoVersion
		}
	}
	return iss
}

// logoPath serves the organisation's logo.
const logoPath = "/organisation/logo"

// logo serves the organisation's logo (public: verify pages and the
// issuer's profile show it). An SVG is served with a sandboxing policy,
// so a script in it could never run even when the file is opened alone.
func (s *server) logo(c *fiber.Ctx) error {
	o := s.organisation(c.UserContext())
	if len(o.Logo) == 0 {
		return errs.New(errs.NotFound, "not_found", "No logo is set.")
	}
	c.Set(fiber.HeaderContentType, o.LogoType)
	c.Set(fiber.HeaderContentSecurityPolicy, "default-src 'none'; style-src 'unsafe-inline'; sandbox")
	c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
	if c.Query("v") == o.LogoVersion {
		c.Set(fiber.HeaderCacheControl, "public, max-age=31536000, immutable")
	} else {
		c.Set(fiber.HeaderCacheControl, "no-cache")
	}
	return c.Send(o.Logo)
}

// settingsView is the settings page.
type settingsView struct {
	Org   app.Organisation
	Zones []string
	// Default is the time zone used when none is chosen.
	Default string
	MaxKB   int
}

// commonZones are offered in the time zone list; any IANA name may be
// typed (the field is a text input with this list as suggestions).
var commonZones = [...]string{"Europe/Berlin", "Europe/Vienna", "Europe/Zurich", "Europe/Luxembourg", "Europe/Brussels",
	"Europe/Amsterdam", "Europe/Paris", "Europe/London", "Europe/Dublin", "Europe/Lisbon", "Europe/Madrid", "Europe/Rome",
	"Europe/Warsaw", "Europe/Prague", "Europe/Stockholm", "Europe/Helsinki", "Europe/Athens", "UTC"}

func (s *server) settingsPage(c *fiber.Ctx) error {
	return s.renderSettings(c, fiber.StatusOK, nil)
}

func (s *server) renderSettings(c *fiber.Ctx, status int, f *form) error {
	o := s.organisation(c.UserContext())
	if f == nil {
		f = &form{Values: map[string]string{"org_name": o.Name, "privacy_contact": o.PrivacyContact, "dpo": o.DPO, "time_zone": o.TimeZone}}
	}
	v := settingsView{Org: o, Zones: commonZones[:], Default: app.DefaultTimeZone, MaxKB: app.MaxLogoBytes >> 10}
	return s.render(c, status, "admin_settings", "settings.title", f, v)
}

// readOrgInput reads the organisation's fields of a form (the settings
// page or the setup page), with the logo file when one was chosen.
func readOrgInput(c *fiber.Ctx) (app.OrgInput, map[string]string, error) {
	in := app.OrgInput{Name: c.FormValue("org_name"), PrivacyContact: c.FormValue("privacy_contact"), DPO: c.FormValue("dpo"),
		TimeZone: c.FormValue("time_zone"), RemoveLogo: c.FormValue("remove_logo") == "yes"}
	values := map[string]string{"org_name": in.Name, "privacy_contact": in.PrivacyContact, "dpo": in.DPO, "time_zone": in.TimeZone}
	fh, err := c.FormFile("logo")
	switch {
	case errors.Is(err, fiber.ErrUnprocessableEntity), errors.Is(err, multipart.ErrMessageTooLarge):
		return in, values, errs.Field("logo", "logo_too_large")
	case err != nil || fh.Size == 0:
		return in, values, nil // no file chosen (or not a multipart form)
	case fh.Size > app.MaxLogoBytes:
		return in, values, errs.Field("logo", "logo_too_large")
	}
	f, err := fh.Open()
	if err != nil {
		return in, values, err
	}
	defer f.Close()
	in.Logo, err = io.ReadAll(io.LimitReader(f, app.MaxLogoBytes+1))
	return in, values, err
}

func (s *server) settingsForm(c *fiber.Ctx) error {
	in, values, err := readOrgInput(c)
	if err == nil {
		err = s.app.SaveOrganisation(c.UserContext(), *currentUser(c), in)
	}
	if err != nil {
		f, err := formErrors(err, values)
		if err != nil {
			return err
		}
		return s.renderSettings(c, fiber.StatusBadRequest, f)
	}
	s.setFlash(c, flash("flash.settings_saved"))
	return c.Redirect(organisationSettingsPath, fiber.StatusSeeOther)
}

// orgBanner is the notice on admin pages while the organisation has no
// name: certificates would name no organisation.
func (s *server) orgBanner(c *fiber.Ctx, w io.Writer, page string, u *app.User) {
	if u == nil || u.Role != app.RoleAdmin || !strings.HasPrefix(page, "admin") || page == "admin_settings" {
		return
	}
	if s.organisation(c.UserContext()).Name != "" {
		return
	}
	lang := langOf(c)
	io.WriteString(w, `<div class="alert warn" role="status"><p>`+htmlEscape(s.views.t(lang, "settings.banner"))+
		` <a href="`+organisationSettingsPath+`">`+htmlEscape(s.views.t(lang, "settings.banner_link"))+`</a></p></div>`)
}

// settingsOut is the organisation's settings in the API.
type settingsOut struct {
	Name           string   `json:"name"`
	PrivacyContact string   `json:"privacy_contact"`
	DPO            string   `json:"dpo"`
	TimeZone       string   `json:"time_zone"`
	LogoURL        string   `json:"logo_url,omitempty"`
	Fixed          []string `json:"fixed"` // the fields serve's flags set (not changeable here)
}

// apiSettings answers GET /api/v1/admin/settings.
func (s *server) apiSettings(c *fiber.Ctx) error {
	o := s.organisation(c.UserContext())
	out := settingsOut{Name: o.Name, PrivacyContact: o.PrivacyContact, DPO: o.DPO, TimeZone: o.TimeZone, Fixed: []string{}}
	if o.LogoVersion != "" {
		out.LogoURL = s.signer.Issuer.URL + logoPath + "?v=" + o.LogoVersion
	}
	for _, f := range []struct {
		on   bool
		name string
	}{{o.Fixed.Name, "name"}, {o.Fixed.PrivacyContact, "privacy_contact"}, {o.Fixed.DPO, "dpo"}, {o.Fixed.TimeZone, "time_zone"}} {
		if f.on {
			out.Fixed = append(out.Fixed, f.name)
		}
	}
	return c.JSON(out)
}

// apiSaveSettings answers PUT /api/v1/admin/settings: the text settings
// (the logo keeps, unless remove_logo).
func (s *server) apiSaveSettings(c *fiber.Ctx) error {
	var in struct {
		Name           string `json:"name"`
		PrivacyContact string `json:"privacy_contact"`
		DPO            string `json:"dpo"`
		TimeZone       string `json:"time_zone"`
		RemoveLogo     bool   `json:"remove_logo"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	err := s.app.SaveOrganisation(c.UserContext(), *currentUser(c), app.OrgInput{Name: in.Name, PrivacyContact: in.PrivacyContact,
		DPO: in.DPO, TimeZone: in.TimeZone, RemoveLogo: in.RemoveLogo})
	if err != nil {
		return apiOrgFields(err)
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// apiSaveLogo answers PUT /api/v1/admin/settings/logo: the body is the
// image file.
func (s *server) apiSaveLogo(c *fiber.Ctx) error {
	body := c.Body()
	if len(body) == 0 {
		return errs.Field("logo", "required")
	}
	if len(body) > app.MaxLogoBytes {
		return errs.New(errs.TooLarge, "logo_too_large", "The logo is larger than 512 KB.")
	}
	o := s.organisation(c.UserContext())
	in := app.OrgInput{Name: o.Name, PrivacyContact: o.PrivacyContact, DPO: o.DPO, TimeZone: o.TimeZone, Logo: bytes.Clone(body)}
	if o.Fixed.TimeZone {
		in.TimeZone = ""
	}
	if err := s.app.SaveOrganisation(c.UserContext(), *currentUser(c), in); err != nil {
		return apiOrgFields(err)
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// apiOrgFields names the API's fields as the settings form does not
// ("name" rather than the form's "org_name").
func apiOrgFields(err error) error {
	e := errs.As(err)
	if e == nil || e.Fields == nil {
		return err
	}
	if why, ok := e.Fields["org_name"]; ok {
		delete(e.Fields, "org_name")
		e.Fields["name"] = why
	}
	return e
}
