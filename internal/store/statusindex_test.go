package store

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"kipass/certificates"
)

func TestStatusListSizeMatchesCertificates(t *testing.T) {
	if statusListSize != certificates.StatusListSize {
		t.Fatalf("store's status list size %d, certificates' %d", statusListSize, certificates.StatusListSize)
	}
}

// issueFor passes the exam for a new user n and returns the certificate's
// status index.
func issueFor(t *testing.T, db *DB, n int, now time.Time) int {
	t.Helper()
	uid, err := db.CreateUser(context.Background(), NewUser{Email: fmt.Sprintf("u%d@example.com", n), Name: "Erika", Role: RoleEmployee, PasswordHash: "x"})
	if err != nil {
		t.Fatal(err)
	}
	id := passExam(t, db, uid, n, now)
	c, err := db.CertificateByID(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return c.StatusIndex
}

// New certificates get random, distinct positions in 0..131071, not the
// order of issue (Bitstring Status List section 2.1).
func TestStatusIndexRandomAndUnique(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *DB) {
		now := time.Date(2026, 1, 10, 9, 0, 0, 0, time.UTC)
		seen := map[int]bool{}
		ascending := true
		prev := -1
		for n := 1; n <= 40; n++ {
			i := issueFor(t, db, n, now)
			if i < 0 || i >= statusListSize || seen[i] {
				t.Fatalf("certificate %d got index %d (seen before: %v)", n, i, seen[i])
			}
			seen[i] = true
			if i < prev {
				ascending = false
			}
			prev = i
		}
		if ascending || seen[0] && seen[1] && seen[2] {
			t.Fatalf("indexes look sequential: %v", seen)
		}
	})
}

// A taken position is skipped: the next candidate is tried in the same
// transaction, and existing certificates keep theirs.
func TestStatusIndexRetriesTakenPosition(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *DB) {
		now := time.Date(2026, 1, 10, 9, 0, 0, 0, time.UTC)
		var mu sync.Mutex
		seq := []int{5, 5, 5, 7}
		db.StatusIndex = func() int {
			mu.Lock()
			defer mu.Unlock()
			i := seq[0]
			if len(seq) > 1 {
				seq = seq[1:]
			}
			return i
		}
		if i := issueFor(t, db, 1, now); i != 5 {
			t.Fatalf("first: %d", i)
		}
		if i := issueFor(t, db, 2, now); i != 7 {
			t.Fatalf("second: %d, want 7 after two clashes", i)
		}
		if c, _ := db.CertificateByID(context.Background(), "cert-1"); c.StatusIndex != 5 {
			t.Fatalf("first certificate moved to %d", c.StatusIndex)
		}
	})
}

// When every random try clashes (a nearly full list), the lowest free
// position is taken.
func TestStatusIndexFallsBackToLowestFree(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *DB) {
		now := time.Date(2026, 1, 10, 9, 0, 0, 0, time.UTC)
		db.StatusIndex = func() int { return 0 }
		for n, want := range []int{0, 1, 2} {
			if i := issueFor(t, db, n+1, now); i != want {
				t.Fatalf("certificate %d: index %d, want %d", n+1, i, want)
			}
		}
		db.StatusIndex = func() int { return statusListSize }
		if _, _, err := submitExam(db, 9, now); err == nil {
			t.Fatal("an index outside the list was stored")
		}
	})
}

