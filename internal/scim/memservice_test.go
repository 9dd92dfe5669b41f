package scim

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
)

// memService is an in-memory Service used only by this package's tests. It is a test
// double of the use-case layer behind the protocol, not of kipass's storage: the tests
// here check SCIM parsing, dispatch and answers, and the real Service (internal/app on
// the store) gets its own tests against a real database when it is wired in.
type memService struct {
	mu      sync.Mutex
	n       int
	users   []*User // in id order, which is creation order
	groups  []*Group
	deleted map[string]bool
	// ended records each account whose sessions the Service was told to end
	// (deactivation or delete), in order.
	ended []string
	now   time.Time
}

func newMemService() *memService {
	return &memService{deleted: map[string]bool{}, now: time.Date(2026, 12, 3, 8, 0, 0, 0, time.UTC)}
}

func (s *memService) id(prefix string) string {
	s.n++
	return fmt.Sprintf("%s%06d", prefix, s.n)
}

func (s *memService) user(id string) (*User, error) {
	for _, u := range s.users {
		if u.ID == id && !s.deleted[id] {
			return u, nil
		}
	}
	return nil, ErrNotFound
}

func (s *memService) group(id string) (*Group, error) {
	for _, g := range s.groups {
		if g.ID == id {
			return g, nil
		}
	}
	return nil, ErrNotFound
}

// unique reports ErrUniqueness if another live user has u's userName or externalId.
func (s *memService) unique(u User, self string) error {
	for _, o := range s.users {
		if o.ID == self || s.deleted[o.ID] {
			continue
		}
		if strings.EqualFold(o.UserName, u.UserName) || (u.ExternalID != "" && o.ExternalID == u.ExternalID) {
			return ErrUniqueness
		}
	}
	return nil
}

func (s *memService) uniqueGroup(g Group, self string) error {
	for _, o := range s.groups {
		if o.ID != self && (strings.EqualFold(o.DisplayName, g.DisplayName) || (g.ExternalID != "" && o.ExternalID == g.ExternalID)) {
			return ErrUniqueness
		}
	}
	return nil
}

// view returns a copy of u with its groups, as a Service answers.
func (s *memService) view(u *User) User {
	v := *u
	v.Emails = slices.Clone(u.Emails)
	v.Groups = nil
	for _, g := range s.groups {
		if slices.ContainsFunc(g.Members, func(m Member) bool { return m.Value == u.ID }) {
			v.Groups = append(v.Groups, GroupRef{Value: g.ID, Display: g.DisplayName})
		}
	}
	return v
}

func (s *memService) setActive(u *User, active bool) {
	if u.Active && !active {
		s.ended = append(s.ended, u.ID)
	}
	u.Active = active
}

func (s *memService) CreateUser(_ context.Context, u User) (User, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.unique(u, ""); err != nil {
		return User{}, err
	}
	u.ID = s.id("u")
	u.Meta = Meta{Created: s.now, LastModified: s.now}
	s.users = append(s.users, &u)
	return s.view(&u), nil
}

func (s *memService) GetUser(_ context.Context, id string) (User, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, err := s.user(id)
	if err != nil {
		return User{}, err
	}
	return s.view(u), nil
}

func (s *memService) ListUsers(_ context.Context, f Filter, p Page) ([]User, int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var page []User
	total := 0
	for _, u := range s.users {
		if s.deleted[u.ID] || !match(f.ID, u.ID, false) || !match(f.UserName, u.UserName, true) ||
			!match(f.ExternalID, u.ExternalID, false) || !match(f.DisplayName, u.DisplayName, true) ||
			!match(f.Email, workEmail(u), true) {
			continue
		}
		total++
		if total > p.Offset() && len(page) < p.Count {
			page = append(page, s.view(u))
		}
	}
	return page, total, nil
}

// workEmail is the address kipass keeps as the work e-mail: the one sent, else userName.
func workEmail(u *User) string {
	if len(u.Emails) > 0 {
		return u.Emails[0].Value
	}
	return u.UserName
}

func match(want *string, got string, fold bool) bool {
	return want == nil || (fold && strings.EqualFold(*want, got)) || *want == got
}

