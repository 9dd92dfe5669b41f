package app

import (
	"context"
	"slices"
	"strings"
	"time"

	"kipass/internal/auth"
	"kipass/internal/errs"
	"kipass/internal/scim"
	"kipass/internal/sso"
)

// SCIMConfig says how SCIM groups map to kipass: groups named in Roles
// make their members HR or admins (everyone else an employee; no Roles:
// roles are kept in kipass), and a group whose name starts with
// DepartmentPrefix sets its members' department to the rest of its name
// ("" turns that off).
type SCIMConfig struct {
	Roles            sso.RoleMap
	DepartmentPrefix string
}

// SCIM runs the SCIM provisioning use cases; it implements scim.Service
// and answers the SCIM token questions of /admin.
type SCIM struct {
	app   *App
	store SCIMStore
	cfg   SCIMConfig
}

// SCIM returns the SCIM use cases over store.
func (a *App) SCIM(store SCIMStore, cfg SCIMConfig) *SCIM {
	return &SCIM{app: a, store: store, cfg: cfg}
}

var _ scim.Service = (*SCIM)(nil)

// RoleSCIM is the audit log's actor role for changes made by a SCIM client.
const RoleSCIM = "scim"

// actor is the SCIM client as the store records it: the token id in ID.
func (s *SCIM) actor(ctx context.Context) Actor {
	id := int64(0)
	for _, r := range scim.ClientID(ctx) {
		if r < '0' || r > '9' {
			id = 0
			break
		}
		id = id*10 + int64(r-'0')
	}
	return Actor{ID: id, Role: RoleSCIM}
}

// mapper is the configured group mapping.
func (s *SCIM) mapper() GroupMapper {
	if s.cfg.Roles.Empty() && s.cfg.DepartmentPrefix == "" {
		return nil
	}
	return func(groups []string, u User) (string, string) {
		role, dept := u.Role, u.Department
		if !s.cfg.Roles.Empty() {
			role = s.cfg.Roles.Role(groups)
		}
		if p := s.cfg.DepartmentPrefix; p != "" {
			for _, g := range groups { // sorted by name: the first wins
				if d, ok := strings.CutPrefix(g, p); ok && d != "" {
					dept = d
					break
				}
			}
		}
		return role, dept
	}
}

// scimErr turns the use cases' errors into the answers scim expects.
func scimErr(err error) error {
	switch e := errs.As(err); {
	case err == nil:
		return nil
	case e == nil:
		return err
	case e.Kind == errs.NotFound:
		return scim.ErrNotFound
	case e.Code == "last_admin":
		return scim.Errorf(409, scim.TypeMutability, "This is the last active administrator of kipass; make another account an administrator first.")
	case e.Kind == errs.Conflict:
		return scim.ErrUniqueness
	case e.Kind == errs.Invalid:
		return scim.Errorf(400, scim.TypeInvalidValue, "%s", e.Message)
	}
	return err
}

func invalidValue(format string, args ...any) error {
	return scim.Errorf(400, scim.TypeInvalidValue, format, args...)
}

// profile checks and cleans the name and department as everywhere in kipass.
func profile(name, dept string) (string, string, error) {
	name, dept = auth.CleanName(name), auth.CleanName(dept)
	if why := auth.CheckName(name, true, 100); why != "" {
		return "", "", invalidValue("displayName: %s (at most 100 characters, no invisible or bidi control characters)", why)
	}
	if why := auth.CheckName(dept, false, 100); why != "" {
		return "", "", invalidValue("department: %s (at most 100 characters, no invisible or bidi control characters)", why)
	}
	return name, dept, nil
}

func displayName(u scim.User) string {
	for _, n := range []string{u.DisplayName, u.Name.Formatted, strings.TrimSpace(u.Name.GivenName + " " + u.Name.FamilyName)} {
		if strings.TrimSpace(n) != "" {
			return n
		}
	}
	local, _, _ := strings.Cut(u.UserName, "@")
	return local
}

func checkUserName(s string) (string, error) {
	email := auth.NormalizeEmail(s)
	if why := auth.CheckEmail(email); why != "" {
		return "", invalidValue("userName must be an email address (%s)", why)
	}
	return email, nil
}

// toSCIM is the SCIM view of an account.
func toSCIM(a SCIMAccount) scim.User {
	u := scim.User{ID: a.SCIMID, ExternalID: a.ExternalID, UserName: a.Email, DisplayName: a.Name, Name: scim.Name{Formatted: a.Name},
		Active: a.Active, Emails: []scim.Email{{Value: a.Email, Type: "work", Primary: true}}, Department: a.Department,
		Meta: scim.Meta{Created: time.Unix(a.CreatedAt, 0).UTC(), LastModified: time.Unix(max(a.UpdatedAt, a.CreatedAt), 0).UTC()}}
	for _, g := range a.Groups {
		u.Groups = append(u.Groups, scim.GroupRef{Value: g.ID, Display: g.Name})
	}
	return u
}

