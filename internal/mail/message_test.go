package mail

import (
	"bytes"
	"errors"
	"log/slog"
	"mime"
	netmail "net/mail"
	"strings"
	"testing"
	"time"
)

func invalidMessages() []Message {
	ok := Message{To: "erika@example.com", Subject: "Hallo", Body: "Text", Lang: "de", Kind: "reminder"}
	with := func(f func(m *Message)) Message { m := ok; f(&m); return m }
	return []Message{
		with(func(m *Message) { m.To = "erika@example.com\r\nBcc: all@example.com" }),
		with(func(m *Message) { m.To = "erika@example.com\nBcc: all@example.com" }),
		with(func(m *Message) { m.To = "Erika\r <erika@example.com>" }),
		with(func(m *Message) { m.Subject = "Hallo\r\nBcc: all@example.com" }),
		with(func(m *Message) { m.Subject = "Hallo\nX: y" }),
		with(func(m *Message) { m.Subject = "Hallo\u2028X: y" }),
		with(func(m *Message) { m.Subject = "  " }),
		with(func(m *Message) { m.To = "" }),
		with(func(m *Message) { m.To = "not an address" }),
		with(func(m *Message) { m.To = "a@example.com, b@example.com" }),
		with(func(m *Message) { m.To = "jürgen@example.com" }),
		with(func(m *Message) { m.Body = "bad \xff utf-8" }),
	}
}

func TestValidateRejects(t *testing.T) {
	for _, m := range invalidMessages() {
		_, err := validate(m)
		if !errors.Is(err, ErrInvalidMessage) {
			t.Errorf("validate(%q, %q) = %v, want ErrInvalidMessage", m.To, m.Subject, err)
			continue
		}
		// The error must not quote the address it rejects.
		if strings.Contains(err.Error(), "example.com") {
			t.Errorf("error %q quotes the address", err)
		}
	}
}

