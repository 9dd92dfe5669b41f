package mail

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"mime"
	"mime/quotedprintable"
	"net"
	netmail "net/mail"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

const (
	testFrom     = "kipass <noreply@kipass.example>"
	testTo       = "Jürgen Müller-Lüdenscheidt <juergen.mueller@example.com>"
	testAddr     = "juergen.mueller@example.com"
	testPassword = "s3cret-Päss"
)

func testMessage() Message {
	return Message{
		To:      testTo,
		Subject: "Erinnerung: Ihre Schulung „KI am Arbeitsplatz“ ist bald fällig – bitte bis Freitag abschließen",
		Body: "Hallo Jürgen,\n\nbitte schließen Sie Ihre Schulung ab. Größe: 5 €, Grüße aus Köln.\n" +
			".Zeile mit Punkt am Anfang\n" +
			"Zeile mit Leerzeichen am Ende   \n" +
			strings.Repeat("Eine sehr lange Zeile ohne Umbruch, ", 6) + "Ende.\n" +
			"=3D ist kein Escape hier\n",
		Lang: "de",
		Kind: "reminder",
	}
}

func plainConfig(port int) Config {
	return Config{Host: "127.0.0.1", Port: port, From: testFrom, TLS: TLSNone, Timeout: 5 * time.Second}
}

func mustNew(t *testing.T, cfg Config, log *slog.Logger) Sender {
	t.Helper()
	s, err := New(cfg, log)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if _, ok := s.(*smtpSender); !ok {
		t.Fatalf("New returned %T, want the SMTP sender", s)
	}
	return s
}

func onlyMessage(t *testing.T, b *backend) received {
	t.Helper()
	_, _, msgs := b.snapshot()
	if len(msgs) != 1 {
		t.Fatalf("server received %d messages, want 1", len(msgs))
	}
	return msgs[0]
}

func TestSMTPDelivers(t *testing.T) {
	b := &backend{}
	port := startServer(t, b, serverOptions{})
	var logs bytes.Buffer
	s := mustNew(t, plainConfig(port), slog.New(slog.NewTextHandler(&logs, nil)))
	m := testMessage()
	if err := s.Send(t.Context(), m); err != nil {
		t.Fatalf("Send: %v", err)
	}
	got := onlyMessage(t, b)

	if got.from != "noreply@kipass.example" || len(got.to) != 1 || got.to[0] != testAddr {
		t.Errorf("envelope = %q -> %q", got.from, got.to)
	}
	checkCRLF(t, got.data)

	msg, err := netmail.ReadMessage(bytes.NewReader(got.data))
	if err != nil {
		t.Fatalf("ReadMessage: %v", err)
	}
	h := msg.Header
	var dec mime.WordDecoder
	subject, err := dec.DecodeHeader(h.Get("Subject"))
	if err != nil || subject != m.Subject {
		t.Errorf("Subject decodes to %q (%v), want %q", subject, err, m.Subject)
	}
	if !strings.HasPrefix(h.Get("Subject"), "=?utf-8?q?") {
		t.Errorf("Subject not RFC 2047 encoded: %q", h.Get("Subject"))
	}
	to, err := h.AddressList("To")
	if err != nil || len(to) != 1 || to[0].Address != testAddr || to[0].Name != "Jürgen Müller-Lüdenscheidt" {
		t.Errorf("To = %v (%v)", to, err)
	}
	from, err := h.AddressList("From")
	if err != nil || len(from) != 1 || from[0].Address != "noreply@kipass.example" || from[0].Name != "kipass" {
		t.Errorf("From = %v (%v)", from, err)
	}
	if d, err := h.Date(); err != nil || time.Since(d) > time.Minute || time.Since(d) < -time.Minute {
		t.Errorf("Date = %v (%v)", d, err)
	}
	if id := h.Get("Message-ID"); !regexp.MustCompile(`^<[A-Z2-7]{20,}@kipass\.example>$`).MatchString(id) {
		t.Errorf("Message-ID = %q", id)
	}
	want := map[string]string{
		"MIME-Version":              "1.0",
		"Content-Type":              "text/plain; charset=utf-8",
		"Content-Transfer-Encoding": "quoted-printable",
		"Content-Language":          "de",
		"Auto-Submitted":            "auto-generated",
	}
	for k, v := range want {
		if h.Get(k) != v {
			t.Errorf("%s = %q, want %q", k, h.Get(k), v)
		}
	}

	body, err := io.ReadAll(quotedprintable.NewReader(msg.Body))
	if err != nil {
		t.Fatalf("decode body: %v", err)
	}
	if wantBody := strings.ReplaceAll(m.Body, "\n", "\r\n"); string(body) != wantBody {
		t.Errorf("body decodes to\n%q\nwant\n%q", body, wantBody)
	}

	out := logs.String()
	if !strings.Contains(out, "email sent") || !strings.Contains(out, "kind=reminder") {
		t.Errorf("log = %q", out)
	}
	for _, secret := range []string{"juergen", "Jürgen", "Müller", "Schulung", "Köln"} {
		if strings.Contains(out, secret) {
			t.Errorf("log contains %q: %s", secret, out)
		}
	}
}

