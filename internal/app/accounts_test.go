package app_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"kipass/internal/app"
	"kipass/internal/auth"
	"kipass/internal/errs"
	"kipass/internal/mail"
	"kipass/internal/reports"
)

var erika = auth.Registration{Name: " Erika  Mustermann ", Email: " Erika@Example.com", Password: "correct horse battery", Department: "Vertrieb"}

func TestRegisterAndAuthenticate(t *testing.T) {
	ctx := context.Background()
	closed := newFixture(t, app.Config{})
	if _, err := closed.app.Register(ctx, erika, "de"); code(err) != "registration_closed" {
		t.Fatalf("registration off: %v", err)
	}
	f := newFixture(t, app.Config{Registration: true, AccountLimit: 3})
	// The department is picked from the admin-kept list: an unlisted one
	// is refused (also while the list is empty) and creates nothing.
	if _, err := f.app.Register(ctx, erika, "en"); code(err) != "unknown_department" || errs.As(err).Fields["department"] != "unknown_department" {
		t.Fatalf("unlisted department: %v", err)
	}
	if _, err := f.db.UserByEmail(ctx, "erika@example.com"); err == nil {
		t.Fatal("an account was created with an unlisted department")
	}
	listDepartment(t, f, "Vertrieb")
	id, err := f.app.Register(ctx, erika, "en")
	if err != nil {
		t.Fatal(err)
	}
	u, _ := f.db.UserByID(ctx, id)
	if u.Email != "erika@example.com" || u.Name != "Erika Mustermann" || u.Role != app.RoleEmployee || u.Lang != "en" {
		t.Fatalf("account %+v", u)
	}
	// One email_taken error, whichever way the address is written.
	again := erika
	again.Email = "ERIKA@example.com "
	if _, err := f.app.Register(ctx, again, "de"); !errors.Is(err, app.ErrEmailTaken) || errs.As(err).Fields["email"] != "email_taken" {
		t.Fatalf("second registration: %v", err)
	}
	if u, err := f.app.Authenticate(ctx, "erika@EXAMPLE.com", erika.Password); err != nil || u.ID != id {
		t.Fatalf("login: %v", err)
	}
	// Unknown accounts and wrong passwords get the same answer; the
	// account is throttled after AccountLimit failures, even for the
	// right password.
	if _, err := f.app.Authenticate(ctx, "nobody@example.com", erika.Password); !errors.Is(err, app.ErrBadCredentials) {
		t.Fatalf("unknown account: %v", err)
	}
	for range 3 {
		if _, err := f.app.Authenticate(ctx, "erika@example.com", "wrong password"); !errors.Is(err, app.ErrBadCredentials) {
			t.Fatalf("wrong password: %v", err)
		}
	}
	if _, err := f.app.Authenticate(ctx, "erika@example.com", erika.Password); code(err) != "too_many_attempts" {
		t.Fatalf("after the limit: %v", err)
	}
	f.now = f.now.Add(16 * time.Minute)
	if _, err := f.app.Authenticate(ctx, "erika@example.com", erika.Password); err != nil {
		t.Fatalf("after the window: %v", err)
	}
}

// listDepartment puts a department on the admin-kept list.
func listDepartment(t *testing.T, f *fixture, name string) {
	t.Helper()
	if err := f.db.CreateDepartment(context.Background(), name, app.Actor{Role: app.RoleAdmin}); err != nil {
		t.Fatal(err)
	}
}

func TestErase(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, app.Config{Registration: true})
	listDepartment(t, f, "Vertrieb")
	id, err := f.app.Register(ctx, erika, "de")
	if err != nil {
		t.Fatal(err)
	}
	u, _ := f.db.UserByID(ctx, id)
	other := f.user("max@example.com", app.RoleEmployee)
	if err := f.app.Erase(ctx, other, u.ID, "x", true); errs.KindOf(err) != errs.Forbidden {
		t.Fatalf("someone else's account: %v", err)
	}
	if err := f.app.Erase(ctx, u, u.ID, "wrong password", true); !errors.Is(err, app.ErrWrongPassword) {
		t.Fatalf("wrong password: %v", err)
	}
	// The only admin cannot be erased, not even by themselves.
	hash, _ := auth.NewHasher(auth.Params{Memory: 64, Time: 1, Threads: 1}, 1).Hash(ctx, "admin password 1")
	aid, _ := f.db.CreateUser(ctx, app.NewUser{Email: "admin@example.com", Name: "Admin", Role: app.RoleAdmin, PasswordHash: hash})
	admin, _ := f.db.UserByID(ctx, aid)
	if err := f.app.Erase(ctx, admin, admin.ID, "admin password 1", true); code(err) != "last_admin" {
		t.Fatalf("last admin: %v", err)
	}
	if err := f.app.Erase(ctx, admin, u.ID, "admin password 1", false); err != nil {
		t.Fatalf("admin erases: %v", err)
	}
	if _, err := f.db.UserByID(ctx, u.ID); errs.KindOf(err) != errs.NotFound {
		t.Fatalf("account still there: %v", err)
	}
}

