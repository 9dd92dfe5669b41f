package web

import (
	"sync"
	"time"

	"kipass/internal/app"
)

// sessionCache remembers session lookups for a moment, so a burst of page
// views costs one database read instead of one per request. The database
// stays the source of truth: entries live for ttl at most, and logout or a
// change to the account drops them at once on this instance (other
// instances see the change within ttl).
type sessionCache struct {
	mu      sync.Mutex
	ttl     time.Duration
	now     func() time.Time
	entries map[string]cachedSession
}

type cachedSession struct {
	s       app.Session
	fetched time.Time
}

// maxCachedSessions bounds the cache's memory.
const maxCachedSessions = 50_000

func newSessionCache(ttl time.Duration, now func() time.Time) *sessionCache {
	return &sessionCache{ttl: ttl, now: now, entries: map[string]cachedSession{}}
}

func (c *sessionCache) get(hash []byte) (app.Session, bool) {
	if c.ttl <= 0 {
		return app.Session{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[string(hash)]
	if !ok || c.now().Sub(e.fetched) >= c.ttl {
		return app.Session{}, false
	}
	return e.s, true
}

func (c *sessionCache) put(hash []byte, s app.Session) {
	if c.ttl <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= maxCachedSessions {
		c.entries = map[string]cachedSession{}
	}
	c.entries[string(hash)] = cachedSession{s: s, fetched: c.now()}
}

// drop forgets one session.
func (c *sessionCache) drop(hash []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.entries, string(hash))
}

// dropUser forgets every session of a user (role change, deactivation).
func (c *sessionCache) dropUser(userID int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, e := range c.entries {
		if e.s.User.ID == userID {
			delete(c.entries, k)
		}
	}
}
