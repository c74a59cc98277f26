package telegram

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// ctxDoer binds one call of the library to a context: BotAPI.MakeRequest builds
// its request without one, so cancellation and deadlines come in here.
type ctxDoer struct {
	ctx context.Context
	c   tgbotapi.HTTPClient
}

func (d ctxDoer) Do(r *http.Request) (*http.Response, error) { return d.c.Do(r.WithContext(d.ctx)) }

// call makes one Bot API request through the library under ctx. The library's
// BotAPI is copied per call (it is a plain struct with no state a request
// changes) so each call carries its own context.
func (a *Adapter) call(ctx context.Context, method string, params tgbotapi.Params) (*tgbotapi.APIResponse, error) {
	b := *a.bot
	b.Client = ctxDoer{ctx: ctx, c: a.bot.Client}
	resp, err := b.MakeRequest(method, params)
	if err != nil {
		return resp, a.wrap(method, err)
	}
	return resp, nil
}

// wrap names the method and removes the bot token: a *url.Error from net/http
// carries the request URL, whose path holds the token.
func (a *Adapter) wrap(method string, err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = fmt.Errorf("%s Bot API: %w", ue.Op, ue.Err)
	}
	err = fmt.Errorf("telegram: %s: %w", method, err)
	if a.cfg.Token != "" && strings.Contains(err.Error(), a.cfg.Token) {
		return &redactedError{msg: strings.ReplaceAll(err.Error(), a.cfg.Token, "<token>")}
	}
	return err
}

type redactedError struct{ msg string }

func (e *redactedError) Error() string { return e.msg }

// apiError returns the Bot API's error, when err is one.
func apiError(err error) (*tgbotapi.Error, bool) {
	var te *tgbotapi.Error
	if errors.As(err, &te) && te != nil {
		return te, true
	}
	return nil, false
}

// retryAfter reports a 429 and how long Telegram asks to wait.
func retryAfter(err error) (time.Duration, bool) {
	te, ok := apiError(err)
	if !ok || (te.Code != http.StatusTooManyRequests && te.RetryAfter == 0) {
		return 0, false
	}
	d := time.Duration(te.RetryAfter) * time.Second
	if d <= 0 {
		d = time.Second
	}
	return d, true
}

func apiMessage(err error) string {
	if te, ok := apiError(err); ok {
		return strings.ToLower(te.Message)
	}
	return ""
}

// notModified: an edit that changes nothing, which is what we wanted anyway.
func notModified(err error) bool {
	return strings.Contains(apiMessage(err), "message is not modified")
}

// cantParse: Telegram refused our HTML. Validate should make this impossible.
func cantParse(err error) bool { return strings.Contains(apiMessage(err), "can't parse") }

// badRequest: a 400 (the request itself is wrong; resending it as is won't help).
func badRequest(err error) bool {
	te, ok := apiError(err)
	return ok && te.Code == http.StatusBadRequest
}

// migratedTo returns the supergroup a group became.
func migratedTo(err error) (int64, bool) {
	te, ok := apiError(err)
	if !ok || te.MigrateToChatID == 0 {
		return 0, false
	}
	return te.MigrateToChatID, true
}

// transient: worth one more try without risk of a duplicate: a Bot API 5xx, or
// a connection that was never made.
func transient(err error) bool {
	if te, ok := apiError(err); ok {
		return te.Code >= 500
	}
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

// fatalAuth: the token is wrong or revoked; polling again will not help.
func fatalAuth(err error) bool {
	te, ok := apiError(err)
	return ok && (te.Code == http.StatusUnauthorized || te.Code == http.StatusNotFound)
}

// maxRetries bounds the retries of a transient failure (429s are retried until
// the caller's deadline, in order, as Telegram asks).
const maxRetries = 2

// do makes a call that belongs to chat's lane (nil lane: no chat), paced, and
// retried after a 429 (waiting retry_after) or a transient failure. The caller
// holds the lane, so the chat's later calls wait behind the retries.
func (a *Adapter) do(ctx context.Context, l *lane, method string, params tgbotapi.Params) (*tgbotapi.APIResponse, error) {
	fails := 0
	for {
		if err := a.pace.wait(ctx, l); err != nil {
			return nil, fmt.Errorf("telegram: %s: %w", method, err)
		}
		resp, err := a.call(ctx, method, params)
		if err == nil {
			return resp, nil
		}
		if d, ok := retryAfter(err); ok {
			a.log.Info("telegram: rate limited; retrying after retry_after", "method", method, "retry_after", d)
			if l != nil {
				a.pace.block(l, d)
			} else if err := a.pace.sleep(ctx, d); err != nil {
				return nil, fmt.Errorf("telegram: %s: %w", method, err)
			}
			continue
		}
		if transient(err) && fails < maxRetries && ctx.Err() == nil {
			fails++
			if err := a.pace.sleep(ctx, time.Duration(fails)*500*time.Millisecond); err != nil {
				return nil, fmt.Errorf("telegram: %s: %w", method, err)
			}
			continue
		}
		return resp, err
	}
}

// messageID reads the message_id of a sent or edited message; an edit of an
// inline message answers true instead, which yields 0.
func messageID(resp *tgbotapi.APIResponse) int {
	if resp == nil {
		return 0
	}
	var m struct {
		MessageID int `json:"message_id"`
	}
	if json.Unmarshal(resp.Result, &m) != nil {
		return 0
	}
	return m.MessageID
}
