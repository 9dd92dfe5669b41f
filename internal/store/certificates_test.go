package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"kipass/internal/app"
)

// passExam stores a passed exam attempt with a certificate request and
// returns the certificate id written into the result.
func passExam(t *testing.T, db *DB, userID int64, n int, now time.Time) string {
	t.Helper()
	ctx := context.Background()
	a := Attempt{ID: fmt.Sprintf("exam-%d", n), UserID: userID, CourseID: "c", Kind: KindExam, Lang: "de", ContentVersion: "sha256:x",
		Questions: []byte("[]"), StartedAt: now}
	if err := db.CreateAttempt(ctx, a, 0, 0); err != nil {
		t.Fatal(err)
	}
	// The renewal decision is the use case's (app.KeepsCertificate); the
	// store records it.
	cur, err := db.CurrentCertificate(ctx, userID, "c")
	if err != nil {
		t.Fatal(err)
	}
	sub := Submission{Answers: []byte("{}"), ScorePercent: 100, Passed: true, SubmittedAt: now, CurrentCertificate: cur.ID}
	got := cur.ID
	if !app.KeepsCertificate(cur, now) {
		sub.Certificate = &NewCertificate{ID: fmt.Sprintf("cert-%d", n), HolderName: "Erika", ContentVersion: "sha256:x", Lang: "de",
			IssuedAt: now, ExpiresAt: now.AddDate(1, 0, 0)}
		got = sub.Certificate.ID
	}
	if sub.Result, err = json.Marshal(map[string]string{"certificate_id": got}); err != nil {
		t.Fatal(err)
	}
	_, first, err := db.SubmitAttempt(ctx, a.ID, userID, sub)
	if err != nil || !first {
		t.Fatalf("submit: %v %v", first, err)
	}
	return got
}

func TestCertificateIssuedOnceAndRenewed(t *testing.T) {
	eachEngine(t, testCertificateIssuedOnceAndRenewed)
}

func testCertificateIssuedOnceAndRenewed(t *testing.T, db *DB) {
	ctx := context.Background()
	uid, _ := db.CreateUser(ctx, NewUser{Email: "e@example.com", Name: "Erika", Role: RoleEmployee, PasswordHash: "x"})
	now := time.Date(2026, 1, 10, 9, 0, 0, 0, time.UTC)

	first := passExam(t, db, uid, 1, now)
	if first != "cert-1" {
		t.Fatalf("first pass issued %q", first)
	}
	c, err := db.CertificateByID(ctx, "cert-1")
	if err != nil || c.HolderName != "Erika" || c.UserID != uid || c.AttemptID != "exam-1" || c.StatusIndex < 0 || c.StatusIndex >= statusListSize || !c.ExpiresAt.Equal(now.AddDate(1, 0, 0)) {
		t.Fatalf("record %+v %v", c, err)
	}
	// Passing again while the certificate is valid issues nothing new.
	if got := passExam(t, db, uid, 2, now.AddDate(0, 6, 0)); got != "cert-1" {
		t.Fatalf("second pass: %q", got)
	}
	// Within 60 days before expiry, a pass issues a new certificate.
	if got := passExam(t, db, uid, 3, now.AddDate(1, 0, -30)); got != "cert-3" {
		t.Fatalf("renewal: %q", got)
	}
	// After a revocation, a pass issues a new one.
	if err := db.RevokeCertificate(ctx, "cert-3", "issued in error", Actor{ID: 1, Role: RoleAdmin}); err != nil {
		t.Fatal(err)
	}
	if got := passExam(t, db, uid, 4, now.AddDate(1, 0, -29)); got != "cert-4" {
		t.Fatalf("after revocation: %q", got)
	}
	list, _ := db.UserCertificates(ctx, uid)
	if len(list) != 3 || list[0].ID != "cert-4" {
		t.Fatalf("list %+v", list)
	}
	idx, _ := db.RevokedIndexes(ctx)
	c3, _ := db.CertificateByID(ctx, "cert-3")
	if len(idx) != 1 || idx[0] != c3.StatusIndex {
		t.Fatalf("revoked indexes %v", idx)
	}
	c, _ = db.CertificateByID(ctx, "cert-3")
	if !c.Revoked() || c.RevokeReason != "issued in error" {
		t.Fatalf("revocation %+v", c)
	}
	// Revoking again keeps the first reason; unknown ids are not found.
	db.RevokeCertificate(ctx, "cert-3", "other", Actor{ID: 1, Role: RoleAdmin})
	if c, _ = db.CertificateByID(ctx, "cert-3"); c.RevokeReason != "issued in error" {
		t.Fatal("reason overwritten")
	}
	if err := db.RevokeCertificate(ctx, "nope", "x", Actor{ID: 1, Role: RoleAdmin}); err == nil {
		t.Fatal("unknown certificate revoked")
	}
}

