package scim

import (
	"errors"
	"strings"
	"testing"
)

func TestParseFilter(t *testing.T) {
	for _, tc := range []struct {
		in   string
		kind Kind
		want string // canonical form
	}{
		{`userName eq "ada@x.example"`, KindUser, `userName eq "ada@x.example"`},
		{`USERNAME EQ "ada@x.example"`, KindUser, `userName eq "ada@x.example"`},
		{`  userName   eq   "a b"  `, KindUser, `userName eq "a b"`},
		{`externalId eq "00ujl29u0le5T6Aj10h7"`, KindUser, `externalId eq "00ujl29u0le5T6Aj10h7"`},
		{`urn:ietf:params:scim:schemas:core:2.0:User:userName eq "a@x.example"`, KindUser, `userName eq "a@x.example"`},
		{`displayName eq "kipass-hr"`, KindGroup, `displayName eq "kipass-hr"`},
		{`id eq "g1" and displayName eq "HR"`, KindGroup, `id eq "g1" and displayName eq "HR"`},
		{`externalId eq "e" And userName eq "u@x.example"`, KindUser, `userName eq "u@x.example" and externalId eq "e"`},
		{`userName eq "quote \" and \\ back"`, KindUser, `userName eq "quote \" and \\ back"`},
		{`userName eq "\u00e4@x.example"`, KindUser, `userName eq "ä@x.example"`},
		{`userName eq ""`, KindUser, `userName eq ""`},
		{`userName eq"a@x.example"`, KindUser, `userName eq "a@x.example"`},
		{`userName eq "A@x.example" and userName eq "a@X.example"`, KindUser, `userName eq "A@x.example"`},
		{`emails[type eq "work"].value eq "a@x.example"`, KindUser, `emails.value eq "a@x.example"`},
		{`Emails[Type EQ "Work"].Value eq "a@x.example"`, KindUser, `emails.value eq "a@x.example"`},
		{`emails.value eq "a@x.example"`, KindUser, `emails.value eq "a@x.example"`},
		{`id eq "g1" and members eq "u1"`, KindGroup, `id eq "g1" and members eq "u1"`},
		{`members.value eq "u1"`, KindGroup, `members eq "u1"`},
	} {
		f, err := ParseFilter(tc.in, tc.kind)
		if err != nil {
			t.Errorf("%s: %v", tc.in, err)
			continue
		}
		if got := f.String(); got != tc.want || f.Empty {
			t.Errorf("%s: %s (empty %v), want %s", tc.in, got, f.Empty, tc.want)
		}
	}
	f, err := ParseFilter(`id eq "a" and id eq "b"`, KindUser)
	if err != nil || !f.Empty {
		t.Errorf("contradiction: %+v %v, want Empty", f, err)
	}
}

func TestParseFilterRejects(t *testing.T) {
	for _, in := range []string{
		``, `userName`, `userName eq`, `userName eq a`, `userName eq 5`, `userName eq true`,
		`userName ne "a"`, `userName co "a"`, `userName sw "a"`, `userName pr`, `title eq "x"`,
		`emails[type eq "work"]`, `emails[type eq "home"].value eq "a"`, `emails[value eq "a"].value eq "a"`,
		`emails[type eq "work".value eq "a"`, `emails[type eq "work"].type eq "a"`, `members eq "u1"`,
		`userName[type eq "work"].value eq "a"`, `userName eq "a" or id eq "b"`,
		`not (userName eq "a")`, `(userName eq "a")`, `userName eq "a" and`, `userName eq "a" and and`,
		`userName eq "a" id eq "b"`, `userName eq "unterminated`, `userName eq "bad \x escape"`,
		`urn:ietf:params:scim:schemas:core:2.0:Group:displayName eq "x"`, `urn:x:userName eq "a"`,
		`eq "a"`, `"a" eq userName`, strings.Repeat(`id eq "a" and `, 8) + `id eq "a"`,
		`userName eq "` + strings.Repeat("a", MaxFilterLength) + `"`,
	} {
		_, err := ParseFilter(in, KindUser)
		var se *Error
		if !errors.As(err, &se) || se.Status != 400 || se.ScimType != TypeInvalidFilter {
			t.Errorf("%q: %v, want 400 invalidFilter", in, err)
		}
	}
	if _, err := ParseFilter(`userName eq "a@x.example"`, KindGroup); err == nil {
		t.Error("userName accepted on Groups")
	}
}

func TestParsePage(t *testing.T) {
	for _, tc := range []struct {
		start, count string
		want         Page
		bad          bool
	}{
		{"", "", Page{1, 100}, false},
		{"1", "10", Page{1, 10}, false},
		{"0", "", Page{1, 100}, false},
		{"-3", "-3", Page{1, 0}, false},
		{"5", "100000", Page{5, 500}, false},
		{"99999999999", "", Page{2147483647, 100}, false},
		{"x", "", Page{}, true},
		{"", "1.5", Page{}, true},
		{" 1", "", Page{}, true},
	} {
		p, err := ParsePage(tc.start, tc.count, 500)
		if (err != nil) != tc.bad || p != tc.want {
			t.Errorf("(%q,%q): %+v %v, want %+v bad=%v", tc.start, tc.count, p, err, tc.want, tc.bad)
		}
	}
	if p, _ := ParsePage("", "", 50); p.Count != 50 {
		t.Errorf("default count above the cap: %d", p.Count)
	}
}
