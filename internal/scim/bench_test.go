package scim

import (
	"context"
	"fmt"
	"testing"
)

// BenchmarkListUsers10k pages through 10,000 users 100 at a time, as Entra ID and Okta
// do in a full sync, through the whole dispatcher (token check, query parsing, paging,
// JSON of 100 users) against the in-memory Service. It measures the protocol layer;
// the store's query for a page is measured where it is implemented.
func BenchmarkListUsers10k(b *testing.B) {
	svc := newMemService()
	for i := range 10_000 {
		u := User{UserName: fmt.Sprintf("user%05d@example.com", i), ExternalID: fmt.Sprintf("ext-%05d", i),
			DisplayName: fmt.Sprintf("User Number %d", i), Active: true, Department: fmt.Sprintf("Department %d", i%40),
			Name: Name{GivenName: "User", FamilyName: fmt.Sprintf("Number %d", i)}}
		if _, err := svc.CreateUser(context.Background(), u); err != nil {
			b.Fatal(err)
		}
	}
	h, err := NewHandler(Config{Service: svc, BaseURL: "https://kipass.example/scim/v2",
		Authenticate: func(_ context.Context, tok string) (string, bool) { return "t", tok == testToken }})
	if err != nil {
		b.Fatal(err)
	}
	for _, start := range []int{1, 5001, 9901} {
		b.Run(fmt.Sprintf("startIndex=%d", start), func(b *testing.B) {
			req := Request{Method: "GET", Path: "/Users", RawQuery: fmt.Sprintf("startIndex=%d&count=100", start),
				Authorization: "Bearer " + testToken}
			for b.Loop() {
				resp := h.Serve(context.Background(), req)
				if resp.Status != 200 || len(resp.Body) < 100*200 {
					b.Fatalf("status %d, %d bytes", resp.Status, len(resp.Body))
				}
			}
		})
	}
	// The protocol layer alone: the Service answers a ready page, so what remains is
	// the dispatcher and the JSON of 100 users.
	page, _, _ := svc.ListUsers(context.Background(), Filter{}, Page{StartIndex: 1, Count: 100})
	fixed, _ := NewHandler(Config{Service: fixedPage{svc, page}, BaseURL: "https://kipass.example/scim/v2",
		Authenticate: func(context.Context, string) (string, bool) { return "t", true }})
	b.Run("protocol-only", func(b *testing.B) {
		req := Request{Method: "GET", Path: "/Users", RawQuery: "startIndex=1&count=100", Authorization: "Bearer x"}
		for b.Loop() {
			if resp := fixed.Serve(context.Background(), req); resp.Status != 200 {
				b.Fatal(resp.Status)
			}
		}
	})
	b.Run("filter=userName", func(b *testing.B) {
		req := Request{Method: "GET", Path: "/Users", RawQuery: `filter=userName+eq+%22user09999%40example.com%22`,
			Authorization: "Bearer " + testToken}
		for b.Loop() {
			if resp := h.Serve(context.Background(), req); resp.Status != 200 {
				b.Fatal(resp.Status)
			}
		}
	})
}

type fixedPage struct {
	*memService
	page []User
}

func (f fixedPage) ListUsers(context.Context, Filter, Page) ([]User, int, error) {
	return append([]User(nil), f.page...), 10_000, nil
}
