package scim

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func s(v string) *string { return &v }
func b(v bool) *bool     { return &v }

func TestParseUserPatch(t *testing.T) {
	const ent = SchemaEnterpriseUser
	for _, tc := range []struct {
		name string
		ops  []string
		want UserChanges
	}{
		{"Entra active False string", []string{`{"op":"Replace","path":"active","value":"False"}`}, UserChanges{Active: b(false)}},
		{"Entra active True string", []string{`{"op":"REPLACE","path":"active","value":"True"}`}, UserChanges{Active: b(true)}},
		{"active bool", []string{`{"op":"replace","path":"active","value":false}`}, UserChanges{Active: b(false)}},
		{"Okta no-path active", []string{`{"op":"replace","value":{"active":false}}`}, UserChanges{Active: b(false)}},
		{"department full path", []string{`{"op":"Add","path":"` + ent + `:department","value":"Sales"}`}, UserChanges{Department: s("Sales")}},
		{"department path in other case", []string{`{"op":"replace","path":"URN:IETF:params:scim:schemas:extension:enterprise:2.0:User:Department","value":"Sales"}`}, UserChanges{Department: s("Sales")}},
		{"department nested object", []string{`{"op":"replace","value":{"` + ent + `":{"department":"HR"}}}`}, UserChanges{Department: s("HR")}},
		{"department full path as key", []string{`{"op":"replace","value":{"` + ent + `:department":"HR"}}`}, UserChanges{Department: s("HR")}},
		{"remove department", []string{`{"op":"Remove","path":"` + ent + `:department"}`}, UserChanges{Department: s("")}},
		{"work email", []string{`{"op":"Replace","path":"emails[type eq \"work\"].value","value":"a@x.example"}`}, UserChanges{Email: s("a@x.example")}},
		{"primary email", []string{`{"op":"replace","path":"emails[primary eq true].value","value":"a@x.example"}`}, UserChanges{Email: s("a@x.example")}},
		{"home email ignored", []string{`{"op":"replace","path":"emails[type eq \"home\"].value","value":"h@x.example"}`}, UserChanges{}},
		{"emails list", []string{`{"op":"add","path":"emails","value":[{"value":"o@x.example","type":"other"},{"value":"w@x.example","type":"work"}]}`}, UserChanges{Email: s("w@x.example")}},
		{"emails entry object", []string{`{"op":"replace","path":"emails[type eq \"work\"]","value":{"value":"w@x.example","primary":true}}`}, UserChanges{Email: s("w@x.example")}},
		{"name parts", []string{`{"op":"replace","path":"name.givenName","value":"Ada"}`, `{"op":"replace","path":"name.familyName","value":"King"}`, `{"op":"add","path":"name.middleName","value":"B"}`},
			UserChanges{GivenName: s("Ada"), FamilyName: s("King")}},
		{"name object", []string{`{"op":"replace","path":"name","value":{"formatted":"Ada King","honorificPrefix":"Lady"}}`}, UserChanges{Formatted: s("Ada King")}},
		{"no-path mixture", []string{`{"op":"replace","value":{"displayName":"Ada","name.givenName":"Ada","userName":"ada@x.example","id":"u1","title":"Countess"}}`},
			UserChanges{DisplayName: s("Ada"), GivenName: s("Ada"), UserName: s("ada@x.example")}},
		{"core URN path", []string{`{"op":"replace","path":"urn:ietf:params:scim:schemas:core:2.0:User:displayName","value":"Ada"}`}, UserChanges{DisplayName: s("Ada")}},
		{"ignored attributes", []string{`{"op":"add","path":"phoneNumbers[type eq \"work\"].value","value":"123"}`, `{"op":"add","path":"` + ent + `:manager","value":{"value":"m"}}`, `{"op":"replace","path":"password","value":"x"}`}, UserChanges{}},
		{"later op wins", []string{`{"op":"replace","path":"active","value":false}`, `{"op":"replace","path":"active","value":true}`}, UserChanges{Active: b(true)}},
		{"null clears", []string{`{"op":"replace","path":"displayName","value":null}`}, UserChanges{DisplayName: s("")}},
	} {
		got, err := ParseUserPatch([]byte(patchBody(tc.ops...)))
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s:\n got %s\nwant %s", tc.name, show(got), show(tc.want))
		}
	}
}

