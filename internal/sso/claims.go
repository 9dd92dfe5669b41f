package sso

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"kipass/internal/errs"
)

// claimSet holds a token's or userinfo's claims undecoded: only the
// configured ones are ever decoded, all others are ignored.
type claimSet struct {
	m map[string]json.RawMessage
}

// get finds a claim by its configured name: the top-level claim of that
// name, else (for names with dots) the path into nested objects.
func (c claimSet) get(name string) (json.RawMessage, bool) {
	if v, ok := c.m[name]; ok && !isNull(v) {
		return v, true
	}
	if !strings.Contains(name, ".") {
		return nil, false
	}
	parts := strings.Split(name, ".")
	cur := c.m
	for i, p := range parts {
		v, ok := cur[p]
		if !ok || isNull(v) {
			return nil, false
		}
		if i == len(parts)-1 {
			return v, true
		}
		var next map[string]json.RawMessage
		if json.Unmarshal(v, &next) != nil {
			return nil, false
		}
		cur = next
	}
	return nil, false
}

func isNull(v json.RawMessage) bool { return string(v) == "null" }

// fill adds the claims of more that c lacks (the ID token wins).
func (c *claimSet) fill(more claimSet) {
	if c.m == nil {
		c.m = map[string]json.RawMessage{}
	}
	for k, v := range more.m {
		if _, ok := c.m[k]; !ok {
			c.m[k] = v
		}
	}
}

// needsUserinfo reports whether a configured claim is missing from the ID
// token; Google, Okta and Keycloak may put profile or group claims only in
// userinfo.
func (rp *RP) needsUserinfo(c claimSet) bool {
	n := rp.cfg.Claims
	for _, name := range []string{n.Email, n.EmailVerified, n.Name, n.Department, n.Groups} {
		if _, ok := c.get(name); !ok {
			return true
		}
	}
	return false
}

// identity decodes the configured claims. A claim of the wrong type is an
// error that names the claim (for the operator), not a silent default.
func (rp *RP) identity(sub string, c claimSet) (Identity, error) {
	n := rp.cfg.Claims
	id := Identity{Issuer: rp.cfg.Issuer, Subject: sub}
	var err error
	if id.Email, _, err = claimString(c, n.Email); err != nil {
		return Identity{}, claimsInvalid(n.Email, err)
	}
	id.Email = normalizeEmail(id.Email)
	if id.EmailVerified, err = claimBool(c, n.EmailVerified); err != nil {
		return Identity{}, claimsInvalid(n.EmailVerified, err)
	}
	if id.Name, _, err = claimString(c, n.Name); err != nil {
		return Identity{}, claimsInvalid(n.Name, err)
	}
	if id.Department, id.HasDepartment, err = claimString(c, n.Department); err != nil {
		return Identity{}, claimsInvalid(n.Department, err)
	}
	if id.HostedDomain, _, err = claimString(c, "hd"); err != nil {
		return Identity{}, claimsInvalid("hd", err)
	}
	groups, ok, err := claimStrings(c, n.Groups)
	if err != nil {
		return Identity{}, claimsInvalid(n.Groups, err)
	}
	if !ok && !rp.cfg.Roles.Empty() && overage(c, n.Groups) {
		// Entra ID sends a reference instead of more than 200 groups; a
		// sign-in without them would demote admins to employees.
		return Identity{}, errs.New(errs.Forbidden, CodeGroupsOverage,
			"The provider sent a reference instead of your groups (you are in too many). Ask the administrator to send only the groups assigned to kipass.")
	}
	for _, g := range groups {
		// Longer names cannot match --oidc-roles; keeping them only costs memory.
		if len(g) <= maxGroupName {
			id.Groups = append(id.Groups, g)
		}
	}
	return id, nil
}

func claimsInvalid(name string, err error) error {
	return fmt.Errorf("%w (%v)", errs.New(errs.Invalid, CodeClaimsInvalid,
		fmt.Sprintf("The provider's claim %q has an unexpected form; ask the administrator to check the claim settings.", name)), err)
}

// claimString reads a string claim; a list of strings gives its first
// element (Keycloak user attributes may be multi-valued).
func claimString(c claimSet, name string) (string, bool, error) {
	v, ok := c.get(name)
	if !ok {
		return "", false, nil
	}
	var s string
	if json.Unmarshal(v, &s) == nil {
		return s, true, nil
	}
	var list []string
	if json.Unmarshal(v, &list) == nil {
		if len(list) == 0 {
			return "", true, nil
		}
		return list[0], true, nil
	}
	return "", false, errors.New("not a string")
}

// claimBool reads a boolean claim, also as the strings "true" and "false"
// (some providers send those). Absent is false.
func claimBool(c claimSet, name string) (bool, error) {
	v, ok := c.get(name)
	if !ok {
		return false, nil
	}
	var b bool
	if json.Unmarshal(v, &b) == nil {
		return b, nil
	}
	var s string
	if json.Unmarshal(v, &s) == nil {
		switch strings.ToLower(strings.TrimSpace(s)) {
		case "true":
			return true, nil
		case "false", "":
			return false, nil
		}
	}
	return false, errors.New("not a boolean")
}

// claimStrings reads a list of strings; a single string is a list of one.
func claimStrings(c claimSet, name string) ([]string, bool, error) {
	v, ok := c.get(name)
	if !ok {
		return nil, false, nil
	}
	var list []string
	if json.Unmarshal(v, &list) == nil {
		return list, true, nil
	}
	var s string
	if json.Unmarshal(v, &s) == nil {
		return []string{s}, true, nil
	}
	return nil, false, errors.New("not a list of strings")
}

// overage reports whether the claim is announced as a distributed claim
// (_claim_names) instead of being sent.
func overage(c claimSet, name string) bool {
	v, ok := c.m["_claim_names"]
	if !ok {
		return false
	}
	var names map[string]json.RawMessage
	if json.Unmarshal(v, &names) != nil {
		return false
	}
	_, ok = names[name]
	return ok
}
