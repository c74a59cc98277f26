package discordadapter

import (
	"errors"
	"fmt"
	"sync"

	"github.com/bwmarrin/discordgo"

	"github.com/kmbridge/kmbridge/bridge"
)

var _ bridge.Readier = (*Adapter)(nil)

// Ready implements bridge.Readier: nil while the gateway session is up (READY
// or RESUMED since the last connection), an error saying why while it is
// connecting, reconnecting or stopped.
func (a *Adapter) Ready() error { return a.gw.state.get() }

// gatewayState is what Ready reports.
type gatewayState struct {
	mu  sync.Mutex
	err error
}

var (
	errGatewayConnecting = errors.New("gateway: connecting")
	errGatewayLost       = errors.New("gateway: connection lost; reconnecting")
	errGatewayStopped    = errors.New("gateway: stopped")
)

func newGatewayState() *gatewayState { return &gatewayState{err: errGatewayConnecting} }

func (s *gatewayState) get() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

func (s *gatewayState) set(err error) {
	s.mu.Lock()
	s.err = err
	s.mu.Unlock()
}

// failed records a failed attempt to connect; msg is already free of the token.
func (s *gatewayState) failed(msg string) { s.set(fmt.Errorf("gateway: cannot connect: %s", msg)) }

// onResumed: a resumed session is up again.
func (g *gateway) onResumed(_ *discordgo.Session, _ *discordgo.Resumed) { g.state.set(nil) }
