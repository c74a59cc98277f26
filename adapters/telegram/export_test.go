package telegram

import (
	"context"

	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/formatting/tgfmt"
)

// SendRendered sends one already rendered message the way Send sends each part,
// so tests can hand the adapter what the renderer should never produce.
func (a *Adapter) SendRendered(ctx context.Context, to bridge.ConvKey, m tgfmt.Msg) (int, error) {
	chat, thread, err := a.target(to)
	if err != nil {
		return 0, err
	}
	l, err := a.pace.acquire(ctx, chat)
	if err != nil {
		return 0, err
	}
	defer a.pace.release(chat, l)
	return a.sendOne(ctx, l, &chat, thread, m, 0, to)
}
