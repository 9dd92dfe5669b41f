package scim

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
)

// scimType values used by kipass (RFC 7644 section 3.12).
const (
	TypeInvalidFilter = "invalidFilter"
	TypeTooMany       = "tooMany"
	TypeUniqueness    = "uniqueness"
	TypeMutability    = "mutability"
	TypeInvalidSyntax = "invalidSyntax"
	TypeInvalidPath   = "invalidPath"
	TypeNoTarget      = "noTarget"
	TypeInvalidValue  = "invalidValue"
)

// Errors a Service returns for the dispatcher to map to SCIM answers. A Service may
// also return an *Error for anything more specific; every other error is a 500.
var (
	// ErrNotFound means no resource has the given id (or it was deleted): 404.
	ErrNotFound = errors.New("scim: resource not found")
	// ErrUniqueness means another resource already has this userName, externalId or
	// group displayName: 409 uniqueness. No resource was changed.
	ErrUniqueness = errors.New("scim: uniqueness conflict")
)

// Error is a SCIM error (RFC 7644 section 3.12): an HTTP status, an optional scimType
// and a detail that is safe to show to the provider's administrator.
type Error struct {
	Status   int
	ScimType string
	Detail   string
}

// Error returns the detail with the status and scimType.
func (e *Error) Error() string {
	if e.ScimType == "" {
		return fmt.Sprintf("scim %d: %s", e.Status, e.Detail)
	}
	return fmt.Sprintf("scim %d %s: %s", e.Status, e.ScimType, e.Detail)
}

// MarshalJSON writes the error body with its schema; status is a string as the RFC's
// examples show (and as Entra ID's validator expects).
func (e *Error) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Schemas  []string `json:"schemas"`
		Status   string   `json:"status"`
		ScimType string   `json:"scimType,omitempty"`
		Detail   string   `json:"detail,omitempty"`
	}{[]string{SchemaError}, strconv.Itoa(e.Status), e.ScimType, e.Detail})
}

// Errorf returns an *Error with a formatted detail.
func Errorf(status int, scimType, format string, args ...any) *Error {
	return &Error{Status: status, ScimType: scimType, Detail: fmt.Sprintf(format, args...)}
}

func badRequest(scimType, format string, args ...any) *Error {
	return Errorf(400, scimType, format, args...)
}