// CreateUser creates an employee account (or the role of its groups
// later), or links the account with the same email that SCIM does not
// manage yet.
func (s *SCIM) CreateUser(ctx context.Context, u scim.User) (scim.User, error) {
	email, err := checkUserName(u.UserName)
	if err != nil {
		return scim.User{}, err
	}
	u.UserName = email
	name, dept, err := profile(displayName(u), u.Department)
	if err != nil {
		return scim.User{}, err
	}
	a, err := s.store.SCIMCreateUser(ctx, SCIMAccount{User: User{Email: email, Name: name, Department: dept, Role: RoleEmployee, Active: u.Active},
		ExternalID: u.ExternalID}, s.actor(ctx))
	return toSCIM(a), scimErr(err)
}

// GetUser returns an account SCIM manages, with its groups.
func (s *SCIM) GetUser(ctx context.Context, id string) (scim.User, error) {
	a, err := s.store.SCIMUser(ctx, id, true)
	return toSCIM(a), scimErr(err)
}

// ListUsers returns one page of accounts.
func (s *SCIM) ListUsers(ctx context.Context, f scim.Filter, p scim.Page) ([]scim.User, int, error) {
	sf := SCIMFilter{ID: f.ID, ExternalID: f.ExternalID, Name: f.DisplayName}
	for _, e := range []*string{f.UserName, f.Email} {
		if e != nil {
			v := auth.NormalizeEmail(*e)
			if sf.Email != nil && *sf.Email != v {
				return nil, 0, nil
			}
			sf.Email = &v
		}
	}
	list, total, err := s.store.SCIMUsers(ctx, sf, p.Offset(), p.Count)
	if err != nil {
		return nil, 0, err
	}
	out := make([]scim.User, len(list))
	for i, a := range list {
		out[i] = toSCIM(a)
	}
	return out, total, nil
}

// ReplaceUser sets every attribute (PUT); active false deprovisions.
func (s *SCIM) ReplaceUser(ctx context.Context, id string, u scim.User) (scim.User, error) {
	email, err := checkUserName(u.UserName)
	if err != nil {
		return scim.User{}, err
	}
	u.UserName = email
	name, dept, err := profile(displayName(u), u.Department)
	if err != nil {
		return scim.User{}, err
	}
	a, err := s.store.SCIMUpdateUser(ctx, id, func(a *SCIMAccount) error {
		a.Email, a.Name, a.Department, a.ExternalID, a.Active = email, name, dept, u.ExternalID, u.Active
		return nil
	}, s.actor(ctx))
	return s.withGroups(ctx, a, err)
}

func (s *SCIM) withGroups(ctx context.Context, a SCIMAccount, err error) (scim.User, error) {
	if err != nil {
		return scim.User{}, scimErr(err)
	}
	return s.GetUser(ctx, a.SCIMID)
}

// PatchUser applies a PATCH; active false deprovisions, true reactivates.
func (s *SCIM) PatchUser(ctx context.Context, id string, c scim.UserChanges) (scim.User, error) {
	var email string
	if c.UserName != nil {
		var err error
		if email, err = checkUserName(*c.UserName); err != nil {
			return scim.User{}, err
		}
	}
	a, err := s.store.SCIMUpdateUser(ctx, id, func(a *SCIMAccount) error {
		if email != "" {
			a.Email = email
		}
		name := a.Name
		switch {
		case c.DisplayName != nil && *c.DisplayName != "":
			name = *c.DisplayName
		case c.Formatted != nil && *c.Formatted != "":
			name = *c.Formatted
		case c.GivenName != nil && c.FamilyName != nil:
			name = strings.TrimSpace(*c.GivenName + " " + *c.FamilyName)
		}
		dept := a.Department
		if c.Department != nil {
			dept = *c.Department
		}
		var err error
		if a.Name, a.Department, err = profile(name, dept); err != nil {
			return err
		}
		if c.ExternalID != nil {
			a.ExternalID = *c.ExternalID
		}
		if c.Active != nil {
			a.Active = *c.Active
		}
		return nil
	}, s.actor(ctx))
	return s.withGroups(ctx, a, err)
}

// DeleteUser deprovisions the account and hides it from SCIM.
func (s *SCIM) DeleteUser(ctx context.Context, id string) error {
	return scimErr(s.store.SCIMDeleteUser(ctx, id, s.actor(ctx)))
}

func groupName(n string) (string, error) {
	n = auth.CleanName(n)
	if why := auth.CheckName(n, true, 256); why != "" {
		return "", invalidValue("displayName: %s", why)
	}
	return n, nil
}

func toSCIMGroup(g SCIMGroup) scim.Group {
	out := scim.Group{ID: g.ID, ExternalID: g.ExternalID, DisplayName: g.Name,
		Meta: scim.Meta{Created: time.Unix(g.CreatedAt, 0).UTC(), LastModified: time.Unix(g.UpdatedAt, 0).UTC()}}
	for _, m := range g.Members {
		out.Members = append(out.Members, scim.Member{Value: m.SCIMID, Display: m.Name})
	}
	return out
}