// A failing certificate insert rolls back the whole submission.
func TestCertificateFailureRollsBackPass(t *testing.T) {
	eachEngine(t, testCertificateFailureRollsBackPass)
}

func testCertificateFailureRollsBackPass(t *testing.T, db *DB) {
	ctx := context.Background()
	uid, _ := db.CreateUser(ctx, NewUser{Email: "e@example.com", Name: "Erika", Role: RoleEmployee, PasswordHash: "x"})
	now := time.Now()
	passExam(t, db, uid, 1, now.AddDate(-2, 0, 0)) // an expired certificate cert-1
	a := Attempt{ID: "exam-x", UserID: uid, CourseID: "c", Kind: KindExam, Lang: "de", ContentVersion: "v", Questions: []byte("[]"), StartedAt: now}
	db.CreateAttempt(ctx, a, 0, 0)
	_, _, err := db.SubmitAttempt(ctx, a.ID, uid, Submission{Answers: []byte("{}"), ScorePercent: 100, Passed: true, SubmittedAt: now,
		Result: []byte("{}"), CurrentCertificate: "cert-1",
		Certificate: &NewCertificate{ID: "cert-1", HolderName: "Erika", IssuedAt: now, ExpiresAt: now.AddDate(1, 0, 0)}}) // duplicate id
	if err == nil {
		t.Fatal("duplicate certificate id accepted")
	}
	got, _ := db.AttemptFor(ctx, "exam-x", uid)
	if !got.Open() {
		t.Fatal("the pass was recorded without its certificate")
	}
}

// A submission whose certificate decision rests on a current certificate
// that changed meanwhile (here: revoked) writes nothing and says so.
func TestSubmitStaleCertificateDecision(t *testing.T) {
	eachEngine(t, testSubmitStaleCertificateDecision)
}

func testSubmitStaleCertificateDecision(t *testing.T, db *DB) {
	ctx := context.Background()
	uid, _ := db.CreateUser(ctx, NewUser{Email: "e@example.com", Name: "Erika", Role: RoleEmployee, PasswordHash: "x"})
	now := time.Now()
	passExam(t, db, uid, 1, now)
	a := Attempt{ID: "exam-y", UserID: uid, CourseID: "c", Kind: KindExam, Lang: "de", ContentVersion: "v", Questions: []byte("[]"), StartedAt: now}
	if err := db.CreateAttempt(ctx, a, 0, 0); err != nil {
		t.Fatal(err)
	}
	if err := db.RevokeCertificate(ctx, "cert-1", "issued in error", Actor{ID: 1, Role: RoleAdmin}); err != nil {
		t.Fatal(err)
	}
	_, _, err := db.SubmitAttempt(ctx, a.ID, uid, Submission{Answers: []byte("{}"), ScorePercent: 100, Passed: true, SubmittedAt: now,
		Result: []byte(`{"certificate_id":"cert-1"}`), CurrentCertificate: "cert-1"})
	if !errors.Is(err, app.ErrStale) {
		t.Fatalf("stale decision: %v", err)
	}
	if got, _ := db.AttemptFor(ctx, a.ID, uid); !got.Open() {
		t.Fatal("a stale decision was recorded")
	}
}
