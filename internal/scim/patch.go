package scim

import (
	"bytes"
	"encoding/json"
	"maps"
	"slices"
	"strings"
)

// maxPatchOps bounds the operations of one PATCH; the body limit bounds their size.
const maxPatchOps = 1000

// UserChanges is a parsed PATCH of a User: each non-nil field is the attribute's new
// value ("" clears it). Attributes kipass does not keep are not represented.
type UserChanges struct {
	UserName    *string
	ExternalID  *string
	DisplayName *string
	GivenName   *string
	FamilyName  *string
	Formatted   *string
	// Active false deprovisions: the account is deactivated and its sessions end.
	Active *bool
	// Email is the work e-mail (emails[type eq "work"].value or the primary one).
	Email      *string
	Department *string
}

// IsZero reports whether the PATCH changes nothing kipass keeps.
func (c UserChanges) IsZero() bool { return c == UserChanges{} }

// Apply sets the changed attributes on u, as a Service that keeps SCIM resources
// whole may use it.
func (c UserChanges) Apply(u *User) {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&u.UserName, c.UserName)
	set(&u.ExternalID, c.ExternalID)
	set(&u.DisplayName, c.DisplayName)
	set(&u.Name.GivenName, c.GivenName)
	set(&u.Name.FamilyName, c.FamilyName)
	set(&u.Name.Formatted, c.Formatted)
	set(&u.Department, c.Department)
	if c.Active != nil {
		u.Active = *c.Active
	}
	if c.Email != nil {
		u.Emails = nil
		if *c.Email != "" {
			u.Emails = []Email{{Value: *c.Email, Type: "work", Primary: true}}
		}
	}
}

// GroupChanges is a parsed PATCH of a Group. With ReplaceMembers the new member list is
// Members; otherwise it is the old one plus AddMembers minus RemoveMembers (the two
// never share an id).
type GroupChanges struct {
	DisplayName    *string
	ExternalID     *string
	ReplaceMembers bool
	Members        []string
	AddMembers     []string
	RemoveMembers  []string
}

// IsZero reports whether the PATCH changes nothing.
func (c GroupChanges) IsZero() bool {
	return c.DisplayName == nil && c.ExternalID == nil && !c.ReplaceMembers &&
		len(c.AddMembers) == 0 && len(c.RemoveMembers) == 0
}

// Apply changes g as the change set says.
func (c GroupChanges) Apply(g *Group) {
	if c.DisplayName != nil {
		g.DisplayName = *c.DisplayName
	}
	if c.ExternalID != nil {
		g.ExternalID = *c.ExternalID
	}
	if c.ReplaceMembers {
		g.Members = g.Members[:0:0]
		for _, id := range c.Members {
			g.Members = append(g.Members, Member{Value: id})
		}
		return
	}
	g.Members = slices.DeleteFunc(g.Members, func(m Member) bool { return slices.Contains(c.RemoveMembers, m.Value) })
	for _, id := range c.AddMembers {
		if !slices.ContainsFunc(g.Members, func(m Member) bool { return m.Value == id }) {
			g.Members = append(g.Members, Member{Value: id})
		}
	}
}

type patchOp struct {
	Op    string          `json:"op"`
	Path  string          `json:"path"`
	Value json.RawMessage `json:"value"`
}

type patchIn struct {
	Schemas    []string  `json:"schemas"`
	Operations []patchOp `json:"Operations"`
}

const (
	opAdd = iota + 1
	opReplace
	opRemove
)

