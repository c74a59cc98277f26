package telegramadapter

import (
	"errors"
	"fmt"
	"sync"

	"github.com/kmbridge/kmbridge/bridge"
)

var _ bridge.Readier = (*Adapter)(nil)

// Ready implements bridge.Readier: nil once the bot is connected (getMe
// answered) and receiving: its webhook set, or long polling, or standing by
// while another replica polls; an error while it is not yet connected or its
// last getUpdates failed.
func (a *Adapter) Ready() error { return a.recv.state.get() }

// readiness is what Ready reports, kept by Run and the poll.
type readiness struct {
	mu  sync.Mutex
	err error
}

var errNotConnected = errors.New("not connected yet (getMe)")

func newReadiness() *readiness { return &readiness{err: errNotConnected} }

func (r *readiness) get() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.err
}

func (r *readiness) set(err error) {
	r.mu.Lock()
	r.err = err
	r.mu.Unlock()
}

// pollFailed records a failed getUpdates; err is already free of the token.
func (r *readiness) pollFailed(err error) { r.set(fmt.Errorf("getUpdates failing: %w", err)) }
