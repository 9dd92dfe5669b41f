package scim

import (
	"encoding/json"
	"slices"
	"strings"
)

// The discovery documents (RFC 7643 sections 5 to 7) are built once per Handler, since
// they only depend on BaseURL.

type attrDoc struct {
	Name          string    `json:"name"`
	Type          string    `json:"type"`
	MultiValued   bool      `json:"multiValued"`
	Description   string    `json:"description"`
	Required      bool      `json:"required"`
	CaseExact     bool      `json:"caseExact"`
	Mutability    string    `json:"mutability"`
	Returned      string    `json:"returned"`
	Uniqueness    string    `json:"uniqueness"`
	SubAttributes []attrDoc `json:"subAttributes,omitempty"`
}

func str(name, desc string) attrDoc {
	return attrDoc{Name: name, Type: "string", Description: desc, Mutability: "readWrite", Returned: "default", Uniqueness: "none"}
}

type schemaDoc struct {
	Schemas     []string  `json:"schemas"`
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	Description string    `json:"description"`
	Attributes  []attrDoc `json:"attributes"`
	Meta        Meta      `json:"meta"`
}

type extDoc struct {
	Schema   string `json:"schema"`
	Required bool   `json:"required"`
}

type resourceTypeDoc struct {
	Schemas          []string `json:"schemas"`
	ID               string   `json:"id"`
	Name             string   `json:"name"`
	Endpoint         string   `json:"endpoint"`
	Description      string   `json:"description"`
	Schema           string   `json:"schema"`
	SchemaExtensions []extDoc `json:"schemaExtensions,omitempty"`
	Meta             Meta     `json:"meta"`
}

type supported struct {
	Supported bool `json:"supported"`
}

func (h *Handler) buildDiscovery() {
	base := h.cfg.BaseURL
	userName := str("userName", "The account's e-mail address; kipass signs in with it.")
	userName.Required, userName.Uniqueness = true, "server"
	active := attrDoc{Name: "active", Type: "boolean", Description: "False deactivates the account and ends its sessions.",
		Mutability: "readWrite", Returned: "default", Uniqueness: "none"}
	name := attrDoc{Name: "name", Type: "complex", Description: "The name parts.", Mutability: "readWrite",
		Returned: "default", Uniqueness: "none", SubAttributes: []attrDoc{
			str("formatted", "The full name."), str("givenName", "The given name."), str("familyName", "The family name.")}}
	emailValue, emailPrimary := str("value", "The work e-mail address."), attrDoc{Name: "primary", Type: "boolean",
		Description: "Whether this is the primary address.", Mutability: "readWrite", Returned: "default", Uniqueness: "none"}
	emails := attrDoc{Name: "emails", Type: "complex", MultiValued: true, Description: "kipass keeps one work address.",
		Mutability: "readWrite", Returned: "default", Uniqueness: "none",
		SubAttributes: []attrDoc{emailValue, str("type", "\"work\"."), emailPrimary}}
	groups := attrDoc{Name: "groups", Type: "complex", MultiValued: true, Description: "The groups the user is in.",
		Mutability: "readOnly", Returned: "default", Uniqueness: "none",
		SubAttributes: []attrDoc{str("value", "The group's id."), str("display", "The group's name.")}}
	members := attrDoc{Name: "members", Type: "complex", MultiValued: true, Description: "The member users.",
		Mutability: "readWrite", Returned: "default", Uniqueness: "none",
		SubAttributes: []attrDoc{str("value", "The user's id."), str("display", "The user's name.")}}
	groupName := str("displayName", "The group's name; the role and department mapping names it.")
	groupName.Required, groupName.Uniqueness = true, "server"

	docs := []schemaDoc{
		{ID: SchemaUser, Name: "User", Description: "A kipass account.", Attributes: []attrDoc{
			userName, name, str("displayName", "The name shown in kipass and on certificates."), active, emails, groups}},
		{ID: SchemaEnterpriseUser, Name: "EnterpriseUser", Description: "Enterprise attributes kipass keeps.",
			Attributes: []attrDoc{str("department", "The department, as shown in HR reports.")}},
		{ID: SchemaGroup, Name: "Group", Description: "A group, mapped to a role or department by configuration.",
			Attributes: []attrDoc{groupName, members}},
	}
	h.schemas = map[string][]byte{}
	for i := range docs {
		docs[i].Schemas = []string{SchemaSchema}
		docs[i].Meta = Meta{ResourceType: "Schema", Location: base + "/Schemas/" + docs[i].ID}
		h.schemas[strings.ToLower(docs[i].ID)] = mustMarshal(docs[i])
	}
	h.schemaDoc = mustMarshal(ListResponse[schemaDoc]{Schemas: []string{SchemaListResponse},
		TotalResults: len(docs), StartIndex: 1, ItemsPerPage: len(docs), Resources: docs})

	types := []resourceTypeDoc{
		{ID: "User", Name: "User", Endpoint: "/Users", Description: "kipass accounts", Schema: SchemaUser,
			SchemaExtensions: []extDoc{{Schema: SchemaEnterpriseUser}}},
		{ID: "Group", Name: "Group", Endpoint: "/Groups", Description: "groups mapped to roles or departments", Schema: SchemaGroup},
	}
	h.resTypes = map[string][]byte{}
	for i := range types {
		types[i].Schemas = []string{SchemaResourceType}
		types[i].Meta = Meta{ResourceType: "ResourceType", Location: base + "/ResourceTypes/" + types[i].ID}
		h.resTypes[strings.ToLower(types[i].ID)] = mustMarshal(types[i])
	}
	h.typesList = mustMarshal(ListResponse[resourceTypeDoc]{Schemas: []string{SchemaListResponse},
		TotalResults: len(types), StartIndex: 1, ItemsPerPage: len(types), Resources: types})

	h.spConfig = mustMarshal(map[string]any{
		"schemas":        []string{SchemaSPConfig},
		"patch":          supported{true},
		"bulk":           map[string]any{"supported": false, "maxOperations": 0, "maxPayloadSize": 0},
		"filter":         map[string]any{"supported": true, "maxResults": h.cfg.MaxResults},
		"changePassword": supported{false},
		"sort":           supported{false},
		"etag":           supported{false},
		"authenticationSchemes": []map[string]any{{
			"type": "oauthbearertoken", "name": "Bearer token", "primary": true,
			"description": "A token that a kipass admin creates on /admin; send it as Authorization: Bearer <token>.",
		}},
		"meta": Meta{ResourceType: "ServiceProviderConfig", Location: base + "/ServiceProviderConfig"},
	})
}

// discovery answers GET on a discovery endpoint: the whole document, or one entry of
// byID (matched without regard to case, as schema URNs are).
func (h *Handler) discovery(r Request, segs []string, all []byte, byID map[string][]byte) Response {
	if r.Method != "GET" {
		return methodNotAllowed()
	}
	body := all
	switch {
	case len(segs) == 2 && byID != nil:
		b, ok := byID[strings.ToLower(segs[1])]
		if !ok {
			return errorResponse(Errorf(404, "", "unknown %s", segs[0]))
		}
		body = b
	case len(segs) > 1:
		return errorResponse(Errorf(404, "", "unknown endpoint"))
	}
	return Response{Status: 200, Header: map[string]string{"Content-Type": ContentType}, Body: slices.Clone(body)}
}

func mustMarshal(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic("scim: discovery document: " + err.Error()) // static data: a programming error
	}
	return b
}
