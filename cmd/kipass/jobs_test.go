package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"kipass/content"
	"kipass/courses"
	"kipass/internal/i18n"
	"kipass/internal/mail"
	"kipass/internal/store"
)

// inbox is an in-process SMTP server (go-smtp) that keeps what it receives.
type inbox struct {
	mu   sync.Mutex
	msgs []inboxMsg
}

type inboxMsg struct {
	to   string
	data string
}

func (b *inbox) NewSession(*smtp.Conn) (smtp.Session, error) { return &inboxSession{b: b}, nil }

func (b *inbox) all() []inboxMsg {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]inboxMsg(nil), b.msgs...)
}

type inboxSession struct {
	b  *inbox
	to []string
}

func (s *inboxSession) Mail(string, *smtp.MailOptions) error { return nil }
func (s *inboxSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.to = append(s.to, to)
	return nil
}
func (s *inboxSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	s.b.mu.Lock()
	defer s.b.mu.Unlock()
	for _, to := range s.to {
		s.b.msgs = append(s.b.msgs, inboxMsg{to: to, data: string(b)})
	}
	return err
}
func (s *inboxSession) Reset()        { s.to = nil }
func (s *inboxSession) Logout() error { return nil }

func startInbox(t *testing.T) (*inbox, int) {
	t.Helper()
	b := &inbox{}
	srv := smtp.NewServer(b)
	srv.Domain = "localhost"
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return b, ln.Addr().(*net.TCPAddr).Port
}

// Reminders go through a real SMTP server: due within 7 days or overdue,
// at most once a week per person; HR gets a weekly summary with counts.
func TestReminderJobsOverSMTP(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	cat, err := courses.Load(content.FS())
	if err != nil {
		t.Fatal(err)
	}
	co := cat.Courses[0]
	now := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	mk := func(email, name, dept, role, lang string) int64 {
		id, err := db.CreateUser(ctx, store.NewUser{Email: email, Name: name, Department: dept, Role: role, Lang: lang})
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	mk("soon@example.com", "Sonja Bald", "Vertrieb", store.RoleEmployee, "de")
	mk("late@example.com", "Lars Late", "IT", store.RoleEmployee, "en")
	mk("calm@example.com", "Carla Ruhig", "Lager", store.RoleEmployee, "de")
	mk("hr@example.com", "Hanna HR", "", store.RoleHR, "de")
	for _, a := range []store.Assignment{
		{CourseID: co.ID, Scope: store.ScopeDepartment, Department: "Vertrieb", DueAt: now.Add(5 * 24 * time.Hour)},
		{CourseID: co.ID, Scope: store.ScopeDepartment, Department: "IT", DueAt: now.Add(-24 * time.Hour)},
		{CourseID: co.ID, Scope: store.ScopeDepartment, Department: "Lager", DueAt: now.Add(30 * 24 * time.Hour)},
	} {
		if _, err := db.CreateAssignment(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	box, port := startInbox(t)
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	sender, err := mail.New(mail.Config{Host: "127.0.0.1", Port: port, From: "kipass@example.com", TLS: mail.TLSNone}, log)
	if err != nil {
		t.Fatal(err)
	}
	clock := now
	// The organisation is in Honolulu: Sonja's due date, 5 December 09:00
	// UTC, is the evening of the 4th there.
	honolulu, err := time.LoadLocation("Pacific/Honolulu")
	if err != nil {
		t.Fatal(err)
	}
	zone := func() *time.Location { return honolulu }
	jobs := []job{
		reminderJob(db, func() *courses.Catalog { return cat }, messages(t), zone, sender, "https://kipass.example.com", log),
		hrSummaryJob(db, func() *courses.Catalog { return cat }, messages(t), zone, sender, "https://kipass.example.com", log),
	}
	runAll := func() {
		for _, j := range jobs {
			if err := runIfDue(ctx, db, j, clock); err != nil {
				t.Fatal(err)
			}
		}
	}
	runAll()
	got := map[string]string{}
	for _, m := range box.all() {
		got[m.to] = m.data
	}
	if len(got) != 3 || got["soon@example.com"] == "" || got["late@example.com"] == "" || got["hr@example.com"] == "" {
		t.Fatalf("recipients: %v", keys(got))
	}
	if !strings.Contains(got["soon@example.com"], "/courses/"+co.ID) || !strings.Contains(got["soon@example.com"], "04.12.2026") || strings.Contains(got["soon@example.com"], "Lars") {
		t.Fatalf("reminder text:\n%s", got["soon@example.com"])
	}
	if strings.Contains(got["hr@example.com"], "Sonja") || strings.Contains(got["hr@example.com"], "late@example.com") {
		t.Fatal("the HR summary names people")
	}
	// An hour later: nothing new (once a week per person; summary weekly).
	clock = now.Add(time.Hour)
	runAll()
	if n := len(box.all()); n != 3 {
		t.Fatalf("%d messages after a second run", n)
	}
	// A week later both are reminded again (still not passed) and HR gets the next summary.
	clock = now.Add(7*24*time.Hour + time.Hour)
	runAll()
	if n := len(box.all()); n != 6 {
		t.Fatalf("%d messages a week later", n)
	}
	for _, secret := range []string{"@example.com", "Sonja", "Lars", "Hanna"} {
		if strings.Contains(logs.String(), secret) {
			t.Fatalf("log holds %q:\n%s", secret, logs.String())
		}
	}
}

// Without SMTP settings the messages go to the log as "would send" lines,
// without addresses or names.
func TestReminderJobWithoutSMTPLogsOnly(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	cat, _ := courses.Load(content.FS())
	db.CreateUser(ctx, store.NewUser{Email: "late@example.com", Name: "Lars Late", Department: "IT", Role: store.RoleEmployee})
	db.CreateAssignment(ctx, store.Assignment{CourseID: cat.Courses[0].ID, Scope: store.ScopeAll, DueAt: time.Now().Add(-time.Hour)})
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	sender, err := mail.New(mail.Config{}, log)
	if err != nil {
		t.Fatal(err)
	}
	if err := runIfDue(ctx, db, reminderJob(db, func() *courses.Catalog { return cat }, messages(t), func() *time.Location { return time.UTC }, sender, "http://x", log), time.Now()); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "would send") || strings.Contains(logs.String(), "late@example.com") || strings.Contains(logs.String(), "Lars") {
		t.Fatalf("log:\n%s", logs.String())
	}
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// The retention job runs once a day: a second run within 24 hours does
// nothing, the next day it runs again; each run leaves one audit line.
func TestRetentionJobDaily(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var logs bytes.Buffer
	j := retentionJob(db, store.Retention{AnswerDays: 90, DeactivatedMonths: 12, AuditMonths: 24}, slog.New(slog.NewTextHandler(&logs, nil)))
	now := time.Date(2026, 11, 30, 3, 0, 0, 0, time.UTC)
	for _, at := range []time.Time{now, now.Add(time.Hour), now.Add(23 * time.Hour), now.Add(24 * time.Hour)} {
		if err := runIfDue(ctx, db, j, at); err != nil {
			t.Fatal(err)
		}
	}
	if _, n, _ := db.AuditLog(ctx, store.AuditFilter{Action: "retention.run"}); n != 2 {
		t.Fatalf("%d retention runs in 24 hours and a bit, want 2", n)
	}
	if strings.Count(logs.String(), "retention run") != 2 {
		t.Fatalf("log:\n%s", logs.String())
	}
}

// messages is the catalog the jobs' emails are written from.
func messages(t *testing.T) *i18n.Catalog {
	t.Helper()
	c, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	return c
}
