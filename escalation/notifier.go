package escalation

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/formatting"
	"github.com/kmbridge/kmbridge/i18n"
)

// SendFunc sends a message to a conversation, e.g. CoreSender.Send.
type SendFunc func(ctx context.Context, to bridge.ConvKey, m formatting.Message) error

// Notifier is a bridge.Escalator that posts the escalation card to one agent
// channel. It keeps no state; it is safe for concurrent use.
type Notifier struct {
	to     bridge.ConvKey
	send   SendFunc
	agents i18n.Printer
	o      CardOptions
}

var _ bridge.Escalator = (*Notifier)(nil)

// New returns a Notifier that sends cards to the agent channel to, in the
// language of agents, through send. It does no I/O. With a nil send or an empty
// to.Platform or to.Channel there is nowhere to notify, and Escalate returns
// bridge.ErrNoAgents (the bridge then tells the user so).
func New(to bridge.ConvKey, send func(ctx context.Context, to bridge.ConvKey, m formatting.Message) error, agents i18n.Printer, o CardOptions) *Notifier {
	return &Notifier{to: to, send: send, agents: agents, o: o.withDefaults()}
}

// CoreSender sends through a bridge core set after the Notifier is built: the
// core takes its Escalator when it is constructed, so the Notifier comes first.
// The zero CoreSender is ready; sending before Set is an error.
type CoreSender struct{ core atomic.Pointer[bridge.Core] }

// Set gives the sender its core.
func (s *CoreSender) Set(c *bridge.Core) { s.core.Store(c) }

// Send sends m through the core's adapter for to.Platform.
func (s *CoreSender) Send(ctx context.Context, to bridge.ConvKey, m formatting.Message) error {
	c := s.core.Load()
	if c == nil {
		return errors.New("escalation: no bridge core to send through yet")
	}
	_, err := c.Send(ctx, to, m)
	return err
}

// Escalate implements bridge.Escalator: it sends the card for e to the agent
// channel, within CardOptions.SendTimeout, because it runs on the conversation's
// queue and the user is waiting behind it.
func (n *Notifier) Escalate(ctx context.Context, e bridge.Escalation) error {
	if n == nil || n.send == nil || n.to.Platform == "" || n.to.Channel == "" {
		return bridge.ErrNoAgents
	}
	m := Card(e, n.agents, n.o)
	ctx, cancel := context.WithTimeout(ctx, n.o.SendTimeout)
	defer cancel()
	if err := n.send(ctx, n.to, m); err != nil {
		return fmt.Errorf("escalation: notify agents in %s channel %s: %w", n.to.Platform, n.to.Channel, err)
	}
	return nil
}
