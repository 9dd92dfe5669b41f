package store

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// After erasure neither the database file nor its WAL holds the email; and
// without keeping certificates, not the name either.
func TestEraseUserLeavesNoCopy(t *testing.T) {
	for _, keep := range []bool{false, true} {
		dir := t.TempDir()
		ctx := context.Background()
		db, err := Open(ctx, dir)
		if err != nil {
			t.Fatal(err)
		}
		email, name := "unique-erika-7731@example.com", "Erikaunique Mustermannunique"
		uid, _ := db.CreateUser(ctx, NewUser{Email: email, Name: name, Role: RoleEmployee, PasswordHash: "x"})
		db.CreateSession(ctx, hash("s"), uid, SessionBrowser, time.Now().Add(time.Hour))
		passExam(t, db, uid, 1, time.Now())
		ex, err := db.ExportUser(ctx, uid)
		if err != nil || ex.User.Email != email || len(ex.Attempts) != 1 || len(ex.Certificates) != 1 {
			t.Fatalf("export: %+v %v", ex, err)
		}
		if err := db.EraseUser(ctx, uid, keep, hash("login"), Actor{ID: uid, Role: RoleEmployee}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.UserByID(ctx, uid); err == nil {
			t.Fatal("user still there")
		}
		var n int
		db.read.QueryRow(`SELECT (SELECT count(*) FROM sessions) + (SELECT count(*) FROM attempts) + (SELECT count(*) FROM module_passes)`).Scan(&n)
		if n != 0 {
			t.Fatalf("%d rows left", n)
		}
		c, err := db.CertificateByID(ctx, "cert-1")
		if err != nil || c.UserID != 0 || c.AttemptID != "" {
			t.Fatalf("certificate after erasure: %+v %v", c, err)
		}
		if keep != !c.Revoked() || (keep && c.HolderName != "Erika") || (!keep && c.HolderName != "") {
			t.Fatalf("keep=%v: %+v", keep, c)
		}
		db.Close()
		for _, f := range []string{FileName, FileName + "-wal"} {
			b, err := os.ReadFile(filepath.Join(dir, f))
			if err != nil && !os.IsNotExist(err) {
				t.Fatal(err)
			}
			if bytes.Contains(b, []byte(email)) {
				t.Errorf("keep=%v: %s still holds the email", keep, f)
			}
			if !keep && bytes.Contains(b, []byte("Erikaunique")) {
				t.Errorf("%s still holds the name", f)
			}
		}
	}
}
