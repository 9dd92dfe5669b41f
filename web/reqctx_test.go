package web

import (
	"context"
	"testing"
	"time"

	"kipass/internal/errs"
)

// Every request runs on a context with the configured deadline: when it
// has passed, the password-hash queue and the store give up, the request
// is answered 503 "timeout" and nothing is written. (Before the context
// middleware, handlers ran on context.Background and this registration
// succeeded.)
func TestRequestDeadlineCancelsWork(t *testing.T) {
	a := newTestApp(t, func(c *Config) { c.RequestTimeout = time.Nanosecond })
	r := a.do(req{method: "POST", path: "/api/v1/register", json: registration})
	if r.status != 503 || apiErrorCode(t, r.body) != "timeout" {
		t.Fatalf("register past the deadline: %d %s", r.status, r.body)
	}
	if _, err := a.db.UserByEmail(context.Background(), "erika@example.com"); errs.KindOf(err) != errs.NotFound {
		t.Fatalf("the account was created anyway: %v", err)
	}
}

// With the default deadline the same request succeeds.
func TestRequestDeadlineDefault(t *testing.T) {
	a := newTestApp(t, nil)
	if r := a.do(req{method: "POST", path: "/api/v1/register", json: registration}); r.status != 201 {
		t.Fatalf("register: %d %s", r.status, r.body)
	}
}
