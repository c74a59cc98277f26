package web

import "time"

// bucket is a token bucket: capacity burst, refilled at perMinute tokens a minute.
// Not safe for concurrent use; the hub's lock guards it.
type bucket struct {
	tokens float64
	last   time.Time
}

// allow takes a token if there is one at now.
func (b *bucket) allow(now time.Time, perMinute, burst int) bool {
	switch d := now.Sub(b.last); {
	case b.last.IsZero():
		b.tokens = float64(burst)
		b.last = now
	case d > 0: // a clock that steps back refills nothing
		b.tokens += d.Minutes() * float64(perMinute)
		if b.tokens > float64(burst) {
			b.tokens = float64(burst)
		}
		b.last = now
	}
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}
