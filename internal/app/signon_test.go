package app_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"kipass/internal/app"
	"kipass/internal/sso"
)

const testIssuer = "https://idp.example.com"

func signOnFixture(t *testing.T, roles string, breakGlass string) (*fixture, *app.SignOn) {
	t.Helper()
	f := newFixture(t, app.Config{})
	m, err := sso.ParseRoles(roles)
	if err != nil {
		t.Fatal(err)
	}
	cfg := sso.Config{Enabled: true, Issuer: testIssuer, ProviderName: "IdP", Roles: m, PasswordLogin: breakGlass == "", BreakGlassAdmin: breakGlass}
	return f, f.app.SignOn(f.db, cfg)
}

func auditActions(t *testing.T, f *fixture, subject int64) string {
	t.Helper()
	entries, _, err := f.db.AuditLog(context.Background(), app.AuditFilter{SubjectID: subject})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for i := len(entries) - 1; i >= 0; i-- {
		out = append(out, entries[i].Action+"("+entries[i].Detail+")")
	}
	return strings.Join(out, " ")
}

func TestSignOnCreatesLinksAndUpdates(t *testing.T) {
	ctx := context.Background()
	f, so := signOnFixture(t, "hr=kipass-hr,admin=kipass-admins", "")
	dept := func(s string) sso.Identity {
		return sso.Identity{Issuer: testIssuer, Subject: "sub-1", Email: "Erika@Example.com", EmailVerified: true, Name: "Erika M",
			Department: s, HasDepartment: true, Groups: []string{"staff"}}
	}
	// Just in time: a new employee with the department from the claim.
	u, err := so.SignIn(ctx, dept("Vertrieb"))
	if err != nil {
		t.Fatal(err)
	}
	if u.Email != "erika@example.com" || u.Name != "Erika M" || u.Department != "Vertrieb" || u.Role != app.RoleEmployee || !u.Active || u.PasswordHash != "" {
		t.Fatalf("created %+v", u)
	}
	// The same identity again, moved to another department and into the
	// HR group: the same account, updated, its sessions ended.
	if _, _, err := f.app.StartSession(ctx, u.ID, app.SessionBrowser, time.Hour); err != nil {
		t.Fatal(err)
	}
	id := dept("Personal")
	id.Groups = []string{"kipass-hr"}
	id.Email = "erika.new@example.com" // a changed email does not move the account
	u2, err := so.SignIn(ctx, id)
	if err != nil || u2.ID != u.ID || u2.Role != app.RoleHR || u2.Department != "Personal" || u2.Email != "erika@example.com" {
		t.Fatalf("update: %+v %v", u2, err)
	}
	exp, _ := f.db.ExportUser(ctx, u.ID)
	if len(exp.Sessions) != 0 {
		t.Fatalf("role change left %d sessions", len(exp.Sessions))
	}
	if got := auditActions(t, f, u.ID); got != `account.created(single sign-on; role employee) account.sso_updated(single sign-on: department "Vertrieb" -> "Personal"; role employee -> hr)` {
		t.Fatalf("audit: %s", got)
	}
	// Nothing changed: no audit entry.
	if _, err := so.SignIn(ctx, id); err != nil {
		t.Fatal(err)
	}
	if got := auditActions(t, f, u.ID); strings.Count(got, "account.") != 2 {
		t.Fatalf("audit after an unchanged sign-in: %s", got)
	}
}

