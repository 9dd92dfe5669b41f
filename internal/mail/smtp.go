package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/wneessen/go-mail/smtp"
)

// smtpSender sends each message over its own connection with go-mail's SMTP
// client (the maintained successor of the frozen net/smtp). kipass drives
// the session steps itself rather than through go-mail's Client, so that
// every failure names its step (Error.Op) and the TLS and AUTH rules below
// stay exactly kipass's. When the context ends, the connection's pending
// reads and writes are made to fail.
type smtpSender struct {
	set *settings
	log *slog.Logger
}

// Send delivers m or returns why not: an error wrapping ErrInvalidMessage
// for a message that cannot be sent, else an *Error.
func (s *smtpSender) Send(ctx context.Context, m Message) error {
	p, err := validate(m)
	if err != nil {
		return err
	}
	data, err := compose(p, s.set.from, time.Now())
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, s.set.timeout)
	defer cancel()
	start := time.Now()
	if err := s.deliver(ctx, p, data); err != nil {
		return err
	}
	s.log.LogAttrs(ctx, slog.LevelInfo, "email sent",
		slog.String("kind", logKind(m.Kind)), slog.String("lang", logLang(m.Lang)),
		slog.Duration("took", time.Since(start)))
	return nil
}

// deliver runs one SMTP session for data.
func (s *smtpSender) deliver(ctx context.Context, p parsed, data []byte) error {
	red := newRedactor(s.set.password, p)
	conn, err := s.dial(ctx)
	if err != nil {
		return red.wrap(ctx, "dial", err)
	}
	// When ctx ends (deadline or cancel), a deadline in the past makes the
	// pending read or write fail at once; ctx.Err() is set by then.
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()

	c, err := smtp.NewClient(conn, s.set.host)
	if err != nil {
		conn.Close()
		return red.wrap(ctx, "greeting", err)
	}
	defer c.Close()
	if err := c.Hello(s.set.helloName); err != nil {
		return red.wrap(ctx, "hello", err)
	}
	if op, err := s.secure(c); err != nil {
		return red.wrap(ctx, op, err)
	}
	if op, err := s.transfer(c, p, data); err != nil {
		return red.wrap(ctx, op, err)
	}
	// The message is accepted; a failing QUIT must not make the caller send it again.
	_ = c.Quit()
	return nil
}

func (s *smtpSender) dial(ctx context.Context) (net.Conn, error) {
	addr := net.JoinHostPort(s.set.host, strconv.Itoa(s.set.port))
	if s.set.mode == TLSImplicit {
		d := tls.Dialer{Config: s.tlsConfig()}
		return d.DialContext(ctx, "tcp", addr)
	}
	var d net.Dialer
	return d.DialContext(ctx, "tcp", addr)
}

func (s *smtpSender) tlsConfig() *tls.Config {
	return &tls.Config{ServerName: s.set.host, RootCAs: s.set.rootCAs, MinVersion: tls.VersionTLS12}
}

// secure upgrades the connection with STARTTLS when the mode asks for it and
// authenticates; it returns the failing step.
func (s *smtpSender) secure(c *smtp.Client) (string, error) {
	local := isLocalhost(s.set.host)
	encrypted := s.set.mode == TLSImplicit
	if s.set.mode == TLSStartTLS {
		if ok, _ := c.Extension("STARTTLS"); ok {
			if err := c.StartTLS(s.tlsConfig()); err != nil {
				return "starttls", err
			}
			encrypted = true
		} else if !local && !s.set.allowInsecure {
			return "starttls", errors.New("server does not offer STARTTLS; refusing to send in clear text")
		}
	}
	if s.set.username == "" {
		return "", nil
	}
	if !encrypted && !local {
		return "auth", errors.New("refusing to send credentials in clear text")
	}
	ok, mechs := c.Extension("AUTH")
	if !ok || !hasMechanism(mechs, "PLAIN") {
		return "auth", errors.New("server does not offer AUTH PLAIN")
	}
	if err := c.Auth(smtp.PlainAuth("", s.set.username, s.set.password, s.set.host, false)); err != nil {
		return "auth", err
	}
	return "", nil
}

// transfer sends the envelope and the data; it returns the failing step.
func (s *smtpSender) transfer(c *smtp.Client, p parsed, data []byte) (string, error) {
	if err := c.Mail(s.set.from.Address); err != nil {
		return "mail", err
	}
	if err := c.Rcpt(p.to.Address); err != nil {
		return "rcpt", err
	}
	w, err := c.Data()
	if err != nil {
		return "data", err
	}
	if _, err := w.Write(data); err != nil {
		w.Close()
		return "data", err
	}
	if err := w.Close(); err != nil {
		return "data", err
	}
	return "", nil
}

func hasMechanism(list, mech string) bool {
	for _, m := range strings.Fields(list) {
		if strings.EqualFold(m, mech) {
			return true
		}
	}
	return false
}