// checkCRLF asserts that every line ends in CRLF, that no line is longer
// than RFC 5322 allows and that header lines stay within 78 characters.
func checkCRLF(t *testing.T, data []byte) {
	t.Helper()
	if !bytes.HasSuffix(data, []byte("\r\n")) {
		t.Errorf("data does not end in CRLF")
	}
	lines := bytes.Split(bytes.TrimSuffix(data, []byte("\r\n")), []byte("\r\n"))
	inHeader := true
	for i, l := range lines {
		if bytes.ContainsAny(l, "\r\n") {
			t.Errorf("line %d has a bare CR or LF: %q", i, l)
		}
		if len(l) == 0 {
			inHeader = false
		}
		if len(l) > 998 || (len(l) > 78 && inHeader && !bytes.HasPrefix(l, []byte("To:"))) {
			t.Errorf("line %d is %d bytes long: %q", i, len(l), l)
		}
	}
}

func TestSMTPAuthPlain(t *testing.T) {
	b := &backend{}
	port := startServer(t, b, serverOptions{insecure: true})
	cfg := plainConfig(port)
	cfg.Username, cfg.Password = "mailer", testPassword
	s := mustNew(t, cfg, nil)
	if err := s.Send(t.Context(), testMessage()); err != nil {
		t.Fatalf("Send: %v", err)
	}
	_, auths, _ := b.snapshot()
	if len(auths) != 1 || auths[0] != (credentials{"", "mailer", testPassword}) {
		t.Errorf("server got AUTH %q", auths)
	}
	onlyMessage(t, b)
}

func TestSMTPAuthFailureHidesPassword(t *testing.T) {
	b := &backend{authErr: func(c credentials) error {
		// A careless server echoing the password must not leak it through us.
		return &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "bad password " + c.password}
	}}
	port := startServer(t, b, serverOptions{insecure: true})
	cfg := plainConfig(port)
	cfg.Username, cfg.Password = "mailer", testPassword
	err := mustNew(t, cfg, nil).Send(t.Context(), testMessage())
	var me *Error
	if !errors.As(err, &me) || me.Code != 535 || me.Op != "auth" {
		t.Fatalf("err = %v, want an auth *Error with code 535", err)
	}
	if !strings.Contains(err.Error(), "535") || strings.Contains(err.Error(), testPassword) {
		t.Errorf("err = %q: want the code and no password", err)
	}
}

