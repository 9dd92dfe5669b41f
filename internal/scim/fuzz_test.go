package scim

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"testing"
)

// wantSCIMError fails unless err is a 4xx *Error: bad input never becomes a 500.
func wantSCIMError(t *testing.T, err error) {
	t.Helper()
	var se *Error
	if !errors.As(err, &se) || se.Status < 400 || se.Status > 499 || se.Detail == "" {
		t.Fatalf("error %v (%T) is not a 4xx SCIM error", err, err)
	}
}

func FuzzParseFilter(f *testing.F) {
	for _, s := range []string{`userName eq "ada@x.example"`, `externalId eq "e" and id eq "u1"`,
		`displayName EQ "HR"`, `userName eq "a\"b"`, `userName co "x"`, `(id eq "x")`, `id eq "a" and id eq "b"`} {
		f.Add(s, true)
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, s string, user bool) {
		kind := KindGroup
		if user {
			kind = KindUser
		}
		flt, err := ParseFilter(s, kind)
		if err != nil {
			wantSCIMError(t, err)
			return
		}
		if flt.Empty {
			return
		}
		again, err := ParseFilter(flt.String(), kind)
		if err != nil || !reflect.DeepEqual(again, flt) {
			t.Fatalf("canonical form %q of %q parses to %+v, %v", flt.String(), s, again, err)
		}
	})
}

func patchSeeds(f *testing.F) {
	for _, ops := range [][]string{
		{`{"op":"Replace","path":"active","value":"False"}`},
		{`{"op":"replace","value":{"active":false,"` + SchemaEnterpriseUser + `":{"department":"HR"}}}`},
		{`{"op":"Add","path":"` + SchemaEnterpriseUser + `:department","value":"Sales"}`},
		{`{"op":"Replace","path":"emails[type eq \"work\"].value","value":"a@x.example"}`},
		{`{"op":"Add","path":"members","value":[{"value":"u1"}]}`, `{"op":"remove","path":"members[value eq \"u1\"]"}`},
		{`{"op":"replace","path":"members","value":[]}`},
		{`{"op":"replace","value":{"id":"g1","displayName":"Sales"}}`},
	} {
		f.Add([]byte(patchBody(ops...)))
	}
	f.Add([]byte(`{"Operations":[{"op":"x"}]}`))
	f.Add([]byte(`[]`))
}

func FuzzParseUserPatch(f *testing.F) {
	patchSeeds(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		c, err := ParseUserPatch(body)
		if err != nil {
			wantSCIMError(t, err)
			return
		}
		if c.UserName != nil {
			if err := checkUserName(*c.UserName); err != nil {
				t.Fatalf("accepted userName %q: %v", *c.UserName, err)
			}
		}
		if c.Email != nil && *c.Email != "" {
			if err := checkEmail("email", *c.Email); err != nil {
				t.Fatalf("accepted email %q", *c.Email)
			}
		}
		var u User
		c.Apply(&u)
	})
}

func FuzzParseGroupPatch(f *testing.F) {
	patchSeeds(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		c, err := ParseGroupPatch(body)
		if err != nil {
			wantSCIMError(t, err)
			return
		}
		for _, id := range c.AddMembers {
			if slices.Contains(c.RemoveMembers, id) {
				t.Fatalf("%q both added and removed", id)
			}
		}
		if c.ReplaceMembers && (len(c.AddMembers) > 0 || len(c.RemoveMembers) > 0) {
			t.Fatalf("replace with add/remove lists: %+v", c)
		}
		if c.DisplayName != nil && *c.DisplayName == "" {
			t.Fatal("empty displayName accepted")
		}
	})
}

func FuzzDecodeUser(f *testing.F) {
	f.Add([]byte(`{"schemas":["` + SchemaUser + `","` + SchemaEnterpriseUser + `"],"userName":"a@x.example","externalId":"e",
		"name":{"givenName":"A","familyName":"B"},"displayName":"A B","active":"False",
		"emails":[{"value":"a@x.example","type":"work","primary":true}],
		"` + SchemaEnterpriseUser + `":{"department":"Sales"}}`))
	f.Add([]byte(`{"schemas":["` + SchemaUser + `"],"userName":"a"}`))
	f.Add([]byte(`{"schemas":["` + SchemaGroup + `"],"displayName":"g","members":[{"value":"u1"},{"value":"u1"}]}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, body []byte) {
		u, err := DecodeUser(body)
		if err != nil {
			wantSCIMError(t, err)
		} else {
			// What kipass answers must decode back to the same user.
			out, err := json.Marshal(u)
			if err != nil {
				t.Fatal(err)
			}
			again, err := DecodeUser(out)
			if err != nil || !reflect.DeepEqual(again, u) {
				t.Fatalf("round trip of %s: %+v, %v; want %+v", out, again, err, u)
			}
		}
		g, err := DecodeGroup(body)
		if err != nil {
			wantSCIMError(t, err)
			return
		}
		out, _ := json.Marshal(g)
		if again, err := DecodeGroup(out); err != nil || !reflect.DeepEqual(again, g) {
			t.Fatalf("group round trip of %s: %+v, %v", out, again, err)
		}
	})
}

// FuzzServe sends arbitrary requests through the whole dispatcher against the
// in-memory Service: never a panic, never a 5xx, every error a SCIM error body.
func FuzzServe(f *testing.F) {
	f.Add("POST", "/Users", "", []byte(`{"schemas":["`+SchemaUser+`"],"userName":"a@x.example"}`))
	f.Add("GET", "/Users", "filter=userName+eq+%22a%40x.example%22&startIndex=1&count=10", []byte(nil))
	f.Add("PATCH", "/Users/u000001", "", []byte(patchBody(`{"op":"replace","path":"active","value":"False"}`)))
	f.Add("GET", "/Groups", "excludedAttributes=members&filter=displayName+eq+%22x%22", []byte(nil))
	f.Add("GET", "/Schemas/urn%3Aietf%3Aparams%3Ascim%3Aschemas%3Acore%3A2.0%3AUser", "", []byte(nil))
	f.Add("DELETE", "/Users/%zz", "%", []byte(nil))
	f.Fuzz(func(t *testing.T, method, path, query string, body []byte) {
		svc := newMemService()
		h, _ := NewHandler(Config{Service: svc, Authenticate: func(context.Context, string) (string, bool) { return "t", true },
			MaxBodyBytes: 4096})
		// A user and a group to aim at.
		h.Serve(context.Background(), Request{Method: "POST", Path: "/Users", Authorization: "Bearer t",
			Body: []byte(`{"schemas":["` + SchemaUser + `"],"userName":"a@x.example"}`)})
		h.Serve(context.Background(), Request{Method: "POST", Path: "/Groups", Authorization: "Bearer t",
			Body: []byte(`{"schemas":["` + SchemaGroup + `"],"displayName":"g","members":[{"value":"u000001"}]}`)})
		resp := h.Serve(context.Background(), Request{Method: method, Path: path, RawQuery: query, Authorization: "Bearer t", Body: body})
		if resp.Status >= 500 && resp.Status != 501 {
			t.Fatalf("status %d: %s", resp.Status, resp.Body)
		}
		if resp.Status >= 400 {
			checkErrorBody(t, resp)
		}
	})
}
