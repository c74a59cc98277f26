package discord

import (
	"container/list"
	"sync"
	"time"
)

// memo is a small bounded map with a TTL per entry: the adapter's short-lived
// memory (threads, pending interactions, clicks in flight, locales). When full,
// the least recently written entry goes first. It is memory only: after a
// restart the adapter falls back to what works without it.
type memo[K comparable, V any] struct {
	mu  sync.Mutex
	max int
	ttl time.Duration
	now func() time.Time
	ll  *list.List // front: most recently written
	m   map[K]*list.Element
}

type memoEntry[K comparable, V any] struct {
	k       K
	v       V
	expires time.Time
}

func newMemo[K comparable, V any](max int, ttl time.Duration, now func() time.Time) *memo[K, V] {
	if now == nil {
		now = time.Now
	}
	return &memo[K, V]{max: max, ttl: ttl, now: now, ll: list.New(), m: map[K]*list.Element{}}
}

// put stores v under k for the memo's TTL, replacing what was there.
func (c *memo[K, V]) put(k K, v V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.putLocked(k, v)
}

func (c *memo[K, V]) putLocked(k K, v V) {
	exp := c.now().Add(c.ttl)
	if e, ok := c.m[k]; ok {
		me := e.Value.(*memoEntry[K, V])
		me.v, me.expires = v, exp
		c.ll.MoveToFront(e)
		return
	}
	c.m[k] = c.ll.PushFront(&memoEntry[K, V]{k: k, v: v, expires: exp})
	for c.ll.Len() > c.max {
		last := c.ll.Back()
		c.ll.Remove(last)
		delete(c.m, last.Value.(*memoEntry[K, V]).k)
	}
}

// get returns the live value under k.
func (c *memo[K, V]) get(k K) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var zero V
	e, ok := c.m[k]
	if !ok {
		return zero, false
	}
	me := e.Value.(*memoEntry[K, V])
	if !c.now().Before(me.expires) {
		c.ll.Remove(e)
		delete(c.m, k)
		return zero, false
	}
	return me.v, true
}

// take returns and removes the live value under k.
func (c *memo[K, V]) take(k K) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var zero V
	e, ok := c.m[k]
	if !ok {
		return zero, false
	}
	c.ll.Remove(e)
	delete(c.m, k)
	me := e.Value.(*memoEntry[K, V])
	if !c.now().Before(me.expires) {
		return zero, false
	}
	return me.v, true
}

// removeIf removes the entry under k when match reports true for its value; it
// reports whether it removed one. It lets an owner drop only its own entry.
func (c *memo[K, V]) removeIf(k K, match func(V) bool) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[k]
	if !ok || !match(e.Value.(*memoEntry[K, V]).v) {
		return false
	}
	c.ll.Remove(e)
	delete(c.m, k)
	return true
}

// add stores v under k unless a live entry is there; it reports whether it
// stored. With it, the first of two concurrent claims wins.
func (c *memo[K, V]) add(k K, v V) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.m[k]; ok && c.now().Before(e.Value.(*memoEntry[K, V]).expires) {
		return false
	}
	c.putLocked(k, v)
	return true
}