func TestSMTPServerRejection(t *testing.T) {
	for _, tc := range []struct {
		code      int
		temporary bool
	}{{550, false}, {451, true}} {
		b := &backend{rcptErr: &smtp.SMTPError{
			Code: tc.code, EnhancedCode: smtp.EnhancedCode{tc.code / 100, 1, 1},
			Message: "mailbox <JUERGEN.MUELLER@example.com> (Jürgen Müller-Lüdenscheidt) not available",
		}}
		port := startServer(t, b, serverOptions{})
		err := mustNew(t, plainConfig(port), nil).Send(t.Context(), testMessage())
		if err == nil {
			t.Fatalf("%d: Send succeeded", tc.code)
		}
		var me *Error
		if !errors.As(err, &me) || me.Code != tc.code || me.Op != "rcpt" || me.Temporary() != tc.temporary {
			t.Errorf("%d: err = %#v", tc.code, err)
		}
		text := err.Error()
		if !strings.Contains(text, strconv.Itoa(tc.code)) {
			t.Errorf("%d: error %q lacks the code", tc.code, text)
		}
		for _, secret := range []string{"juergen", "JUERGEN", "Jürgen", "Lüdenscheidt"} {
			if strings.Contains(text, secret) {
				t.Errorf("%d: error %q contains %q", tc.code, text, secret)
			}
		}
		if _, _, msgs := b.snapshot(); len(msgs) != 0 {
			t.Errorf("%d: message delivered despite rejection", tc.code)
		}
	}
}

// silentListener accepts connections and never answers.
func silentListener(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var conns []net.Conn
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := l.Accept()
			if err != nil {
				for _, c := range conns {
					c.Close()
				}
				return
			}
			conns = append(conns, c)
		}
	}()
	t.Cleanup(func() { l.Close(); <-done })
	return l.Addr().(*net.TCPAddr).Port
}

func TestSMTPTimeoutAndCancel(t *testing.T) {
	silent := silentListener(t)

	stall := make(chan struct{})
	b := &backend{dataHook: func() { <-stall }}
	stalling := startServer(t, b, serverOptions{})
	t.Cleanup(func() { close(stall) })

	cases := []struct {
		name    string
		port    int
		timeout time.Duration // Config.Timeout
		cancel  time.Duration // cancel the context after this; 0: never
		want    error
	}{
		{"greeting, config timeout", silent, 200 * time.Millisecond, 0, context.DeadlineExceeded},
		{"greeting, cancelled", silent, 10 * time.Second, 150 * time.Millisecond, context.Canceled},
		{"data, config timeout", stalling, 200 * time.Millisecond, 0, context.DeadlineExceeded},
		{"data, cancelled", stalling, 10 * time.Second, 150 * time.Millisecond, context.Canceled},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := plainConfig(tc.port)
			cfg.Timeout = tc.timeout
			s := mustNew(t, cfg, nil)
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			if tc.cancel > 0 {
				time.AfterFunc(tc.cancel, cancel)
			}
			start := time.Now()
			err := s.Send(ctx, testMessage())
			took := time.Since(start)
			if !errors.Is(err, tc.want) {
				t.Errorf("err = %v, want %v", err, tc.want)
			}
			if took > 2*time.Second {
				t.Errorf("Send took %v", took)
			}
		})
	}
}

func TestSMTPStartTLS(t *testing.T) {
	ca := newTestCA(t)
	b := &backend{}
	port := startServer(t, b, serverOptions{startTLS: ca.server})
	cfg := plainConfig(port)
	cfg.TLS = "" // starttls is the default
	cfg.RootCAs = ca.pool
	cfg.Username, cfg.Password = "mailer", testPassword
	if err := mustNew(t, cfg, nil).Send(t.Context(), testMessage()); err != nil {
		t.Fatalf("Send: %v", err)
	}
	if got := onlyMessage(t, b); !got.tls {
		t.Errorf("message was not sent over TLS")
	}
	if _, auths, _ := b.snapshot(); len(auths) != 1 || auths[0].password != testPassword {
		t.Errorf("auths = %q", auths)
	}
}