// readPatch decodes the PatchOp envelope and normalises each op's name.
func readPatch(body []byte) ([]patchOp, []int, error) {
	var in patchIn
	if err := decodeObject(body, &in); err != nil {
		return nil, nil, err
	}
	if !hasSchema(in.Schemas, SchemaPatchOp) {
		return nil, nil, badRequest(TypeInvalidValue, "schemas must include %s", SchemaPatchOp)
	}
	if len(in.Operations) == 0 {
		return nil, nil, badRequest(TypeInvalidValue, "Operations is empty")
	}
	if len(in.Operations) > maxPatchOps {
		return nil, nil, badRequest(TypeTooMany, "more than %d operations", maxPatchOps)
	}
	ops := make([]int, len(in.Operations))
	for i, o := range in.Operations {
		switch strings.ToLower(o.Op) {
		case "add":
			ops[i] = opAdd
		case "replace":
			ops[i] = opReplace
		case "remove":
			ops[i] = opRemove
			if strings.TrimSpace(o.Path) == "" {
				return nil, nil, badRequest(TypeNoTarget, "remove needs a path")
			}
		default:
			return nil, nil, badRequest(TypeInvalidSyntax, "op must be add, replace or remove")
		}
		if len(o.Path) > MaxFilterLength {
			return nil, nil, badRequest(TypeInvalidPath, "path longer than %d bytes", MaxFilterLength)
		}
	}
	return in.Operations, ops, nil
}

// ParseUserPatch reads a PATCH /Users/{id} body into a change set.
func ParseUserPatch(body []byte) (UserChanges, error) {
	var c UserChanges
	list, ops, err := readPatch(body)
	if err != nil {
		return c, err
	}
	for i, o := range list {
		if err := c.op(ops[i], strings.TrimSpace(o.Path), o.Value, 0); err != nil {
			return UserChanges{}, err
		}
	}
	return c, nil
}

// path is an attribute path split into its parts: name, an optional value filter in
// brackets and an optional sub-attribute, all with the schema prefix taken off.
type path struct {
	ext    bool // the enterprise extension
	attr   string
	filter string
	sub    string
}

func parsePath(p string, kind Kind) (path, error) {
	var r path
	lower := strings.ToLower(p)
	switch ent := strings.ToLower(SchemaEnterpriseUser) + ":"; {
	case kind == KindUser && strings.HasPrefix(lower, ent):
		r.ext = true
		p = p[len(ent):]
	case strings.HasPrefix(lower, strings.ToLower(kind.schema())+":"):
		p = p[len(kind.schema())+1:]
	}
	if i := strings.IndexByte(p, '['); i >= 0 {
		j := strings.LastIndexByte(p, ']')
		if j < i {
			return r, badRequest(TypeInvalidPath, "unbalanced brackets in path")
		}
		r.attr, r.filter, p = p[:i], strings.TrimSpace(p[i+1:j]), p[j+1:]
		if p != "" && p[0] != '.' {
			return r, badRequest(TypeInvalidPath, "unexpected text after ']' in path")
		}
		r.sub = strings.TrimPrefix(p, ".")
	} else if i := strings.IndexByte(p, '.'); i >= 0 {
		r.attr, r.sub = p[:i], p[i+1:]
	} else {
		r.attr = p
	}
	r.attr, r.sub = strings.ToLower(r.attr), strings.ToLower(r.sub)
	if r.attr == "" || strings.ContainsAny(r.attr+r.sub, " \t\"[]:.") {
		return r, badRequest(TypeInvalidPath, "path is not an attribute path")
	}
	return r, nil
}

// Core User attributes kipass accepts and does not keep, so that a provider's default
// attribute mapping works. "password" is Okta's: kipass never takes passwords by SCIM.
var ignoredUserAttrs = []string{"nickname", "profileurl", "title", "usertype", "preferredlanguage",
	"locale", "timezone", "phonenumbers", "addresses", "ims", "photos", "roles", "entitlements",
	"x509certificates", "password", "groups", "schemas", "meta", "id"}

var ignoredEnterpriseAttrs = []string{"employeenumber", "costcenter", "organization", "division", "manager"}

