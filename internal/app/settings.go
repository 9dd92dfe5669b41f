package app

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net"
	"net/url"
	"strings"
	"sync"
	"time"

	"kipass/certificates"
	"kipass/internal/auth"
	"kipass/internal/errs"
)

// OrgSettings are the organisation's settings kept in the database
// (issue 14 item 7): "" means not set. A value given to serve as a flag
// or environment variable wins over the stored one.
type OrgSettings struct {
	Name           string // the issuer named on certificates and in credentials
	PrivacyContact string // where data-protection requests go
	DPO            string // the data protection officer's contact
	TimeZone       string // IANA name of the organisation's time zone
	Logo           []byte // PNG, JPEG or SVG file; nil for none
	LogoType       string // its media type: "image/png", "image/jpeg", "image/svg+xml"
}

// SettingsStore keeps the organisation's settings.
type SettingsStore interface {
	// Settings returns the stored settings (zero when none were saved).
	Settings(ctx context.Context) (OrgSettings, error)
	// SaveSettings replaces the stored settings and audits the change
	// (detail says what changed).
	SaveSettings(ctx context.Context, s OrgSettings, by Actor, detail string) error
	// Generation counts committed writes (of any instance).
	Generation() uint64
}

// OrgFlags are the organisation's settings given to serve as flags or
// environment variables. A value given here wins over the stored one and
// is shown read-only at /admin/settings (Config.Location is the time
// zone's flag).
type OrgFlags struct {
	Name           string
	PrivacyContact string
	DPO            string
}

// DefaultTimeZone is the organisation's time zone when neither a flag nor
// the settings name one.
const DefaultTimeZone = "Europe/Berlin"

// MaxLogoBytes is the largest logo file accepted.
const MaxLogoBytes = 512 << 10

// Organisation is the organisation as people see it: the stored settings
// with serve's flags winning.
type Organisation struct {
	// Name is the organisation's name; "" when neither a flag nor the
	// settings give one (then the admin pages ask for it, see IssuerName).
	Name           string
	PrivacyContact string
	DPO            string
	TimeZone       string         // IANA name in effect
	Zone           *time.Location // never nil
	Logo           []byte         // nil: none
	LogoType       string
	// LogoVersion changes with the logo (for cache-busting links).
	LogoVersion string
	// Fixed tells which values come from flags (not editable here).
	Fixed struct{ Name, PrivacyContact, DPO, TimeZone bool }
}

// IssuerName is the name certificates state as their issuer: the
// organisation's name; before one is set, the public host name of
// baseURL, unless that is an IP address or a local name, which a
// certificate never states: then "kipass".
func (o Organisation) IssuerName(baseURL string) string {
	if o.Name != "" {
		return o.Name
	}
	u, err := url.Parse(baseURL)
	if err != nil {
		return "kipass"
	}
	if h := u.Hostname(); isPublicHostName(h) {
		return h
	}
	return "kipass"
}

// isPublicHostName reports whether h is a DNS name that could name an
// organisation: not an IP address, not localhost, with a dot.
func isPublicHostName(h string) bool {
	h = strings.ToLower(strings.TrimSuffix(h, "."))
	return h != "" && net.ParseIP(h) == nil && strings.Contains(h, ".") &&
		h != "localhost" && !strings.HasSuffix(h, ".localhost") && !strings.HasSuffix(h, ".local")
}

// OrgInput is what an admin submits for the organisation. Fields that a
// flag fixes are ignored.
type OrgInput struct {
	Name           string
	PrivacyContact string
	DPO            string
	TimeZone       string // "" for the default
	Logo           []byte // a new logo; nil keeps the stored one
	RemoveLogo     bool
}

// orgCache keeps the organisation in effect; it is read again when the
// database changed (another instance saved) and at most every orgRecheck.
type orgCache struct {
	mu      sync.Mutex
	ok      bool
	gen     uint64
	checked time.Time // wall clock, not the App's (tests freeze that)
	org     Organisation
}

// orgRecheck is how long the cached organisation is used before the
// database's change counter is asked again.
const orgRecheck = time.Second

// Organisation returns the organisation in effect.
func (a *App) Organisation(ctx context.Context) (Organisation, error) {
	if a.settings == nil {
		return a.organisation(OrgSettings{}), nil
	}
	c := &a.org
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ok && time.Since(c.checked) < orgRecheck {
		return c.org, nil
	}
	gen := a.settings.Generation()
	if c.ok && gen == c.gen {
		c.checked = time.Now()
		return c.org, nil
	}
	s, err := a.settings.Settings(ctx)
	if err != nil {
		if c.ok {
			return c.org, nil // the last known settings rather than none
		}
		return a.organisation(OrgSettings{}), err
	}
	c.ok, c.gen, c.checked, c.org = true, gen, time.Now(), a.organisation(s)
	return c.org, nil
}

