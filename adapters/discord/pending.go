package discord

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/kmbridge/kmbridge/bridge"
)

// ack tracks an interaction's initial response. Whatever uses the
// interaction's webhook afterwards (the answer, a retirement) waits for it:
// Discord knows the webhook only once the response arrived.
type ack struct {
	ix    *discordgo.Interaction
	ready chan struct{}
	once  sync.Once
	err   error
}

func newAck(ix *discordgo.Interaction) *ack {
	return &ack{ix: ix, ready: make(chan struct{})}
}

// done records how the initial response went; only the first call counts.
func (k *ack) done(err error) {
	k.once.Do(func() {
		k.err = err
		close(k.ready)
	})
}

// wait waits for the initial response and returns its error.
func (k *ack) wait(ctx context.Context) error {
	select {
	case <-k.ready:
		return k.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// pendingIx is a slash command whose response was deferred ("is thinking…").
// For Config.InteractionWindow the conversation's messages go through its
// webhook: the first replaces the deferred response, the others are
// followups. A deferred response nothing replaced within
// Config.ThinkingTimeout is deleted.
type pendingIx struct {
	*ack
	key      string
	expires  time.Time
	mu       sync.Mutex // one Send at a time through the webhook
	replaced atomic.Bool
	dead     atomic.Bool // deleted or failed: the channel takes over
	timer    *time.Timer
}

func (a *Adapter) newPending(ix *discordgo.Interaction, key bridge.ConvKey) *pendingIx {
	p := &pendingIx{ack: newAck(ix), key: key.String(), expires: a.now().Add(a.cfg.InteractionWindow)}
	p.timer = time.AfterFunc(a.cfg.ThinkingTimeout, func() { a.thinkingTimeout(p) })
	return p
}

// pendingFor returns the live interaction carrying a conversation's messages.
func (a *Adapter) pendingFor(to bridge.ConvKey) *pendingIx {
	p, ok := a.pending.Get(to.String())
	if !ok || p.dead.Load() || !a.now().Before(p.expires) {
		return nil
	}
	return p
}

// dropPending forgets p (not a newer interaction of the same conversation).
func (a *Adapter) dropPending(p *pendingIx) {
	p.timer.Stop()
	a.pending.RemoveIf(p.key, func(v *pendingIx) bool { return v == p })
}

// thinkingTimeout deletes a deferred response that nothing replaced: KM may
// answer nothing (a silent answer), and "is thinking…" must not stay for good.
func (a *Adapter) thinkingTimeout(p *pendingIx) {
	a.background(a.cfg.HTTPTimeout, func(ctx context.Context) {
		p.mu.Lock()
		if p.replaced.Load() || p.dead.Load() {
			p.mu.Unlock()
			return
		}
		p.dead.Store(true)
		p.mu.Unlock()
		a.dropPending(p)
		if p.wait(ctx) != nil {
			return
		}
		ep := discordgo.EndpointInteractionResponseActions(p.ix.AppID, p.ix.Token)
		err := a.call(ctx, ep, "", "delete an unanswered deferred response", func(opts ...discordgo.RequestOption) error {
			return a.hookRequest(http.MethodDelete, ep, nil, nil, opts...)
		})
		if err != nil {
			a.log.Info("discord: deferred response not deleted", "err", err)
		}
	})
}

// hookedMsg is a message sent through an interaction's webhook: only that
// webhook can edit it.
type hookedMsg struct {
	ix       *discordgo.Interaction
	original bool // the interaction's response itself ("@original")
}

// clickCtx is what a click in flight needs to retire its message afterwards:
// the component interaction (its webhook edits the message) and the message as
// the interaction showed it.
type clickCtx struct {
	*ack
	channel    string
	content    string
	embeds     []*discordgo.MessageEmbed
	components []discordgo.MessageComponent
}