// op applies one operation to the change set; depth counts nested path-less objects.
func (c *UserChanges) op(op int, p string, value json.RawMessage, depth int) error {
	if p == "" {
		return c.object(op, value, depth)
	}
	pa, err := parsePath(p, KindUser)
	if err != nil {
		return err
	}
	if pa.ext {
		switch {
		case pa.attr == "department" && pa.filter == "" && pa.sub == "":
			return setString(&c.Department, op, value, "department", checkText)
		case slices.Contains(ignoredEnterpriseAttrs, pa.attr):
			return nil
		}
		return badRequest(TypeInvalidPath, "unknown attribute %q of the enterprise extension", pa.attr)
	}
	if slices.Contains(ignoredUserAttrs, pa.attr) {
		return nil
	}
	if pa.attr != "emails" && pa.filter != "" {
		return badRequest(TypeInvalidPath, "a value filter is allowed only on emails")
	}
	switch pa.attr {
	case "username":
		if op == opRemove {
			return badRequest(TypeMutability, "userName cannot be removed")
		}
		return setString(&c.UserName, op, value, "userName", func(_, s string) error { return checkUserName(s) })
	case "externalid":
		return setString(&c.ExternalID, op, value, "externalId", checkText)
	case "displayname":
		return setString(&c.DisplayName, op, value, "displayName", checkText)
	case "active":
		if op == opRemove {
			return badRequest(TypeMutability, "active cannot be removed; set it to false")
		}
		b, err := patchBool(value)
		if err != nil {
			return err
		}
		c.Active = &b
		return nil
	case "name":
		return c.name(op, pa.sub, value)
	case "emails":
		return c.emails(op, pa, value)
	}
	return badRequest(TypeInvalidPath, "unknown attribute %q", pa.attr)
}

// object handles an add or replace without a path: every key of the value object is a
// path of its own (Okta's {"active":false}, Entra ID's full-URN keys), and the
// extension's schema URN or "name" may hold a nested object.
func (c *UserChanges) object(op int, value json.RawMessage, depth int) error {
	m, err := patchObject(value, depth)
	if err != nil {
		return err
	}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		v := m[k]
		switch lk := strings.ToLower(k); {
		case lk == strings.ToLower(SchemaEnterpriseUser):
			inner, err := patchObject(v, depth+1)
			if err != nil {
				return err
			}
			for _, ik := range slices.Sorted(maps.Keys(inner)) {
				if err := c.op(op, SchemaEnterpriseUser+":"+ik, inner[ik], depth+1); err != nil {
					return err
				}
			}
		case k == "":
			return badRequest(TypeInvalidPath, "empty attribute name")
		default:
			if err := c.op(op, k, v, depth+1); err != nil {
				return err
			}
		}
	}
	return nil
}

func (c *UserChanges) name(op int, sub string, value json.RawMessage) error {
	fields := map[string]**string{"givenname": &c.GivenName, "familyname": &c.FamilyName, "formatted": &c.Formatted}
	if sub != "" {
		dst, ok := fields[sub]
		if !ok {
			return nil // middleName, honorificPrefix, ...: not kept
		}
		return setString(dst, op, value, "name."+sub, checkText)
	}
	if op == opRemove {
		for _, dst := range fields {
			*dst = new("")
		}
		return nil
	}
	m, err := patchObject(value, 1)
	if err != nil {
		return err
	}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if dst, ok := fields[strings.ToLower(k)]; ok {
			if err := setString(dst, op, m[k], "name."+k, checkText); err != nil {
				return err
			}
		}
	}
	return nil
}

// emails maps the multi-valued attribute onto kipass's one work address: the entry
// selected by [type eq "work"] or [primary eq true], or the primary (else the first)
// entry of a whole list. Entries of other types are not kept.
func (c *UserChanges) emails(op int, pa path, value json.RawMessage) error {
	if pa.filter != "" {
		work, err := emailSelector(pa.filter)
		if err != nil {
			return err
		}
		if !work {
			return nil
		}
		switch {
		case op == opRemove:
			c.Email = new("")
			return nil
		case pa.sub == "value":
			return setString(&c.Email, op, value, "emails.value", checkEmail)
		case pa.sub == "":
			var e emailIn
			if err := json.Unmarshal(value, &e); err != nil {
				return badRequest(TypeInvalidValue, "emails[...] needs an object with a value")
			}
			return setString(&c.Email, op, mustJSON(e.Value), "emails.value", checkEmail)
		}
		return nil // type, primary, display: not kept
	}
	if pa.sub != "" {
		return badRequest(TypeInvalidPath, "use emails[type eq \"work\"].%s", pa.sub)
	}
	if op == opRemove {
		c.Email = new("")
		return nil
	}
	var list []emailIn
	if err := json.Unmarshal(value, &list); err != nil || len(list) > maxEmails {
		return badRequest(TypeInvalidValue, "emails needs a list of at most %d objects", maxEmails)
	}
	if len(list) == 0 {
		if op == opReplace {
			c.Email = new("")
		}
		return nil
	}
	pick := list[0]
	for _, e := range list {
		if bool(e.Primary) || strings.EqualFold(e.Type, "work") {
			pick = e
			break
		}
	}
	return setString(&c.Email, op, mustJSON(pick.Value), "emails.value", checkEmail)
}

