package app

import "context"

// OrgSettings are the organisation's settings kept in the database
// (issue 14 item 7): "" means not set. A value given to serve as a flag
// or environment variable wins over the stored one.
type OrgSettings struct {
	Name           string // the issuer named on certificates and in credentials
	PrivacyContact string // where data-protection requests go
	DPO            string // the data protection officer's contact
	TimeZone       string // IANA name of the organisation's time zone
	Logo           []byte // PNG or SVG file; nil for none
	LogoType       string // its media type, "image/png" or "image/svg+xml"
}

// SettingsStore keeps the organisation's settings.
type SettingsStore interface {
	// Settings returns the stored settings (zero when none were saved).
	Settings(ctx context.Context) (OrgSettings, error)
	// SaveSettings replaces the stored settings and audits the change.
	SaveSettings(ctx context.Context, s OrgSettings, by Actor) error
}