// Zone is the organisation's time zone (the default when the settings
// cannot be read).
func (a *App) Zone() *time.Location {
	o, err := a.Organisation(context.Background())
	if err != nil {
		a.log.Warn("settings: cannot read the organisation's time zone", "err", err)
	}
	return o.Zone
}

// organisation merges the stored settings s with the flags.
func (a *App) organisation(s OrgSettings) Organisation {
	f := a.cfg.Organisation
	o := Organisation{Name: s.Name, PrivacyContact: s.PrivacyContact, DPO: s.DPO, TimeZone: s.TimeZone, Logo: s.Logo, LogoType: s.LogoType}
	if f.Name != "" {
		o.Name, o.Fixed.Name = f.Name, true
	}
	if f.PrivacyContact != "" {
		o.PrivacyContact, o.Fixed.PrivacyContact = f.PrivacyContact, true
	}
	if f.DPO != "" {
		o.DPO, o.Fixed.DPO = f.DPO, true
	}
	if a.cfg.Location != nil {
		o.Zone, o.TimeZone, o.Fixed.TimeZone = a.cfg.Location, a.cfg.Location.String(), true
	} else if loc, err := loadZone(s.TimeZone); err == nil && s.TimeZone != "" {
		o.Zone = loc
	} else {
		o.TimeZone = DefaultTimeZone
		if o.Zone, err = time.LoadLocation(DefaultTimeZone); err != nil {
			o.Zone = time.UTC
			o.TimeZone = "UTC"
		}
	}
	if len(o.Logo) > 0 {
		h := sha256.Sum256(o.Logo)
		o.LogoVersion = hex.EncodeToString(h[:6])
	} else {
		o.Logo, o.LogoType = nil, ""
	}
	return o
}

// loadZone loads an IANA time zone; "Local" and "" are refused (the
// server's own zone is no organisation's).
func loadZone(name string) (*time.Location, error) {
	if name == "" || strings.EqualFold(name, "local") {
		return nil, errors.New("no time zone")
	}
	return time.LoadLocation(name)
}

// SaveOrganisation checks and stores the organisation's settings; only
// admins may. A logo must be a PNG, JPEG or SVG the certificate can draw,
// of at most MaxLogoBytes.
func (a *App) SaveOrganisation(ctx context.Context, by User, in OrgInput) error {
	if by.Role != RoleAdmin {
		return errs.New(errs.Forbidden, "forbidden", "You are not allowed to do this.")
	}
	if a.settings == nil {
		return errs.New(errs.Unavailable, "settings_unavailable", "The settings cannot be stored here.")
	}
	cur, err := a.settings.Settings(ctx)
	if err != nil {
		return err
	}
	next, err := a.checkOrganisation(in, cur)
	if err != nil {
		return err
	}
	if err := a.settings.SaveSettings(ctx, next, Actor{ID: by.ID, Role: by.Role}, changedFields(cur, next)); err != nil {
		return err
	}
	a.org.mu.Lock()
	a.org.ok = false
	a.org.mu.Unlock()
	return nil
}

// checkOrganisation validates in and returns the settings to store (cur
// with in's changes; values that flags fix keep their stored value).
func (a *App) checkOrganisation(in OrgInput, cur OrgSettings) (OrgSettings, error) {
	f := a.cfg.Organisation
	fields := map[string]string{}
	next := cur
	if f.Name == "" {
		next.Name = auth.CleanName(in.Name)
		if why := checkOrgName(next.Name); why != "" {
			fields["org_name"] = why
		}
	}
	if f.PrivacyContact == "" {
		next.PrivacyContact = strings.TrimSpace(in.PrivacyContact)
		if why := checkContact(next.PrivacyContact); why != "" {
			fields["privacy_contact"] = why
		}
	}
	if f.DPO == "" {
		next.DPO = auth.CleanName(in.DPO)
		if why := auth.CheckName(next.DPO, false, 200); why != "" {
			fields["dpo"] = why
		}
	}
	if a.cfg.Location == nil {
		next.TimeZone = strings.TrimSpace(in.TimeZone)
		if next.TimeZone != "" {
			if _, err := loadZone(next.TimeZone); err != nil {
				fields["time_zone"] = "invalid_time_zone"
			}
		}
	}
	switch {
	case len(in.Logo) > 0:
		typ, why := checkLogo(in.Logo)
		if why != "" {
			fields["logo"] = why
		}
		next.Logo, next.LogoType = in.Logo, typ
	case in.RemoveLogo:
		next.Logo, next.LogoType = nil, ""
	}
	if len(fields) > 0 {
		return cur, auth.InputError(fields)
	}
	return next, nil
}

