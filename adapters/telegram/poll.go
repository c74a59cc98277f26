package telegramadapter

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/kmbridge/kmbridge/adapters/internal/outbound"
)

// rawUpdate is one update of a getUpdates answer, kept raw: the library's types
// lack the forum-topic fields, which decodeUpdate reads from the same bytes.
type rawUpdate struct {
	id   int
	body json.RawMessage
}

// poll is the long-poll loop. It does not use the library's GetUpdatesChan,
// which confirms updates (advances the offset) before they are handled: here
// an update is confirmed, by the next getUpdates offset, only once the host
// has accepted it. An update the host refuses stops the confirmation there:
// the updates after it in the batch wait too (order), and after a pause the
// poll asks again from the refused one, which Telegram delivers again. When
// the refusal is the shutdown's, the loop ends and the next start takes it.
func (r *receiver) poll(ctx context.Context) {
	// offset is the next offset to confirm; asked the one the last getUpdates
	// sent carried. A long poll cancelled in flight (the leadership lost) has
	// confirmed asked already, as far as it reached Telegram: only what was
	// handled after it is confirmed on the way out, so the way out does not
	// follow a long poll Telegram may still be answering with a second one.
	offset, asked := 0, 0
	back, refusals := backoff{}, backoff{}
	defer func() {
		if offset > asked {
			r.confirm(offset)
		}
	}()
	for ctx.Err() == nil {
		asked = offset
		ups, err := r.getUpdates(ctx, offset, r.cfg.PollTimeout)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			r.state.pollFailed(err)
			d := back.next(err)
			if fatalAuth(err) {
				r.log.Error("telegram: the bot token was refused while polling; retrying", "err", err, "in", d)
			} else {
				r.log.Warn("telegram: getUpdates failed; retrying", "err", err, "in", d)
			}
			if outbound.Sleep(ctx, d) != nil {
				return
			}
			continue
		}
		back.reset()
		r.state.set(nil)
		refused := false
		for _, u := range ups {
			// One confirmed already comes only when the confirmation was
			// lost: the host answers it as a duplicate.
			if !r.handle(ctx, u.id, u.body) {
				refused = true
				break
			}
			offset = max(offset, u.id+1)
		}
		if !refused {
			refusals.reset()
			continue
		}
		if ctx.Err() != nil {
			return
		}
		d := refusals.next(nil)
		r.log.Info("telegram: an update was not accepted; asking for it again", "offset", offset, "in", d)
		if outbound.Sleep(ctx, d) != nil {
			return
		}
	}
}

// getUpdates asks for the updates from offset on, waiting up to wait for one.
func (r *receiver) getUpdates(ctx context.Context, offset int, wait time.Duration) ([]rawUpdate, error) {
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
	resp, err := r.api.request(cctx, "getUpdates", p)
	if err != nil {
		return nil, err
	}
	var raws []json.RawMessage
	if err := json.Unmarshal(resp.Result, &raws); err != nil {
		return nil, fmt.Errorf("telegram: getUpdates: malformed result: %w", err)
	}
	out := make([]rawUpdate, 0, len(raws))
	for _, raw := range raws {
		var head struct {
			ID *int `json:"update_id"`
		}
		if err := json.Unmarshal(raw, &head); err != nil || head.ID == nil {
			r.log.Warn("telegram: update without update_id skipped", "err", err)
			continue
		}
		out = append(out, rawUpdate{id: *head.ID, body: raw})
	}
	return out, nil
}

// confirm tells Telegram the updates before offset are done, on the way out.
// Best effort: what it cannot confirm comes again and is deduped by the host.
func (r *receiver) confirm(offset int) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	p := tgbotapi.Params{"offset": strconv.Itoa(offset), "limit": "1", "timeout": "0", "allowed_updates": allowedUpdates}
	if _, err := r.api.request(ctx, "getUpdates", p); err != nil {
		r.log.Info("telegram: could not confirm the last updates; they will be deduped when redelivered", "offset", offset, "err", err)
	}
}
