package auth

import (
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"kipass/internal/errs"
)

// Password length limits in characters. No composition rules (NIST SP 800-63B).
const (
	MinPassword = 10
	MaxPassword = 256
)

// NormalizeEmail trims and lowercases an email address.
func NormalizeEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// CheckEmail validates a normalised email address.
func CheckEmail(email string) string {
	if email == "" {
		return "required"
	}
	if len(email) > 254 {
		return "too_long"
	}
	a, err := mail.ParseAddress(email)
	if err != nil || a.Address != email || a.Name != "" || !strings.Contains(email[strings.LastIndexByte(email, '@'):], ".") {
		return "invalid_email"
	}
	// net/mail accepts UTF-8 control and space characters (e.g. U+0085)
	// in the domain; no real address has them.
	if strings.IndexFunc(email, func(r rune) bool { return unicode.IsControl(r) || unicode.IsSpace(r) }) >= 0 {
		return "invalid_email"
	}
	return ""
}

// CheckPassword validates a new password's length.
func CheckPassword(pw string) string {
	n := utf8.RuneCountInString(pw)
	switch {
	case !utf8.ValidString(pw):
		return "invalid"
	case n < MinPassword:
		return "too_short"
	case n > MaxPassword:
		return "too_long"
	}
	return ""
}

// InvalidName is the field code, and the error code, for a name or
// department that holds a bidi control or an invisible format character.
const InvalidName = "invalid_name"

// CleanName trims a display name and collapses inner whitespace; control
// characters are removed and the result is in Unicode NFC, so that the same
// name typed on two systems is stored, compared and printed alike.
// Invisible format characters are kept: CheckName refuses them rather than
// silently changing what the person typed.
func CleanName(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == utf8.RuneError {
			return ' '
		}
		return r
	}, s)
	return norm.NFC.String(strings.Join(strings.Fields(s), " "))
}

// hiddenFormat reports whether r is an invisible format character (Unicode
// category Cf: bidi embeddings, overrides and isolates U+202A-U+202E and
// U+2066-U+2069, marks, U+200B, U+FEFF, soft hyphen, tags, ...). Such
// characters reorder or hide what pages, CSV files and certificates show.
// ZWNJ and ZWJ stay allowed: emoji sequences and scripts such as Persian
// and the Indic ones need them.
func hiddenFormat(r rune) bool {
	return r != '\u200C' && r != '\u200D' && unicode.Is(unicode.Cf, r)
}

// CheckName validates a cleaned display name or department (max runes).
func CheckName(s string, required bool, maxRunes int) string {
	switch {
	case s == "" && required:
		return "required"
	case utf8.RuneCountInString(s) > maxRunes:
		return "too_long"
	case strings.ContainsFunc(s, hiddenFormat):
		return InvalidName
	}
	return ""
}

// InputError is the validation error for bad fields (field -> code): code
// invalid_name when a name or department holds hidden characters, so that
// clients can tell this refusal apart, else invalid_input.
func InputError(fields map[string]string) error {
	for _, why := range fields {
		if why == InvalidName {
			return &errs.Error{Kind: errs.Invalid, Code: InvalidName,
				Message: "Names and departments must not contain invisible formatting or text-direction characters.", Fields: fields}
		}
	}
	return &errs.Error{Kind: errs.Invalid, Code: "invalid_input", Message: "Please check the marked fields.", Fields: fields}
}

// Registration is the input of a new account.
type Registration struct {
	Name       string `json:"name" form:"name"`
	Email      string `json:"email" form:"email"`
	Password   string `json:"password" form:"password"`
	Department string `json:"department" form:"department"`
}

// Clean normalises the registration and validates it. The returned error is
// an errs.Invalid with one message code per bad field.
func (r *Registration) Clean() error {
	r.Name = CleanName(r.Name)
	r.Email = NormalizeEmail(r.Email)
	r.Department = CleanName(r.Department)
	fields := map[string]string{}
	if why := CheckName(r.Name, true, 100); why != "" {
		fields["name"] = why
	}
	if why := CheckEmail(r.Email); why != "" {
		fields["email"] = why
	}
	if why := CheckPassword(r.Password); why != "" {
		fields["password"] = why
	}
	if why := CheckName(r.Department, false, 100); why != "" {
		fields["department"] = why
	}
	if len(fields) > 0 {
		return InputError(fields)
	}
	return nil
}
