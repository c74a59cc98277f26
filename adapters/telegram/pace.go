package telegram

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// gcra is one rate limit (the generic cell rate algorithm): at most one call per
// interval on average, with a burst of tolerance/interval+1 calls. It keeps one
// time, the theoretical arrival time of the next call.
type gcra struct {
	interval  time.Duration
	tolerance time.Duration
	tat       time.Time
}

func newGCRA(perPeriod int, period time.Duration) gcra {
	if perPeriod <= 0 {
		return gcra{}
	}
	iv := period / time.Duration(perPeriod)
	return gcra{interval: iv, tolerance: iv * time.Duration(perPeriod-1)}
}

// reserveAt books a call that could go at t (not earlier) and returns when it
// may go: t or later.
func (g *gcra) reserveAt(t time.Time) time.Time {
	if g.interval <= 0 {
		return t
	}
	tat := g.tat
	if tat.Before(t) {
		tat = t
	}
	at := tat.Add(-g.tolerance)
	if at.Before(t) {
		at = t
	}
	g.tat = tat.Add(g.interval)
	return at
}

// idle reports whether the limit has forgotten every call before now.
func (g *gcra) idle(now time.Time) bool { return !g.tat.After(now) }

// lane is one chat's outbound queue: its holder sends, the others wait in line,
// so the chat's messages leave (and are retried after a 429) in order.
type lane struct {
	sem     chan struct{}
	chat    gcra
	group   gcra
	blocked time.Time // a 429's retry_after ends here
	refs    int
}

// pacer paces outbound calls under Telegram's limits: about one message a
// second per chat (after a short burst), GroupPerMinute per group,
// GlobalPerSecond in all. Its clock
// and sleep are injectable for tests.
type pacer struct {
	perChat time.Duration
	burst   int
	perMin  int
	now     func() time.Time
	sleep   func(ctx context.Context, d time.Duration) error

	mu     sync.Mutex
	global gcra
	lanes  map[int64]*lane
}

// maxIdleLanes is how many idle lanes may linger before they are swept.
const maxIdleLanes = 4096

func newPacer(cfg Config) *pacer {
	p := &pacer{
		perChat: cfg.PerChatInterval,
		burst:   max(cfg.PerChatBurst, 1),
		perMin:  cfg.GroupPerMinute,
		now:     time.Now,
		sleep:   sleepCtx,
		global:  newGCRA(cfg.GlobalPerSecond, time.Second),
		lanes:   map[int64]*lane{},
	}
	return p
}

// errDeadline: the wait for a slot (or a 429's retry_after) would outlast the
// caller's deadline.
var errDeadline = errors.New("telegram: rate limit wait exceeds the deadline")

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < d {
		return fmt.Errorf("%w (%s)", errDeadline, d.Round(time.Millisecond))
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// acquire waits for chat's lane and holds it; release it when done.
func (p *pacer) acquire(ctx context.Context, chat int64) (*lane, error) {
	p.mu.Lock()
	l := p.lanes[chat]
	if l == nil {
		if len(p.lanes) >= maxIdleLanes {
			p.sweepLocked()
		}
		l = &lane{sem: make(chan struct{}, 1)}
		if p.perChat > 0 {
			l.chat = gcra{interval: p.perChat, tolerance: p.perChat * time.Duration(p.burst-1)}
		}
		if chat < 0 && p.perMin > 0 {
			l.group = newGCRA(p.perMin, time.Minute)
		}
		p.lanes[chat] = l
	}
	l.refs++
	p.mu.Unlock()
	select {
	case l.sem <- struct{}{}:
		return l, nil
	case <-ctx.Done():
		p.mu.Lock()
		l.refs--
		p.mu.Unlock()
		return nil, ctx.Err()
	}
}

func (p *pacer) release(chat int64, l *lane) {
	<-l.sem
	p.mu.Lock()
	l.refs--
	if l.refs == 0 {
		now := p.now()
		if l.chat.idle(now) && l.group.idle(now) && !l.blocked.After(now) {
			delete(p.lanes, chat)
		}
	}
	p.mu.Unlock()
}

func (p *pacer) sweepLocked() {
	now := p.now()
	for id, l := range p.lanes {
		if l.refs == 0 && l.chat.idle(now) && l.group.idle(now) && !l.blocked.After(now) {
			delete(p.lanes, id)
		}
	}
}

// delay books the next call on a held lane (nil: a call that belongs to no chat)
// and returns how long to wait before making it.
func (p *pacer) delay(l *lane) time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	at := now
	if l != nil {
		if l.blocked.After(at) {
			at = l.blocked
		}
		at = l.chat.reserveAt(at)
		at = l.group.reserveAt(at)
	}
	at = p.global.reserveAt(at)
	return at.Sub(now)
}

// wait sleeps until the next call on l may go.
func (p *pacer) wait(ctx context.Context, l *lane) error {
	return p.sleep(ctx, p.delay(l))
}

// block holds chat's lane until retry_after has passed (a 429).
func (p *pacer) block(l *lane, d time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if until := p.now().Add(d); until.After(l.blocked) {
		l.blocked = until
	}
}

// blocked reports whether chat is waiting out a 429; advisory calls (typing)
// skip such a chat rather than add to its trouble.
func (p *pacer) blocked(chat int64) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	l := p.lanes[chat]
	return l != nil && l.blocked.After(p.now())
}
