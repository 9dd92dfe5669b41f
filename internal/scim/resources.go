package scim

import (
	"encoding/json"
	"time"
)

// Schema and message URNs from RFC 7643 and RFC 7644.
const (
	SchemaUser           = "urn:ietf:params:scim:schemas:core:2.0:User"
	SchemaGroup          = "urn:ietf:params:scim:schemas:core:2.0:Group"
	SchemaEnterpriseUser = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	SchemaListResponse   = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
	SchemaPatchOp        = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
	SchemaError          = "urn:ietf:params:scim:api:messages:2.0:Error"
	SchemaSPConfig       = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
	SchemaResourceType   = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"
	SchemaSchema         = "urn:ietf:params:scim:schemas:core:2.0:Schema"
)

// ContentType is the media type of every SCIM response body (RFC 7644 section 3.1).
const ContentType = "application/scim+json"

// User is a SCIM User as kipass keeps it: the account's e-mail is its userName.
// Fields the package does not know are not kept; the JSON form is built by
// MarshalJSON so that the schemas list and meta always match the content.
type User struct {
	// ID is kipass's identifier of the account; the Service assigns it.
	ID string
	// ExternalID is the provider's own identifier (Entra ID's objectId, Okta's user id).
	ExternalID string
	// UserName is the sign-in name: always an e-mail address in kipass.
	UserName string
	// Name holds the name parts the provider sends.
	Name Name
	// DisplayName is the name shown in kipass and on certificates.
	DisplayName string
	// Active is false for a deactivated (deprovisioned) account.
	Active bool
	// Emails are the addresses the provider sent; kipass signs in with UserName.
	Emails []Email
	// Department is the enterprise extension's department.
	Department string
	// Groups lists the groups the user is a member of (read-only in SCIM).
	Groups []GroupRef
	// Meta carries the timestamps; Location and ResourceType are filled in on output.
	Meta Meta
}

// Name is the complex "name" attribute of a User.
type Name struct {
	Formatted  string `json:"formatted,omitempty"`
	GivenName  string `json:"givenName,omitempty"`
	FamilyName string `json:"familyName,omitempty"`
}

// Email is one entry of a User's "emails".
type Email struct {
	Value   string `json:"value"`
	Type    string `json:"type,omitempty"`
	Primary bool   `json:"primary,omitempty"`
}

// GroupRef is one entry of a User's read-only "groups".
type GroupRef struct {
	Value   string `json:"value"`
	Display string `json:"display,omitempty"`
	Ref     string `json:"$ref,omitempty"`
}

// Group is a SCIM Group; kipass maps groups to departments or roles by configuration.
type Group struct {
	// ID is kipass's identifier of the group; the Service assigns it.
	ID string
	// ExternalID is the provider's own identifier.
	ExternalID string
	// DisplayName is the group's name (the one the role or department mapping names).
	DisplayName string
	// Members lists the member users by their kipass ID.
	Members []Member
	// Meta carries the timestamps.
	Meta Meta
}

// Member is one entry of a Group's "members".
type Member struct {
	// Value is the member user's kipass ID.
	Value string `json:"value"`
	// Display is the member's display name or userName, output only.
	Display string `json:"display,omitempty"`
	// Ref is the member's URL, filled in on output.
	Ref string `json:"$ref,omitempty"`
}

// Meta is the common "meta" attribute (RFC 7643 section 3.1).
type Meta struct {
	ResourceType string    `json:"resourceType,omitempty"`
	Created      time.Time `json:"created,omitzero"`
	LastModified time.Time `json:"lastModified,omitzero"`
	Location     string    `json:"location,omitempty"`
	Version      string    `json:"version,omitempty"`
}

type enterpriseJSON struct {
	Department string `json:"department,omitempty"`
}

type userJSON struct {
	Schemas     []string        `json:"schemas"`
	ID          string          `json:"id"`
	ExternalID  string          `json:"externalId,omitempty"`
	UserName    string          `json:"userName"`
	Name        *Name           `json:"name,omitempty"`
	DisplayName string          `json:"displayName,omitempty"`
	Active      bool            `json:"active"`
	Emails      []Email         `json:"emails,omitempty"`
	Groups      []GroupRef      `json:"groups,omitempty"`
	Enterprise  *enterpriseJSON `json:"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User,omitempty"`
	Meta        Meta            `json:"meta"`
}

var (
	userSchemas           = []string{SchemaUser}
	userEnterpriseSchemas = []string{SchemaUser, SchemaEnterpriseUser}
	groupSchemas          = []string{SchemaGroup}
)

// MarshalJSON writes the User as RFC 7643 section 4.1 describes, with the enterprise
// extension only when a department is set.
func (u User) MarshalJSON() ([]byte, error) { return json.Marshal(u.toJSON()) }

// toJSON is the wire form; lists marshal it directly, which spares encoding/json
// re-scanning each user's MarshalJSON output.
func (u *User) toJSON() userJSON {
	j := userJSON{
		Schemas: userSchemas, ID: u.ID, ExternalID: u.ExternalID, UserName: u.UserName,
		DisplayName: u.DisplayName, Active: u.Active, Emails: u.Emails, Groups: u.Groups, Meta: u.Meta,
	}
	if u.Name != (Name{}) {
		j.Name = &u.Name
	}
	if u.Department != "" {
		j.Schemas = userEnterpriseSchemas
		j.Enterprise = &enterpriseJSON{Department: u.Department}
	}
	j.Meta.ResourceType = "User"
	return j
}

type groupJSON struct {
	Schemas     []string `json:"schemas"`
	ID          string   `json:"id"`
	ExternalID  string   `json:"externalId,omitempty"`
	DisplayName string   `json:"displayName"`
	Members     []Member `json:"members,omitempty"`
	Meta        Meta     `json:"meta"`
}

// MarshalJSON writes the Group as RFC 7643 section 4.2 describes.
func (g Group) MarshalJSON() ([]byte, error) {
	j := groupJSON{Schemas: groupSchemas, ID: g.ID, ExternalID: g.ExternalID,
		DisplayName: g.DisplayName, Members: g.Members, Meta: g.Meta}
	j.Meta.ResourceType = "Group"
	return json.Marshal(j)
}

// ListResponse is the body of a list (RFC 7644 section 3.4.2). Resources is never
// null in JSON: providers such as Okta read "no such user" from an empty array.
type ListResponse[T any] struct {
	Schemas      []string `json:"schemas"`
	TotalResults int      `json:"totalResults"`
	StartIndex   int      `json:"startIndex"`
	ItemsPerPage int      `json:"itemsPerPage"`
	Resources    []T      `json:"Resources"`
}
