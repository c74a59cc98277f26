// Package platforms plays the chat platforms for the benchmark: lean fake
// platform APIs (Slack Web API, Telegram Bot API, Discord REST and gateway)
// that count every call and answer as the real ones do, and the senders of
// users' messages (signed Slack events, Telegram webhook updates, Discord
// gateway dispatches, web chat WebSocket frames). Each user has a channel of
// their own, so an answer is matched to its user by the channel it is posted to.
package platforms

import (
	"sync"
	"sync/atomic"
	"time"
)

// Inbox collects the answers posted to each user's channel.
type Inbox struct {
	counts []atomic.Int64
	posted []chan time.Time
	last   atomic.Int64 // unix nanoseconds of the latest post
}

// inboxDepth is how many unread answers a user's channel keeps; more are
// counted but their times are dropped.
const inboxDepth = 16

// NewInbox returns an inbox for users 0…users-1.
func NewInbox(users int) *Inbox {
	b := &Inbox{counts: make([]atomic.Int64, users), posted: make([]chan time.Time, users)}
	for i := range b.posted {
		b.posted[i] = make(chan time.Time, inboxDepth)
	}
	return b
}

// Users is the number of users.
func (b *Inbox) Users() int { return len(b.counts) }

// Post records an answer to user u that arrived at at; a post to a channel
// that is no user's is ignored.
func (b *Inbox) Post(u int, at time.Time) {
	if u < 0 || u >= len(b.counts) {
		return
	}
	b.counts[u].Add(1)
	b.last.Store(at.UnixNano())
	select {
	case b.posted[u] <- at:
	default:
	}
}

// Count returns the answers user u received since the last Reset.
func (b *Inbox) Count(u int) int64 { return b.counts[u].Load() }

// Total returns the answers all users received since the last Reset.
func (b *Inbox) Total() int64 {
	var n int64
	for i := range b.counts {
		n += b.counts[i].Load()
	}
	return n
}

// Posted delivers the arrival time of each answer to user u.
func (b *Inbox) Posted(u int) <-chan time.Time { return b.posted[u] }

// Drain forgets the unread arrival times of user u.
func (b *Inbox) Drain(u int) {
	for {
		select {
		case <-b.posted[u]:
		default:
			return
		}
	}
}

// Last returns when the latest answer arrived (zero before any).
func (b *Inbox) Last() time.Time {
	if n := b.last.Load(); n != 0 {
		return time.Unix(0, n)
	}
	return time.Time{}
}

// Reset zeroes every count and forgets the unread arrival times.
func (b *Inbox) Reset() {
	for u := range b.counts {
		b.counts[u].Store(0)
		b.Drain(u)
	}
}

// Calls counts calls by name (an API method, a frame type).
type Calls struct {
	mu sync.Mutex
	n  map[string]int64
}

// Add counts one call of name.
func (c *Calls) Add(name string) {
	c.mu.Lock()
	if c.n == nil {
		c.n = map[string]int64{}
	}
	c.n[name]++
	c.mu.Unlock()
}

// Snapshot returns a copy of the counts.
func (c *Calls) Snapshot() map[string]int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]int64, len(c.n))
	for k, v := range c.n {
		out[k] = v
	}
	return out
}
