package store

import (
	"context"
	"errors"
	"testing"
	"time"

	"kipass/internal/errs"
)

// The department list, invitations and password changes (written for
// SQLite before PostgreSQL arrived) behave alike on both engines: a taken
// department name is a conflict, counts see only active people, a merge
// keeps an HR account limited to both departments once, and invitations
// and password changes ignore deactivated accounts.
func TestDepartmentsInvitesPasswordsOnBothEngines(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		sys := Actor{Role: RoleSystem}
		if err := db.CreateDepartment(ctx, "Lager", sys); err != nil {
			t.Fatal(err)
		}
		if err := db.CreateDepartment(ctx, "Lager", sys); codeOf(err) != "department_exists" {
			t.Fatalf("second Lager: %v", err)
		}
		hr, err := db.CreateUser(ctx, NewUser{Email: "hr@example.com", Name: "H", Department: "Vertrieb", Role: RoleHR,
			HRDepartments: []string{"Sales", "Vertrieb"}, PasswordHash: "x"})
		if err != nil {
			t.Fatal(err)
		}
		sam, err := db.CreateUser(ctx, NewUser{Email: "sam@example.com", Name: "S", Department: "Sales", Role: RoleEmployee, PasswordHash: "x"})
		if err != nil {
			t.Fatal(err)
		}
		gone, err := db.CreateUser(ctx, NewUser{Email: "gone@example.com", Name: "G", Department: "Sales", Role: RoleEmployee})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.UpdateAccount(ctx, gone, AccountChange{Name: "G", Department: "Sales", Role: RoleEmployee, Active: false}, sys); err != nil {
			t.Fatal(err)
		}
		if known, people, err := db.DepartmentPeople(ctx, "Sales"); err != nil || !known || people != 1 {
			t.Fatalf("Sales: known %v, %d people, %v; want listed with 1 active", known, people, err)
		}
		moved, err := db.MergeDepartments(ctx, [][2]string{{"Sales", "Vertrieb"}}, sys)
		if err != nil || moved != 2 {
			t.Fatalf("merge moved %d: %v", moved, err)
		}
		if d, _ := db.HRDepartments(ctx, hr); len(d) != 1 || d[0] != "Vertrieb" {
			t.Fatalf("HR limits after the merge: %v", d)
		}
		list, err := db.DepartmentList(ctx)
		if err != nil || len(list) != 2 || list[0].Name != "Lager" || list[1].Name != "Vertrieb" || list[1].People != 2 {
			t.Fatalf("list %+v: %v", list, err)
		}

		inv, err := db.CreateInvitedUser(ctx, NewUser{Email: "new@example.com", Name: "N", Role: RoleEmployee}, hash("i1"), time.Now().Add(time.Hour), sys)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.ReissueInvite(ctx, inv, hash("i2"), time.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if at, pending, err := db.InvitedAt(ctx, inv); err != nil || at.IsZero() || !pending {
			t.Fatalf("invited at %v, pending %v: %v", at, pending, err)
		}
		if err := db.ReissueInvite(ctx, sam, hash("i3"), time.Now().Add(time.Hour)); codeOf(err) != "not_invited" {
			t.Fatalf("reinviting a person with a password: %v", err)
		}

		if err := db.CreateMailedResetLink(ctx, gone, hash("r1"), time.Now().Add(time.Hour)); !errors.Is(err, errNoUser) {
			t.Fatalf("reset link for a deactivated account: %v", err)
		}
		if err := db.CreateMailedResetLink(ctx, sam, hash("r2"), time.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if err := db.ChangePassword(ctx, gone, "y", nil); !errors.Is(err, errNoUser) {
			t.Fatalf("password change of a deactivated account: %v", err)
		}
		if err := db.ChangePassword(ctx, sam, "y", nil); err != nil {
			t.Fatal(err)
		}
		if n, _ := db.ResetLinksSince(ctx, sam, time.Unix(0, 0)); n != 0 {
			t.Fatalf("%d reset links left after the password change", n)
		}
	})
}

// codeOf is the application error code of err ("" for none).
func codeOf(err error) string {
	if e := errs.As(err); e != nil {
		return e.Code
	}
	return ""
}
