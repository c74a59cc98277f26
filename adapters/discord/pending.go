package discordadapter

import (
	"context"
	"errors"
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

// errNotDeferred ends the wait of a send on an interaction that was answered
// otherwise (refused, or a duplicate) instead of deferred.
var errNotDeferred = errors.New("discord: the interaction was not deferred")

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

// carry makes interaction ix carry the messages of conversation key from now
// on, and returns it with the interaction it replaced (nil when none), for
// restore.
func (s *sender) carry(ix *discordgo.Interaction, key bridge.ConvKey) (p, prev *pendingIx) {
	p = &pendingIx{ack: newAck(ix), key: key.String(), expires: s.now().Add(s.cfg.InteractionWindow)}
	p.timer = time.AfterFunc(s.cfg.ThinkingTimeout, func() { s.thinkingTimeout(p) })
	prev, _ = s.pending.Get(p.key)
	s.pending.Put(p.key, p)
	return p, prev
}

// restore undoes carry: p no longer carries anything, and prev, when it was
// live, carries its conversation again.
func (s *sender) restore(p, prev *pendingIx) {
	// A send already waiting on p (the core may answer before Deliver
	// returns) gets no deferred response to replace: it goes to the channel.
	p.dead.Store(true)
	p.done(errNotDeferred)
	s.dropPending(p)
	if prev != nil && !prev.dead.Load() {
		s.pending.Put(prev.key, prev)
	}
}

// pendingFor returns the live interaction carrying a conversation's messages.
func (s *sender) pendingFor(to bridge.ConvKey) *pendingIx {
	p, ok := s.pending.Get(to.String())
	if !ok || p.dead.Load() || !s.now().Before(p.expires) {
		return nil
	}
	return p
}

// dropPending forgets p (not a newer interaction of the same conversation).
func (s *sender) dropPending(p *pendingIx) {
	p.timer.Stop()
	s.pending.RemoveIf(p.key, func(v *pendingIx) bool { return v == p })
}

// thinkingTimeout deletes a deferred response that nothing replaced: KM may
// answer nothing (a silent answer), and "is thinking…" must not stay for good.
func (s *sender) thinkingTimeout(p *pendingIx) {
	s.life.background(s.cfg.HTTPTimeout, func(ctx context.Context) {
		p.mu.Lock()
		if p.replaced.Load() || p.dead.Load() {
			p.mu.Unlock()
			return
		}
		p.dead.Store(true)
		p.mu.Unlock()
		s.dropPending(p)
		if p.wait(ctx) != nil {
			return
		}
		ep := discordgo.EndpointInteractionResponseActions(p.ix.AppID, p.ix.Token)
		err := s.api.call(ctx, webhook(p.ix), "delete an unanswered deferred response", func(opts ...discordgo.RequestOption) error {
			return s.api.hookRequest(http.MethodDelete, ep, nil, nil, opts...)
		})
		if err != nil {
			s.log.Info("discord: deferred response not deleted", "err", err)
		}
	})
}

// hookedMsg is a message sent through an interaction's webhook: only that
// webhook can edit it.
type hookedMsg struct {
	ix       *discordgo.Interaction
	original bool // the interaction's response itself ("@original")
}