func show(c UserChanges) string {
	var parts []string
	v := reflect.ValueOf(c)
	for i := range v.NumField() {
		if f := v.Field(i); !f.IsNil() {
			parts = append(parts, v.Type().Field(i).Name+"="+strings.TrimSpace(reflect.Indirect(f).String()))
		}
	}
	return "{" + strings.Join(parts, " ") + "}"
}

func TestParseGroupPatch(t *testing.T) {
	for _, tc := range []struct {
		name string
		ops  []string
		want GroupChanges
	}{
		{"Entra add", []string{`{"op":"Add","path":"members","value":[{"$ref":null,"value":"u1"},{"value":"u2"}]}`}, GroupChanges{AddMembers: []string{"u1", "u2"}}},
		{"Entra remove by value", []string{`{"op":"Remove","path":"members","value":[{"$ref":null,"value":"u1"}]}`}, GroupChanges{RemoveMembers: []string{"u1"}}},
		{"Okta remove by filter", []string{`{"op":"remove","path":"members[value eq \"u1\"]"}`}, GroupChanges{RemoveMembers: []string{"u1"}}},
		{"add then remove", []string{`{"op":"add","path":"members","value":[{"value":"u1"}]}`, `{"op":"remove","path":"members[value eq \"u1\"]"}`}, GroupChanges{RemoveMembers: []string{"u1"}}},
		{"replace members", []string{`{"op":"replace","path":"members","value":[{"value":"u3"}]}`, `{"op":"add","path":"members","value":[{"value":"u4"}]}`}, GroupChanges{ReplaceMembers: true, Members: []string{"u3", "u4"}}},
		{"remove all", []string{`{"op":"remove","path":"members"}`}, GroupChanges{ReplaceMembers: true}},
		{"Okta rename", []string{`{"op":"replace","value":{"id":"g1","displayName":"Sales"}}`}, GroupChanges{DisplayName: s("Sales")}},
		{"externalId", []string{`{"op":"Replace","path":"externalId","value":"e1"}`}, GroupChanges{ExternalID: s("e1")}},
		{"no-path members", []string{`{"op":"add","value":{"members":[{"value":"u1"}]}}`}, GroupChanges{AddMembers: []string{"u1"}}},
	} {
		got, err := ParseGroupPatch([]byte(patchBody(tc.ops...)))
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: got %+v, want %+v", tc.name, got, tc.want)
		}
	}
	for _, op := range []string{
		`{"op":"replace","path":"displayName","value":""}`, `{"op":"remove","path":"displayName"}`,
		`{"op":"replace","path":"members.value","value":"x"}`, `{"op":"remove","path":"members[display eq \"x\"]"}`,
		`{"op":"add","path":"members","value":[{"value":""}]}`, `{"op":"add","path":"owner","value":"x"}`,
		`{"op":"copy","path":"members"}`, `{"op":"replace","value":[1]}`,
	} {
		_, err := ParseGroupPatch([]byte(patchBody(op)))
		var se *Error
		if !errors.As(err, &se) || se.Status != 400 {
			t.Errorf("%s: %v, want 400", op, err)
		}
	}
}

func TestChangesApply(t *testing.T) {
	u := User{UserName: "a@x.example", Active: true, Department: "Old", Name: Name{GivenName: "A"}}
	UserChanges{Active: b(false), Department: s("New"), Email: s("w@x.example"), FamilyName: s("F")}.Apply(&u)
	want := User{UserName: "a@x.example", Department: "New", Name: Name{GivenName: "A", FamilyName: "F"},
		Emails: []Email{{Value: "w@x.example", Type: "work", Primary: true}}}
	if !reflect.DeepEqual(u, want) {
		t.Errorf("user: %+v", u)
	}
	g := Group{Members: []Member{{Value: "u1"}, {Value: "u2"}}}
	GroupChanges{AddMembers: []string{"u2", "u3"}, RemoveMembers: []string{"u1"}}.Apply(&g)
	if !reflect.DeepEqual(g.Members, []Member{{Value: "u2"}, {Value: "u3"}}) {
		t.Errorf("members: %+v", g.Members)
	}
	GroupChanges{ReplaceMembers: true}.Apply(&g)
	if len(g.Members) != 0 {
		t.Errorf("replace with none: %+v", g.Members)
	}
}
