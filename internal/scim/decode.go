package scim

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"unicode"
	"unicode/utf8"

	"kipass/internal/auth"
)

// Limits on single values. They bound memory and log lines, not names: kipass's own
// rules for names and departments (bidi controls, invisible characters) are the
// use-case layer's, which the Service reports as an *Error.
const (
	maxEmailLen = 254 // RFC 5321's path limit
	maxTextLen  = 256 // in runes: names, department, externalId, group names
	maxIDLen    = 256
	maxEmails   = 16
)

// flexBool is a boolean that also accepts the strings "true" and "false" in any case,
// as Entra ID sends "active":"False" in PATCH and some gateways in POST.
type flexBool bool

func (b *flexBool) UnmarshalJSON(data []byte) error {
	v, err := parseBool(data)
	*b = flexBool(v)
	return err
}

var errNotBool = errors.New("not a boolean")

func parseBool(data []byte) (bool, error) {
	if string(bytes.TrimSpace(data)) == "null" {
		return false, nil
	}
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		return false, errNotBool
	}
	switch v := v.(type) {
	case bool:
		return v, nil
	case string:
		switch strings.ToLower(strings.TrimSpace(v)) {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
	}
	return false, errNotBool
}

type emailIn struct {
	Value   string   `json:"value"`
	Type    string   `json:"type"`
	Primary flexBool `json:"primary"`
}

type userIn struct {
	Schemas     []string        `json:"schemas"`
	ExternalID  string          `json:"externalId"`
	UserName    string          `json:"userName"`
	Name        Name            `json:"name"`
	DisplayName string          `json:"displayName"`
	Active      *flexBool       `json:"active"`
	Emails      []emailIn       `json:"emails"`
	Enterprise  *enterpriseJSON `json:"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"`
}

type memberIn struct {
	Value string `json:"value"`
}

type groupIn struct {
	Schemas     []string   `json:"schemas"`
	ExternalID  string     `json:"externalId"`
	DisplayName string     `json:"displayName"`
	Members     []memberIn `json:"members"`
}

// DecodeUser reads the body of POST or PUT /Users. It checks the schemas, requires a
// userName that is an e-mail address and bounds every value; read-only attributes (id,
// meta, groups) and attributes kipass does not keep (password, phoneNumbers, ...) are
// ignored. Active defaults to true.
func DecodeUser(body []byte) (User, error) {
	var in userIn
	if err := decodeObject(body, &in); err != nil {
		return User{}, err
	}
	if !hasSchema(in.Schemas, SchemaUser) {
		return User{}, badRequest(TypeInvalidValue, "schemas must include %s", SchemaUser)
	}
	u := User{ExternalID: in.ExternalID, UserName: in.UserName, Name: in.Name,
		DisplayName: in.DisplayName, Active: in.Active == nil || bool(*in.Active)}
	if in.Enterprise != nil {
		u.Department = in.Enterprise.Department
	}
	if len(in.Emails) > maxEmails {
		return User{}, badRequest(TypeInvalidValue, "more than %d emails", maxEmails)
	}
	for _, e := range in.Emails {
		u.Emails = append(u.Emails, Email{Value: e.Value, Type: e.Type, Primary: bool(e.Primary)})
	}
	return u, u.validate()
}

// validate checks every value of a User that arrived from a provider.
func (u *User) validate() error {
	if err := checkUserName(u.UserName); err != nil {
		return err
	}
	for _, c := range []struct{ name, v string }{
		{"externalId", u.ExternalID}, {"displayName", u.DisplayName},
		{"name.formatted", u.Name.Formatted}, {"name.givenName", u.Name.GivenName},
		{"name.familyName", u.Name.FamilyName}, {"department", u.Department},
	} {
		if err := checkText(c.name, c.v); err != nil {
			return err
		}
	}
	for _, e := range u.Emails {
		if err := checkEmail("emails.value", e.Value); err != nil {
			return err
		}
		if err := checkText("emails.type", e.Type); err != nil {
			return err
		}
	}
	return nil
}

// DecodeGroup reads the body of POST or PUT /Groups: a displayName and members by id.
func DecodeGroup(body []byte) (Group, error) {
	var in groupIn
	if err := decodeObject(body, &in); err != nil {
		return Group{}, err
	}
	if !hasSchema(in.Schemas, SchemaGroup) {
		return Group{}, badRequest(TypeInvalidValue, "schemas must include %s", SchemaGroup)
	}
	g := Group{ExternalID: in.ExternalID, DisplayName: in.DisplayName}
	if strings.TrimSpace(g.DisplayName) == "" {
		return Group{}, badRequest(TypeInvalidValue, "displayName is required")
	}
	if err := checkText("displayName", g.DisplayName); err != nil {
		return Group{}, err
	}
	if err := checkText("externalId", g.ExternalID); err != nil {
		return Group{}, err
	}
	seen := make(map[string]bool, len(in.Members))
	for _, m := range in.Members {
		if err := checkMemberID(m.Value); err != nil {
			return Group{}, err
		}
		if !seen[m.Value] {
			seen[m.Value] = true
			g.Members = append(g.Members, Member{Value: m.Value})
		}
	}
	return g, nil
}

// decodeObject unmarshals a JSON object, mapping encoding/json's errors to SCIM ones
// without echoing the body.
func decodeObject(body []byte, v any) error {
	if b := bytes.TrimLeft(body, " \t\r\n"); len(b) == 0 || b[0] != '{' {
		return badRequest(TypeInvalidSyntax, "the body must be a JSON object")
	}
	err := json.Unmarshal(body, v)
	var te *json.UnmarshalTypeError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &te):
		return badRequest(TypeInvalidValue, "attribute %q has the wrong type", te.Field)
	case errors.Is(err, errNotBool):
		return badRequest(TypeInvalidValue, "a boolean attribute must be true or false")
	}
	return badRequest(TypeInvalidSyntax, "the body is not valid JSON")
}

func hasSchema(list []string, want string) bool {
	for _, s := range list {
		if strings.EqualFold(s, want) {
			return true
		}
	}
	return false
}

func checkUserName(s string) error {
	if s == "" {
		return badRequest(TypeInvalidValue, "userName is required")
	}
	return checkEmail("userName", s)
}

// checkEmail accepts what kipass accepts as an account e-mail (auth.CheckEmail: a bare
// addr-spec with a dotted domain, no display name, spaces or control characters), in
// any case: the Service normalises it as it does every e-mail.
func checkEmail(attr, s string) error {
	switch auth.CheckEmail(strings.ToLower(s)) {
	case "":
		return nil
	case "too_long":
		return badRequest(TypeInvalidValue, "%s is longer than %d bytes", attr, maxEmailLen)
	}
	return badRequest(TypeInvalidValue, "%s must be an e-mail address", attr)
}

// checkText bounds a free-text value and refuses invalid UTF-8 and control characters,
// which no directory attribute legitimately holds.
func checkText(attr, s string) error {
	if !utf8.ValidString(s) {
		return badRequest(TypeInvalidValue, "%s is not valid UTF-8", attr)
	}
	if utf8.RuneCountInString(s) > maxTextLen {
		return badRequest(TypeInvalidValue, "%s is longer than %d characters", attr, maxTextLen)
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return badRequest(TypeInvalidValue, "%s contains a control character", attr)
		}
	}
	return nil
}

func checkMemberID(s string) error {
	if s == "" || len(s) > maxIDLen || !utf8.ValidString(s) {
		return badRequest(TypeInvalidValue, "members.value must be a resource id")
	}
	return nil
}
