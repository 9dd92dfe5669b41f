package web

import (
	"sync"
	"time"

	"kipass/internal/ttlcache"
)

// addressThrottle counts failures per client address in a fixed window:
// invalid invitation links, reset requests, verifications. It is
// deliberately generous (a whole office may share one address); kept in
// memory, it resets on restart and is each instance's own. Failed logins
// per address are counted in the database instead (app.AuthenticateFrom).
type addressThrottle struct {
	mu     sync.Mutex // guards the counts' n
	limit  int
	counts *ttlcache.Cache[string, *windowCount] // an entry lives for one window from its first failure
}

type windowCount struct{ n int }

// maxTrackedAddresses bounds the throttle's memory; when it is full the
// address least recently seen is forgotten.
const maxTrackedAddresses = 100_000

func newAddressThrottle(limit int, window time.Duration, now func() time.Time) *addressThrottle {
	return &addressThrottle{limit: limit, counts: ttlcache.New[string, *windowCount](maxTrackedAddresses, window, now)}
}

// blocked reports whether addr has used up its failures for this window.
func (t *addressThrottle) blocked(addr string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	w, _, ok := t.counts.Get(addr)
	return ok && w.n >= t.limit
}

// fail records one failed login from addr; the first failure starts its window.
func (t *addressThrottle) fail(addr string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	w, _, ok := t.counts.Get(addr)
	if !ok {
		w = &windowCount{}
		t.counts.Add(addr, w)
	}
	w.n++
}
