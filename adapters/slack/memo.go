package slackadapter

import (
	"container/list"
	"sync"
	"time"
)

// memo is a bounded map with per-entry expiry: the adapter's small memories (user
// profiles, DM channels, our threads, sent messages, clicks in flight). When full
// it forgets the least recently used entry, so no memory grows without bound.
type memo[V any] struct {
	mu  sync.Mutex
	max int
	now func() time.Time
	m   map[string]*list.Element
	l   *list.List // front: most recently used
}

type memoEntry[V any] struct {
	key     string
	val     V
	expires time.Time
}

func newMemo[V any](max int, now func() time.Time) *memo[V] {
	if max < 1 {
		max = 1
	}
	return &memo[V]{max: max, now: now, m: map[string]*list.Element{}, l: list.New()}
}

// get returns the live value under key.
func (c *memo[V]) get(key string) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var zero V
	el, ok := c.m[key]
	if !ok {
		return zero, false
	}
	e := el.Value.(*memoEntry[V])
	if !c.now().Before(e.expires) {
		c.l.Remove(el)
		delete(c.m, key)
		return zero, false
	}
	c.l.MoveToFront(el)
	return e.val, true
}

// put stores val under key for ttl.
func (c *memo[V]) put(key string, val V, ttl time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	exp := c.now().Add(ttl)
	if el, ok := c.m[key]; ok {
		e := el.Value.(*memoEntry[V])
		e.val, e.expires = val, exp
		c.l.MoveToFront(el)
		return
	}
	for c.l.Len() >= c.max {
		old := c.l.Back()
		c.l.Remove(old)
		delete(c.m, old.Value.(*memoEntry[V]).key)
	}
	c.m[key] = c.l.PushFront(&memoEntry[V]{key: key, val: val, expires: exp})
}

// take removes key and returns its live value.
func (c *memo[V]) take(key string) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var zero V
	el, ok := c.m[key]
	if !ok {
		return zero, false
	}
	c.l.Remove(el)
	delete(c.m, key)
	e := el.Value.(*memoEntry[V])
	if !c.now().Before(e.expires) {
		return zero, false
	}
	return e.val, true
}

// add stores val under key for ttl unless a live entry is there, atomically;
// it reports whether it stored.
func (c *memo[V]) add(key string, val V, ttl time.Duration) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	if el, ok := c.m[key]; ok {
		e := el.Value.(*memoEntry[V])
		if now.Before(e.expires) {
			return false
		}
		e.val, e.expires = val, now.Add(ttl)
		c.l.MoveToFront(el)
		return true
	}
	for c.l.Len() >= c.max {
		old := c.l.Back()
		c.l.Remove(old)
		delete(c.m, old.Value.(*memoEntry[V]).key)
	}
	c.m[key] = c.l.PushFront(&memoEntry[V]{key: key, val: val, expires: now.Add(ttl)})
	return true
}
