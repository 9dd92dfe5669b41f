package mail

import (
	"bytes"
	"crypto/rand"
	"fmt"
	netmail "net/mail"
	"strings"
	"time"
	"unicode/utf8"

	gomail "github.com/wneessen/go-mail"
)

// parsed is a validated Message.
type parsed struct {
	to  *netmail.Address
	msg Message
}

// validate checks m without reference to a server. Its errors wrap
// ErrInvalidMessage and never quote the address, subject or body.
func validate(m Message) (parsed, error) {
	if hasControl(m.To) {
		return parsed{}, invalid("recipient contains a line break or control character")
	}
	if hasControl(m.Subject) {
		return parsed{}, invalid("subject contains a line break or control character")
	}
	if strings.TrimSpace(m.Subject) == "" {
		return parsed{}, invalid("subject is empty")
	}
	if !utf8.ValidString(m.To) || !utf8.ValidString(m.Subject) || !utf8.ValidString(m.Body) {
		return parsed{}, invalid("text is not valid UTF-8")
	}
	to, err := netmail.ParseAddress(m.To)
	if err != nil {
		// The parser's message may quote the address: leave it out.
		return parsed{}, invalid("recipient is not a valid email address")
	}
	if !isASCII(to.Address) {
		return parsed{}, invalid("recipient address is not ASCII (SMTPUTF8 is not supported)")
	}
	return parsed{to: to, msg: m}, nil
}

func invalid(why string) error {
	return fmt.Errorf("mail: %w: %s", ErrInvalidMessage, why)
}

// compose returns the RFC 5322 text of p sent from from at now, with CRLF
// line endings, written by go-mail: a quoted-printable UTF-8 body, an RFC
// 2047 encoded subject folded within 78 characters, and no User-Agent.
// The charset is spelled "utf-8" as kipass has always sent it.
func compose(p parsed, from *netmail.Address, now time.Time) ([]byte, error) {
	m := gomail.NewMsg(gomail.WithCharset(gomail.Charset("utf-8")), gomail.WithEncoding(gomail.EncodingQP),
		gomail.WithNoDefaultUserAgent())
	m.FromMailAddress(from)
	m.ToMailAddress(p.to)
	m.Subject(p.msg.Subject)
	m.SetDateWithValue(now)
	m.SetMessageIDWithValue(messageID(from.Address))
	if validLangTag(p.msg.Lang) {
		m.SetGenHeader(gomail.HeaderContentLang, p.msg.Lang)
	}
	m.SetGenHeader(gomail.Header("Auto-Submitted"), "auto-generated")
	body := p.msg.Body
	if !strings.HasSuffix(body, "\n") {
		body += "\n"
	}
	m.SetBodyString(gomail.TypeTextPlain, body)
	var b bytes.Buffer
	if _, err := m.WriteTo(&b); err != nil {
		return nil, fmt.Errorf("mail: %w: cannot write the message", ErrInvalidMessage)
	}
	return b.Bytes(), nil
}

// messageID returns a random Message-ID (without the angle brackets) in
// the domain of address.
func messageID(address string) string {
	domain := address[strings.LastIndexByte(address, '@')+1:]
	return rand.Text() + "@" + domain
}

// validLangTag reports whether s looks like a BCP 47 tag ("de", "en-GB").
func validLangTag(s string) bool {
	if s == "" || len(s) > 35 {
		return false
	}
	for i, part := range strings.Split(s, "-") {
		if part == "" || len(part) > 8 {
			return false
		}
		for _, r := range part {
			letter := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'
			digit := r >= '0' && r <= '9'
			if !letter && !(digit && i > 0) {
				return false
			}
		}
	}
	return true
}

// hasControl reports whether s contains CR, LF or another control
// character (tab is allowed).
func hasControl(s string) bool {
	for _, r := range s {
		if r == '\t' {
			continue
		}
		if r < 0x20 || r == 0x7f || r == '\u2028' || r == '\u2029' || (r >= 0x80 && r < 0xa0) {
			return true
		}
	}
	return false
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
