// Package errs defines the application's error type. Domain packages return
// *Error values with a kind and a snake_case code; the web layer maps the kind
// to an HTTP status and shows the code and message. Any other error is
// internal: it is logged and users see a generic message.
package errs

import (
	"errors"
	"fmt"
)

// Kind classifies an error for the caller; the web layer maps it to a status.
type Kind int

// The kinds of application error.
const (
	Internal     Kind = iota // a bug or an outage; never shown in detail
	Invalid                  // bad input (400)
	Unauthorized             // not logged in (401)
	Forbidden                // logged in but not allowed (403)
	NotFound                 // unknown or not visible to the caller (404)
	Conflict                 // clashes with existing state (409)
	TooLarge                 // body or file too large (413)
	Throttled                // too many requests (429)
	Unavailable              // a service kipass depends on cannot be reached, e.g. the identity provider (503)
)

// Error is an application error safe to show to users.
type Error struct {
	Kind    Kind
	Code    string            // snake_case, stable, for API clients
	Message string            // human readable, English; the web layer may translate by Code
	Fields  map[string]string // field name -> why it is wrong
}

func (e *Error) Error() string { return fmt.Sprintf("%s: %s", e.Code, e.Message) }

// New returns an *Error of the given kind.
func New(kind Kind, code, message string) *Error {
	return &Error{Kind: kind, Code: code, Message: message}
}

// Invalidf returns an Invalid error with a formatted message.
func Invalidf(code, format string, args ...any) *Error {
	return &Error{Kind: Invalid, Code: code, Message: fmt.Sprintf(format, args...)}
}

// Field returns an Invalid error about one field.
func Field(field, why string) *Error {
	return &Error{Kind: Invalid, Code: "invalid_input", Message: "Please check the marked fields.", Fields: map[string]string{field: why}}
}

// As returns the *Error in err's chain, or nil.
func As(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return nil
}

// KindOf returns the kind of err: Internal unless err wraps an *Error.
func KindOf(err error) Kind {
	if e := As(err); e != nil {
		return e.Kind
	}
	return Internal
}
