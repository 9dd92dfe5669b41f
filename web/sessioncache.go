package web

import (
	"time"

	"kipass/internal/app"
	"kipass/internal/ttlcache"
)

// sessionCache remembers session lookups for a moment, so a burst of page
// views costs one database read instead of one per request. The database
// stays the source of truth: entries live for ttl at most, and logout or a
// change to the account drops them at once on this instance (other
// instances see the change within ttl).
type sessionCache struct {
	c *ttlcache.Cache[string, app.Session] // nil: off
}

// maxCachedSessions bounds the cache's memory.
const maxCachedSessions = 50_000

func newSessionCache(ttl time.Duration, now func() time.Time) *sessionCache {
	if ttl <= 0 {
		return &sessionCache{}
	}
	return &sessionCache{c: ttlcache.New[string, app.Session](maxCachedSessions, ttl, now)}
}

func (c *sessionCache) get(hash []byte) (app.Session, bool) {
	if c.c == nil {
		return app.Session{}, false
	}
	s, _, ok := c.c.Get(string(hash))
	return s, ok
}

func (c *sessionCache) put(hash []byte, s app.Session) {
	if c.c != nil {
		c.c.Add(string(hash), s)
	}
}

// drop forgets one session.
func (c *sessionCache) drop(hash []byte) {
	if c.c != nil {
		c.c.Remove(string(hash))
	}
}

// dropUser forgets every session of a user (role change, deactivation).
func (c *sessionCache) dropUser(userID int64) {
	if c.c != nil {
		c.c.RemoveFunc(func(_ string, s app.Session) bool { return s.User.ID == userID })
	}
}