func TestComposeFoldsLongSubject(t *testing.T) {
	from, _ := netmail.ParseAddress("kipass <noreply@kipass.example>")
	subject := strings.Repeat("Überfällige Schulung ", 8)
	p, err := validate(Message{To: "erika@example.com", Subject: subject, Body: "x"})
	if err != nil {
		t.Fatal(err)
	}
	data, err := compose(p, from, time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	checkCRLF(t, data)
	msg, err := netmail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	var dec mime.WordDecoder
	if got, err := dec.DecodeHeader(msg.Header.Get("Subject")); err != nil || got != subject {
		t.Errorf("subject = %q (%v), want %q", got, err, subject)
	}
	if msg.Header.Get("Date") != "Mon, 02 Mar 2026 09:00:00 +0000" {
		t.Errorf("Date = %q", msg.Header.Get("Date"))
	}
	if msg.Header.Get("Content-Language") != "" {
		t.Errorf("Content-Language without a Lang")
	}
}

func TestComposeASCIISubjectStaysReadable(t *testing.T) {
	from, _ := netmail.ParseAddress("noreply@kipass.example")
	p, _ := validate(Message{To: "erika@example.com", Subject: "Weekly summary", Body: "x"})
	data, err := compose(p, from, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(data, []byte("\r\nSubject: Weekly summary\r\n")) {
		t.Errorf("data = %q", data)
	}
}

func TestValidLangTag(t *testing.T) {
	for s, want := range map[string]bool{
		"de": true, "en": true, "en-GB": true, "de-1996": true,
		"": false, "d e": false, "de\r\n": false, "1de": false, "erika@example.com": false,
	} {
		if got := validLangTag(s); got != want {
			t.Errorf("validLangTag(%q) = %v", s, got)
		}
	}
}

func TestNewValidatesConfig(t *testing.T) {
	base := Config{Host: "mail.example.com", From: "kipass <noreply@kipass.example>",
		Username: "mailer", Password: testPassword}
	with := func(f func(c *Config)) Config { c := base; f(&c); return c }
	bad := map[string]Config{
		"port too large":         with(func(c *Config) { c.Port = 65536 }),
		"negative port":          with(func(c *Config) { c.Port = -1 }),
		"unknown tls mode":       with(func(c *Config) { c.TLS = "ssl" }),
		"missing from":           with(func(c *Config) { c.From = "" }),
		"bad from":               with(func(c *Config) { c.From = "kipass" }),
		"from with line break":   with(func(c *Config) { c.From = "noreply@kipass.example\r\nBcc: x@example.com" }),
		"none to remote":         with(func(c *Config) { c.TLS = TLSNone; c.Username, c.Password = "", "" }),
		"none, creds to remote":  with(func(c *Config) { c.TLS = TLSNone; c.AllowInsecure = true }),
		"user without password":  with(func(c *Config) { c.Password = "" }),
		"password without user":  with(func(c *Config) { c.Username = "" }),
		"negative timeout":       with(func(c *Config) { c.Timeout = -time.Second }),
		"host with space":        with(func(c *Config) { c.Host = "mail example.com" }),
		"host with port":         with(func(c *Config) { c.Host = "mail.example.com:587" }),
		"hello name with spaces": with(func(c *Config) { c.HelloName = "a b" }),
	}
	for name, cfg := range bad {
		_, err := New(cfg, nil)
		if err == nil {
			t.Errorf("%s: New accepted %+v", name, cfg)
			continue
		}
		if strings.Contains(err.Error(), testPassword) {
			t.Errorf("%s: error %q contains the password", name, err)
		}
	}

	good := []struct {
		cfg  Config
		port int
		mode string
	}{
		{base, 587, TLSStartTLS},
		{with(func(c *Config) { c.TLS = "TLS" }), 465, TLSImplicit},
		{with(func(c *Config) { c.TLS = TLSNone; c.Host = "localhost" }), 25, TLSNone},
		{with(func(c *Config) { c.TLS = TLSNone; c.Host = "[::1]"; c.Port = 2525 }), 2525, TLSNone},
		{with(func(c *Config) { c.TLS = TLSNone; c.AllowInsecure = true; c.Username, c.Password = "", "" }), 25, TLSNone},
	}
	for _, g := range good {
		s, err := New(g.cfg, nil)
		if err != nil {
			t.Errorf("New(%+v): %v", g.cfg, err)
			continue
		}
		set := s.(*smtpSender).set
		if set.port != g.port || set.mode != g.mode || set.timeout != DefaultTimeout {
			t.Errorf("New(%+v): port %d mode %q timeout %v", g.cfg, set.port, set.mode, set.timeout)
		}
	}
}

func TestNewWithoutHostLogs(t *testing.T) {
	var logs bytes.Buffer
	s, err := New(Config{}, slog.New(slog.NewJSONHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := s.(*LogSender); !ok {
		t.Fatalf("New(Config{}) = %T, want *LogSender", s)
	}
	m := Message{
		To:      "Erika Mustermann <erika.mustermann@example.com>",
		Subject: "Erinnerung für Erika Mustermann",
		Body:    "Hallo Erika, Ihre Schulung Datenschutz ist fällig.",
		Lang:    "de",
		Kind:    "reminder",
	}
	if err := s.Send(t.Context(), m); err != nil {
		t.Fatal(err)
	}
	out := logs.String()
	for _, want := range []string{`"msg":"would send email"`, `"kind":"reminder"`, `"lang":"de"`, `"level":"INFO"`} {
		if !strings.Contains(out, want) {
			t.Errorf("log %q lacks %s", out, want)
		}
	}
	for _, secret := range []string{"erika", "Erika", "Mustermann", "example.com", "Erinnerung", "Datenschutz", "fällig"} {
		if strings.Contains(out, secret) {
			t.Errorf("log contains %q: %s", secret, out)
		}
	}
	if n := strings.Count(out, "\n"); n != 1 {
		t.Errorf("log has %d lines, want 1", n)
	}

	// Fields filled by mistake with personal data are not logged either.
	logs.Reset()
	m.Kind, m.Lang = "Erika Mustermann", "erika@example.com"
	if err := s.Send(t.Context(), m); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(logs.String(), "rika") {
		t.Errorf("log = %s", logs.String())
	}

	// It checks messages like the SMTP sender.
	for _, bad := range invalidMessages() {
		if err := s.Send(t.Context(), bad); !errors.Is(err, ErrInvalidMessage) {
			t.Errorf("LogSender.Send(%q) = %v", bad.To, err)
		}
	}
}
