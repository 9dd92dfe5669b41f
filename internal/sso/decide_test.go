package sso

import (
	"reflect"
	"strings"
	"testing"

	"kipass/internal/errs"
)

const iss = "https://idp.example.com"

func TestDecide(t *testing.T) {
	mapped := Config{Roles: RoleMap{HR: []string{"kipass-hr"}, Admin: []string{"kipass-admins"}}, BreakGlassAdmin: "root@example.com"}
	unmapped := Config{}
	alice := Identity{Issuer: iss, Subject: "sub-alice", Email: "Alice@Example.com", EmailVerified: true, Name: "Alice  Liddell",
		Department: "Sales", HasDepartment: true, Groups: []string{"kipass-hr", "other"}}
	with := func(f func(*Identity)) Identity { id := alice; f(&id); return id }
	linked := &Account{ID: 7, Email: "alice@example.com", Name: "A. Liddell", Department: "Marketing", Role: RoleEmployee, Active: true, Issuer: iss, Subject: "sub-alice"}
	unlinked := &Account{ID: 8, Email: "alice@example.com", Name: "Alice Liddell", Department: "Sales", Role: RoleAdmin, Active: true}
	acc := func(a *Account, f func(*Account)) *Account { c := *a; f(&c); return &c }

	tests := []struct {
		name    string
		c       Config
		id      Identity
		k       Known
		want    Decision
		wantErr string
	}{
		{name: "first sign-in creates the account with the mapped role", c: mapped, id: alice,
			want: Decision{Action: Create, Email: "alice@example.com", Name: "Alice Liddell", Department: "Sales", Role: RoleHR,
				Issuer: iss, Subject: "sub-alice", Changed: []string{"subject", "name", "department", "role"}}},
		{name: "admin group wins over hr", c: mapped, id: with(func(i *Identity) { i.Groups = []string{"kipass-hr", "kipass-admins"} }),
			want: Decision{Action: Create, Email: "alice@example.com", Name: "Alice Liddell", Department: "Sales", Role: RoleAdmin,
				Issuer: iss, Subject: "sub-alice", Changed: []string{"subject", "name", "department", "role"}}},
		{name: "no mapping: new accounts are employees", c: unmapped, id: alice,
			want: Decision{Action: Create, Email: "alice@example.com", Name: "Alice Liddell", Department: "Sales", Role: RoleEmployee,
				Issuer: iss, Subject: "sub-alice", Changed: []string{"subject", "name", "department", "role"}}},
		{name: "unverified email without an existing account still creates", c: mapped, id: with(func(i *Identity) { i.EmailVerified = false }),
			want: Decision{Action: Create, Email: "alice@example.com", Name: "Alice Liddell", Department: "Sales", Role: RoleHR,
				Issuer: iss, Subject: "sub-alice", Changed: []string{"subject", "name", "department", "role"}}},
		{name: "no name: the email's local part", c: unmapped, id: with(func(i *Identity) { i.Name = " \t"; i.HasDepartment = false; i.Department = "" }),
			want: Decision{Action: Create, Email: "alice@example.com", Name: "alice", Role: RoleEmployee,
				Issuer: iss, Subject: "sub-alice", Changed: []string{"subject", "name", "department", "role"}}},
		{name: "signed in before: name, department, role updated", c: mapped, id: alice, k: Known{BySubject: linked, ByEmail: linked},
			want: Decision{Action: Update, AccountID: 7, Email: "alice@example.com", Name: "Alice Liddell", Department: "Sales", Role: RoleHR,
				Issuer: iss, Subject: "sub-alice", Changed: []string{"name", "department", "role"}}},
		{name: "nothing changed", c: mapped, id: with(func(i *Identity) { i.Name = "A. Liddell"; i.Department = "Marketing"; i.Groups = nil }),
			k: Known{BySubject: linked}, want: Decision{Action: Update, AccountID: 7, Email: "alice@example.com", Name: "A. Liddell",
				Department: "Marketing", Role: RoleEmployee, Issuer: iss, Subject: "sub-alice"}},
		{name: "left the hr group: back to employee", c: mapped, id: with(func(i *Identity) { i.Groups = nil }),
			k: Known{BySubject: acc(linked, func(a *Account) { a.Role = RoleHR })},
			want: Decision{Action: Update, AccountID: 7, Email: "alice@example.com", Name: "Alice Liddell", Department: "Sales", Role: RoleEmployee,
				Issuer: iss, Subject: "sub-alice", Changed: []string{"name", "department", "role"}}},
		{name: "no mapping: the role kept in kipass stays", c: unmapped, id: alice, k: Known{BySubject: acc(linked, func(a *Account) { a.Role = RoleAdmin })},
			want: Decision{Action: Update, AccountID: 7, Email: "alice@example.com", Name: "Alice Liddell", Department: "Sales", Role: RoleAdmin,
				Issuer: iss, Subject: "sub-alice", Changed: []string{"name", "department"}}},
		{name: "department claim absent: department kept; empty claim clears it", c: unmapped,
			id: with(func(i *Identity) { i.HasDepartment = false; i.Department = "" }), k: Known{BySubject: linked},
			want: Decision{Action: Update, AccountID: 7, Email: "alice@example.com", Name: "Alice Liddell", Department: "Marketing", Role: RoleEmployee,
				Issuer: iss, Subject: "sub-alice", Changed: []string{"name"}}},
		{name: "empty department claim clears it", c: unmapped, id: with(func(i *Identity) { i.Department = " " }), k: Known{BySubject: linked},
			want: Decision{Action: Update, AccountID: 7, Email: "alice@example.com", Name: "Alice Liddell", Department: "", Role: RoleEmployee,
				Issuer: iss, Subject: "sub-alice", Changed: []string{"name", "department"}}},
		{name: "email changed at the provider: account keeps its email, other account untouched", c: unmapped,
			id: with(func(i *Identity) { i.Email = "bob@example.com" }), k: Known{BySubject: linked, ByEmail: &Account{ID: 9, Email: "bob@example.com", Active: true}},
			want: Decision{Action: Update, AccountID: 7, Email: "alice@example.com", Name: "Alice Liddell", Department: "Sales", Role: RoleEmployee,
				Issuer: iss, Subject: "sub-alice", Changed: []string{"name", "department"}}},
		{name: "no email needed once linked", c: unmapped, id: with(func(i *Identity) { i.Email = "" }), k: Known{BySubject: linked},
			want: Decision{Action: Update, AccountID: 7, Email: "alice@example.com", Name: "Alice Liddell", Department: "Sales", Role: RoleEmployee,
				Issuer: iss, Subject: "sub-alice", Changed: []string{"name", "department"}}},
		{name: "verified email links the imported account", c: mapped, id: alice, k: Known{ByEmail: unlinked},
			want: Decision{Action: Link, AccountID: 8, Email: "alice@example.com", Name: "Alice Liddell", Department: "Sales", Role: RoleHR,
				Issuer: iss, Subject: "sub-alice", Changed: []string{"subject", "role"}}},
		{name: "unverified email never links", c: mapped, id: with(func(i *Identity) { i.EmailVerified = false }), k: Known{ByEmail: unlinked},
			wantErr: CodeEmailUnverified},
		{name: "email of an account bound to another subject: no takeover", c: mapped, id: alice,
			k: Known{ByEmail: acc(unlinked, func(a *Account) { a.Issuer, a.Subject = iss, "sub-mallory" })}, wantErr: CodeSubjectMismatch},
		{name: "account bound at another issuer: no takeover", c: mapped, id: alice,
			k: Known{ByEmail: acc(unlinked, func(a *Account) { a.Issuer, a.Subject = "https://old-idp.example.com", "sub-alice" })}, wantErr: CodeSubjectMismatch},
		{name: "deactivated account found by subject", c: mapped, id: alice, k: Known{BySubject: acc(linked, func(a *Account) { a.Active = false })},
			wantErr: CodeDeactivated},
		{name: "deactivated account found by email", c: mapped, id: alice, k: Known{ByEmail: acc(unlinked, func(a *Account) { a.Active = false })},
			wantErr: CodeDeactivated},
		{name: "unverified email of a deactivated account says unverified", c: mapped, id: with(func(i *Identity) { i.EmailVerified = false }),
			k: Known{ByEmail: acc(unlinked, func(a *Account) { a.Active = false })}, wantErr: CodeEmailUnverified},
		{name: "break-glass admin never links", c: mapped, id: with(func(i *Identity) { i.Email = "ROOT@example.com" }),
			k: Known{ByEmail: &Account{ID: 1, Email: "root@example.com", Role: RoleAdmin, Active: true}}, wantErr: CodeBreakGlass},
		{name: "break-glass email is not created through the provider", c: mapped, id: with(func(i *Identity) { i.Email = "root@example.com" }),
			wantErr: CodeBreakGlass},
		{name: "break-glass account bound earlier is refused", c: mapped, id: alice,
			k: Known{BySubject: acc(linked, func(a *Account) { a.Email = "root@example.com" })}, wantErr: CodeBreakGlass},
		{name: "no email, no account", c: mapped, id: with(func(i *Identity) { i.Email = "" }), wantErr: CodeEmailMissing},
		{name: "not an email", c: mapped, id: with(func(i *Identity) { i.Email = "alice" }), wantErr: CodeInvalidIdentity},
		{name: "no subject", c: mapped, id: with(func(i *Identity) { i.Subject = "" }), wantErr: CodeInvalidIdentity},
		{name: "huge subject", c: mapped, id: with(func(i *Identity) { i.Subject = strings.Repeat("s", 256) }), wantErr: CodeInvalidIdentity},
		{name: "bidi control in the name", c: mapped, id: with(func(i *Identity) { i.Name = "Alice \u202eecilA" }), wantErr: CodeInvalidName},
		{name: "zero-width space in the department", c: mapped, id: with(func(i *Identity) { i.Department = "Sa\u200bles" }), wantErr: CodeInvalidName},
		{name: "name too long", c: mapped, id: with(func(i *Identity) { i.Name = strings.Repeat("a", 101) }), wantErr: CodeInvalidName},
		{name: "control characters become spaces", c: unmapped, id: with(func(i *Identity) { i.Name = "Alice\x00\nLiddell"; i.Department = "\xffSales" }),
			want: Decision{Action: Create, Email: "alice@example.com", Name: "Alice Liddell", Department: "Sales", Role: RoleEmployee,
				Issuer: iss, Subject: "sub-alice", Changed: []string{"subject", "name", "department", "role"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.c.Decide(tt.id, tt.k)
			if tt.wantErr != "" {
				if e := errs.As(err); e == nil || e.Code != tt.wantErr {
					t.Fatalf("error = %v, want code %s (decision %+v)", err, tt.wantErr, got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("\n got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

// TestDecideInvariants runs every combination of what the store can hold
// and checks the rules that must never break, whatever the table above
// forgets.
func TestDecideInvariants(t *testing.T) {
	accounts := []*Account{nil}
	for _, active := range []bool{true, false} {
		for _, bound := range []string{"", "sub-alice", "sub-mallory"} {
			for _, email := range []string{"alice@example.com", "root@example.com", "carol@example.com"} {
				for _, role := range []string{RoleEmployee, RoleHR, RoleAdmin} {
					a := &Account{ID: int64(len(accounts)), Email: email, Role: role, Active: active, Subject: bound, Name: "N", Department: "D"}
					if bound != "" {
						a.Issuer = iss
					}
					accounts = append(accounts, a)
				}
			}
		}
	}
	configs := []Config{{}, {Roles: RoleMap{HR: []string{"hr"}}, BreakGlassAdmin: "root@example.com"}}
	n := 0
	for _, c := range configs {
		for _, verified := range []bool{true, false} {
			for _, email := range []string{"alice@example.com", "root@example.com", ""} {
				for _, groups := range [][]string{nil, {"hr"}} {
					id := Identity{Issuer: iss, Subject: "sub-alice", Email: email, EmailVerified: verified, Name: "Alice", Groups: groups}
					for _, bySub := range accounts {
						if bySub != nil && (bySub.Subject != "sub-alice") {
							continue // the store finds by subject only the bound account
						}
						for _, byEmail := range accounts {
							if byEmail != nil && (email == "" || byEmail.Email != email) {
								continue // the store finds by email only that email
							}
							if bySub != nil && byEmail != nil && bySub.Email == byEmail.Email && bySub != byEmail {
								continue // emails are unique
							}
							n++
							d, err := c.Decide(id, Known{BySubject: bySub, ByEmail: byEmail})
							check := func(ok bool, why string) {
								if !ok {
									t.Errorf("%s: config %+v identity %+v bySubject %+v byEmail %+v -> %+v, %v", why, c, id, bySub, byEmail, d, err)
								}
							}
							if err != nil {
								check(errs.As(err) != nil, "refusals carry a code")
								check(d.Action == "", "a refusal has no action")
								continue
							}
							target := map[Action]*Account{Update: bySub, Link: byEmail}[d.Action]
							check(d.Subject == "sub-alice" && d.Issuer == iss, "decision binds the signing-in identity")
							check(d.Action == Create || (target != nil && d.AccountID == target.ID), "update/link names the found account")
							check(d.Action != Link || verified, "never link an unverified email")
							check(d.Action != Link || (byEmail.Subject == "" && byEmail.Issuer == ""), "never link an account bound to another identity")
							check(d.Action != Update || bySub != nil, "update only the account bound by subject")
							check(target == nil || target.Active, "never sign in to a deactivated account")
							check(target == nil || c.BreakGlassAdmin == "" || target.Email != c.BreakGlassAdmin, "never sign in to the break-glass admin")
							check(d.Action != Create || (bySub == nil && byEmail == nil), "create only when nothing exists")
							check(d.Action != Create || d.Email != "", "a new account has an email")
							if c.Roles.Empty() {
								check(target == nil || d.Role == target.Role, "without a mapping the role stays")
							} else {
								check(d.Role == c.Roles.Role(groups), "with a mapping the role follows the groups")
							}
						}
					}
				}
			}
		}
	}
	if n < 100 {
		t.Fatalf("only %d combinations ran", n)
	}
}

// TestDecideAllowedDomains: with --oidc-allowed-domains only verified
// emails at those domains sign in, bound accounts included; with Google
// the hosted-domain claim must match as well.
func TestDecideAllowedDomains(t *testing.T) {
	c := Config{AllowedDomains: []string{"example.com", "example.de"}}
	google := Config{AllowedDomains: []string{"example.com"}, RequireHostedDomain: true}
	alice := Identity{Issuer: iss, Subject: "sub-alice", Email: "Alice@Example.com", EmailVerified: true, Name: "Alice"}
	with := func(f func(*Identity)) Identity { id := alice; f(&id); return id }
	bound := &Account{ID: 7, Email: "alice@gmail.test", Name: "Alice", Role: RoleEmployee, Active: true, Issuer: iss, Subject: "sub-alice"}
	tests := []struct {
		name string
		c    Config
		id   Identity
		k    Known
		ok   bool
	}{
		{"allowed domain", c, alice, Known{}, true},
		{"second allowed domain", c, with(func(i *Identity) { i.Email = "max@example.de" }), Known{}, true},
		{"other domain", c, with(func(i *Identity) { i.Email = "alice@gmail.test" }), Known{}, false},
		{"subdomain is another domain", c, with(func(i *Identity) { i.Email = "alice@evil.example.com" }), Known{}, false},
		{"unverified email", c, with(func(i *Identity) { i.EmailVerified = false }), Known{}, false},
		{"no email", c, with(func(i *Identity) { i.Email = "" }), Known{}, false},
		{"bound account from another domain", c, with(func(i *Identity) { i.Email = "alice@gmail.test" }), Known{BySubject: bound}, false},
		{"hd sent and allowed", c, with(func(i *Identity) { i.HostedDomain = "example.com" }), Known{}, true},
		{"hd sent and foreign", c, with(func(i *Identity) { i.HostedDomain = "other.test" }), Known{}, false},
		{"google: hd matches", google, with(func(i *Identity) { i.HostedDomain = "Example.com" }), Known{}, true},
		{"google: consumer account with a company address", google, alice, Known{}, false},
		{"no list: any domain", Config{}, with(func(i *Identity) { i.Email = "alice@gmail.test"; i.EmailVerified = false }), Known{}, true},
	}
	for _, tt := range tests {
		_, err := tt.c.Decide(tt.id, tt.k)
		if tt.ok && err != nil {
			t.Errorf("%s: refused: %v", tt.name, err)
		}
		if !tt.ok && (errs.KindOf(err) != errs.Forbidden || errs.As(err).Code != CodeDomainRefused) {
			t.Errorf("%s: %v, want %s", tt.name, err, CodeDomainRefused)
		}
	}
}
