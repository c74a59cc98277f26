package slackadapter

import (
	"errors"
	"fmt"
	"sync"

	"github.com/kmbridge/kmbridge/bridge"
)

var _ bridge.Readier = (*Adapter)(nil)

// Ready implements bridge.Readier. Over HTTP (the Events API) the adapter
// has no connection of its own: it is ready while it runs, as Slack posts
// to whichever replica the load balancer picks. In Socket Mode it is ready
// while the WebSocket is connected, and says why not while it connects,
// reconnects, or Slack refuses the app token.
func (a *Adapter) Ready() error {
	if !a.cfg.SocketMode() {
		if !a.in.running.Load() {
			return errNotRunning
		}
		return nil
	}
	return a.in.socket.get()
}

var (
	errNotRunning       = errors.New("not running")
	errSocketConnecting = errors.New("socket mode: connecting")
	errSocketStopped    = errors.New("socket mode: stopped")
)

// socketState is what Ready reports in Socket Mode.
type socketState struct {
	mu  sync.Mutex
	err error
}

func newSocketState() *socketState { return &socketState{err: errSocketConnecting} }

func (s *socketState) get() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

func (s *socketState) set(err error) {
	s.mu.Lock()
	s.err = err
	s.mu.Unlock()
}

func (s *socketState) failed(format string, args ...any) {
	s.set(fmt.Errorf("socket mode: "+format, args...))
}
