package scim

import "context"

// Service is what the SCIM server needs from kipass. The use-case layer implements it;
// the SCIM package has already checked the protocol (schemas, userName is an e-mail,
// value lengths, filter and PATCH syntax) and hands over typed values.
//
// Errors: ErrNotFound (404), ErrUniqueness (409, nothing changed), an *Error for any
// other answer the provider should see (for example 400 invalidValue for a name with
// bidi controls, or a member id that is not a user); anything else is a 500.
// The SCIM client's id (from Config.Authenticate) is in the context: ClientID(ctx).
type Service interface {
	// CreateUser creates an account from u (ID and Meta empty) and returns it as stored.
	// userName and externalId are unique (userName without regard to case). An existing
	// account with that userName that SCIM did not create or that SCIM deleted before
	// may be linked instead (kipass's rule, not this package's).
	CreateUser(ctx context.Context, u User) (User, error)
	// GetUser returns the account with this SCIM id.
	GetUser(ctx context.Context, id string) (User, error)
	// ListUsers returns one page of the accounts matching f, in a stable order, and the
	// number of all matches. f finds accounts by id, userName, externalId,
	// displayName or work e-mail.
	ListUsers(ctx context.Context, f Filter, p Page) (users []User, total int, err error)
	// ReplaceUser sets every attribute of the account to u's (PUT). Active false
	// deprovisions as in PatchUser.
	ReplaceUser(ctx context.Context, id string, u User) (User, error)
	// PatchUser applies the change set (PATCH). Active false deprovisions: the account
	// is deactivated and its sessions end; Active true reactivates it.
	PatchUser(ctx context.Context, id string, c UserChanges) (User, error)
	// DeleteUser deprovisions the account (deactivated, sessions ended; retention
	// erases it later as for any inactive account) and hides it from SCIM: afterwards
	// GetUser answers ErrNotFound.
	DeleteUser(ctx context.Context, id string) error

	// CreateGroup creates a group; displayName and externalId are unique.
	CreateGroup(ctx context.Context, g Group) (Group, error)
	// GetGroup returns the group, with its members unless members is false (providers
	// ask with excludedAttributes=members to spare large lists).
	GetGroup(ctx context.Context, id string, members bool) (Group, error)
	// ListGroups returns one page of the groups matching f (id, displayName,
	// externalId, a member's id) and the number of all matches.
	ListGroups(ctx context.Context, f Filter, p Page, members bool) (groups []Group, total int, err error)
	// ReplaceGroup sets the group's name, externalId and whole member list (PUT).
	ReplaceGroup(ctx context.Context, id string, g Group) (Group, error)
	// PatchGroup applies the change set (PATCH); the answer is 204 without a body.
	PatchGroup(ctx context.Context, id string, c GroupChanges) error
	// DeleteGroup deletes the group; its members' accounts stay.
	DeleteGroup(ctx context.Context, id string) error
}

type clientKey struct{}

// WithClientID returns ctx carrying the authenticated SCIM client's id.
func WithClientID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, clientKey{}, id)
}

// ClientID returns the id of the SCIM client (the token's id) that made the request,
// for the audit log; "" outside a SCIM request.
func ClientID(ctx context.Context) string {
	id, _ := ctx.Value(clientKey{}).(string)
	return id
}
