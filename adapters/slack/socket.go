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
)

// ackTimeout bounds writing one Socket Mode acknowledgement.
const ackTimeout = 3 * time.Second

// runSocket runs Socket Mode: apps.connections.open with the app token, then a
// WebSocket on which Slack sends events, interactions and slash commands; each
// is handled like its HTTP twin and its envelope acknowledged only when the
// host has it (a typeahead's with its options). An envelope left
// unacknowledged is sent again (retry_attempt), under the same event_id or
// payload, which the host answers once. slack-go reconnects by itself; Run
// returns when ctx ends, or with an error when Slack refuses the app token.
func (r *receiver) runSocket(ctx context.Context, api *slack.Client, bg *background) error {
	// slack-go's socket mode logs only in debug mode, which stays off: its debug
	// output includes request details.
	smc := socketmode.New(api, socketmode.OptionLog(log.New(io.Discard, "", 0)))
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	r.socket.set(errSocketConnecting)
	defer r.socket.set(errSocketStopped)
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
			r.onSocketEvent(ctx, smc, bg, evt)
		}
	}
}

// onSocketEvent handles one Socket Mode event.
func (r *receiver) onSocketEvent(ctx context.Context, smc *socketmode.Client, bg *background, evt socketmode.Event) {
	ack := func(payload any) { r.ack(ctx, smc, evt.Request, payload) }
	switch evt.Type {
	case socketmode.EventTypeConnecting:
		if r.socket.get() == nil {
			r.socket.set(errors.New("socket mode: reconnecting"))
		}
	case socketmode.EventTypeConnected:
		r.socket.set(nil)
		r.log.Info("slack: socket mode connected")
	case socketmode.EventTypeDisconnect:
		r.socket.set(errors.New("socket mode: Slack asked to reconnect; reconnecting"))
	case socketmode.EventTypeConnectionError:
		r.socket.failed("cannot connect: %v", errOf(evt.Data))
		r.log.Warn("slack: socket mode connection failed; retrying", "err", errOf(evt.Data))
	case socketmode.EventTypeInvalidAuth:
		r.socket.set(errors.New("socket mode: Slack refused the app token (slack.app_token)"))
		r.log.Error("slack: socket mode: Slack refused the app token (slack.app_token)")
	case socketmode.EventTypeIncomingError, socketmode.EventTypeErrorBadMessage:
		r.log.Warn("slack: socket mode: unreadable message", "type", string(evt.Type))
	case socketmode.EventTypeEventsAPI:
		ev, ok := evt.Data.(slackevents.EventsAPIEvent)
		if !ok {
			ack(nil)
			return
		}
		if evt.Request != nil && evt.Request.RetryAttempt > 0 {
			r.log.Debug("slack: event re-sent", "retry", evt.Request.RetryAttempt, "reason", evt.Request.RetryReason)
		}
		if r.onEvent(ctx, ev) {
			ack(nil)
		}
	case socketmode.EventTypeInteractive:
		ic, ok := evt.Data.(slack.InteractionCallback)
		if !ok {
			ack(nil)
			return
		}
		switch ic.Type {
		case slack.InteractionTypeBlockSuggestion:
			// Answered off the event loop: a slow KM must not hold up other events.
			req := evt.Request
			bg.run(ackTimeout+r.cfg.SuggestTimeout, func(bctx context.Context) {
				r.ack(bctx, smc, req, r.extras.options(bctx, &ic))
			})
		case slack.InteractionTypeBlockActions:
			if r.clicks.onBlockActions(ctx, &ic) {
				ack(nil)
			}
		default:
			ack(nil)
		}
	case socketmode.EventTypeSlashCommand:
		cmd, ok := evt.Data.(slack.SlashCommand)
		if !ok {
			ack(nil)
			return
		}
		reply, ok := r.onCommand(ctx, cmd)
		if !ok {
			return // unacknowledged: Slack tells the user the command failed
		}
		var payload any
		if reply != nil {
			payload = reply
		}
		ack(payload)
	}
}

// ack acknowledges a Socket Mode request, with payload when not nil.
func (r *receiver) ack(ctx context.Context, smc *socketmode.Client, req *socketmode.Request, payload any) {
	if req == nil || req.EnvelopeID == "" {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, ackTimeout)
	defer cancel()
	if err := smc.AckCtx(ctx, req.EnvelopeID, payload); err != nil && !errors.Is(err, context.Canceled) {
		r.log.Warn("slack: socket mode ack failed", "err", err)
	}
}

// errOf extracts the error of a connection event, for logging.
func errOf(data any) error {
	if ce, ok := data.(*slack.ConnectionErrorEvent); ok && ce != nil {
		return ce.ErrorObj
	}
	return nil
}
