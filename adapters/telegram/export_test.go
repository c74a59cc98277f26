package telegramadapter

import (
	"context"

	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/formatting"
	"github.com/kmbridge/kmbridge/formatting/tgfmt"
)

// SendRendered sends one already rendered message the way Send sends each part,
// so tests can hand the adapter what the renderer should never produce.
func (a *Adapter) SendRendered(ctx context.Context, to bridge.ConvKey, m tgfmt.Msg) (int, error) {
	d, err := a.send.target(to)
	if err != nil {
		return 0, err
	}
	release, err := a.send.api.pace.Lane(ctx, orderKey(d.chat))
	if err != nil {
		return 0, err
	}
	defer release()
	return a.send.sendOne(ctx, &d, m, 0, to, formatting.Message{})
}

// FileLink is the link the adapter gives to a file_id.
func (a *Adapter) FileLink(fileID string) string { return a.files.link(fileID) }