func TestSignOnLinksOnlyVerifiedEmailsAndRefusesTakeover(t *testing.T) {
	ctx := context.Background()
	f, so := signOnFixture(t, "", "")
	max := f.user("max@example.com", app.RoleAdmin) // made on /admin or by CSV import
	unverified := sso.Identity{Issuer: testIssuer, Subject: "sub-max", Email: "max@example.com", Name: "Max"}
	if _, err := so.SignIn(ctx, unverified); code(err) != sso.CodeEmailUnverified {
		t.Fatalf("unverified email: %v", err)
	}
	if got := auditActions(t, f, max.ID); got != "" {
		t.Fatalf("a refused sign-in changed something: %s", got)
	}
	verified := unverified
	verified.EmailVerified = true
	u, err := so.SignIn(ctx, verified)
	// Without --oidc-roles the role stays as kept in kipass.
	if err != nil || u.ID != max.ID || u.Role != app.RoleAdmin || u.Name != "Max" {
		t.Fatalf("link: %+v %v", u, err)
	}
	if got := auditActions(t, f, max.ID); got != "account.sso_linked(single sign-on: provider identity linked; name changed)" {
		t.Fatalf("audit: %s", got)
	}
	// Another identity with the same verified email: no takeover.
	other := verified
	other.Subject = "sub-attacker"
	if _, err := so.SignIn(ctx, other); code(err) != sso.CodeSubjectMismatch {
		t.Fatalf("takeover: %v", err)
	}
	// A deactivated account cannot sign in through the provider.
	if err := f.db.UpdateAccount(ctx, max.ID, app.AccountChange{Name: "Max", Role: app.RoleEmployee, Active: false}, app.Actor{Role: app.RoleSystem}); err == nil {
		t.Fatal("deactivated the last admin")
	}
	f.user("ada@example.com", app.RoleAdmin)
	if err := f.db.UpdateAccount(ctx, max.ID, app.AccountChange{Name: "Max", Role: app.RoleAdmin, Active: false}, app.Actor{Role: app.RoleSystem}); err != nil {
		t.Fatal(err)
	}
	if _, err := so.SignIn(ctx, verified); code(err) != sso.CodeDeactivated {
		t.Fatalf("deactivated: %v", err)
	}
}

func TestSignOnBreakGlassAndPasswords(t *testing.T) {
	ctx := context.Background()
	f, so := signOnFixture(t, "", "root@example.com")
	root := f.user("root@example.com", app.RoleAdmin)
	emp := f.user("emp@example.com", app.RoleEmployee)
	if !so.PasswordAllowed(root) || so.PasswordAllowed(emp) {
		t.Fatal("password rule")
	}
	if _, err := so.SignIn(ctx, sso.Identity{Issuer: testIssuer, Subject: "s", Email: "root@example.com", EmailVerified: true}); code(err) != sso.CodeBreakGlass {
		t.Fatalf("break-glass through the provider: %v", err)
	}
}

func TestSignOnLoginTransactionsAreTakenOnce(t *testing.T) {
	ctx := context.Background()
	f, so := signOnFixture(t, "", "")
	tx := sso.LoginTransaction{ID: "id-1", State: "st", Nonce: "no", Verifier: "ve", Next: "/me", CreatedAt: f.now}
	if err := so.SaveLogin(ctx, tx); err != nil {
		t.Fatal(err)
	}
	got, err := so.TakeLogin(ctx, "id-1")
	if err != nil || got.State != "st" || got.Nonce != "no" || got.Verifier != "ve" || got.Next != "/me" || !got.CreatedAt.Equal(f.now) {
		t.Fatalf("taken %+v %v", got, err)
	}
	if _, err := so.TakeLogin(ctx, "id-1"); code(err) != sso.CodeLoginExpired {
		t.Fatalf("taken twice: %v", err)
	}
	// An expired one is gone too.
	tx.ID = "id-2"
	if err := so.SaveLogin(ctx, tx); err != nil {
		t.Fatal(err)
	}
	f.now = f.now.Add(sso.TransactionTTL + time.Second)
	if _, err := so.TakeLogin(ctx, "id-2"); code(err) != sso.CodeLoginExpired {
		t.Fatalf("expired: %v", err)
	}
}

func TestSignOnUnlinkAfterAProviderMove(t *testing.T) {
	ctx := context.Background()
	f, so := signOnFixture(t, "", "")
	admin := f.user("ada@example.com", app.RoleAdmin)
	old := sso.Identity{Issuer: testIssuer, Subject: "old-sub", Email: "max@example.com", EmailVerified: true, Name: "Max"}
	u, err := so.SignIn(ctx, old)
	if err != nil {
		t.Fatal(err)
	}
	moved := old
	moved.Issuer, moved.Subject = "https://new-idp.example.com", "new-sub"
	if _, err := so.SignIn(ctx, moved); code(err) != sso.CodeSubjectMismatch {
		t.Fatalf("before unlinking: %v", err)
	}
	if err := so.Unlink(ctx, u, u.ID); code(err) != "forbidden" {
		t.Fatalf("an employee unlinked: %v", err)
	}
	if err := so.Unlink(ctx, admin, u.ID); err != nil {
		t.Fatal(err)
	}
	if got, err := so.SignIn(ctx, moved); err != nil || got.ID != u.ID {
		t.Fatalf("after unlinking: %+v %v", got, err)
	}
	if got := auditActions(t, f, u.ID); !strings.Contains(got, "account.sso_unlinked() account.sso_linked") {
		t.Fatalf("audit: %s", got)
	}
}
