package telegram

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/kmbridge/kmbridge/bridge"
)

// rawUpdate is one update of a getUpdates answer, kept raw: the library's types
// lack the forum-topic fields, which decodeUpdate reads from the same bytes.
type rawUpdate struct {
	id   int
	body json.RawMessage
}

// poll is the long-poll loop. It does not use the library's GetUpdatesChan,
// which confirms updates (advances the offset) before they are handled: here an
// update is confirmed, by the next getUpdates offset, only once the core has
// accepted it. An update the core refuses (shutdown) stops the loop unconfirmed,
// so Telegram keeps it for the next start.
func (a *Adapter) poll(ctx context.Context, h bridge.Handler) {
	offset, asked := 0, 0 // next offset to confirm; offset of the last getUpdates
	back := backoff{}
	defer func() {
		if offset > asked {
			a.confirm(offset)
		}
	}()
	for ctx.Err() == nil {
		ups, err := a.getUpdates(ctx, offset, a.cfg.PollTimeout)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			d := back.next(err)
			if fatalAuth(err) {
				a.log.Error("telegram: the bot token was refused while polling; retrying", "err", err, "in", d)
			} else {
				a.log.Warn("telegram: getUpdates failed; retrying", "err", err, "in", d)
			}
			if sleepCtx(ctx, d) != nil {
				return
			}
			continue
		}
		asked = offset
		back.reset()
		for _, u := range ups {
			if u.id < offset {
				continue // confirmed already; Telegram should not have sent it
			}
			if !a.deliver(ctx, u.id, u.body, h) {
				return
			}
			offset = u.id + 1
		}
	}
}

// getUpdates asks for the updates from offset on, waiting up to wait for one.
func (a *Adapter) getUpdates(ctx context.Context, offset int, wait time.Duration) ([]rawUpdate, error) {
	p := tgbotapi.Params{
		"limit":           "100",
		"timeout":         strconv.Itoa(int(wait / time.Second)),
		"allowed_updates": allowedUpdates,
	}
	if offset > 0 {
		p["offset"] = strconv.Itoa(offset)
	}
	cctx, cancel := context.WithTimeout(ctx, wait+10*time.Second)
	defer cancel()
	resp, err := a.call(cctx, "getUpdates", p)
	if err != nil {
		return nil, err
	}
	var raws []json.RawMessage
	if err := json.Unmarshal(resp.Result, &raws); err != nil {
		return nil, fmt.Errorf("telegram: getUpdates: malformed result: %w", err)
	}
	out := make([]rawUpdate, 0, len(raws))
	for _, r := range raws {
		var head struct {
			ID *int `json:"update_id"`
		}
		if err := json.Unmarshal(r, &head); err != nil || head.ID == nil {
			a.log.Warn("telegram: update without update_id skipped", "err", err)
			continue
		}
		out = append(out, rawUpdate{id: *head.ID, body: r})
	}
	return out, nil
}

// confirm tells Telegram the updates before offset are done, on the way out.
// Best effort: what it cannot confirm comes again and is deduped.
func (a *Adapter) confirm(offset int) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	p := tgbotapi.Params{"offset": strconv.Itoa(offset), "limit": "1", "timeout": "0", "allowed_updates": allowedUpdates}
	if _, err := a.call(ctx, "getUpdates", p); err != nil {
		a.log.Info("telegram: could not confirm the last updates; they will be deduped when redelivered", "offset", offset, "err", err)
	}
}

// deliver handles one update, by long polling or webhook. It returns false when
// the update must not be confirmed: the core refused it because it is shutting
// down (or ctx ended first). Everything else is confirmed: handed to the core,
// answered by the adapter itself, a duplicate, or not for us.
func (a *Adapter) deliver(ctx context.Context, id int, raw []byte, h bridge.Handler) bool {
	u, err := decodeUpdate(raw)
	if err != nil {
		a.log.Warn("telegram: malformed update skipped", "update_id", id, "err", err)
		return true
	}
	cls := a.classifier()
	if cls == nil {
		return false
	}
	in := cls.classify(u)
	if in.kind == inIgnore {
		a.log.Debug("telegram: update ignored", "update_id", id, "why", in.why)
		return true
	}
	if ctx.Err() != nil {
		return false
	}
	attempt, dup := a.claim(ctx, id)
	if dup {
		a.log.Info("telegram: redelivered update skipped", "update_id", id)
		return true
	}
	switch in.kind {
	case inCallback:
		cb := in.cb
		a.async(func(ctx context.Context) { a.answerCallback(ctx, cb.ID) })
		if in.ev == nil {
			return true
		}
		a.planRetire(in)
	case inInline:
		a.inlineQuery(in)
		return true
	case inNonText:
		a.async(func(ctx context.Context) { a.sayNonText(ctx, in) })
		return true
	}
	if in.group && in.msgID != 0 {
		// Before Handle: the answer may be sent before Handle returns.
		a.lastMsg.Put(in.key.String(), in.msgID)
	}
	err = h(ctx, in.ev)
	switch {
	case err == nil:
		return true
	case errors.Is(err, bridge.ErrBusy):
		// The core told the user to try again; holding the update back would
		// stall every other chat behind it.
		return true
	case errors.Is(err, bridge.ErrClosed), errors.Is(err, context.Canceled), ctx.Err() != nil:
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		a.refuse(rctx, id, attempt)
		cancel()
		a.log.Info("telegram: update not accepted (shutting down); left for the next start", "update_id", id)
		return false
	default:
		a.log.Error("telegram: the core refused an update; it is dropped", "update_id", id, "err", err)
		return true
	}
}

// asyncTimeout bounds the adapter's own background calls.
const asyncTimeout = 30 * time.Second

// async runs f in the background under its own deadline; Run waits for it.
func (a *Adapter) async(f func(ctx context.Context)) {
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		ctx, cancel := context.WithTimeout(context.Background(), asyncTimeout)
		defer cancel()
		f(ctx)
	}()
}
