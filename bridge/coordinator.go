package bridge

import (
	"context"
	"fmt"
	"time"
)

// Coordinator is an optional Host ability (the core has it): work that must
// run on one replica at a time, or once for all of them. On a store shared by
// replicas (redisstore) it uses leases in the store; with one process
// (memstore) Lead runs at once and Once is always true.
//
// How adapters use it:
//   - Telegram long polling: Run calls Lead(ctx, "telegram:poll:<bot id>",
//     poll). One replica polls getUpdates; the others stand by, and one of
//     them polls within about Config.LeaseTTL once the leader dies (at once
//     when it shuts down). poll must stop calling getUpdates when its ctx ends
//     (a lost lease ends it before another replica can poll). Webhook mode
//     needs no leader: Telegram spreads the updates over the replicas.
//   - Command registration (Telegram setMyCommands, Discord application
//     commands): guard it with Once(ctx, "telegram:commands:<bot id>:<hash of
//     the commands>", 24*time.Hour), so a rollout of several replicas
//     registers once, and a changed command list registers again.
//   - Discord gateway shards stay configured per replica (discord.shard_id,
//     discord.shard_count): a gateway session is tied to its process, and
//     Discord itself refuses two sessions of one shard.
//
// Adapters find it with a type assertion on their Host; bridgetest.Host has
// one that behaves as a single process.
type Coordinator interface {
	// Lead runs run while this replica holds the leadership named name,
	// standing by (trying again every tenth of the lease time) until it can.
	// run's ctx ends when ctx does, when the core shuts down, or when the
	// leadership is lost (it could not be renewed in time); run must then
	// stop acting and return. After a loss Lead stands by again; otherwise
	// it returns run's error. It returns ctx's error when ctx ends while it
	// stands by.
	Lead(ctx context.Context, name string, run func(ctx context.Context) error) error
	// Once reports whether this call is the first for name within ttl across
	// every replica: true for exactly one caller. Use it for work whose
	// repetition is harmless but wasteful; when the work then fails, the
	// others do not retry it before ttl has passed.
	Once(ctx context.Context, name string, ttl time.Duration) (bool, error)
}

var _ Coordinator = (*Core)(nil)

// Lead implements Coordinator.
func (c *Core) Lead(ctx context.Context, name string, run func(ctx context.Context) error) error {
	if c.sh == nil {
		return run(ctx)
	}
	c.mu.Lock()
	if c.closing {
		c.mu.Unlock()
		return ErrClosed
	}
	c.leads.Add(1)
	c.mu.Unlock()
	defer c.leads.Done()
	c.startShared()

	// The leadership ends with ctx or with the core.
	parent, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(c.base, cancel)
	defer stop()

	lname := leaderLease(name)
	log := c.log.With("lead", name, "replica", c.leases.holder)
	standing, failing := false, false
	for {
		var (
			l     *lease
			ok    bool
			other string
			err   error
		)
		// Two Lead calls of one name in this process take turns too: the
		// store would renew the lease for either.
		if c.claimLead(name) {
			if l, ok, other, err = c.leases.acquire(parent, lname); !ok {
				c.unclaimLead(name)
			}
		} else {
			other = c.leases.holder
		}
		switch {
		case err != nil:
			if !failing && parent.Err() == nil {
				log.Warn("bridge: cannot reach the store to take the leadership; trying again", "err", redact(err))
			}
			failing = true
		case ok:
			failing, standing = false, false
			c.met.leaseAcquired("lead")
			c.met.leader(name, true)
			log.Info("bridge: leading")
			rerr := run(l.ctx)
			lost := l.lost()
			if err := c.leases.release(parent, l, leaseOpTimeout); err != nil {
				log.Warn("bridge: giving up the leadership failed; another replica leads when it expires", "err", redact(err))
			}
			c.unclaimLead(name)
			c.met.leader(name, false)
			if !lost {
				return rerr
			}
			c.met.leaseLost("lead")
			log.Warn("bridge: leadership lost (not renewed in time); standing by")
			continue
		default:
			failing = false
			if !standing {
				log.Info("bridge: standing by; another replica leads", "leader", other)
				standing = true
			}
		}
		select {
		case <-parent.Done():
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return ErrClosed
		case <-time.After(jitter(max(c.cfg.LeaseTTL/10, 10*time.Millisecond))):
		}
	}
}

// claimLead marks name as led (or being taken) by a Lead call of this
// process; false when another call has it.
func (c *Core) claimLead(name string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.leading[name] {
		return false
	}
	if c.leading == nil {
		c.leading = map[string]bool{}
	}
	c.leading[name] = true
	return true
}

func (c *Core) unclaimLead(name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.leading, name)
}

// Once implements Coordinator.
func (c *Core) Once(ctx context.Context, name string, ttl time.Duration) (bool, error) {
	if c.sh == nil {
		return true, nil
	}
	first, err := c.sh.Once(ctx, "once:"+name, ttl)
	if err != nil {
		return false, fmt.Errorf("bridge: once %s: %w", name, err)
	}
	return first, nil
}