func TestSMTPStartTLSUntrustedCertificate(t *testing.T) {
	ca := newTestCA(t)
	b := &backend{}
	port := startServer(t, b, serverOptions{startTLS: ca.server})
	cfg := plainConfig(port)
	cfg.TLS = TLSStartTLS
	cfg.RootCAs = newTestCA(t).pool // another CA
	cfg.Username, cfg.Password = "mailer", testPassword
	err := mustNew(t, cfg, nil).Send(t.Context(), testMessage())
	var me *Error
	if !errors.As(err, &me) || me.Op != "starttls" {
		t.Fatalf("err = %v, want a starttls failure", err)
	}
	if _, auths, msgs := b.snapshot(); len(auths) != 0 || len(msgs) != 0 {
		t.Errorf("server got %d auths and %d messages", len(auths), len(msgs))
	}
}

func TestSMTPImplicitTLS(t *testing.T) {
	ca := newTestCA(t)
	b := &backend{}
	port := startServer(t, b, serverOptions{implicitTLS: ca.server})
	cfg := plainConfig(port)
	cfg.TLS = TLSImplicit
	cfg.RootCAs = ca.pool
	cfg.Username, cfg.Password = "mailer", testPassword
	if err := mustNew(t, cfg, nil).Send(t.Context(), testMessage()); err != nil {
		t.Fatalf("Send: %v", err)
	}
	if got := onlyMessage(t, b); !got.tls {
		t.Errorf("message was not sent over TLS")
	}
}

// A host that is not localhost (127.0.0.2 is loopback, but not one of the
// names where clear text is acceptable) must get neither the password nor,
// without AllowInsecure, the message in clear text.
func TestSMTPNoClearTextToOtherHosts(t *testing.T) {
	probe, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Skipf("cannot listen on 127.0.0.2: %v", err)
	}
	probe.Close()

	t.Run("credentials", func(t *testing.T) {
		b := &backend{}
		port := startServer(t, b, serverOptions{addr: "127.0.0.2:0", insecure: true})
		cfg := Config{Host: "127.0.0.2", Port: port, From: testFrom, AllowInsecure: true,
			Username: "mailer", Password: testPassword, Timeout: 5 * time.Second}
		err := mustNew(t, cfg, nil).Send(t.Context(), testMessage())
		var me *Error
		if !errors.As(err, &me) || me.Op != "auth" || !strings.Contains(err.Error(), "clear text") {
			t.Fatalf("err = %v, want a refusal to authenticate", err)
		}
		if _, auths, msgs := b.snapshot(); len(auths) != 0 || len(msgs) != 0 {
			t.Errorf("server got %d auths and %d messages", len(auths), len(msgs))
		}
	})
	t.Run("message", func(t *testing.T) {
		b := &backend{}
		port := startServer(t, b, serverOptions{addr: "127.0.0.2:0"})
		cfg := Config{Host: "127.0.0.2", Port: port, From: testFrom, Timeout: 5 * time.Second}
		err := mustNew(t, cfg, nil).Send(t.Context(), testMessage())
		if err == nil || !strings.Contains(err.Error(), "STARTTLS") {
			t.Fatalf("err = %v, want a refusal without STARTTLS", err)
		}
		if _, _, msgs := b.snapshot(); len(msgs) != 0 {
			t.Errorf("message sent in clear text")
		}
	})
}

func TestSMTPInvalidMessageNeedsNoServer(t *testing.T) {
	b := &backend{}
	port := startServer(t, b, serverOptions{})
	s := mustNew(t, plainConfig(port), nil)
	for _, m := range invalidMessages() {
		err := s.Send(t.Context(), m)
		if !errors.Is(err, ErrInvalidMessage) {
			t.Errorf("Send(%q) = %v, want ErrInvalidMessage", m.To, err)
		}
	}
	if sessions, _, _ := b.snapshot(); sessions != 0 {
		t.Errorf("server saw %d sessions", sessions)
	}
}
