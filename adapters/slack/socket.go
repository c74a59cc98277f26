package slackadapter

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"

	"github.com/kmbridge/kmbridge/bridge"
)

// ackTimeout bounds writing one Socket Mode acknowledgement.
const ackTimeout = 3 * time.Second

// runSocket runs Socket Mode: apps.connections.open with the app token, then a
// WebSocket on which Slack sends events, interactions and slash commands; each
// is acknowledged on the socket at once (a typeahead with its options) and then
// handled like its HTTP twin. Socket Mode re-sends are dropped by the same
// delivery ids. slack-go reconnects by itself; Run returns when ctx ends, or
// with an error when Slack refuses the app token.
func (a *Adapter) runSocket(ctx context.Context, h bridge.Handler) error {
	// slack-go's socket mode logs only in debug mode, which stays off: its debug
	// output includes request details.
	smc := socketmode.New(a.api, socketmode.OptionLog(log.New(io.Discard, "", 0)))
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errc := make(chan error, 1)
	go func() { errc <- smc.RunContext(ctx) }()
	for {
		select {
		case <-ctx.Done():
			<-errc
			return nil
		case err := <-errc:
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("slack: socket mode: %w", err)
		case evt := <-smc.Events:
			a.onSocketEvent(ctx, smc, h, evt)
		}
	}
}

// onSocketEvent handles one Socket Mode event.
func (a *Adapter) onSocketEvent(ctx context.Context, smc *socketmode.Client, h bridge.Handler, evt socketmode.Event) {
	switch evt.Type {
	case socketmode.EventTypeConnected:
		a.log.Info("slack: socket mode connected")
	case socketmode.EventTypeConnectionError:
		a.log.Warn("slack: socket mode connection failed; retrying", "err", errOf(evt.Data))
	case socketmode.EventTypeInvalidAuth:
		a.log.Error("slack: socket mode: Slack refused the app token (slack.app_token)")
	case socketmode.EventTypeIncomingError, socketmode.EventTypeErrorBadMessage:
		a.log.Warn("slack: socket mode: unreadable message", "type", string(evt.Type))
	case socketmode.EventTypeEventsAPI:
		ev, ok := evt.Data.(slackevents.EventsAPIEvent)
		if !ok {
			a.ack(ctx, smc, evt.Request, nil)
			return
		}
		if evt.Request != nil && evt.Request.RetryAttempt > 0 {
			a.log.Debug("slack: event re-sent", "retry", evt.Request.RetryAttempt, "reason", evt.Request.RetryReason)
		}
		// Acknowledged once accepted (as on HTTP, within the 3 s): an event the
		// core refuses is left for Slack to send again.
		if a.onEvent(ctx, h, ev) {
			a.ack(ctx, smc, evt.Request, nil)
		}
	case socketmode.EventTypeInteractive:
		ic, ok := evt.Data.(slack.InteractionCallback)
		if !ok {
			a.ack(ctx, smc, evt.Request, nil)
			return
		}
		switch ic.Type {
		case slack.InteractionTypeBlockSuggestion:
			// Answered off the event loop: a slow KM must not hold up other events.
			req := evt.Request
			a.background(ackTimeout+a.cfg.SuggestTimeout, func(bctx context.Context) {
				a.ack(bctx, smc, req, a.options(bctx, &ic))
			})
		case slack.InteractionTypeBlockActions:
			if !retryLater(a.onBlockActions(ctx, h, &ic)) {
				a.ack(ctx, smc, evt.Request, nil)
			}
		default:
			a.ack(ctx, smc, evt.Request, nil)
		}
	case socketmode.EventTypeSlashCommand:
		cmd, ok := evt.Data.(slack.SlashCommand)
		if !ok {
			a.ack(ctx, smc, evt.Request, nil)
			return
		}
		r, err := a.onCommand(ctx, h, cmd)
		if retryLater(err) {
			return // unacknowledged: Slack tells the user the command failed
		}
		var reply any
		if r != nil {
			reply = r
		}
		a.ack(ctx, smc, evt.Request, reply)
	}
}

// ack acknowledges a Socket Mode request, with payload when not nil.
func (a *Adapter) ack(ctx context.Context, smc *socketmode.Client, req *socketmode.Request, payload any) {
	if req == nil || req.EnvelopeID == "" {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, ackTimeout)
	defer cancel()
	if err := smc.AckCtx(ctx, req.EnvelopeID, payload); err != nil && !errors.Is(err, context.Canceled) {
		a.log.Warn("slack: socket mode ack failed", "err", err)
	}
}

// errOf extracts the error of a connection event, for logging.
func errOf(data any) error {
	if ce, ok := data.(*slack.ConnectionErrorEvent); ok && ce != nil {
		return ce.ErrorObj
	}
	return nil
}
