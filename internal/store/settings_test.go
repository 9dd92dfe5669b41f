package store

import (
	"bytes"
	"context"
	"database/sql"
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

// JoinedPeople counts active employees and HR with a password or a
// provider identity; admins, invited accounts and deactivated ones do not
// count; on both engines.
func TestJoinedPeople(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		mk := func(email, role, hash string) int64 {
			id, err := db.CreateUser(ctx, app.NewUser{Email: email, Name: "X", Role: role, PasswordHash: hash})
			if err != nil {
				t.Fatal(err)
			}
			return id
		}
		mk("admin@example.com", app.RoleAdmin, "h")
		mk("invited@example.com", app.RoleEmployee, "")
		if n, err := db.JoinedPeople(ctx); err != nil || n != 0 {
			t.Fatalf("before anyone joined: %d %v", n, err)
		}
		mk("erika@example.com", app.RoleEmployee, "h")
		mk("hanna@example.com", app.RoleHR, "h")
		sso := mk("sso@example.com", app.RoleEmployee, "")
		if err := db.tx(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `UPDATE users SET oidc_issuer = 'https://idp.example', oidc_subject = 's1' WHERE id = ?`, sso)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		gone := mk("gone@example.com", app.RoleEmployee, "h")
		if err := db.UpdateAccount(ctx, gone, app.AccountChange{Email: "gone@example.com", Name: "X", Role: app.RoleEmployee, Active: false}, Actor{Role: app.RoleSystem}); err != nil {
			t.Fatal(err)
		}
		if n, err := db.JoinedPeople(ctx); err != nil || n != 3 {
			t.Fatalf("joined: %d %v, want 3", n, err)
		}
	})
}
