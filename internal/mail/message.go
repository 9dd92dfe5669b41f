package mail

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"mime/quotedprintable"
	netmail "net/mail"
	"strings"
	"time"
	"unicode/utf8"
)

// maxHeaderLine is the line length RFC 5322 recommends; longer subjects are folded.
const maxHeaderLine = 78

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
// line endings.
func compose(p parsed, from *netmail.Address, now time.Time) ([]byte, error) {
	var b bytes.Buffer
	header := func(name, value string) {
		b.WriteString(name)
		b.WriteString(": ")
		b.WriteString(value)
		b.WriteString("\r\n")
	}
	header("Date", now.Format(time.RFC1123Z))
	header("From", from.String())
	header("To", p.to.String())
	header("Subject", subjectValue(p.msg.Subject))
	header("Message-ID", messageID(from.Address))
	header("MIME-Version", "1.0")
	header("Content-Type", "text/plain; charset=utf-8")
	header("Content-Transfer-Encoding", "quoted-printable")
	if validLangTag(p.msg.Lang) {
		header("Content-Language", p.msg.Lang)
	}
	header("Auto-Submitted", "auto-generated")
	b.WriteString("\r\n")

	qp := quotedprintable.NewWriter(&b)
	body := p.msg.Body
	if !strings.HasSuffix(body, "\n") {
		body += "\n"
	}
	if _, err := qp.Write([]byte(body)); err != nil {
		return nil, err
	}
	if err := qp.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// messageID returns a random Message-ID in the domain of address.
func messageID(address string) string {
	domain := address[strings.LastIndexByte(address, '@')+1:]
	return "<" + rand.Text() + "@" + domain + ">"
}

// subjectValue returns the Subject header's value: plain ASCII folded at
// spaces, or else RFC 2047 Q-encoded words short enough that every line
// stays within maxHeaderLine.
func subjectValue(s string) string {
	const prefix = len("Subject: ")
	if isASCII(s) && !strings.Contains(s, "=?") {
		return foldWords(prefix, s)
	}
	return strings.Join(encodeWords(s, maxHeaderLine-prefix), "\r\n ")
}

// encodeWords Q-encodes s as UTF-8 encoded words of at most limit bytes each,
// never splitting a character between words.
func encodeWords(s string, limit int) []string {
	const prefix, suffix = "=?utf-8?q?", "?="
	room := limit - len(prefix) - len(suffix)
	var words []string
	var cur strings.Builder
	for _, r := range s {
		enc := qEncodeRune(r)
		if cur.Len() > 0 && cur.Len()+len(enc) > room {
			words = append(words, prefix+cur.String()+suffix)
			cur.Reset()
		}
		cur.WriteString(enc)
	}
	if cur.Len() > 0 {
		words = append(words, prefix+cur.String()+suffix)
	}
	return words
}

// qEncodeRune returns r in RFC 2047 Q encoding.
func qEncodeRune(r rune) string {
	switch {
	case r == ' ':
		return "_"
	case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', strings.ContainsRune("!*+-/.,:", r):
		return string(r)
	}
	var b strings.Builder
	for _, c := range []byte(string(r)) {
		fmt.Fprintf(&b, "=%02X", c)
	}
	return b.String()
}

// foldWords folds a header value at spaces so that lines stay within
// maxHeaderLine where possible; used is the length of "Name: ". Encoded
// words contain no spaces, so folding between them is safe.
func foldWords(used int, v string) string {
	words := strings.Split(v, " ")
	var b strings.Builder
	line := used
	for i, w := range words {
		if i > 0 {
			if line > 1 && line+1+len(w) > maxHeaderLine {
				b.WriteString("\r\n ")
				line = 1
			} else {
				b.WriteByte(' ')
				line++
			}
		}
		b.WriteString(w)
		line += len(w)
	}
	return b.String()
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
