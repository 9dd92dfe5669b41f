// Package mail sends plain-text emails, such as training reminders, through
// an SMTP server, or only logs that it would send them when no server is
// configured.
//
// Messages are written with github.com/wneessen/go-mail as RFC 5322 text
// (quoted-printable UTF-8 body, RFC 2047 encoded subject, CRLF line
// endings) and sent with its SMTP client; header injection is refused
// before that.
// Nothing this package logs or returns as an error contains a recipient's
// address, a subject, a body or the SMTP password.
package mail

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	netmail "net/mail"
	"os"
	"strings"
	"time"
)

// The TLS modes of Config.TLS.
const (
	TLSStartTLS = "starttls" // plain connection upgraded with STARTTLS (the default)
	TLSImplicit = "tls"      // TLS from the first byte, usually port 465
	TLSNone     = "none"     // no TLS; only to localhost unless AllowInsecure
)

// DefaultTimeout bounds the sending of one message when Config.Timeout is zero.
const DefaultTimeout = 30 * time.Second

// Config configures the SMTP server. The zero value (empty Host) means no
// server is configured: New then returns a LogSender.
type Config struct {
	Host     string // server host name or IP address; empty: not configured
	Port     int    // 0: 587 for starttls, 465 for tls, 25 for none
	Username string // optional; with it, AUTH PLAIN is used (only over TLS or to localhost)
	Password string // required with Username; never logged nor part of an error
	From     string // envelope and header From, e.g. "kipass <noreply@example.com>"

	// TLS is "starttls" (default), "tls" or "none". With "starttls" the
	// connection is upgraded whenever the server offers STARTTLS; a server
	// that does not offer it is only used in clear text when it is localhost
	// or AllowInsecure is set, and credentials are never sent in clear text
	// to a host other than localhost. "none" is only allowed for localhost,
	// 127.0.0.1 and ::1 unless AllowInsecure is set.
	TLS           string
	AllowInsecure bool

	Timeout   time.Duration  // per message; 0: DefaultTimeout
	RootCAs   *x509.CertPool // CAs to verify the server with; nil: the system's
	HelloName string         // name sent with EHLO; empty: this host's name if fully qualified, else "localhost"
}

// Message is one email to one recipient.
type Message struct {
	To      string // one address, optionally with a display name: "Erika Muster <erika@example.com>"
	Subject string // UTF-8, one line
	Body    string // plain UTF-8 text; line breaks are sent as CRLF and a final one is added if missing
	Lang    string // language of the text, e.g. "de"; sent as Content-Language and logged
	Kind    string // what the message is, snake_case, e.g. "reminder" or "hr_summary"; only for logs
}

// Sender sends messages.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// ErrInvalidMessage is wrapped by the errors for a message that cannot be
// sent as it is (bad address, line break in a header, invalid UTF-8, ...):
// retrying will not help.
var ErrInvalidMessage = errors.New("invalid message")

// New validates cfg and returns a Sender: a LogSender when cfg.Host is empty,
// else an SMTP sender that opens one connection per message. Both are safe
// for concurrent use. A nil log discards log output.
func New(cfg Config, log *slog.Logger) (Sender, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if strings.TrimSpace(cfg.Host) == "" {
		return NewLogSender(log), nil
	}
	s, err := newSettings(cfg)
	if err != nil {
		return nil, err
	}
	return &smtpSender{set: s, log: log}, nil
}

// settings is a validated and completed Config.
type settings struct {
	host          string
	port          int
	username      string
	password      string
	from          *netmail.Address
	mode          string
	allowInsecure bool
	timeout       time.Duration
	rootCAs       *x509.CertPool
	helloName     string
}

