package store

import (
	"context"
	"testing"
)

// TestGenerationSeesOtherHandles: two store handles on one file (as the
// server and a "kipass users import" are): a write through one changes the
// generation the other reads; an audit entry does not.
func TestGenerationSeesOtherHandles(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	server, err := Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer server.Close()
	cli, err := Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	g0 := server.Generation()
	if g0 != server.Generation() {
		t.Fatal("the generation changes without writes")
	}
	if _, err := cli.ImportUsers(ctx, []ImportUser{{Email: "ina@example.com", Name: "Ina", Department: "Vertrieb", Role: RoleEmployee,
		InviteHash: []byte("0123456789abcdef0123456789abcdef")}}, server.Now().Add(1e12), nil); err != nil {
		t.Fatal(err)
	}
	g1 := server.Generation()
	if g1 == g0 {
		t.Fatal("a write by another handle left the generation unchanged")
	}
	if err := cli.Audit(ctx, Actor{Role: RoleAdmin}, "dashboard.viewed", 0, ""); err != nil {
		t.Fatal(err)
	}
	if server.Generation() != g1 {
		t.Fatal("an audit entry changed the generation")
	}
}
