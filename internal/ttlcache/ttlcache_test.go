package ttlcache

import (
	"fmt"
	"testing"
	"time"
)

func TestFreshByTheCallersClock(t *testing.T) {
	now := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	c := New[string, int](10, time.Minute, func() time.Time { return now })
	c.Add("a", 1)
	if v, at, ok := c.Get("a"); !ok || v != 1 || !at.Equal(now) {
		t.Fatalf("fresh entry: %v %v %v", v, at, ok)
	}
	now = now.Add(59 * time.Second)
	if _, _, ok := c.Get("a"); !ok {
		t.Fatal("expired early")
	}
	now = now.Add(time.Second)
	if _, _, ok := c.Get("a"); ok {
		t.Fatal("stale entry returned")
	}
	// A clock that went back does not make an entry fresh for longer.
	c.Add("b", 2)
	now = now.Add(-time.Hour)
	if _, _, ok := c.Get("b"); ok {
		t.Fatal("entry from the future returned")
	}
}

// A full cache drops the least recently used entry, not everything (the
// hand-written caches it replaces emptied themselves when full).
func TestFullCacheDropsOneEntry(t *testing.T) {
	now := time.Now()
	c := New[string, int](3, time.Hour, func() time.Time { return now })
	for i := range 3 {
		c.Add(fmt.Sprint(i), i)
	}
	c.Get("0") // used: "1" is now the oldest
	c.Add("3", 3)
	if c.Len() != 3 {
		t.Fatalf("%d entries", c.Len())
	}
	for k, want := range map[string]bool{"0": true, "1": false, "2": true, "3": true} {
		if _, _, ok := c.Get(k); ok != want {
			t.Errorf("%s present %v, want %v", k, ok, want)
		}
	}
	c.RemoveFunc(func(_ string, v int) bool { return v%2 == 0 })
	if _, _, ok := c.Get("0"); ok {
		t.Error("RemoveFunc kept 0")
	}
	if _, _, ok := c.Get("3"); !ok {
		t.Error("RemoveFunc dropped 3")
	}
}