// Concurrent passes that all draw from the same few positions still get
// distinct ones: the unique constraint decides, the loser tries again (on
// PostgreSQL it waits for the other transaction, then inserts nothing).
func TestStatusIndexUniqueUnderConcurrency(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *DB) {
		now := time.Date(2026, 1, 10, 9, 0, 0, 0, time.UTC)
		var mu sync.Mutex
		next := 0
		db.StatusIndex = func() int { // 0,1,2,0,1,2,...: most draws clash
			mu.Lock()
			defer mu.Unlock()
			next++
			return next % 3
		}
		const n = 12
		uids := make([]int64, n)
		for i := range uids {
			uid, err := db.CreateUser(context.Background(), NewUser{Email: fmt.Sprintf("c%d@example.com", i), Name: "Erika", Role: RoleEmployee, PasswordHash: "x"})
			if err != nil {
				t.Fatal(err)
			}
			uids[i] = uid
		}
		var wg sync.WaitGroup
		errc := make(chan error, n)
		for i, uid := range uids {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, _, err := submitExamFor(db, uid, 100+i, now); err != nil {
					errc <- err
				}
			}()
		}
		wg.Wait()
		close(errc)
		for err := range errc {
			t.Fatal(err)
		}
		seen := map[int]bool{}
		for i := range uids {
			c, err := db.CertificateByID(context.Background(), fmt.Sprintf("cert-%d", 100+i))
			if err != nil {
				t.Fatal(err)
			}
			if seen[c.StatusIndex] {
				t.Fatalf("index %d given twice", c.StatusIndex)
			}
			seen[c.StatusIndex] = true
		}
	})
}

// A reissued certificate takes a random free position like a new one,
// not the highest plus one.
func TestReissueTakesRandomFreeStatusIndex(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *DB) {
		now := time.Date(2026, 1, 10, 9, 0, 0, 0, time.UTC)
		seq := []int{40, 40, 3}
		db.StatusIndex = func() int { i := seq[0]; seq = seq[1:]; return i }
		if i := issueFor(t, db, 1, now); i != 40 {
			t.Fatalf("first: %d", i)
		}
		old, err := db.CertificateByID(context.Background(), "cert-1")
		if err != nil {
			t.Fatal(err)
		}
		nc := NewCertificate{ID: "cert-1b", HolderName: "Erika Muster", ContentVersion: "sha256:x", Lang: "de", IssuedAt: now, ExpiresAt: old.ExpiresAt}
		if err := db.ReissueCertificate(context.Background(), old.ID, nc, "name corrected", Actor{ID: old.UserID, Role: RoleEmployee}); err != nil {
			t.Fatal(err)
		}
		c, err := db.CertificateByID(context.Background(), "cert-1b")
		if err != nil {
			t.Fatal(err)
		}
		if c.StatusIndex != 3 {
			t.Fatalf("reissued at %d, want 3 (the free draw after a clash at 40)", c.StatusIndex)
		}
		if old, _ = db.CertificateByID(context.Background(), "cert-1"); old.RevokedAt.IsZero() || old.StatusIndex != 40 {
			t.Fatalf("old certificate: %+v", old)
		}
	})
}

// submitExam passes the exam for a new user without the test helpers'
// t.Fatal, for goroutines and expected failures.
func submitExam(db *DB, n int, now time.Time) (Attempt, bool, error) {
	uid, err := db.CreateUser(context.Background(), NewUser{Email: fmt.Sprintf("s%d@example.com", n), Name: "Erika", Role: RoleEmployee, PasswordHash: "x"})
	if err != nil {
		return Attempt{}, false, err
	}
	return submitExamFor(db, uid, n, now)
}

func submitExamFor(db *DB, uid int64, n int, now time.Time) (Attempt, bool, error) {
	ctx := context.Background()
	a := Attempt{ID: fmt.Sprintf("exam-%d", n), UserID: uid, CourseID: "c", Kind: KindExam, Lang: "de", ContentVersion: "sha256:x",
		Questions: []byte("[]"), StartedAt: now}
	if err := db.CreateAttempt(ctx, a, 0, 0); err != nil {
		return a, false, err
	}
	return db.SubmitAttempt(ctx, a.ID, uid, Submission{Answers: []byte("{}"), ScorePercent: 100, Passed: true, SubmittedAt: now,
		Result: []byte("{}"),
		Certificate: &NewCertificate{ID: fmt.Sprintf("cert-%d", n), HolderName: "Erika", ContentVersion: "sha256:x", Lang: "de",
			IssuedAt: now, ExpiresAt: now.AddDate(1, 0, 0)}})
}