func TestImport(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, app.Config{})
	f.user("max@example.com", app.RoleEmployee)
	admin := f.user("admin@example.com", app.RoleAdmin)
	rows := []app.ImportRow{{Email: "max@example.com", Name: "Max", Department: "IT", Role: app.RoleEmployee},
		{Email: "new@example.com", Name: "Neu", Department: "IT", Role: app.RoleHR}}
	employee := f.user("e@example.com", app.RoleEmployee)
	if _, err := f.app.Import(ctx, app.Actor{ID: employee.ID, Role: employee.Role}, rows, nil); errs.KindOf(err) != errs.Forbidden {
		t.Fatalf("employee imports: %v", err)
	}
	done, err := f.app.Import(ctx, app.Actor{ID: admin.ID, Role: admin.Role}, rows, nil)
	if err != nil || done.Updated != 1 || len(done.Invites) != 1 || done.Invites[0].Email != "new@example.com" || len(done.Invites[0].Token) < 40 {
		t.Fatalf("import: %+v %v", done, err)
	}
	if ok, err := f.db.InviteValid(ctx, auth.HashToken(done.Invites[0].Token)); err != nil || !ok {
		t.Fatalf("invitation: %v %v", ok, err)
	}
}

func TestHRReportAndAssignments(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, app.Config{})
	admin := f.user("admin@example.com", app.RoleAdmin)
	hr := f.user("hr@example.com", app.RoleHR)
	if err := f.db.UpdateAccount(ctx, hr.ID, app.AccountChange{Name: hr.Name, Role: app.RoleHR, Active: true, HRDepartments: []string{"IT"}},
		app.Actor{ID: admin.ID, Role: admin.Role}); err != nil {
		t.Fatal(err)
	}
	it := f.user("it@example.com", app.RoleEmployee)
	if err := f.db.UpdateAccount(ctx, it.ID, app.AccountChange{Name: it.Name, Department: "IT", Role: app.RoleEmployee, Active: true},
		app.Actor{ID: admin.ID, Role: admin.Role}); err != nil {
		t.Fatal(err)
	}
	if scope, err := f.app.HRScope(ctx, hr); err != nil || len(scope) != 1 || scope[0] != "IT" {
		t.Fatalf("scope %v %v", scope, err)
	}
	// Limited HR may not assign to everyone, nor outside its departments.
	due := f.now.AddDate(0, 0, 3).Format("2006-01-02")
	if _, err := f.app.Assign(ctx, hr, app.AssignmentInput{Course: courseID, Scope: app.ScopeAll, DueAt: due}); errs.As(err).Fields["scope"] != "not_allowed" {
		t.Fatalf("HR assigns to all: %v", err)
	}
	if _, err := f.app.Assign(ctx, hr, app.AssignmentInput{Course: courseID, Scope: app.ScopeDepartment, Department: "Vertrieb", DueAt: due}); errs.As(err).Fields["department"] != "not_allowed" {
		t.Fatalf("HR assigns outside: %v", err)
	}
	as, err := f.app.Assign(ctx, hr, app.AssignmentInput{Course: courseID, Scope: app.ScopeDepartment, Department: "IT", DueAt: due})
	if err != nil || as.ID == 0 {
		t.Fatalf("assign: %+v %v", as, err)
	}
	rows, _, err := f.app.HRReport(ctx, courseID, []string{"IT"})
	if err != nil || len(rows) != 1 || rows[0].UserID != it.ID || rows[0].Status != reports.NotStarted || rows[0].Due.IsZero() {
		t.Fatalf("report %+v %v", rows, err)
	}
	// Four days later the assignment is overdue.
	f.now = f.now.AddDate(0, 0, 4)
	if rows, _, _ = f.app.HRReport(ctx, courseID, []string{"IT"}); rows[0].Status != reports.Overdue {
		t.Fatalf("status %q, want overdue", rows[0].Status)
	}
	if err := f.app.Unassign(ctx, hr, as.ID); err != nil {
		t.Fatal(err)
	}
	if list, _, _ := f.app.Assignments(ctx, hr); len(list) != 0 {
		t.Fatalf("assignments %+v", list)
	}
}

func TestSetupTokenAndCreateAccount(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, app.Config{})
	tok, err := f.app.SetupToken(ctx)
	if err != nil || tok == "" {
		t.Fatalf("setup token: %q %v", tok, err)
	}
	if ok, _ := f.app.SetupValid(ctx, tok); !ok {
		t.Fatal("fresh setup token not valid")
	}
	if _, err := f.app.CreateAccount(ctx, erika, "boss"); errs.KindOf(err) != errs.Invalid {
		t.Fatalf("bad role: %v", err)
	}
	a := erika
	a.Email = "ada@example.com"
	if _, err := f.app.CreateAccount(ctx, a, app.RoleAdmin); err != nil {
		t.Fatal(err)
	}
	if _, err := f.app.CreateAccount(ctx, a, app.RoleHR); !errors.Is(err, app.ErrEmailTaken) {
		t.Fatalf("taken: %v", err)
	}
	// With an admin there is no setup link, and the old one stops working.
	if tok2, err := f.app.SetupToken(ctx); err != nil || tok2 != "" {
		t.Fatalf("setup token with an admin: %q %v", tok2, err)
	}
	if ok, _ := f.app.SetupValid(ctx, tok); ok {
		t.Fatal("setup token valid with an admin")
	}
	// The weekly summary goes to admins and unlimited HR.
	hr := f.user("hr@example.com", app.RoleHR)
	limited := f.user("hr2@example.com", app.RoleHR)
	f.db.UpdateAccount(ctx, limited.ID, app.AccountChange{Name: limited.Name, Role: app.RoleHR, Active: true, HRDepartments: []string{"IT"}}, app.Actor{ID: 1, Role: app.RoleAdmin})
	f.user("e@example.com", app.RoleEmployee)
	to, err := f.app.SummaryRecipients(ctx)
	if err != nil || len(to) != 2 || to[0].ID != hr.ID || to[1].Email != "ada@example.com" {
		t.Fatalf("recipients %+v %v", to, err)
	}
}

