package platforms

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// The Telegram bot the bench configures (test values, not secrets).
const (
	tgToken   = "123456:bench-token-ABCdef"
	tgSecret  = "bench_webhook_secret_0123456789"
	tgBotID   = 123456
	tgBotName = "kmbench_bot"
	// tgChatBase + u is user u's id and private chat id.
	tgChatBase = 100000000
)

// telegramPlatform plays Telegram in webhook mode: users' updates are posted
// to /telegram/webhook with the secret token header; answers arrive as
// sendMessage (or another send method) at the fake Bot API.
type telegramPlatform struct {
	o     Options
	srv   *fakeServer
	calls Calls
	seq   atomic.Int64 // update and message ids
}

func newTelegram(o Options) (*telegramPlatform, error) {
	p := &telegramPlatform{o: o}
	srv, err := newServer()
	if err != nil {
		return nil, err
	}
	p.srv = srv
	p.srv.serve(http.HandlerFunc(p.api))
	return p, nil
}

func (p *telegramPlatform) Name() string { return "telegram" }

// webhookURL is where updates are posted: the program under test.
func (p *telegramPlatform) webhookURL() string { return "http://" + p.o.Target + "/telegram/webhook" }

// publicWebhook is the URL the program registers with setWebhook: kmbridge
// wants the public https URL a proxy forwards to it; the fake ignores it.
const publicWebhook = "https://bench.example/telegram/webhook"

func (p *telegramPlatform) Config() map[string]any {
	return map[string]any{"telegram": map[string]any{
		"token": tgToken, "api_endpoint": p.srv.url + "/bot%s/%s",
		"webhook_url": publicWebhook, "webhook_secret": tgSecret,
	}}
}

func (p *telegramPlatform) BaselineArgs() []string {
	return []string{"-tg-endpoint", p.srv.url + "/bot%s/%s", "-tg-token", tgToken, "-tg-secret", tgSecret, "-tg-webhook", publicWebhook}
}

// Ready waits for setWebhook: a program serves the webhook from then on.
func (p *telegramPlatform) Ready(ctx context.Context) error {
	return waitFor(ctx, "telegram: setWebhook", func() bool { return p.calls.Snapshot()["setWebhook"] > 0 })
}

func (p *telegramPlatform) WarmUp(ctx context.Context, u int, text string) error {
	return retryNotReady(ctx, func() error { return p.Send(ctx, u, text) })
}

type tgUpdate struct {
	UpdateID int64     `json:"update_id"`
	Message  tgMessage `json:"message"`
}

type tgMessage struct {
	MessageID   int64           `json:"message_id"`
	From        *tgUser         `json:"from,omitempty"`
	Chat        tgChat          `json:"chat"`
	Date        int64           `json:"date"`
	Text        string          `json:"text,omitempty"`
	ReplyMarkup json.RawMessage `json:"reply_markup,omitempty"`
}

type tgChat struct {
	ID        int64  `json:"id"`
	Type      string `json:"type"`
	FirstName string `json:"first_name,omitempty"`
}

type tgUser struct {
	ID           int64  `json:"id"`
	IsBot        bool   `json:"is_bot"`
	FirstName    string `json:"first_name"`
	Username     string `json:"username,omitempty"`
	LanguageCode string `json:"language_code,omitempty"`
}

// Send posts a private-chat text message update to the webhook.
func (p *telegramPlatform) Send(ctx context.Context, u int, text string) error {
	n := p.seq.Add(1)
	id := int64(tgChatBase + u)
	body, err := json.Marshal(tgUpdate{UpdateID: n, Message: tgMessage{
		MessageID: n, Date: time.Now().Unix(), Text: text,
		Chat: tgChat{ID: id, Type: "private", FirstName: "User"},
		From: &tgUser{ID: id, FirstName: "User", Username: "user" + strconv.Itoa(u), LanguageCode: "en"},
	}})
	if err != nil {
		return err
	}
	return post(ctx, p.o.Client, p.webhookURL(), body, map[string]string{"X-Telegram-Bot-Api-Secret-Token": tgSecret})
}

func (p *telegramPlatform) Calls() map[string]int64 { return p.calls.Snapshot() }
func (p *telegramPlatform) Dials() int64            { return p.srv.ln.Accepted() }
func (p *telegramPlatform) Close()                  { p.srv.close() }

type tgResult struct {
	OK     bool `json:"ok"`
	Result any  `json:"result"`
}

// api is the fake Bot API: getMe, the send methods (answered with the sent
// message, as Telegram does) and true for everything else.
func (p *telegramPlatform) api(w http.ResponseWriter, r *http.Request) {
	rest, _ := strings.CutPrefix(r.URL.Path, "/bot")
	tok, method, _ := strings.Cut(rest, "/")
	if tok != tgToken {
		w.WriteHeader(http.StatusUnauthorized)
		writeJSON(w, map[string]any{"ok": false, "error_code": 401, "description": "Unauthorized"})
		return
	}
	p.calls.Add(method)
	_ = r.ParseForm()
	switch {
	case method == "getMe":
		writeJSON(w, tgResult{OK: true, Result: tgUser{ID: tgBotID, IsBot: true, FirstName: "Helpdesk", Username: tgBotName}})
	case strings.HasPrefix(method, "send") && method != "sendChatAction":
		chat, _ := strconv.ParseInt(r.PostForm.Get("chat_id"), 10, 64)
		p.o.Inbox.Post(int(chat-tgChatBase), time.Now())
		writeJSON(w, tgResult{OK: true, Result: tgMessage{
			MessageID: p.seq.Add(1), Date: time.Now().Unix(), Text: r.PostForm.Get("text"),
			From:        &tgUser{ID: tgBotID, IsBot: true, FirstName: "Helpdesk", Username: tgBotName},
			Chat:        tgChat{ID: chat, Type: "private", FirstName: "User"},
			ReplyMarkup: rawJSON(r.PostForm.Get("reply_markup")),
		}})
	default:
		writeJSON(w, tgResult{OK: true, Result: true})
	}
}
