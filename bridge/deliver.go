package bridge

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/kmbridge/kmbridge/formatting"
	"github.com/kmbridge/kmbridge/kmclient"
)

var _ Host = (*Core)(nil)

// Deliver implements Host: claim, then queue; a claim the core did not honour
// is released, so the platform's redelivery is handled rather than dropped as
// a duplicate.
func (c *Core) Deliver(ctx context.Context, d Delivery) error {
	if d.Event == nil {
		return errors.New("bridge: deliver: nil event")
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, DefaultDeliverTimeout)
		defer cancel()
	}
	if c.isClosing() {
		return ErrClosed // before the claim: nothing to release
	}
	platform := d.Event.Conv().Platform
	claimed := false
	if d.ID != "" {
		seen, err := c.Seen(ctx, platform, d.ID)
		switch {
		case err != nil:
			// A rare duplicate answer beats a lost question.
			c.log.Warn("bridge: dedupe failed; handling the delivery anyway", "platform", platform, "err", redact(err))
		case seen:
			c.met.event(kindOf(d.Event), "duplicate")
			return ErrDuplicate
		default:
			claimed = true
		}
	}
	if key := d.Event.Conv(); key.Thread != "" {
		c.joined.Put(key.String(), struct{}{})
	}
	err := c.Handle(ctx, d.Event)
	if err != nil && !errors.Is(err, ErrBusy) && claimed {
		// Released even when the request's context has ended: otherwise the
		// platform's redelivery would be dropped and the question lost.
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.cfg.SeenTimeout)
		if ferr := c.store.Forget(fctx, platform+":"+d.ID); ferr != nil {
			c.log.Warn("bridge: releasing a refused delivery failed; its redelivery may be dropped", "platform", platform, "err", redact(ferr))
		}
		cancel()
	}
	return err
}

func (c *Core) isClosing() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closing
}

// Home implements Host.
func (c *Core) Home(ctx context.Context, key ConvKey, user UserInfo) (HomeContent, error) {
	p := c.cat.Printer(user.Locale)
	// The FAQ and hot questions are the same for everyone: shared buttons.
	m := c.sharedMinter(key.Platform)
	tokens, save := m.token, m.save
	opts := formatting.Options{P: p, Tokens: tokens}
	var (
		home HomeContent
		errs []error
	)
	if cats, err := c.FAQ(ctx); err != nil {
		errs = append(errs, err)
	} else if len(cats) > 0 {
		home.FAQ = formatting.Categories(p.T("bridge.home_faq"), cats, opts)
	}
	if hot, err := c.Hot(ctx); err != nil {
		errs = append(errs, err)
	} else if len(hot) > 0 {
		home.Hot = formatting.Questions(p.T("bridge.home_hot"), hot, kmclient.QueryFAQ, opts)
		for _, q := range hot {
			if s := strings.Join(strings.Fields(string(q.Content)), " "); s != "" {
				home.Prompts = append(home.Prompts, s)
			}
		}
	}
	if len(errs) == 2 {
		return HomeContent{}, fmt.Errorf("bridge: home: %w", errors.Join(errs...))
	}
	if err := save(ctx); err != nil {
		return HomeContent{}, fmt.Errorf("bridge: home: %w", err)
	}
	for _, err := range errs {
		c.log.Warn("bridge: home shown in part", "err", redact(err))
	}
	return home, nil
}

// Joined implements Host: a thread the core has had events for since it
// started, or whose conversation has a KM session in the store, or that a
// JoinChecker (the hand-over's case threads) claims.
func (c *Core) Joined(ctx context.Context, key ConvKey) (bool, error) {
	id := key.String()
	if _, ok := c.joined.Get(id); ok {
		return true, nil
	}
	if _, ok, err := c.store.Session(ctx, key); err != nil {
		return false, fmt.Errorf("bridge: joined: %w", err)
	} else if ok {
		c.joined.Put(id, struct{}{})
		return true, nil
	}
	if jc, ok := c.esc.(JoinChecker); ok {
		in, err := jc.Joined(ctx, key)
		if err != nil {
			return false, fmt.Errorf("bridge: joined: %w", err)
		}
		return in, nil
	}
	return false, nil
}

// JoinChecker is an optional Escalator ability: the hand-over knows its case
// threads, where agents write without mentioning the bot.
type JoinChecker interface {
	Joined(ctx context.Context, key ConvKey) (bool, error)
}
