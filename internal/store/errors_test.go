package store

import (
	"context"
	"errors"
	"strings"
	"testing"

	"kipass/internal/errs"
)

// A failure names the store operation; the application's own answers
// (not found, conflicts) pass unchanged.
func TestErrorsNameTheOperation(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	if _, err := db.UserByID(ctx, 42); errs.As(err) == nil || err.Error() != "not_found: No such account." {
		t.Fatalf("not found: %v", err)
	}
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	_, err := db.CreateUser(canceled, NewUser{Email: "e@example.com", Name: "E", Role: RoleEmployee, PasswordHash: "x"})
	if err == nil || !strings.HasPrefix(err.Error(), "store: create user: ") || !errors.Is(err, context.Canceled) {
		t.Fatalf("canceled create: %v", err)
	}
	db.Close()
	if _, err := db.CertificateByID(ctx, "x"); err == nil || !strings.HasPrefix(err.Error(), "store: certificate by id: ") {
		t.Fatalf("closed database: %v", err)
	}
}
