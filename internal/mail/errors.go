package mail

import (
	"context"
	"errors"
	"fmt"
	"net/textproto"
	"regexp"
	"slices"
	"strings"
)

// Error is the error Send returns for a failure while talking to the SMTP
// server. Its text names the step and, for a server reply, the SMTP code;
// the password and the recipient are removed from it, so it is safe to log.
type Error struct {
	Op   string // the step: "dial", "greeting", "hello", "starttls", "auth", "mail", "rcpt", "data"
	Code int    // the server's SMTP reply code; 0 when the failure was not a reply
	msg  string // redacted description of the cause
	ctx  error  // the context's error when the context ended the attempt
}

func (e *Error) Error() string {
	if e.ctx != nil {
		return fmt.Sprintf("mail: smtp %s: %v (%s)", e.Op, e.ctx, e.msg)
	}
	return fmt.Sprintf("mail: smtp %s: %s", e.Op, e.msg)
}

// Unwrap returns context.Canceled or context.DeadlineExceeded when the
// context ended the attempt, else nil: the raw cause is not exposed because
// it may contain the recipient.
func (e *Error) Unwrap() error { return e.ctx }

// Temporary reports whether the server answered with a transient (4xx) code.
func (e *Error) Temporary() bool { return e.Code >= 400 && e.Code < 500 }

// redactor removes secrets and personal data from error text.
type redactor struct {
	secrets []string
}

// newRedactor returns a redactor for the password and the recipient (whole
// address, local part and display name).
func newRedactor(password string, p parsed) redactor {
	r := redactor{}
	r.add(password)
	if p.to != nil {
		r.add(p.to.Address)
		r.add(p.to.Name)
		if at := strings.LastIndexByte(p.to.Address, '@'); at >= 3 {
			r.add(p.to.Address[:at])
		}
	}
	r.add(p.msg.To)
	// Longest first, so that a whole address goes before its local part.
	slices.SortFunc(r.secrets, func(a, b string) int { return len(b) - len(a) })
	return r
}

func (r *redactor) add(s string) {
	if strings.TrimSpace(s) != "" {
		r.secrets = append(r.secrets, s)
	}
}

// clean returns s with every secret, in any letter case, replaced.
func (r redactor) clean(s string) string {
	for _, secret := range r.secrets {
		re := regexp.MustCompile("(?i)" + regexp.QuoteMeta(secret))
		s = re.ReplaceAllLiteralString(s, "[redacted]")
	}
	return s
}

// wrap turns err from step op into an *Error; ctx is the attempt's context.
func (r redactor) wrap(ctx context.Context, op string, err error) error {
	e := &Error{Op: op, msg: r.clean(err.Error())}
	var reply *textproto.Error
	if errors.As(err, &reply) {
		e.Code = reply.Code
	}
	if cerr := ctx.Err(); cerr != nil {
		e.ctx = cerr
	}
	return e
}
