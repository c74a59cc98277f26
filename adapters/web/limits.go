package webadapter

import (
	"context"
	"time"

	"github.com/kmbridge/kmbridge/adapters/internal/outbound"
	"github.com/kmbridge/kmbridge/i18n"
)

// limits are the chat's rate limits, which refuse rather than wait: per
// conversation (Config.RatePerMinute, burst RateBurst), per client address
// across its conversations (MessagesPerMinPerIP), and the conversations an
// address may start (MaxNewPerIPPerMin). New cookies cost nothing, so the
// per-address limits are what hold a script with many cookies back.
type limits struct {
	pacer *outbound.Pacer
}

// Key classes.
const (
	limitConv = "conv"
	limitIP   = "ip"
	limitNew  = "new"
)

func newLimits(cfg Config, now func() time.Time) *limits {
	ls := map[string]outbound.Limit{
		limitConv: {Every: time.Minute / time.Duration(cfg.RatePerMinute), Burst: cfg.RateBurst},
		limitIP:   outbound.Per(cfg.MessagesPerMinPerIP, time.Minute), // 0: no limit
		limitNew:  outbound.Per(cfg.MaxNewPerIPPerMin, time.Minute),
	}
	return &limits{pacer: outbound.NewPacer(ls, clock{now})}
}

// allow takes a message or click of conversation cid from address ip, and
// one of the address's new conversations when fresh (its first); it returns
// the words to refuse with, or "" when allowed. The new conversation is taken
// first: a crowd of new cookies refused as such does not use up the
// address's messages.
func (l *limits) allow(cid, ip string, fresh bool) i18n.MsgID {
	if fresh && !l.pacer.Allow(outbound.Key{Class: limitNew, ID: ip}) {
		return "web.too_many_new"
	}
	if !l.pacer.Allow(outbound.Key{Class: limitConv, ID: cid}, outbound.Key{Class: limitIP, ID: ip}) {
		return "web.too_fast"
	}
	return ""
}

// clock is the adapter's clock as the pacer wants it; limits never wait.
type clock struct{ now func() time.Time }

func (c clock) Now() time.Time { return c.now() }

func (c clock) Sleep(ctx context.Context, d time.Duration) error { return outbound.Sleep(ctx, d) }
