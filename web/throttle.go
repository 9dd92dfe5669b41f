package web

import (
	"sync"
	"time"
)

// addressThrottle counts failed logins per client address in a fixed window.
// It is deliberately generous (a whole office may share one address); the
// strict per-account limit lives in the database, so it holds across
// instances. This counter only slows down one address hammering many
// accounts; kept in memory, it resets on restart.
type addressThrottle struct {
	mu     sync.Mutex
	limit  int
	window time.Duration
	now    func() time.Time
	counts map[string]*windowCount
}

type windowCount struct {
	start time.Time
	n     int
}

// maxTrackedAddresses bounds the throttle's memory.
const maxTrackedAddresses = 100_000

func newAddressThrottle(limit int, window time.Duration, now func() time.Time) *addressThrottle {
	return &addressThrottle{limit: limit, window: window, now: now, counts: map[string]*windowCount{}}
}

// blocked reports whether addr has used up its failures for this window.
func (t *addressThrottle) blocked(addr string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	w := t.counts[addr]
	return w != nil && t.now().Sub(w.start) < t.window && w.n >= t.limit
}

// fail records one failed login from addr.
func (t *addressThrottle) fail(addr string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	w := t.counts[addr]
	if w == nil || now.Sub(w.start) >= t.window {
		if len(t.counts) >= maxTrackedAddresses {
			for a, old := range t.counts {
				if now.Sub(old.start) >= t.window {
					delete(t.counts, a)
				}
			}
			if len(t.counts) >= maxTrackedAddresses {
				t.counts = map[string]*windowCount{}
			}
		}
		w = &windowCount{start: now}
		t.counts[addr] = w
	}
	w.n++
}
