// Package logx holds log/slog helpers the process's log handler is built from.
//
// Throttle rate-limits log records that outsiders can cause at will: a forged
// webhook, a wrong Telegram secret token, a bad Discord signature, a refused web
// origin. Each such warning is worth seeing once, not a million times a minute
// (a flood would drown everything else and fill the disk). Mark the record with
// the attribute ThrottleKey, most simply with Throttled:
//
//	log.Warn("slack: request signature invalid", logx.Throttled("slack.signature"), "remote", ip)
//
// The first record with a given key and message passes; the rest within the
// interval are counted, and once the interval is over one summary record
// follows: the same level and message, with suppressed=N (the records not
// written) and window (since the one that passed). Records without the
// attribute pass untouched.
package logx

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// ThrottleKey is the attribute that makes a record rate-limited; its value (a
// short constant such as "slack.signature") groups records with the message.
const ThrottleKey = "throttle"

// Throttled returns the attribute that rate-limits a record under key.
func Throttled(key string) slog.Attr { return slog.String(ThrottleKey, key) }

// maxKeys bounds the state kept; beyond it records pass untouched, since keys
// are constants in the code and so many of them means a bug, not an attack.
const maxKeys = 1024

// Throttle is a slog.Handler that passes the first record per key and message
// in each interval and summarises the rest (see the package comment).
type Throttle struct {
	inner   slog.Handler
	st      *throttleState
	withKey string // a ThrottleKey given to WithAttrs (before any group)
}

type throttleState struct {
	every time.Duration
	now   func() time.Time
	mu    sync.Mutex
	keys  map[windowKey]*window
}

type windowKey struct{ key, msg string }

// window is one key's current interval.
type window struct {
	start      time.Time
	suppressed int
	level      slog.Level
	h          slog.Handler // where the record that opened it went, for the summary
	tagged     bool         // h carries the ThrottleKey attribute already
}

// NewThrottle wraps inner. every is the interval (a minute is a good default);
// now is the clock (nil: time.Now).
func NewThrottle(inner slog.Handler, every time.Duration, now func() time.Time) *Throttle {
	if now == nil {
		now = time.Now
	}
	return &Throttle{inner: inner, st: &throttleState{every: every, now: now, keys: map[windowKey]*window{}}}
}

// Enabled implements slog.Handler.
func (t *Throttle) Enabled(ctx context.Context, l slog.Level) bool { return t.inner.Enabled(ctx, l) }

// WithAttrs implements slog.Handler; the derived handlers share the counts.
func (t *Throttle) WithAttrs(as []slog.Attr) slog.Handler {
	c := *t
	c.inner = t.inner.WithAttrs(as)
	for _, a := range as {
		if a.Key == ThrottleKey {
			c.withKey = a.Value.String()
		}
	}
	return &c
}

// WithGroup implements slog.Handler; the derived handlers share the counts.
func (t *Throttle) WithGroup(name string) slog.Handler {
	c := *t
	c.inner = t.inner.WithGroup(name)
	return &c
}

// Handle implements slog.Handler.
func (t *Throttle) Handle(ctx context.Context, r slog.Record) error {
	key := t.withKey
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == ThrottleKey {
			key = a.Value.String()
			return false
		}
		return true
	})
	if key == "" {
		return t.inner.Handle(ctx, r)
	}
	k := windowKey{key, r.Message}
	st := t.st
	now := st.now()
	st.mu.Lock()
	w := st.keys[k]
	if w != nil && now.Sub(w.start) < st.every {
		w.suppressed++
		st.mu.Unlock()
		return nil
	}
	var prev *window
	if w != nil && w.suppressed > 0 {
		prev = w
	}
	if w == nil && len(st.keys) >= maxKeys {
		st.mu.Unlock()
		return t.inner.Handle(ctx, r)
	}
	st.keys[k] = &window{start: now, level: r.Level, h: t.inner, tagged: t.withKey != ""}
	st.mu.Unlock()
	if prev != nil {
		_ = prev.h.Handle(ctx, summary(k, prev, now))
	}
	return t.inner.Handle(ctx, r)
}

// Flush writes the summary of every interval that is over and had records
// suppressed, and forgets the keys whose interval is over. Run calls it
// periodically.
func (t *Throttle) Flush(ctx context.Context) { t.flush(ctx, false) }

// Run calls Flush every interval until ctx ends, then writes the summaries of
// the intervals still open, so a count is not lost at shutdown.
func (t *Throttle) Run(ctx context.Context) {
	tick := time.NewTicker(t.st.every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			t.flush(context.WithoutCancel(ctx), true)
			return
		case <-tick.C:
			t.Flush(ctx)
		}
	}
}

func (t *Throttle) flush(ctx context.Context, all bool) {
	st := t.st
	now := st.now()
	type pending struct {
		k windowKey
		w *window
	}
	var out []pending
	st.mu.Lock()
	for k, w := range st.keys {
		if !all && now.Sub(w.start) < st.every {
			continue
		}
		delete(st.keys, k)
		if w.suppressed > 0 {
			out = append(out, pending{k, w})
		}
	}
	st.mu.Unlock()
	for _, p := range out {
		_ = p.w.h.Handle(ctx, summary(p.k, p.w, now))
	}
}

// summary is the record that stands for the ones a window suppressed.
func summary(k windowKey, w *window, now time.Time) slog.Record {
	r := slog.NewRecord(now, w.level, k.msg, 0)
	if !w.tagged {
		r.AddAttrs(Throttled(k.key))
	}
	r.AddAttrs(slog.Int("suppressed", w.suppressed), slog.Duration("window", now.Sub(w.start)))
	return r
}
