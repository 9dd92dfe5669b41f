// Package ttlcache is kipass's one in-memory cache type: a size-bounded
// map whose entries live for a fixed time. It is built on
// github.com/hashicorp/golang-lru/v2/expirable, so a full cache drops its
// least recently used entry (not everything), and expired entries are
// swept from memory in the background.
//
// Entries also carry the time they were stored by the caller's clock, and
// Get checks the age by that clock: the caller's time (a test's fake clock)
// decides what is fresh, expirable's real-time sweep only frees memory.
package ttlcache

import (
	"time"

	"github.com/hashicorp/golang-lru/v2/expirable"
)

// Cache maps keys to values that are fresh for ttl. It is safe for
// concurrent use.
type Cache[K comparable, V any] struct {
	lru *expirable.LRU[K, entry[V]]
	ttl time.Duration
	now func() time.Time
}

type entry[V any] struct {
	v  V
	at time.Time
}

// New returns a cache of at most size entries that live for ttl (> 0)
// measured by now.
func New[K comparable, V any](size int, ttl time.Duration, now func() time.Time) *Cache[K, V] {
	return &Cache[K, V]{lru: expirable.NewLRU[K, entry[V]](size, nil, ttl), ttl: ttl, now: now}
}

// Get returns the fresh value for k and when it was stored.
func (c *Cache[K, V]) Get(k K) (v V, at time.Time, ok bool) {
	e, ok := c.lru.Get(k)
	if !ok {
		return v, at, false
	}
	if now := c.now(); now.Before(e.at) || now.Sub(e.at) >= c.ttl {
		c.lru.Remove(k)
		return v, at, false
	}
	return e.v, e.at, true
}

// Add stores v for k as of now.
func (c *Cache[K, V]) Add(k K, v V) { c.lru.Add(k, entry[V]{v: v, at: c.now()}) }

// Remove forgets k.
func (c *Cache[K, V]) Remove(k K) { c.lru.Remove(k) }

// RemoveFunc forgets every entry for which drop returns true.
func (c *Cache[K, V]) RemoveFunc(drop func(K, V) bool) {
	for _, k := range c.lru.Keys() {
		if e, ok := c.lru.Peek(k); ok && drop(k, e.v) {
			c.lru.Remove(k)
		}
	}
}

// Len is the number of entries held, fresh or not yet swept.
func (c *Cache[K, V]) Len() int { return c.lru.Len() }
