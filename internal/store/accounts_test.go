package store

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"kipass/internal/errs"
)

func TestListUsersSearchFilterPage(t *testing.T) { eachEngine(t, testListUsersSearchFilterPage) }

func testListUsersSearchFilterPage(t *testing.T, db *DB) {
	ctx := context.Background()
	for i, n := range []string{"Erika Muster", "Max Mustermann", "Anna 100%_Sicher", "Zoë Öztürk"} {
		dept := map[bool]string{true: "Sales", false: "IT"}[i%2 == 0]
		if _, err := db.CreateUser(ctx, NewUser{Email: strings.ToLower(strings.Fields(n)[0]) + "@example.com", Name: n, Department: dept, Role: RoleEmployee}); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		f    UserFilter
		want []string
		n    int
	}{
		{UserFilter{Query: "muster"}, []string{"Erika Muster", "Max Mustermann"}, 2},
		{UserFilter{Query: "MAX@"}, []string{"Max Mustermann"}, 1},
		{UserFilter{Query: "%"}, []string{"Anna 100%_Sicher"}, 1}, // LIKE wildcards are literal
		{UserFilter{Query: "_"}, []string{"Anna 100%_Sicher"}, 1},
		{UserFilter{Department: "IT"}, []string{"Max Mustermann", "Zoë Öztürk"}, 2},
		{UserFilter{Limit: 2, Offset: 2}, []string{"Max Mustermann", "Zoë Öztürk"}, 4},
		{UserFilter{Role: RoleAdmin}, nil, 0},
		{UserFilter{Department: "nope"}, nil, 0},
	} {
		got, n, err := db.ListUsers(ctx, tc.f)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, u := range got {
			names = append(names, u.Name)
		}
		if strings.Join(names, "|") != strings.Join(tc.want, "|") || n != tc.n {
			t.Errorf("%+v: got %v (%d), want %v (%d)", tc.f, names, n, tc.want, tc.n)
		}
	}
}

func TestUpdateAccountDeactivatesAndAudits(t *testing.T) {
	eachEngine(t, testUpdateAccountDeactivatesAndAudits)
}

func testUpdateAccountDeactivatesAndAudits(t *testing.T, db *DB) {
	ctx := context.Background()
	admin, _ := db.CreateUser(ctx, NewUser{Email: "a@example.com", Name: "Ada", Role: RoleAdmin})
	uid, _ := db.CreateUser(ctx, NewUser{Email: "e@example.com", Name: "Erika", Department: "Sales", Role: RoleEmployee})
	db.CreateSession(ctx, hash("s1"), uid, SessionBrowser, time.Now().Add(time.Hour))
	by := Actor{ID: admin, Role: RoleAdmin}

	// Role change to HR limited to two departments; sessions end.
	if err := db.UpdateAccount(ctx, uid, AccountChange{Name: "Erika M.", Department: "HR", Role: RoleHR, Active: true, HRDepartments: []string{"Sales", "IT"}}, by); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SessionByHash(ctx, hash("s1"), time.Hour); err == nil {
		t.Fatal("session survived a role change")
	}
	if d, _ := db.HRDepartments(ctx, uid); strings.Join(d, ",") != "IT,Sales" {
		t.Fatalf("hr departments %v", d)
	}
	// Deactivate: inactive with a time; sessions end; reactivating clears it.
	db.CreateSession(ctx, hash("s2"), uid, SessionBrowser, time.Now().Add(time.Hour))
	if err := db.UpdateAccount(ctx, uid, AccountChange{Name: "Erika M.", Department: "HR", Role: RoleEmployee, Active: false}, by); err != nil {
		t.Fatal(err)
	}
	u, _ := db.UserByID(ctx, uid)
	if u.Active || u.DeactivatedAt == 0 {
		t.Fatalf("not deactivated: %+v", u)
	}
	if _, err := db.SessionByHash(ctx, hash("s2"), time.Hour); err == nil {
		t.Fatal("session survived deactivation")
	}
	if d, _ := db.HRDepartments(ctx, uid); len(d) != 0 {
		t.Fatalf("hr limits kept for an employee: %v", d)
	}
	entries, n, err := db.AuditLog(ctx, AuditFilter{SubjectID: uid})
	if err != nil || n != 2 {
		t.Fatalf("audit: %d %v", n, err)
	}
	if e := entries[0]; e.Action != "account.updated" || e.ActorID != admin || e.ActorRole != RoleAdmin || !strings.Contains(e.Detail, "deactivated") {
		t.Fatalf("newest entry %+v", e)
	}
	for _, e := range entries {
		if strings.Contains(e.Detail, "Erika") || strings.Contains(e.Detail, "@") {
			t.Fatalf("personal data in the audit log: %q", e.Detail)
		}
	}
	// The last admin can neither be demoted nor deactivated.
	for _, ch := range []AccountChange{{Name: "Ada", Role: RoleEmployee, Active: true}, {Name: "Ada", Role: RoleAdmin, Active: false}} {
		if err := db.UpdateAccount(ctx, admin, ch, by); errs.KindOf(err) != errs.Conflict {
			t.Fatalf("last admin change %+v: %v", ch, err)
		}
	}
	if err := db.UpdateAccount(ctx, 999, AccountChange{Name: "x", Role: RoleEmployee, Active: true}, by); errs.KindOf(err) != errs.NotFound {
		t.Fatalf("missing account: %v", err)
	}
}