func memberValues(ms []scim.Member) []string {
	out := make([]string, 0, len(ms))
	for _, m := range ms {
		if !slices.Contains(out, m.Value) {
			out = append(out, m.Value)
		}
	}
	return out
}

// CreateGroup creates a group; its members' roles and departments follow
// the configured mapping.
func (s *SCIM) CreateGroup(ctx context.Context, g scim.Group) (scim.Group, error) {
	name, err := groupName(g.DisplayName)
	if err != nil {
		return scim.Group{}, err
	}
	out, err := s.store.SCIMCreateGroup(ctx, SCIMGroup{Name: name, ExternalID: g.ExternalID}, memberValues(g.Members), s.mapper(), s.actor(ctx))
	return toSCIMGroup(out), scimErr(err)
}

// GetGroup returns a group.
func (s *SCIM) GetGroup(ctx context.Context, id string, members bool) (scim.Group, error) {
	g, err := s.store.SCIMGroup(ctx, id, members)
	return toSCIMGroup(g), scimErr(err)
}

// ListGroups returns one page of groups.
func (s *SCIM) ListGroups(ctx context.Context, f scim.Filter, p scim.Page, members bool) ([]scim.Group, int, error) {
	list, total, err := s.store.SCIMGroups(ctx, SCIMFilter{ID: f.ID, Name: f.DisplayName, ExternalID: f.ExternalID, Member: f.Member}, p.Offset(), p.Count, members)
	if err != nil {
		return nil, 0, err
	}
	out := make([]scim.Group, len(list))
	for i, g := range list {
		out[i] = toSCIMGroup(g)
	}
	return out, total, nil
}

// ReplaceGroup sets name, externalId and the whole member list (PUT).
func (s *SCIM) ReplaceGroup(ctx context.Context, id string, g scim.Group) (scim.Group, error) {
	name, err := groupName(g.DisplayName)
	if err != nil {
		return scim.Group{}, err
	}
	ext := g.ExternalID
	if err := s.store.SCIMChangeGroup(ctx, id, MembersChange{Name: &name, ExternalID: &ext, Replace: true, Members: memberValues(g.Members)}, s.mapper(), s.actor(ctx)); err != nil {
		return scim.Group{}, scimErr(err)
	}
	return s.GetGroup(ctx, id, true)
}

// PatchGroup applies a PATCH of name and members.
func (s *SCIM) PatchGroup(ctx context.Context, id string, c scim.GroupChanges) error {
	ch := MembersChange{ExternalID: c.ExternalID, Replace: c.ReplaceMembers, Members: c.Members, Add: c.AddMembers, Remove: c.RemoveMembers}
	if c.DisplayName != nil {
		name, err := groupName(*c.DisplayName)
		if err != nil {
			return err
		}
		ch.Name = &name
	}
	return scimErr(s.store.SCIMChangeGroup(ctx, id, ch, s.mapper(), s.actor(ctx)))
}

// DeleteGroup deletes a group; members keep their accounts.
func (s *SCIM) DeleteGroup(ctx context.Context, id string) error {
	return scimErr(s.store.SCIMDeleteGroup(ctx, id, s.mapper(), s.actor(ctx)))
}

// Authenticate checks a SCIM client's bearer token and returns its id.
func (s *SCIM) Authenticate(ctx context.Context, token string) (string, bool) {
	if token == "" || len(token) > 256 {
		return "", false
	}
	id, ok, err := s.store.SCIMTokenID(ctx, auth.HashToken(token))
	if err != nil || !ok {
		return "", false
	}
	return itoa(id), true
}

var errSCIMTokenName = &errs.Error{Kind: errs.Invalid, Code: "invalid_input", Message: "Give the token a name (at most 100 characters).",
	Fields: map[string]string{"name": "required"}}

// CreateToken makes a SCIM bearer token for an admin; the token is
// returned once and only its hash is kept.
func (s *SCIM) CreateToken(ctx context.Context, by User, name string) (int64, string, error) {
	if by.Role != RoleAdmin {
		return 0, "", errs.New(errs.Forbidden, "forbidden", "You are not allowed to do this.")
	}
	name = auth.CleanName(name)
	if why := auth.CheckName(name, true, 100); why != "" {
		e := *errSCIMTokenName
		e.Fields = map[string]string{"name": why}
		return 0, "", &e
	}
	token := auth.NewToken()
	id, err := s.store.CreateSCIMToken(ctx, name, auth.HashToken(token), Actor{ID: by.ID, Role: by.Role})
	return id, token, err
}

// RevokeToken revokes a SCIM token for good.
func (s *SCIM) RevokeToken(ctx context.Context, by User, id int64) error {
	if by.Role != RoleAdmin {
		return errs.New(errs.Forbidden, "forbidden", "You are not allowed to do this.")
	}
	return s.store.RevokeSCIMToken(ctx, id, Actor{ID: by.ID, Role: by.Role})
}

// Tokens lists the SCIM tokens (without the tokens).
func (s *SCIM) Tokens(ctx context.Context) ([]SCIMToken, error) { return s.store.SCIMTokens(ctx) }
