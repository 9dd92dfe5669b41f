package web

import (
	"context"
	"io"
	"mime/quotedprintable"
	"net"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	kapp "kipass/internal/app"
	"kipass/internal/mail"
)

// inbox is an in-process SMTP server (go-smtp) that keeps what it receives.
type inbox struct {
	mu   sync.Mutex
	msgs []string
	got  chan struct{}
}

func (b *inbox) NewSession(*smtp.Conn) (smtp.Session, error) { return &inboxSession{b: b}, nil }

type inboxSession struct{ b *inbox }

func (s *inboxSession) Mail(string, *smtp.MailOptions) error { return nil }
func (s *inboxSession) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (s *inboxSession) Reset()                               {}
func (s *inboxSession) Logout() error                        { return nil }
func (s *inboxSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.b.mu.Lock()
	s.b.msgs = append(s.b.msgs, string(b))
	s.b.mu.Unlock()
	s.b.got <- struct{}{}
	return nil
}

// count returns how many messages arrived.
func (b *inbox) count() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.msgs)
}

// next waits for the next message and returns it.
func (b *inbox) next(t *testing.T) string {
	t.Helper()
	select {
	case <-b.got:
	case <-time.After(10 * time.Second):
		t.Fatal("no email arrived")
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.msgs[len(b.msgs)-1]
}

// startInbox runs an SMTP server on a free local port and returns a
// sender that delivers to it.
func startInbox(t *testing.T) (*inbox, mail.Sender) {
	t.Helper()
	b := &inbox{got: make(chan struct{}, 16)}
	srv := smtp.NewServer(b)
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	port := ln.Addr().(*net.TCPAddr).Port
	s, err := mail.New(mail.Config{Host: "127.0.0.1", Port: port, TLS: mail.TLSNone, From: "kipass <noreply@kipass.test>"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return b, s
}

// decodeQP returns the body of a quoted-printable message, decoded.
func decodeQP(msg string) string {
	b, _ := io.ReadAll(quotedprintable.NewReader(strings.NewReader(msg)))
	return string(b)
}

// resetToken pulls the token out of a reset email (quoted-printable).
func resetToken(t *testing.T, msg string) string {
	t.Helper()
	m := regexp.MustCompile(`/password/reset\?token=([A-Za-z0-9_\-]+)`).FindStringSubmatch(decodeQP(msg))
	if m == nil {
		t.Fatalf("no reset link in\n%s", msg)
	}
	return m[1]
}

func TestPasswordResetByEmail(t *testing.T) {
	box, sender := startInbox(t)
	var a *testApp
	a = buildTestAppDeps(t, nil, nil, func(d *kapp.Deps) { d.ResetMail = sender })
	a.t = t
	a.makeUser("erika@example.com", "employee")

	b := a.browser()
	if r := b.get("/password/forgot"); r.status != 200 || !strings.Contains(r.body, `action="/password/forgot"`) {
		t.Fatalf("forgot page: %d", r.status)
	}
	unknown := b.post("/password/forgot", url.Values{"email": {"nobody@example.com"}})
	known := b.post("/password/forgot", url.Values{"email": {"Erika@Example.com"}})
	if unknown.status != 200 || known.status != 200 {
		t.Fatalf("status %d %d", unknown.status, known.status)
	}
	strip := func(s string) string {
		return regexp.MustCompile(`value="[^"]*"|nonce="[^"]*"`).ReplaceAllString(s, "")
	}
	if strip(unknown.body) != strip(known.body) {
		t.Error("the answer for an unknown address differs from a known one")
	}
	msg := box.next(t)
	if !strings.Contains(msg, "erika@example.com") || !strings.Contains(decodeQP(msg), "Passwort Ihres kipass-Kontos zurücksetzen") {
		t.Errorf("mail:\n%s", msg)
	}
	token := resetToken(t, msg)
	if box.count() != 1 {
		t.Errorf("%d emails, want 1 (none for the unknown address)", box.count())
	}

	// The link opens the form; it sets the password once.
	v := a.browser()
	if r := v.get("/password/reset?token=" + token); r.status != 200 || !strings.Contains(r.body, `name="token"`) {
		t.Fatalf("reset page: %d", r.status)
	}
	if r := v.post("/password/reset", url.Values{"token": {token}, "password": {"short"}}); r.status != 400 {
		t.Fatalf("short password: %d", r.status)
	}
	if r := v.post("/password/reset", url.Values{"token": {token}, "password": {"a brand new passphrase"}}); r.status != 303 {
		t.Fatalf("reset: %d %s", r.status, r.body)
	}
	if r := v.get("/me?notice=password_changed"); r.status != 200 || !strings.Contains(r.body, "Ihr Passwort ist geändert") {
		t.Fatalf("after reset /me: %d %s", r.status, r.body)
	}
	if r := a.browser().post("/password/reset", url.Values{"token": {token}, "password": {"another new passphrase"}}); r.status != 404 {
		t.Errorf("second use of the link: %d, want 404", r.status)
	}
	a.login("erika@example.com", "a brand new passphrase")
	if r := a.do(req{method: "POST", path: "/api/v1/login", json: map[string]any{"email": "erika@example.com", "password": "correct horse battery"}}); r.status != 401 {
		t.Errorf("old password still works: %d", r.status)
	}

	// A link expires after one hour.
	b.post("/password/forgot", url.Values{"email": {"erika@example.com"}})
	late := resetToken(t, box.next(t))
	start := time.Now()
	a.setClock(func() time.Time { return start.Add(61 * time.Minute) })
	if r := a.browser().get("/password/reset?token=" + late); r.status != 404 {
		t.Errorf("link after 61 minutes: %d, want 404", r.status)
	}
}

func TestPasswordResetThrottled(t *testing.T) {
	box, sender := startInbox(t)
	a := buildTestAppDeps(t, nil, nil, func(d *kapp.Deps) { d.ResetMail = sender })
	a.t = t
	a.makeUser("max@example.com", "employee")
	b := a.browser()
	for range kapp.ResetMailsPerHour + 2 {
		if r := b.post("/password/forgot", url.Values{"email": {"max@example.com"}}); r.status != 200 {
			t.Fatalf("forgot: %d", r.status)
		}
	}
	for range kapp.ResetMailsPerHour {
		box.next(t)
	}
	time.Sleep(300 * time.Millisecond)
	if n := box.count(); n != kapp.ResetMailsPerHour {
		t.Errorf("%d emails to one account in an hour, want %d", n, kapp.ResetMailsPerHour)
	}
	// One address asking for many accounts is stopped too.
	var last resp
	for i := range 10 {
		last = b.post("/password/forgot", url.Values{"email": {"x" + string(rune('a'+i)) + "@example.com"}})
	}
	if last.status != 429 {
		t.Errorf("address throttle: %d, want 429", last.status)
	}
}

func TestPasswordResetWithoutMail(t *testing.T) {
	a := newTestApp(t, nil)
	b := a.browser()
	for _, r := range []resp{b.get("/password/forgot"), b.post("/password/forgot", url.Values{"email": {"a@example.com"}})} {
		if r.status != 200 || !strings.Contains(r.body, "Bitten Sie Ihre Administration") || strings.Contains(r.body, `action="/password/forgot"`) {
			t.Errorf("without SMTP: %d", r.status)
		}
	}
	if r := b.get("/login"); !strings.Contains(r.body, `href="/password/forgot"`) {
		t.Error("login page does not link to the reset page")
	}
}

func TestChangePasswordEndsOtherSessions(t *testing.T) {
	a := newTestApp(t, nil)
	a.makeUser("lea@example.com", "employee")
	here, other := a.staffBrowserLogin("lea@example.com"), a.staffBrowserLogin("lea@example.com")
	api := a.login("lea@example.com")
	if r := here.post("/me/password", url.Values{"current_password": {"wrong password!"}, "new_password": {"a brand new passphrase"}}); r.status != 400 ||
		!strings.Contains(r.body, "Das Passwort wurde nicht geändert") {
		t.Fatalf("wrong current password: %d", r.status)
	}
	if r := here.post("/me/password", url.Values{"current_password": {"correct horse battery"}, "new_password": {"a brand new passphrase"}}); r.status != 303 {
		t.Fatalf("change: %d %s", r.status, r.body)
	}
	time.Sleep(2100 * time.Millisecond) // the session cache's lifetime
	if r := here.get("/me"); r.status != 200 {
		t.Errorf("this session ended: %d", r.status)
	}
	if r := other.get("/me"); r.status == 200 {
		t.Error("the other browser session still works")
	}
	if r := a.do(req{method: "GET", path: "/api/v1/me", bearer: api}); r.status != 401 {
		t.Errorf("API token after the change: %d, want 401", r.status)
	}
	a.login("lea@example.com", "a brand new passphrase")
}

func TestNameCorrectionUntilCertificate(t *testing.T) {
	a := newTestApp(t, nil)
	a.makeUser("jo@example.com", "employee")
	b := a.staffBrowserLogin("jo@example.com")
	if r := b.get("/me"); !strings.Contains(r.body, `action="/me/name"`) {
		t.Fatal("no name form on /me")
	}
	if r := b.post("/me/name", url.Values{"name": {"Jo\u202eMüller"}}); r.status != 400 {
		t.Errorf("hidden characters: %d", r.status)
	}
	if r := b.post("/me/name", url.Values{"name": {"  Jo   Müller "}}); r.status != 303 {
		t.Fatalf("correct name: %d", r.status)
	}
	tok := a.login("jo@example.com")
	passAllModules(t, a, tok)
	if r := b.get("/courses/" + courseID + "/exam"); !strings.Contains(r.body, "Name auf dem Zertifikat: Jo Müller") {
		t.Error("the exam page does not ask to check the name")
	}
	cert := passExam(t, a, tok)
	if r := b.post("/me/name", url.Values{"name": {"Johanna Müller"}}); r.status != 400 || !strings.Contains(r.body, "trägt diesen Namen bereits") {
		t.Errorf("name after a certificate: %d", r.status)
	}

	// The admin corrects the name and reissues: a new certificate with
	// the new name, the old one revoked with the reason.
	a.makeUser("admin@example.com", "admin")
	adm := a.staffBrowserLogin("admin@example.com")
	u, err := a.db.UserByEmail(context.Background(), "jo@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if err := a.db.UpdateAccount(context.Background(), u.ID, kapp.AccountChange{Name: "Johanna Müller", Role: "employee", Active: true}, kapp.Actor{ID: 1, Role: "admin"}); err != nil {
		t.Fatal(err)
	}
	if r := adm.get("/admin/certificates"); !strings.Contains(r.body, "/admin/certificates/"+cert+"/reissue") {
		t.Fatal("no reissue button")
	}
	if r := adm.post("/admin/certificates/"+cert+"/reissue", url.Values{"reason": {"Name korrigiert"}}); r.status != 400 || !strings.Contains(r.body, "Es wurde nichts geändert") {
		t.Fatalf("reissue without the confirmation box: %d", r.status)
	}
	r := adm.post("/admin/certificates/"+cert+"/reissue", url.Values{"reason": {"Name korrigiert"}, "confirm": {"yes"}})
	if r.status != 303 {
		t.Fatalf("reissue: %d %s", r.status, r.body)
	}
	newID := strings.TrimPrefix(r.header.Get("Location"), "/admin/certificates?reissued=")
	old, _ := a.db.CertificateByID(context.Background(), cert)
	fresh, err := a.db.CertificateByID(context.Background(), newID)
	if err != nil || fresh.HolderName != "Johanna Müller" || !old.Revoked() || !strings.Contains(old.RevokeReason, "Name korrigiert") ||
		!fresh.IssuedAt.Equal(old.IssuedAt) || fresh.Revoked() {
		t.Errorf("after reissue: old %+v new %+v (%v)", old, fresh, err)
	}
	if r := adm.post("/admin/certificates/"+cert+"/reissue", url.Values{"reason": {"again"}, "confirm": {"yes"}}); r.status != 409 {
		t.Errorf("reissuing a revoked certificate: %d, want 409", r.status)
	}
}
