package store

import (
	"context"
	"database/sql"
	"errors"

	"kipass/internal/app"
)

// Settings returns the organisation's stored settings; before the first
// save there is no row and the zero settings are returned.
func (db *DB) Settings(ctx context.Context) (_ app.OrgSettings, err error) {
	defer wrapErr(&err, "settings")
	var s app.OrgSettings
	err = db.queryRow(ctx, `SELECT org_name, privacy_contact, dpo, time_zone, logo, logo_type FROM settings WHERE id = 1`).
		Scan(&s.Name, &s.PrivacyContact, &s.DPO, &s.TimeZone, &s.Logo, &s.LogoType)
	if errors.Is(err, sql.ErrNoRows) {
		return app.OrgSettings{}, nil
	}
	return s, err
}

// SaveSettings replaces the stored settings and audits the change (detail:
// what changed) in one
// transaction; it is a counted write, so caches on other instances see it
// through Generation.
func (db *DB) SaveSettings(ctx context.Context, s app.OrgSettings, by Actor, detail string) (err error) {
	defer wrapErr(&err, "save settings")
	now := db.now()
	return db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO settings (id, org_name, privacy_contact, dpo, time_zone, logo, logo_type, updated_at)
			VALUES (1, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET org_name = excluded.org_name, privacy_contact = excluded.privacy_contact,
			dpo = excluded.dpo, time_zone = excluded.time_zone, logo = excluded.logo, logo_type = excluded.logo_type, updated_at = excluded.updated_at`,
			s.Name, s.PrivacyContact, s.DPO, s.TimeZone, s.Logo, s.LogoType, now)
		if err != nil {
			return err
		}
		return audit(ctx, tx, now, by, "settings.changed", 0, detail)
	})
}