func (s *memService) ReplaceUser(_ context.Context, id string, u User) (User, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	old, err := s.user(id)
	if err != nil {
		return User{}, err
	}
	if err := s.unique(u, id); err != nil {
		return User{}, err
	}
	active := u.Active
	u.ID, u.Active, u.Meta = id, old.Active, Meta{Created: old.Meta.Created, LastModified: s.now}
	*old = u
	s.setActive(old, active)
	return s.view(old), nil
}

func (s *memService) PatchUser(_ context.Context, id string, c UserChanges) (User, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	old, err := s.user(id)
	if err != nil {
		return User{}, err
	}
	next := *old
	active := c.Active
	c.Active = nil // applied below, so that deactivation is recorded
	c.Apply(&next)
	if err := s.unique(next, id); err != nil {
		return User{}, err
	}
	next.Meta.LastModified = s.now
	*old = next
	if active != nil {
		s.setActive(old, *active)
	}
	return s.view(old), nil
}

func (s *memService) DeleteUser(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, err := s.user(id)
	if err != nil {
		return err
	}
	s.setActive(u, false)
	s.deleted[id] = true
	return nil
}

func (s *memService) members(ids []Member) error {
	for _, m := range ids {
		if _, err := s.user(m.Value); err != nil {
			return Errorf(400, TypeInvalidValue, "member %q is not a user", m.Value)
		}
	}
	return nil
}

func (s *memService) CreateGroup(_ context.Context, g Group) (Group, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.uniqueGroup(g, ""); err != nil {
		return Group{}, err
	}
	if err := s.members(g.Members); err != nil {
		return Group{}, err
	}
	g.ID = s.id("g")
	g.Meta = Meta{Created: s.now, LastModified: s.now}
	s.groups = append(s.groups, &g)
	return s.groupView(&g, true), nil
}

func (s *memService) groupView(g *Group, members bool) Group {
	v := *g
	v.Members = nil
	if members {
		for _, m := range g.Members {
			if u, err := s.user(m.Value); err == nil {
				v.Members = append(v.Members, Member{Value: m.Value, Display: u.UserName})
			}
		}
	}
	return v
}

func (s *memService) GetGroup(_ context.Context, id string, members bool) (Group, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, err := s.group(id)
	if err != nil {
		return Group{}, err
	}
	return s.groupView(g, members), nil
}

func (s *memService) ListGroups(_ context.Context, f Filter, p Page, members bool) ([]Group, int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var page []Group
	total := 0
	for _, g := range s.groups {
		if !match(f.ID, g.ID, false) || !match(f.ExternalID, g.ExternalID, false) || !match(f.DisplayName, g.DisplayName, true) ||
			(f.Member != nil && !slices.ContainsFunc(g.Members, func(m Member) bool { return m.Value == *f.Member })) {
			continue
		}
		total++
		if total > p.Offset() && len(page) < p.Count {
			page = append(page, s.groupView(g, members))
		}
	}
	return page, total, nil
}

func (s *memService) ReplaceGroup(_ context.Context, id string, g Group) (Group, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	old, err := s.group(id)
	if err != nil {
		return Group{}, err
	}
	if err := s.uniqueGroup(g, id); err != nil {
		return Group{}, err
	}
	if err := s.members(g.Members); err != nil {
		return Group{}, err
	}
	g.ID, g.Meta = id, Meta{Created: old.Meta.Created, LastModified: s.now}
	*old = g
	return s.groupView(old, true), nil
}

func (s *memService) PatchGroup(_ context.Context, id string, c GroupChanges) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	old, err := s.group(id)
	if err != nil {
		return err
	}
	next := *old
	next.Members = slices.Clone(old.Members)
	c.Apply(&next)
	if err := s.uniqueGroup(next, id); err != nil {
		return err
	}
	var added []Member
	for _, id := range append(slices.Clone(c.AddMembers), c.Members...) {
		added = append(added, Member{Value: id})
	}
	if err := s.members(added); err != nil {
		return err
	}
	next.Meta.LastModified = s.now
	*old = next
	return nil
}

func (s *memService) DeleteGroup(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, g := range s.groups {
		if g.ID == id {
			s.groups = slices.Delete(s.groups, i, i+1)
			return nil
		}
	}
	return ErrNotFound
}
