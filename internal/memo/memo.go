// Package memo owns the adapters' short-lived memory: a map bounded in size
// whose entries expire. It is memory only: after a restart an adapter falls back
// to what works without it.
package memo

import (
	"container/list"
	"sync"
	"time"
)

// Memo is a bounded map with a TTL per entry, safe for concurrent use. When full
// it forgets the least recently written entry (New) or the least recently used
// one, reads counting (NewLRU), so it never grows without bound.
type Memo[K comparable, V any] struct {
	mu    sync.Mutex
	size  int
	ttl   time.Duration
	touch bool // Get counts as a use (NewLRU)
	now   func() time.Time
	ll    *list.List // front: most recently written (or used, with touch)
	m     map[K]*list.Element
}

type entry[K comparable, V any] struct {
	k       K
	v       V
	expires time.Time
}

// New returns a memo of at most size entries (at least 1) that live for ttl; when
// full it forgets the least recently written one. A nil now means time.Now.
func New[K comparable, V any](size int, ttl time.Duration, now func() time.Time) *Memo[K, V] {
	if size < 1 {
		size = 1
	}
	if now == nil {
		now = time.Now
	}
	return &Memo[K, V]{size: size, ttl: ttl, now: now, ll: list.New(), m: map[K]*list.Element{}}
}

// NewLRU is New, except that when full the memo forgets the least recently used
// entry: a Get keeps an entry as a Put does.
func NewLRU[K comparable, V any](size int, ttl time.Duration, now func() time.Time) *Memo[K, V] {
	c := New[K, V](size, ttl, now)
	c.touch = true
	return c
}

// Get returns the live value under k.
func (c *Memo[K, V]) Get(k K) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var zero V
	el, ok := c.m[k]
	if !ok {
		return zero, false
	}
	e := el.Value.(*entry[K, V])
	if !c.now().Before(e.expires) {
		c.ll.Remove(el)
		delete(c.m, k)
		return zero, false
	}
	if c.touch {
		c.ll.MoveToFront(el)
	}
	return e.v, true
}

// Put stores v under k for the memo's TTL, replacing what was there.
func (c *Memo[K, V]) Put(k K, v V) { c.PutFor(k, v, c.ttl) }

// PutFor stores v under k for ttl instead of the memo's TTL.
func (c *Memo[K, V]) PutFor(k K, v V, ttl time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.putLocked(k, v, c.now().Add(ttl))
}

func (c *Memo[K, V]) putLocked(k K, v V, expires time.Time) {
	if el, ok := c.m[k]; ok {
		e := el.Value.(*entry[K, V])
		e.v, e.expires = v, expires
		c.ll.MoveToFront(el)
		return
	}
	c.m[k] = c.ll.PushFront(&entry[K, V]{k: k, v: v, expires: expires})
	for c.ll.Len() > c.size {
		last := c.ll.Back()
		c.ll.Remove(last)
		delete(c.m, last.Value.(*entry[K, V]).k)
	}
}

// Add stores v under k unless a live entry is there, atomically; it reports
// whether it stored. With it the first of two concurrent claims wins.
func (c *Memo[K, V]) Add(k K, v V) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	if el, ok := c.m[k]; ok && now.Before(el.Value.(*entry[K, V]).expires) {
		return false
	}
	c.putLocked(k, v, now.Add(c.ttl))
	return true
}

// Take removes k and returns its live value.
func (c *Memo[K, V]) Take(k K) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var zero V
	el, ok := c.m[k]
	if !ok {
		return zero, false
	}
	c.ll.Remove(el)
	delete(c.m, k)
	e := el.Value.(*entry[K, V])
	if !c.now().Before(e.expires) {
		return zero, false
	}
	return e.v, true
}

// RemoveIf removes the entry under k, live or not, when match reports true for
// its value; it reports whether it removed one. It lets an owner drop only its
// own entry.
func (c *Memo[K, V]) RemoveIf(k K, match func(V) bool) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.m[k]
	if !ok || !match(el.Value.(*entry[K, V]).v) {
		return false
	}
	c.ll.Remove(el)
	delete(c.m, k)
	return true
}
