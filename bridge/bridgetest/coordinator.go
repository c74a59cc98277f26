package bridgetest

import (
	"context"
	"errors"
	"time"

	"github.com/kmbridge/kmbridge/bridge"
)

var _ bridge.Coordinator = (*Host)(nil)

// coordState is the Host's bridge.Coordinator: one replica that leads unless
// told it does not (SetLeading), and a Once remembered per name.
type coordState struct {
	standing bool                                  // SetLeading(false)
	changed  chan struct{}                         // closed and replaced when standing changes
	running  map[*struct{}]context.CancelCauseFunc // the runs of Lead now
	leads    []string                              // every Lead call's name
	once     map[string]bool
	onces    []string // every Once call's name
}

// errLostLead is the cause of a run's context ended by SetLeading(false).
var errLostLead = errors.New("bridgetest: leadership lost")

// Lead implements bridge.Coordinator as a replica that leads at once, unless
// SetLeading(false): then it stands by until SetLeading(true), and a run in
// progress has its context ended, as a lost lease ends it, after which Lead
// stands by again. It returns run's error when run returns on its own, and
// ctx's when ctx ends while it stands by.
func (h *Host) Lead(ctx context.Context, name string, run func(ctx context.Context) error) error {
	h.mu.Lock()
	h.coord.leads = append(h.coord.leads, name)
	h.mu.Unlock()
	for {
		h.mu.Lock()
		if h.coord.standing {
			ch := h.coordChangedLocked()
			h.mu.Unlock()
			select {
			case <-ch:
				continue
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		rctx, cancel := context.WithCancelCause(ctx)
		id := &struct{}{}
		if h.coord.running == nil {
			h.coord.running = map[*struct{}]context.CancelCauseFunc{}
		}
		h.coord.running[id] = cancel
		h.mu.Unlock()

		err := run(rctx)
		lost := errors.Is(context.Cause(rctx), errLostLead)
		h.mu.Lock()
		delete(h.coord.running, id)
		h.mu.Unlock()
		cancel(nil)
		if !lost {
			return err
		}
	}
}

func (h *Host) coordChangedLocked() chan struct{} {
	if h.coord.changed == nil {
		h.coord.changed = make(chan struct{})
	}
	return h.coord.changed
}

// SetLeading makes this replica the leader (true, the start) or another
// replica the leader (false): Lead's runs end as on a lost lease, and Lead
// stands by until SetLeading(true).
func (h *Host) SetLeading(on bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.coord.standing = !on
	if !on {
		for _, cancel := range h.coord.running {
			cancel(errLostLead)
		}
	}
	close(h.coordChangedLocked())
	h.coord.changed = nil
}

// Leads returns the names Lead was called with, in order.
func (h *Host) Leads() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.coord.leads...)
}

// Once implements bridge.Coordinator: true for the first call with a name,
// false afterwards (as if another replica had done it), whatever ttl.
func (h *Host) Once(ctx context.Context, name string, ttl time.Duration) (bool, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.coord.onces = append(h.coord.onces, name)
	if h.coord.once[name] {
		return false, nil
	}
	if h.coord.once == nil {
		h.coord.once = map[string]bool{}
	}
	h.coord.once[name] = true
	return true, nil
}

// Onces returns the names Once was called with, in order.
func (h *Host) Onces() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.coord.onces...)
}