// CheckOrganisation checks the organisation's values given as flags as the
// settings page would: a field name ("org_name", "privacy_contact", "dpo")
// and why it is refused, or "" and "" when all is well.
func CheckOrganisation(f OrgFlags) (field, why string) {
	if f.Name != "" {
		if why := checkOrgName(auth.CleanName(f.Name)); why != "" {
			return "org_name", why
		}
	}
	if why := checkContact(strings.TrimSpace(f.PrivacyContact)); why != "" {
		return "privacy_contact", why
	}
	if why := auth.CheckName(auth.CleanName(f.DPO), false, 200); why != "" {
		return "dpo", why
	}
	return "", ""
}

// checkOrgName checks the organisation's name: required, at most 120
// characters, no hidden characters, and no address (a certificate never
// names an IP address or "localhost" as its issuer).
func checkOrgName(s string) string {
	if why := auth.CheckName(s, true, 120); why != "" {
		return why
	}
	h := strings.ToLower(strings.Trim(s, "[]/ "))
	if net.ParseIP(h) != nil || h == "localhost" || strings.HasPrefix(h, "localhost:") || strings.Contains(h, "127.0.0.1") ||
		strings.HasPrefix(h, "http://") || strings.HasPrefix(h, "https://") {
		return "name_is_address"
	}
	return ""
}

// checkContact checks the privacy contact: empty, an email address or an
// http(s) web address with a host.
func checkContact(s string) string {
	if s == "" {
		return ""
	}
	if len(s) > 254 {
		return "too_long"
	}
	if strings.Contains(s, "@") && !strings.Contains(s, "/") {
		if auth.CheckEmail(auth.NormalizeEmail(s)) != "" {
			return "invalid_contact"
		}
		return ""
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil || strings.ContainsAny(s, " \t\r\n<>\"") {
		return "invalid_contact"
	}
	return ""
}

// checkLogo returns a logo's media type, or why it is refused.
func checkLogo(b []byte) (string, string) {
	if len(b) > MaxLogoBytes {
		return "", "logo_too_large"
	}
	if err := certificates.CheckLogo(b); err != nil {
		return "", "logo_unsupported"
	}
	switch {
	case bytes.HasPrefix(b, []byte("\x89PNG")):
		return "image/png", ""
	case bytes.HasPrefix(b, []byte("\xff\xd8\xff")):
		return "image/jpeg", ""
	}
	return "image/svg+xml", ""
}

// SetUp is the first run: it creates the first admin with the setup
// token and stores the organisation's settings. Both are checked before
// anything is stored, and every bad field is reported at once.
func (a *App) SetUp(ctx context.Context, token string, r auth.Registration, lang string, org OrgInput) (int64, error) {
	fields := map[string]string{}
	if err := r.Clean(); err != nil {
		e := errs.As(err)
		if e == nil || e.Fields == nil {
			return 0, err
		}
		for k, v := range e.Fields {
			fields[k] = v
		}
	}
	var next OrgSettings
	if a.settings != nil {
		cur, err := a.settings.Settings(ctx)
		if err != nil {
			return 0, err
		}
		var orgErr error
		if next, orgErr = a.checkOrganisation(org, cur); orgErr != nil {
			for k, v := range errs.As(orgErr).Fields {
				fields[k] = v
			}
		}
	}
	if len(fields) > 0 {
		return 0, auth.InputError(fields)
	}
	id, err := a.CreateFirstAdmin(ctx, token, r, lang)
	if err != nil || a.settings == nil {
		return id, err
	}
	if err := a.settings.SaveSettings(ctx, next, Actor{ID: id, Role: RoleAdmin}, changedFields(OrgSettings{}, next)); err != nil {
		return id, err
	}
	a.org.mu.Lock()
	a.org.ok = false
	a.org.mu.Unlock()
	return id, nil
}

// changedFields is the audit detail of a settings change: which fields
// differ ("fields=name,logo"; "fields=none" for a save that changed
// nothing). Values are not logged: the audit log says who changed what,
// the settings page shows the values.
func changedFields(old, next OrgSettings) string {
	var f []string
	for _, c := range []struct {
		name string
		diff bool
	}{
		{"name", old.Name != next.Name}, {"logo", !bytes.Equal(old.Logo, next.Logo)}, {"privacy_contact", old.PrivacyContact != next.PrivacyContact},
		{"dpo", old.DPO != next.DPO}, {"time_zone", old.TimeZone != next.TimeZone},
	} {
		if c.diff {
			f = append(f, c.name)
		}
	}
	if len(f) == 0 {
		return "fields=none"
	}
	return "fields=" + strings.Join(f, ",")
}