// emailSelector reads the value filter of an emails path. It reports whether the
// filter selects the work address; other types are valid but not kept.
func emailSelector(f string) (bool, error) {
	parts := strings.Fields(f)
	if len(parts) != 3 || !strings.EqualFold(parts[1], "eq") {
		return false, badRequest(TypeInvalidFilter, "emails filter must be type eq \"...\" or primary eq true")
	}
	switch strings.ToLower(parts[0]) {
	case "type":
		var t string
		if err := json.Unmarshal([]byte(parts[2]), &t); err != nil {
			return false, badRequest(TypeInvalidFilter, "emails type must be a quoted string")
		}
		return strings.EqualFold(t, "work"), nil
	case "primary":
		if b, err := parseBool([]byte(parts[2])); err == nil {
			return b, nil
		}
	}
	return false, badRequest(TypeInvalidFilter, "emails filter must be type eq \"...\" or primary eq true")
}

// ParseGroupPatch reads a PATCH /Groups/{id} body into a change set.
func ParseGroupPatch(body []byte) (GroupChanges, error) {
	var c GroupChanges
	list, ops, err := readPatch(body)
	if err != nil {
		return c, err
	}
	for i, o := range list {
		if err := c.op(ops[i], strings.TrimSpace(o.Path), o.Value, 0); err != nil {
			return GroupChanges{}, err
		}
	}
	c.Members, c.AddMembers, c.RemoveMembers = nilIfEmpty(c.Members), nilIfEmpty(c.AddMembers), nilIfEmpty(c.RemoveMembers)
	return c, nil
}