// slowSender holds every email until release is closed.
type slowSender struct {
	release chan struct{}
	sent    chan mail.Message
}

func (s slowSender) Send(ctx context.Context, m mail.Message) error {
	select {
	case <-s.release:
		s.sent <- m
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// TestWaitBackgroundWaitsForResetEmails: the reset email leaves after the
// answer, and a shutdown that calls WaitBackground does not cut it off.
func TestWaitBackgroundWaitsForResetEmails(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, app.Config{})
	f.user("erika@example.com", app.RoleEmployee)
	sender := slowSender{release: make(chan struct{}), sent: make(chan mail.Message, 1)}
	uc := app.New(app.Deps{Accounts: f.db, Passwords: f.db, Sessions: f.db, Audit: f.db, ResetMail: sender,
		Hasher: auth.NewHasher(auth.Params{Memory: 64, Time: 1, Threads: 1}, 1), Now: func() time.Time { return f.now }})
	if err := uc.RequestPasswordReset(ctx, "erika@example.com", "de", "https://kipass.example"); err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if err := uc.WaitBackground(short); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("wait with the email still held: %v, want the deadline", err)
	}
	close(sender.release)
	if err := uc.WaitBackground(ctx); err != nil {
		t.Fatalf("wait after the release: %v", err)
	}
	select {
	case m := <-sender.sent:
		if m.Kind != "password_reset" {
			t.Fatalf("sent %q", m.Kind)
		}
	default:
		t.Fatal("WaitBackground returned before the email was sent")
	}
}

// The per-address limit: AddressLimit failed logins from one address in
// the window that starts with its first failure, then too_many_attempts
// for any account from it (also with the right password), while other
// addresses are not affected. A second App on the same database with the
// same AddressKey (another instance) shares the count; one with another
// key counts apart, since the database holds only the keyed hash.
func TestAuthenticateFromAddress(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, app.Config{Registration: true, AddressLimit: 3})
	noDept := erika
	noDept.Department = "" // self-registration picks only listed departments
	if _, err := f.app.Register(ctx, noDept, "de"); err != nil {
		t.Fatal(err)
	}
	key := []byte("instances' shared address key 32")
	instance := func(key []byte) *app.App {
		return app.New(app.Deps{Config: app.Config{AddressLimit: 3}, Accounts: f.db, AddressKey: key,
			Hasher: auth.NewHasher(auth.Params{Memory: 64, Time: 1, Threads: 1}, 2), Now: func() time.Time { return f.now }})
	}
	a, b, stranger := instance(key), instance(key), instance([]byte("another installation's key, 32 b"))
	const addr = "198.51.100.7"
	for i, s := range []*app.App{a, b, a} {
		if _, err := s.AuthenticateFrom(ctx, string(rune('a'+i))+"@example.com", "wrong", addr); !errors.Is(err, app.ErrBadCredentials) {
			t.Fatalf("failure %d: %v", i, err)
		}
		f.now = f.now.Add(time.Minute)
	}
	for _, s := range []*app.App{a, b} {
		if _, err := s.AuthenticateFrom(ctx, "erika@example.com", erika.Password, addr); code(err) != "too_many_attempts" {
			t.Fatalf("after the address's limit: %v", err)
		}
	}
	if _, err := b.AuthenticateFrom(ctx, "erika@example.com", erika.Password, "203.0.113.1"); err != nil {
		t.Fatalf("another address: %v", err)
	}
	if _, err := stranger.AuthenticateFrom(ctx, "erika@example.com", erika.Password, addr); err != nil {
		t.Fatalf("an App with another key counts apart: %v", err)
	}
	// The window began with the first failure, three minutes ago.
	f.now = f.now.Add(12*time.Minute - time.Second)
	if _, err := a.AuthenticateFrom(ctx, "erika@example.com", erika.Password, addr); code(err) != "too_many_attempts" {
		t.Fatalf("a second before the window ends: %v", err)
	}
	f.now = f.now.Add(time.Second)
	if _, err := a.AuthenticateFrom(ctx, "erika@example.com", erika.Password, addr); err != nil {
		t.Fatalf("after the window: %v", err)
	}
}
