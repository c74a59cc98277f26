package telegramadapter

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/kmbridge/kmbridge/adapters/internal/outbound"
	"github.com/kmbridge/kmbridge/bridge"
)

// receiver takes updates from Telegram (long polling or webhook), turns them
// into bridge events and hands them to the host, acknowledging only what the
// host accepted.
type receiver struct {
	cfg    Config
	host   bridge.Host
	api    *api
	log    *slog.Logger
	send   *sender
	clicks *clicks
	inline *inline
	files  *files

	cls atomic.Pointer[classifier] // set once getMe answered
	bot atomic.Int64               // the bot's user id: namespaces delivery ids

	wg sync.WaitGroup // background work and webhook requests; Run waits for it

	state *readiness // what Ready reports

	mu      sync.Mutex
	serving bool // webhook mode: requests are taken
}

// allowedUpdates are the update types the bot asks for.
const allowedUpdates = `["message","callback_query","inline_query"]`

// start checks the token (getMe, retried while Telegram cannot be reached)
// and readies the classifier.
func (r *receiver) start(ctx context.Context) (*tgbotapi.User, error) {
	back := backoff{}
	for {
		cctx, cancel := context.WithTimeout(ctx, r.cfg.HTTPTimeout)
		resp, err := r.api.request(cctx, "getMe", nil)
		cancel()
		if err == nil {
			var me tgbotapi.User
			if err := json.Unmarshal(resp.Result, &me); err != nil || me.ID == 0 {
				return nil, fmt.Errorf("telegram: getMe: malformed answer: %v", err)
			}
			r.bot.Store(me.ID)
			r.cls.Store(&classifier{
				botID: me.ID, botName: me.UserName, scope: r.cfg.Scope,
				replyKey: r.send.replyToken, inline: r.inline.token, fileURL: r.files.link,
			})
			return &me, nil
		}
		if fatalAuth(err) {
			return nil, fmt.Errorf("telegram: the bot token was refused (check telegram.token with @BotFather): %w", err)
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		d := back.next(err)
		r.log.Warn("telegram: getMe failed; retrying", "err", err, "in", d)
		if outbound.Sleep(ctx, d) != nil {
			return nil, ctx.Err()
		}
	}
}

func (r *receiver) deleteWebhook(ctx context.Context) error {
	cctx, cancel := context.WithTimeout(ctx, r.cfg.HTTPTimeout)
	defer cancel()
	// Pending updates stay: they are answered by the poll that follows.
	if _, err := r.api.call(cctx, globalCall(), "deleteWebhook", tgbotapi.Params{"drop_pending_updates": "false"}); err != nil {
		return fmt.Errorf("telegram: cannot switch to long polling: %w", err)
	}
	return nil
}

func (r *receiver) setWebhook(ctx context.Context) error {
	p := tgbotapi.Params{
		"url":                  r.cfg.WebhookURL,
		"secret_token":         r.cfg.WebhookSecret,
		"allowed_updates":      allowedUpdates,
		"drop_pending_updates": "false",
	}
	cctx, cancel := context.WithTimeout(ctx, r.cfg.HTTPTimeout)
	defer cancel()
	if _, err := r.api.call(cctx, globalCall(), "setWebhook", p); err != nil {
		return fmt.Errorf("telegram: setWebhook %s: %w", r.cfg.WebhookURL, err)
	}
	return nil
}

// deliveryID is an update's delivery id: update_ids count per bot, so the
// bot's id goes in front (a new token for another bot starts again low).
func (r *receiver) deliveryID(updateID int) string {
	return strconv.FormatInt(r.bot.Load(), 10) + ":" + strconv.Itoa(updateID)
}

// handle takes one update, by long polling or webhook, and reports whether
// Telegram may forget it (polling: confirm it; webhook: answer 200): when the
// host accepted it (bridge.Ack), or it needs nothing from the host (not for
// the bot, malformed, answered by the adapter itself: inline queries, header
// presses, what the bot cannot read). A refused update is not acknowledged, so
// Telegram delivers it again.
func (r *receiver) handle(ctx context.Context, id int, raw []byte) bool {
	cls := r.cls.Load()
	if cls == nil {
		return false
	}
	u, err := decodeUpdate(raw)
	if err != nil {
		r.log.Warn("telegram: malformed update skipped", "update_id", id, "err", err)
		return true
	}
	in := cls.classify(u)
	if in.kind == inIgnore {
		r.log.Debug("telegram: update ignored", "update_id", id, "why", in.why)
		return true
	}
	if ctx.Err() != nil {
		return false // stopping: the next start takes it
	}
	switch in.kind {
	case inInline:
		r.inline.query(in, r.async)
		return true
	case inNonText:
		r.async(func(ctx context.Context) { r.send.sayNonText(ctx, in) })
		return true
	case inCallback:
		if in.ev == nil { // a header row, a retired group's marker: nothing to do
			r.async(func(ctx context.Context) { r.clicks.answer(ctx, in.cb.ID, "") })
			return true
		}
		if m := in.cb.Message; m != nil {
			r.send.board.seen(in.ev.(bridge.Click).Ref, m.ReplyMarkup)
		}
	}
	if in.ifJoined {
		joined, err := r.host.Joined(ctx, in.thread)
		if err != nil {
			r.log.Warn("telegram: cannot tell whether the bridge takes part in a topic; the update waits", "update_id", id, "err", err)
			return false
		}
		if !joined {
			r.log.Debug("telegram: update ignored", "update_id", id, "why", "not_addressed")
			return true
		}
	}
	if in.group && in.msgID != 0 && !in.ifJoined {
		// Before Deliver: the answer may be sent before Deliver returns. Not
		// for a message the bot was not asked: what the bridge posts next in
		// such a topic (a hand-over's relay) answers no one there.
		r.send.lastMsg.Put(in.key.String(), in.msgID)
	}
	err = r.host.Deliver(ctx, bridge.Delivery{ID: r.deliveryID(id), Event: in.ev})
	ack := bridge.Ack(err)
	if in.kind == inCallback {
		// UI feedback, not the delivery's ack: the spinner stops either way.
		// A refused click comes again (it was not acknowledged); the notice
		// says so, so that the user does not click twice.
		notice := ""
		if !ack {
			notice = r.clicks.refusedNotice(in.user.Locale)
		}
		r.async(func(ctx context.Context) { r.clicks.answer(ctx, in.cb.ID, notice) })
	}
	switch {
	case errors.Is(err, bridge.ErrDuplicate):
		r.log.Info("telegram: redelivered update skipped", "update_id", id)
	case ack:
	case errors.Is(err, bridge.ErrClosed) || ctx.Err() != nil:
		r.log.Info("telegram: update not accepted (shutting down); left for the next start", "update_id", id)
	default:
		r.log.Warn("telegram: update not accepted; Telegram will deliver it again", "update_id", id, "err", err)
	}
	return ack
}

// asyncTimeout bounds the adapter's own background calls.
const asyncTimeout = 30 * time.Second

// async runs f in the background under its own deadline; Run waits for it.
func (r *receiver) async(f func(ctx context.Context)) {
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		ctx, cancel := context.WithTimeout(context.Background(), asyncTimeout)
		defer cancel()
		f(ctx)
	}()
}
