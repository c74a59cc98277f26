package telegramadapter

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/kmbridge/kmbridge/adapters/internal/outbound"
)

// api carries every Bot API call: through the library's MakeRequest, bound to
// a context, paced and retried by the shared outbound package, its errors
// scrubbed of the bot token.
type api struct {
	bot   *tgbotapi.BotAPI
	token string
	pace  *outbound.Pacer
	pol   outbound.Policy
	log   *slog.Logger
	// typingSpare is how many global slots a typing indicator leaves free:
	// half the global limit.
	typingSpare int
}

// Pacing keys. A chat's calls are paced on its "chat" key (which is also the
// lane a call holds through its retries, and what a 429 blocks), a group's
// also on its "group" key, every call on "global". "order" keys pace nothing:
// Send holds one for the whole of a message of several parts, so another
// message to the chat cannot land between them.
const (
	classChat   = "chat"
	classGroup  = "group"
	classGlobal = "global"
	classOrder  = "order"
)

var globalKey = outbound.Key{Class: classGlobal}

func chatKey(chat int64) outbound.Key {
	return outbound.Key{Class: classChat, ID: strconv.FormatInt(chat, 10)}
}

func orderKey(chat int64) outbound.Key {
	return outbound.Key{Class: classOrder, ID: strconv.FormatInt(chat, 10)}
}

// chatCall is a call that belongs to chat: its lane, the group's limit when it
// is a group (negative ids), and the global limit.
func chatCall(chat int64) outbound.Call {
	c := outbound.Call{Lane: chatKey(chat)}
	if chat < 0 {
		c.Keys = append(c.Keys, outbound.Key{Class: classGroup, ID: strconv.FormatInt(chat, 10)})
	}
	c.Keys = append(c.Keys, globalKey)
	return c
}

// globalCall is a call that belongs to no chat (a callback answer, the
// command menu, a file lookup).
func globalCall() outbound.Call { return outbound.Call{Keys: []outbound.Key{globalKey}} }

// newPacer is the pacer of Telegram's limits: about one message a second per
// chat after a burst, GroupPerMinute per group, GlobalPerSecond in all.
func newPacer(cfg Config, clock outbound.Clock) *outbound.Pacer {
	return outbound.NewPacer(map[string]outbound.Limit{
		classChat:   {Every: cfg.PerChatInterval, Burst: cfg.PerChatBurst},
		classGroup:  outbound.Per(cfg.GroupPerMinute, time.Minute),
		classGlobal: outbound.Per(cfg.GlobalPerSecond, time.Second),
	}, clock)
}

// maxTransientRetries bounds the retries of a transient failure; 429s are
// retried until the caller's deadline, in order, as Telegram asks.
const maxTransientRetries = 2

func newAPI(cfg Config, httpc *http.Client, log *slog.Logger) *api {
	// Built by hand rather than with NewBotAPI…, which calls getMe.
	bot := &tgbotapi.BotAPI{Token: cfg.Token, Client: httpc, Buffer: 100}
	bot.SetAPIEndpoint(cfg.APIEndpoint)
	p := &api{bot: bot, token: cfg.Token, pace: newPacer(cfg, nil), log: log, typingSpare: cfg.GlobalPerSecond / 2}
	p.pol = outbound.Policy{
		Classify:    classify,
		RateLimited: 1 << 20,
		Transient:   maxTransientRetries,
		Backoff:     500 * time.Millisecond,
		OnRetry: func(r outbound.Retry) {
			if r.RateLimited {
				log.Info("telegram: rate limited; retrying after retry_after", "retry_after", r.Wait, "err", r.Err)
				return
			}
			log.Info("telegram: transient failure; retrying", "in", r.Wait, "err", r.Err)
		},
	}
	return p
}

// classify is the retry policy's view of a Bot API error: a 429 waits its
// retry_after, a 5xx or a connection never made is tried again after a pause,
// anything else (a migrated group included: the sender follows it) is final.
func classify(err error) outbound.Verdict {
	if d, ok := retryAfter(err); ok {
		return outbound.Verdict{Action: outbound.RetryAfter, After: d}
	}
	if transient(err) {
		return outbound.Verdict{Action: outbound.Backoff}
	}
	return outbound.Verdict{}
}

// ctxDoer binds one call of the library to a context: BotAPI.MakeRequest builds
// its request without one, so cancellation and deadlines come in here.
type ctxDoer struct {
	ctx context.Context
	c   tgbotapi.HTTPClient
}

func (d ctxDoer) Do(r *http.Request) (*http.Response, error) { return d.c.Do(r.WithContext(d.ctx)) }

// request makes one Bot API request under ctx, neither paced nor retried (the
// long poll, getMe, typing). The library's BotAPI is copied per request (a
// plain struct that no request changes) so each carries its own context.
func (p *api) request(ctx context.Context, method string, params tgbotapi.Params) (*tgbotapi.APIResponse, error) {
	b := *p.bot
	b.Client = ctxDoer{ctx: ctx, c: p.bot.Client}
	resp, err := b.MakeRequest(method, params)
	if err != nil {
		return resp, p.wrap(method, err)
	}
	return resp, nil
}

// call makes a Bot API call paced and retried on c: the platform-call wrapper
// every send, edit and answer goes through.
func (p *api) call(ctx context.Context, c outbound.Call, method string, params tgbotapi.Params) (*tgbotapi.APIResponse, error) {
	var resp *tgbotapi.APIResponse
	err := p.pace.Do(ctx, c, p.pol, func(ctx context.Context) error {
		var err error
		resp, err = p.request(ctx, method, params)
		return err
	})
	var oe *outbound.Error
	if errors.As(err, &oe) {
		return resp, fmt.Errorf("telegram: %s: %w", method, err)
	}
	return resp, err
}

// wrap names the method and removes the bot token: a *url.Error from net/http
// carries the request URL, whose path holds the token.
func (p *api) wrap(method string, err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = fmt.Errorf("%s Bot API: %w", ue.Op, ue.Err)
	}
	err = fmt.Errorf("telegram: %s: %w", method, err)
	return redact(err, p.token)
}

// redact returns err with every occurrence of token replaced; err itself when
// it does not carry the token.
func redact(err error, token string) error {
	if err == nil || token == "" || !strings.Contains(err.Error(), token) {
		return err
	}
	return &redactedError{msg: strings.ReplaceAll(err.Error(), token, "<token>")}
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

// tooOld: a callback query answered after Telegram stopped waiting (or a
// redelivered one, answered already).
func tooOld(err error) bool {
	m := apiMessage(err)
	return strings.Contains(m, "query is too old") || strings.Contains(m, "query id is invalid")
}

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

// backoff grows a wait from 1s to 30s, or takes a 429's retry_after: the
// pause of the long poll and of getMe after a failure.
type backoff struct{ n int }

func (b *backoff) next(err error) time.Duration {
	if d, ok := retryAfter(err); ok {
		return d
	}
	d := time.Second << min(b.n, 5)
	b.n++
	return min(d, 30*time.Second)
}

func (b *backoff) reset() { b.n = 0 }