func TestResetLinkAndInvitedUser(t *testing.T) { eachEngine(t, testResetLinkAndInvitedUser) }

func testResetLinkAndInvitedUser(t *testing.T, db *DB) {
	ctx := context.Background()
	by := Actor{ID: 0, Role: RoleAdmin}
	uid, err := db.CreateInvitedUser(ctx, NewUser{Email: "n@example.com", Name: "Neu", Role: RoleEmployee}, hash("invite"), time.Now().Add(time.Hour), by)
	if err != nil {
		t.Fatal(err)
	}
	if ok, _ := db.InviteValid(ctx, hash("invite")); !ok {
		t.Fatal("invite not valid")
	}
	if _, err := db.CreateInvitedUser(ctx, NewUser{Email: "n@example.com", Name: "Neu", Role: RoleEmployee}, hash("i2"), time.Now().Add(time.Hour), by); errs.KindOf(err) != errs.Conflict {
		t.Fatalf("duplicate: %v", err)
	}
	if err := db.CreateResetLink(ctx, uid, hash("r1"), time.Now().Add(time.Hour), by); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateResetLink(ctx, uid, hash("r2"), time.Now().Add(time.Hour), by); err != nil {
		t.Fatal(err)
	}
	if ok, _ := db.InviteValid(ctx, hash("r1")); ok {
		t.Fatal("an older reset link still works")
	}
	if _, err := db.SetPasswordWithToken(ctx, hash("r2"), "newhash"); err != nil {
		t.Fatal(err)
	}
	if u, _ := db.UserByID(ctx, uid); u.PasswordHash != "newhash" {
		t.Fatal("password not set")
	}
	if err := db.CreateResetLink(ctx, 12345, hash("r3"), time.Now().Add(time.Hour), by); errs.KindOf(err) != errs.NotFound {
		t.Fatalf("reset for a missing account: %v", err)
	}
}

func TestRetention(t *testing.T) { eachEngine(t, testRetention) }

func testRetention(t *testing.T, db *DB) {
	ctx := context.Background()
	now := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	old := now.AddDate(0, 0, -100)
	uid, _ := db.CreateUser(ctx, NewUser{Email: "e@example.com", Name: "Erika", Role: RoleEmployee})
	gone, _ := db.CreateUser(ctx, NewUser{Email: "g@example.com", Name: "Gone", Role: RoleEmployee})
	passExam(t, db, uid, 1, old)
	passExam(t, db, uid, 2, now.AddDate(0, 0, -10))
	db.write.Exec(`UPDATE users SET active = FALSE, deactivated_at = ? WHERE id = ?`, now.AddDate(0, -13, 0).Unix(), gone)
	db.write.Exec(`INSERT INTO audit_log (at, actor_role, action) VALUES (?, 'system', 'old.entry')`, now.AddDate(-2, 0, 0).Unix())

	res, err := db.ApplyRetention(ctx, Retention{AnswerDays: 90, DeactivatedMonths: 12, AuditMonths: 12}, now)
	if err != nil {
		t.Fatal(err)
	}
	if res != (RetentionResult{AnswersCleared: 1, AccountsErased: 1, AuditDeleted: 1}) {
		t.Fatalf("result %+v", res)
	}
	ex, _ := db.ExportUser(ctx, uid)
	for _, a := range ex.Attempts {
		var r map[string]any
		json.Unmarshal(a.Result, &r)
		oldOne := a.ID == "exam-1"
		if oldOne != (a.Answers == nil) {
			t.Errorf("%s: answers %q", a.ID, a.Answers)
		}
		if !a.Passed || a.ScorePercent != 100 || r["certificate_id"] == nil {
			t.Errorf("%s: score or pass lost: %+v %v", a.ID, a, r)
		}
	}
	if _, err := db.UserByID(ctx, gone); errs.KindOf(err) != errs.NotFound {
		t.Fatal("long-deactivated account kept")
	}
	if _, n, _ := db.AuditLog(ctx, AuditFilter{Action: "account.erased"}); n != 1 {
		t.Fatalf("%d erasure lines for one erased account", n)
	}
	entries, _, _ := db.AuditLog(ctx, AuditFilter{Action: "retention.run"})
	if len(entries) != 1 || entries[0].Detail != "answers_cleared=1 accounts_erased=1 audit_deleted=1" {
		t.Fatalf("run not audited: %+v", entries)
	}
	// A second run finds nothing more, and still writes its line.
	if res, _ := db.ApplyRetention(ctx, Retention{AnswerDays: 90, DeactivatedMonths: 12, AuditMonths: 12}, now); res != (RetentionResult{}) {
		t.Fatalf("second run %+v", res)
	}
	if _, n, _ := db.AuditLog(ctx, AuditFilter{Action: "retention.run"}); n != 2 {
		t.Fatalf("%d run lines", n)
	}
}
