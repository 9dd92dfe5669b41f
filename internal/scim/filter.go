package scim

import (
	"encoding/json"
	"strconv"
	"strings"
)

// MaxFilterLength bounds the filter query parameter; real provider filters are one or
// two equality tests, far below it.
const MaxFilterLength = 1024

// maxFilterTerms bounds the number of "and"-joined comparisons.
const maxFilterTerms = 8

// Kind names a resource type for parsing: which attributes a filter or PATCH may name.
type Kind int

// The two resource kinds kipass serves.
const (
	KindUser Kind = iota + 1
	KindGroup
)

func (k Kind) schema() string {
	if k == KindGroup {
		return SchemaGroup
	}
	return SchemaUser
}

// Filter is a parsed SCIM filter: the conjunction of equality tests that providers send.
// A nil field is not constrained. The Service compares UserName and DisplayName without
// regard to case (RFC 7643 marks them caseExact=false) and ID and ExternalID exactly.
type Filter struct {
	ID          *string
	UserName    *string
	ExternalID  *string
	DisplayName *string
	// Email is the user's work e-mail (`emails[type eq "work"].value eq "..."`, which
	// Entra ID sends when e-mail is the matching attribute); compared without case.
	Email *string
	// Member is a user id that a group must have as member (`members eq "..."`, which
	// Entra ID sends before it deletes a group).
	Member *string
	// Empty is true when the filter names one attribute twice with different values:
	// nothing matches, and the dispatcher answers without asking the Service.
	Empty bool
}

// IsZero reports whether the filter constrains nothing (no filter parameter).
func (f Filter) IsZero() bool {
	return f.ID == nil && f.UserName == nil && f.ExternalID == nil && f.DisplayName == nil &&
		f.Email == nil && f.Member == nil && !f.Empty
}

// String renders the filter in canonical SCIM syntax (attributes in a fixed order).
func (f Filter) String() string {
	var parts []string
	add := func(name string, v *string) {
		if v != nil {
			b, _ := json.Marshal(*v) // a string always marshals
			parts = append(parts, name+` eq `+string(b))
		}
	}
	add("id", f.ID)
	add("userName", f.UserName)
	add("externalId", f.ExternalID)
	add("displayName", f.DisplayName)
	add("emails.value", f.Email)
	add("members", f.Member)
	return strings.Join(parts, " and ")
}

// ParseFilter parses the filter subset described in the package documentation for the
// given resource kind. Attribute names, "eq" and "and" are case-insensitive; attribute
// names may carry the resource's core schema URN. Anything else is 400 invalidFilter.
func ParseFilter(s string, kind Kind) (Filter, error) {
	var f Filter
	if len(s) > MaxFilterLength {
		return f, badRequest(TypeInvalidFilter, "filter longer than %d bytes", MaxFilterLength)
	}
	p := filterLexer{s: s}
	for n := 0; ; n++ {
		if n == maxFilterTerms {
			return f, badRequest(TypeInvalidFilter, "more than %d comparisons", maxFilterTerms)
		}
		attr, err := p.attrPath()
		if err != nil {
			return Filter{}, err
		}
		if attr == "" {
			return f, badRequest(TypeInvalidFilter, "expected an attribute name at offset %d", p.i)
		}
		field, err := filterField(&f, attr, kind)
		if err != nil {
			return Filter{}, err
		}
		if op := p.word(); !strings.EqualFold(op, "eq") {
			if op == "" {
				return Filter{}, badRequest(TypeInvalidFilter, "expected an operator after %q", attr)
			}
			return Filter{}, badRequest(TypeInvalidFilter, "operator %q is not supported; only eq (with and)", op)
		}
		v, err := p.quoted()
		if err != nil {
			return Filter{}, err
		}
		switch {
		case *field == nil:
			*field = &v
		case !sameValue(attr, **field, v):
			f.Empty = true
		}
		p.space()
		if p.i == len(p.s) {
			return f, nil
		}
		if w := p.word(); !strings.EqualFold(w, "and") {
			return Filter{}, badRequest(TypeInvalidFilter, "expected \"and\" at offset %d, got %q", p.i-len(w), w)
		}
	}
}

