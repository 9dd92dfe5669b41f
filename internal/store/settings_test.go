package store

import (
	"bytes"
	"context"
	"testing"

	"kipass/internal/app"
)

// Settings start empty, a save replaces them, counts as a change and is
// audited; on both engines.
func TestSettingsSaveAndRead(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		s, err := db.Settings(ctx)
		if err != nil || s.Name != "" || s.Logo != nil {
			t.Fatalf("before any save: %+v, %v", s, err)
		}
		gen := db.Generation()
		want := app.OrgSettings{Name: "Muster GmbH", PrivacyContact: "datenschutz@example.com", TimeZone: "Europe/Berlin",
			Logo: []byte("\x89PNG\r\n\x1a\nxx"), LogoType: "image/png"}
		if err := db.SaveSettings(ctx, want, Actor{Role: app.RoleSystem}, "fields=name"); err != nil {
			t.Fatal(err)
		}
		want.Name, want.Logo, want.LogoType = "Beispiel AG", nil, ""
		if err := db.SaveSettings(ctx, want, Actor{Role: app.RoleSystem}, "fields=name"); err != nil {
			t.Fatal(err)
		}
		got, err := db.Settings(ctx)
		if err != nil || got.Name != "Beispiel AG" || got.PrivacyContact != want.PrivacyContact || got.TimeZone != "Europe/Berlin" ||
			!bytes.Equal(got.Logo, nil) || got.LogoType != "" {
			t.Fatalf("after two saves: %+v, %v", got, err)
		}
		if !db.pg && db.Generation() == gen {
			t.Error("a save did not count as a change")
		}
	})
}
