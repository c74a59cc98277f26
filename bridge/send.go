package bridge

import (
	"context"
	"fmt"

	"github.com/kmbridge/kmbridge/formatting"
)

// Send sends m to a conversation through the adapter registered for
// to.Platform, outside any conversation's queue. It is for messages that do not
// answer a user, such as escalation cards posted to an agent channel.
func (c *Core) Send(ctx context.Context, to ConvKey, m formatting.Message) (MsgRef, error) {
	a := c.adapter(to.Platform)
	if a == nil {
		return MsgRef{}, fmt.Errorf("bridge: send to %s: no %q adapter is running", to, to.Platform)
	}
	ref, err := a.Send(ctx, to, m)
	if err != nil {
		return MsgRef{}, fmt.Errorf("bridge: send to %s: %w", to, err)
	}
	return ref, nil
}
