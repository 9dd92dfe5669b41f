package app

import "context"

// SCIMAccount is an account as SCIM provisioning sees it.
type SCIMAccount struct {
	User
	// SCIMID is the id SCIM clients know the account by.
	SCIMID     string
	ExternalID string
	UpdatedAt  int64
	// Groups are the SCIM groups the account is a member of (filled by
	// SCIMUser with groups only).
	Groups []SCIMGroupRef
}

// SCIMGroupRef names a group.
type SCIMGroupRef struct{ ID, Name string }

// SCIMGroup is a group pushed by a SCIM client.
type SCIMGroup struct {
	ID, Name, ExternalID string
	CreatedAt, UpdatedAt int64
	// Members are the members' SCIM ids and names (when asked for).
	Members []SCIMMember
}

// SCIMMember is a group member.
type SCIMMember struct{ SCIMID, Name string }

// SCIMFilter selects SCIM accounts or groups; nil fields match all. Name
// is the display name; Email the account's email (userName).
type SCIMFilter struct {
	ID, Email, ExternalID, Name, Member *string
}

// GroupMapper says which role and department an account has given the
// names of all its groups; it returns the account's values where groups
// decide nothing.
type GroupMapper func(groups []string, u User) (role, department string)

// MembersChange changes a group's members (SCIM ids).
type MembersChange struct {
	Replace          bool
	Members          []string // the whole list when Replace
	Add, Remove      []string
	Name, ExternalID *string
}

// SCIMToken is a SCIM client's bearer token, without the token.
type SCIMToken struct {
	ID        int64
	Name      string
	CreatedBy int64
	CreatedAt int64
	RevokedAt int64 // 0: usable
}

// SCIMStore keeps what SCIM provisioning changes. Every write is one
// transaction with its audit entry; by names the SCIM client.
type SCIMStore interface {
	// SCIMCreateUser creates an account managed by SCIM, or links the
	// account with the same email that SCIM does not manage yet; a taken
	// externalId, or the email of an account SCIM manages, is an
	// errs.Conflict and nothing is written.
	SCIMCreateUser(ctx context.Context, a SCIMAccount, by Actor) (SCIMAccount, error)
	// SCIMUser returns an account SCIM manages, with its groups when asked.
	SCIMUser(ctx context.Context, scimID string, groups bool) (SCIMAccount, error)
	// SCIMUsers returns one page of matching accounts in a stable order
	// and the number of all matches.
	SCIMUsers(ctx context.Context, f SCIMFilter, offset, limit int) ([]SCIMAccount, int, error)
	// SCIMUpdateUser reads the account, lets change edit it and writes
	// the result: email, name, department, externalId, active. Turning
	// active off ends its sessions.
	SCIMUpdateUser(ctx context.Context, scimID string, change func(*SCIMAccount) error, by Actor) (SCIMAccount, error)
	// SCIMDeleteUser deactivates the account, ends its sessions and
	// hides it from SCIM.
	SCIMDeleteUser(ctx context.Context, scimID string, by Actor) error

	SCIMCreateGroup(ctx context.Context, g SCIMGroup, members []string, m GroupMapper, by Actor) (SCIMGroup, error)
	SCIMGroup(ctx context.Context, id string, members bool) (SCIMGroup, error)
	SCIMGroups(ctx context.Context, f SCIMFilter, offset, limit int, members bool) ([]SCIMGroup, int, error)
	// SCIMChangeGroup applies a change of name and members and maps the
	// affected accounts' groups to roles and departments again.
	SCIMChangeGroup(ctx context.Context, id string, ch MembersChange, m GroupMapper, by Actor) error
	SCIMDeleteGroup(ctx context.Context, id string, m GroupMapper, by Actor) error

	CreateSCIMToken(ctx context.Context, name string, tokenHash []byte, by Actor) (int64, error)
	RevokeSCIMToken(ctx context.Context, id int64, by Actor) error
	SCIMTokens(ctx context.Context) ([]SCIMToken, error)
	// SCIMTokenID returns the id of the usable token with the hash.
	SCIMTokenID(ctx context.Context, tokenHash []byte) (int64, bool, error)
}