func newSettings(cfg Config) (*settings, error) {
	s := &settings{
		username:      cfg.Username,
		password:      cfg.Password,
		allowInsecure: cfg.AllowInsecure,
		rootCAs:       cfg.RootCAs,
	}
	var err error
	if s.host, err = checkHost(cfg.Host); err != nil {
		return nil, err
	}
	if s.mode, err = checkMode(cfg.TLS); err != nil {
		return nil, err
	}
	if s.port, err = checkPort(cfg.Port, s.mode); err != nil {
		return nil, err
	}
	if s.from, err = checkFrom(cfg.From); err != nil {
		return nil, err
	}
	if s.timeout, err = checkTimeout(cfg.Timeout); err != nil {
		return nil, err
	}
	if s.helloName, err = checkHelloName(cfg.HelloName); err != nil {
		return nil, err
	}
	if err := checkCredentials(cfg.Username, cfg.Password); err != nil {
		return nil, err
	}
	local := isLocalhost(s.host)
	if s.mode == TLSNone && !local && !s.allowInsecure {
		return nil, fmt.Errorf("mail: smtp tls mode %q is only allowed for localhost, 127.0.0.1 or ::1 (or set AllowInsecure)", TLSNone)
	}
	if s.mode == TLSNone && !local && s.username != "" {
		return nil, fmt.Errorf("mail: smtp credentials are never sent in clear text to %s: use tls mode %q or %q", s.host, TLSStartTLS, TLSImplicit)
	}
	return s, nil
}

func checkHost(h string) (string, error) {
	h = strings.TrimSpace(h)
	if strings.HasPrefix(h, "[") && strings.HasSuffix(h, "]") {
		h = h[1 : len(h)-1]
	}
	if h == "" || strings.ContainsAny(h, " \t\r\n/@") {
		return "", errors.New("mail: smtp host is not a valid host name or IP address")
	}
	if strings.Contains(h, ":") && net.ParseIP(h) == nil {
		return "", fmt.Errorf("mail: smtp host %q must not include a port (set Port)", h)
	}
	return h, nil
}

func checkMode(m string) (string, error) {
	switch m = strings.ToLower(strings.TrimSpace(m)); m {
	case "":
		return TLSStartTLS, nil
	case TLSStartTLS, TLSImplicit, TLSNone:
		return m, nil
	}
	return "", fmt.Errorf("mail: smtp tls mode %q is not one of %q, %q, %q", m, TLSStartTLS, TLSImplicit, TLSNone)
}

func checkPort(p int, mode string) (int, error) {
	switch {
	case p < 0 || p > 65535:
		return 0, fmt.Errorf("mail: smtp port %d is out of range 1-65535", p)
	case p > 0:
		return p, nil
	case mode == TLSImplicit:
		return 465, nil
	case mode == TLSNone:
		return 25, nil
	}
	return 587, nil
}

func checkFrom(from string) (*netmail.Address, error) {
	if strings.TrimSpace(from) == "" {
		return nil, errors.New("mail: smtp from address is required")
	}
	if hasControl(from) {
		return nil, errors.New("mail: smtp from address contains a line break or control character")
	}
	a, err := netmail.ParseAddress(from)
	if err != nil {
		return nil, fmt.Errorf("mail: smtp from address %q is not valid: %v", from, err)
	}
	if !isASCII(a.Address) {
		return nil, fmt.Errorf("mail: smtp from address %q must be ASCII", a.Address)
	}
	return a, nil
}

func checkTimeout(d time.Duration) (time.Duration, error) {
	if d < 0 {
		return 0, fmt.Errorf("mail: smtp timeout %v is negative", d)
	}
	if d == 0 {
		return DefaultTimeout, nil
	}
	return d, nil
}

func checkHelloName(n string) (string, error) {
	if n == "" {
		if h, err := os.Hostname(); err == nil && strings.Contains(h, ".") && isHostChars(h) {
			return h, nil
		}
		return "localhost", nil
	}
	if !isHostChars(n) {
		return "", fmt.Errorf("mail: smtp hello name %q is not a valid host name", n)
	}
	return n, nil
}

func checkCredentials(user, pass string) error {
	if hasControl(user) || strings.ContainsRune(pass, 0) {
		return errors.New("mail: smtp username or password contains a control character")
	}
	if user == "" && pass != "" {
		return errors.New("mail: smtp password given without a username")
	}
	if user != "" && pass == "" {
		return errors.New("mail: smtp username given without a password")
	}
	return nil
}

// isLocalhost reports whether host is one of the names the SMTP client
// treats as local (where clear-text AUTH is acceptable).
func isLocalhost(host string) bool {
	return host == "localhost" || host == "127.0.0.1" || host == "::1"
}

func isHostChars(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.' || r == ':' || r == '[' || r == ']'
		if !ok {
			return false
		}
	}
	return true
}