func (c *GroupChanges) op(op int, p string, value json.RawMessage, depth int) error {
	if p == "" {
		m, err := patchObject(value, depth)
		if err != nil {
			return err
		}
		for _, k := range slices.Sorted(maps.Keys(m)) {
			v := m[k]
			if k == "" {
				return badRequest(TypeInvalidPath, "empty attribute name")
			}
			if err := c.op(op, k, v, depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	pa, err := parsePath(p, KindGroup)
	if err != nil {
		return err
	}
	if pa.attr != "members" && (pa.filter != "" || pa.sub != "") {
		return badRequest(TypeInvalidPath, "unknown path %q", p)
	}
	switch pa.attr {
	case "displayname":
		if op == opRemove {
			return badRequest(TypeMutability, "displayName cannot be removed")
		}
		return setString(&c.DisplayName, op, value, "displayName", func(a, s string) error {
			if strings.TrimSpace(s) == "" {
				return badRequest(TypeInvalidValue, "displayName must not be empty")
			}
			return checkText(a, s)
		})
	case "externalid":
		return setString(&c.ExternalID, op, value, "externalId", checkText)
	case "id", "schemas", "meta":
		return nil // Okta repeats the id in path-less replaces
	case "members":
		return c.members(op, pa, value)
	}
	return badRequest(TypeInvalidPath, "unknown attribute %q", pa.attr)
}

func (c *GroupChanges) members(op int, pa path, value json.RawMessage) error {
	if pa.sub != "" {
		return badRequest(TypeInvalidPath, "members has no sub-attribute to change")
	}
	if pa.filter != "" {
		if op != opRemove {
			return badRequest(TypeInvalidPath, "a members filter is allowed only with remove")
		}
		id, err := memberSelector(pa.filter)
		if err != nil {
			return err
		}
		c.remove(id)
		return nil
	}
	var ids []string
	if op != opRemove || !isNull(value) {
		var list []memberIn
		if err := json.Unmarshal(value, &list); err != nil {
			return badRequest(TypeInvalidValue, "members needs a list of {\"value\": id} objects")
		}
		for _, m := range list {
			if err := checkMemberID(m.Value); err != nil {
				return err
			}
			ids = append(ids, m.Value)
		}
	}
	switch {
	case op == opReplace || (op == opRemove && isNull(value)):
		c.ReplaceMembers, c.Members, c.AddMembers, c.RemoveMembers = true, nil, nil, nil
		for _, id := range ids {
			c.add(id)
		}
	case op == opAdd:
		for _, id := range ids {
			c.add(id)
		}
	default:
		for _, id := range ids {
			c.remove(id)
		}
	}
	return nil
}

func (c *GroupChanges) add(id string) {
	if c.ReplaceMembers {
		if !slices.Contains(c.Members, id) {
			c.Members = append(c.Members, id)
		}
		return
	}
	c.RemoveMembers = slices.DeleteFunc(c.RemoveMembers, func(s string) bool { return s == id })
	if !slices.Contains(c.AddMembers, id) {
		c.AddMembers = append(c.AddMembers, id)
	}
}

func (c *GroupChanges) remove(id string) {
	if c.ReplaceMembers {
		c.Members = slices.DeleteFunc(c.Members, func(s string) bool { return s == id })
		return
	}
	c.AddMembers = slices.DeleteFunc(c.AddMembers, func(s string) bool { return s == id })
	if !slices.Contains(c.RemoveMembers, id) {
		c.RemoveMembers = append(c.RemoveMembers, id)
	}
}

// memberSelector reads `value eq "id"` from members[...].
func memberSelector(f string) (string, error) {
	attr, rest, _ := strings.Cut(strings.TrimSpace(f), " ")
	op, v, _ := strings.Cut(strings.TrimSpace(rest), " ")
	var id string
	if !strings.EqualFold(attr, "value") || !strings.EqualFold(op, "eq") ||
		json.Unmarshal([]byte(strings.TrimSpace(v)), &id) != nil {
		return "", badRequest(TypeInvalidFilter, "members filter must be value eq \"id\"")
	}
	return id, checkMemberID(id)
}

func isNull(v json.RawMessage) bool {
	v = bytes.TrimSpace(v)
	return len(v) == 0 || string(v) == "null"
}

// patchObject reads the value of a path-less operation: a JSON object.
func patchObject(value json.RawMessage, depth int) (map[string]json.RawMessage, error) {
	if depth > 2 {
		return nil, badRequest(TypeInvalidPath, "value objects nested too deeply")
	}
	var m map[string]json.RawMessage
	if b := bytes.TrimSpace(value); len(b) == 0 || b[0] != '{' || json.Unmarshal(b, &m) != nil {
		return nil, badRequest(TypeInvalidValue, "an operation without a path needs an object value")
	}
	return m, nil
}

// setString records a string attribute's new value; remove clears it, and null is
// the empty string (which check may refuse, as for userName).
func setString(dst **string, op int, value json.RawMessage, attr string, check func(attr, s string) error) error {
	if op == opRemove {
		*dst = new("")
		return nil
	}
	var s string
	if !isNull(value) && json.Unmarshal(value, &s) != nil {
		return badRequest(TypeInvalidValue, "%s must be a string", attr)
	}
	if err := check(attr, s); err != nil {
		return err
	}
	*dst = &s
	return nil
}

func patchBool(value json.RawMessage) (bool, error) {
	if isNull(value) {
		return false, badRequest(TypeInvalidValue, "active must be true or false")
	}
	b, err := parseBool(value)
	if err != nil {
		return false, badRequest(TypeInvalidValue, "active must be true or false")
	}
	return b, nil
}

func mustJSON(s string) json.RawMessage {
	b, _ := json.Marshal(s) // a string always marshals
	return b
}

func nilIfEmpty(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
}