// sameValue compares two values of one attribute as the Service will.
func sameValue(attr, a, b string) bool {
	switch strings.ToLower(attr[strings.LastIndexByte(attr, ':')+1:]) {
	case "username", "displayname", "emails.value", `emails[type eq "work"].value`:
		return strings.EqualFold(a, b)
	}
	return a == b
}

func filterField(f *Filter, attr string, kind Kind) (**string, error) {
	name := attr
	if i := strings.LastIndexByte(attr, ':'); i >= 0 {
		if !strings.EqualFold(attr[:i], kind.schema()) {
			return nil, badRequest(TypeInvalidFilter, "attribute %q is not filterable", attr)
		}
		name = attr[i+1:]
	}
	switch strings.ToLower(name) {
	case "id":
		return &f.ID, nil
	case "externalid":
		return &f.ExternalID, nil
	case "displayname":
		return &f.DisplayName, nil
	case "username":
		if kind == KindUser {
			return &f.UserName, nil
		}
	case "emails.value", `emails[type eq "work"].value`:
		if kind == KindUser {
			return &f.Email, nil
		}
	case "members", "members.value":
		if kind == KindGroup {
			return &f.Member, nil
		}
	}
	return nil, badRequest(TypeInvalidFilter, "attribute %q is not filterable; use id, externalId, displayName, userName, emails.value or members", attr)
}

type filterLexer struct {
	s string
	i int
}

func (p *filterLexer) space() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t') {
		p.i++
	}
}

// word returns the next run of characters up to white space, a quote or a parenthesis.
func (p *filterLexer) word() string {
	p.space()
	start := p.i
	for p.i < len(p.s) {
		c := p.s[p.i]
		if c == ' ' || c == '\t' || c == '"' || c == '(' || c == ')' || c == '[' || c == ']' {
			break
		}
		p.i++
	}
	return p.s[start:p.i]
}

// attrPath reads an attribute name, and for `emails[type eq "work"].value` the one value
// filter providers send, normalised to that spelling.
func (p *filterLexer) attrPath() (string, error) {
	attr := p.word()
	if attr == "" || p.i == len(p.s) || p.s[p.i] != '[' {
		return attr, nil
	}
	end := strings.IndexByte(p.s[p.i:], ']')
	if end < 0 {
		return "", badRequest(TypeInvalidFilter, "unbalanced brackets at offset %d", p.i)
	}
	inner := strings.Fields(p.s[p.i+1 : p.i+end])
	p.i += end + 1
	suffix := p.word()
	var t string
	if !strings.EqualFold(attr, "emails") || len(inner) != 3 || !strings.EqualFold(inner[0], "type") ||
		!strings.EqualFold(inner[1], "eq") || json.Unmarshal([]byte(inner[2]), &t) != nil ||
		!strings.EqualFold(t, "work") || !strings.EqualFold(suffix, ".value") {
		return "", badRequest(TypeInvalidFilter, "the only value filter supported is emails[type eq \"work\"].value")
	}
	return `emails[type eq "work"].value`, nil
}

// quoted reads a JSON string literal, as RFC 7644's compValue is.
func (p *filterLexer) quoted() (string, error) {
	p.space()
	if p.i == len(p.s) || p.s[p.i] != '"' {
		w := p.word()
		if w == "" {
			return "", badRequest(TypeInvalidFilter, "expected a quoted value at offset %d", p.i)
		}
		return "", badRequest(TypeInvalidFilter, "value %q must be a quoted string", w)
	}
	start := p.i
	p.i++
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case '\\':
			p.i += 2
			continue
		case '"':
			p.i++
			var v string
			if err := json.Unmarshal([]byte(p.s[start:p.i]), &v); err != nil {
				return "", badRequest(TypeInvalidFilter, "value at offset %d is not a valid string", start)
			}
			return v, nil
		}
		p.i++
	}
	return "", badRequest(TypeInvalidFilter, "unterminated string at offset %s", strconv.Itoa(start))
}
