package telegramadapter_test

import (
	"bytes"
	"encoding/json"
	"hash/fnv"
	"html"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/kmbridge/kmbridge/adapters/option"
	telegramadapter "github.com/kmbridge/kmbridge/adapters/telegram"
	"github.com/kmbridge/kmbridge/adapters/telegram/telegramtest"
	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/bridge/bridgetest"
	"github.com/kmbridge/kmbridge/formatting/tgfmt"
	"github.com/kmbridge/kmbridge/httpserver"
	"github.com/kmbridge/kmbridge/internal/testlog"
)

// The adapter conformance suite, through telegram-bot-api against the fake
// Bot API, in both ways of receiving.
func TestConformance(t *testing.T) {
	t.Run("webhook", func(t *testing.T) { bridgetest.AdapterSuite(t, &driver{webhook: true}) })
	t.Run("polling", func(t *testing.T) { bridgetest.AdapterSuite(t, &driver{}) })
}

const conformanceSecret = "conformance-Secret_0123456789"

// driver drives the adapter and the fake Bot API for bridgetest.AdapterSuite.
// With webhook, updates are posted to the adapter's route and acknowledged by
// its answer; without, they are long-polled and acknowledged by the next
// offset.
type driver struct {
	webhook bool
	fake    *telegramtest.Server
	srv     *httptest.Server // webhook mode: the adapter's routes
}

func (d *driver) Skips() map[string]string {
	if d.webhook {
		return nil
	}
	return map[string]string{bridgetest.CaseRedeliveredOnce: "long polling: Telegram hands an update out again only " +
		"until the poller confirms it, so an accepted one comes again only to the next process " +
		"(TestRestartAfterAcceptExactlyOnce); the webhook run covers the case"}
}

func (d *driver) Boot(t *testing.T, host bridge.Host) bridge.Adapter {
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections) // after the fake closes (cleanups run last first)
	d.fake = telegramtest.NewServer(t)
	cfg := telegramadapter.Config{
		Token: telegramtest.Token, APIEndpoint: d.fake.Endpoint(),
		PerChatInterval: time.Millisecond, GroupPerMinute: -1, GlobalPerSecond: -1, PollTimeout: 5 * time.Second,
	}
	if d.webhook {
		cfg.WebhookURL, cfg.WebhookSecret = "https://bot.example.com"+telegramadapter.WebhookPath, conformanceSecret
	}
	log, logs := testlog.New()
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("logs:\n%s", logs.String())
		}
	})
	ad, err := telegramadapter.New(cfg, host, option.Logger(log),
		option.HTTPClient(&http.Client{Timeout: time.Minute, Transport: tr}))
	if err != nil {
		t.Fatal(err)
	}
	if d.webhook {
		hs := httpserver.New(httpserver.Options{})
		ad.Routes(hs)
		d.srv = httptest.NewServer(hs.Handler())
		t.Cleanup(d.srv.Close)
	}
	return ad
}

func (d *driver) Ready(t *testing.T) {
	if d.webhook {
		waitFor(t, "the webhook to be served", func() bool { return d.post(t, []byte(`{"update_id":1}`)) == http.StatusOK })
		return
	}
	waitFor(t, "the first poll", func() bool { return len(d.fake.CallsTo("getUpdates")) > 0 })
}

// userID is a stable Telegram user id for a suite's user name.
func userID(name string) int64 {
	h := fnv.New32a()
	h.Write([]byte(name))
	return 10000 + int64(h.Sum32()%100000)
}

func (d *driver) UserSays(t *testing.T, user, text string) bridgetest.Inbound {
	u := userID(user)
	return d.deliver(t, telegramtest.Message(telegramtest.PrivateChat(u), telegramtest.Person(u, "en"), text, nil))
}

func (d *driver) Redeliver(t *testing.T, in bridgetest.Inbound) bridgetest.Inbound {
	raw := in.Raw.(map[string]any)
	if d.webhook {
		body, _ := json.Marshal(raw)
		in.Acked = d.post(t, body) == http.StatusOK
		return in
	}
	// Long polling: Telegram hands out again what was not confirmed, once
	// the adapter asks again.
	id := raw["update_id"].(int)
	waitFor(t, "the update to be confirmed", func() bool { ok, _ := d.fake.Acked(id); return ok })
	in.Acked = true
	return in
}

func (d *driver) Click(t *testing.T, user string, ref bridge.MsgRef, token string) bridgetest.Inbound {
	u := userID(user)
	chat, _ := strconv.ParseInt(ref.Key.Channel, 10, 64)
	id, _ := strconv.Atoi(ref.ID)
	m := map[string]any{"message_id": id, "date": time.Now().Unix(), "chat": telegramtest.PrivateChat(chat),
		"from": map[string]any{"id": telegramtest.BotID, "is_bot": true, "first_name": "Helpdesk", "username": telegramtest.BotName}}
	if s, ok := d.fake.Message(chat, id); ok {
		m["text"] = s.Text
		m["reply_markup"] = json.RawMessage(s.Markup)
	}
	return d.deliver(t, map[string]any{"callback_query": map[string]any{
		"id": "cb-" + token, "from": telegramtest.Person(u, "en"), "chat_instance": "ci", "data": token, "message": m,
	}})
}

func (d *driver) Unknown(t *testing.T) bridgetest.Inbound {
	return d.deliver(t, map[string]any{"message_reaction": map[string]any{
		"chat": telegramtest.PrivateChat(1), "message_id": 1, "date": time.Now().Unix(), "new_reaction": []any{}, "old_reaction": []any{},
	}})
}

func (d *driver) Fail429(t *testing.T, n int, retryAfter time.Duration) func() int {
	return d.fake.Fail429(n, int(retryAfter/time.Second))
}

var tag = regexp.MustCompile(`<[^>]*>`)

func (d *driver) Posts(t *testing.T) []bridgetest.Post {
	var out []bridgetest.Post
	for _, m := range d.fake.Posted() {
		p := bridgetest.Post{ID: strconv.Itoa(m.ID), Text: html.UnescapeString(tag.ReplaceAllString(m.Text, ""))}
		var kb tgbotapi.InlineKeyboardMarkup
		_ = json.Unmarshal([]byte(m.Markup), &kb)
		for _, row := range kb.InlineKeyboard {
			for _, b := range row {
				pb := bridgetest.PostButton{Label: b.Text}
				if b.URL != nil {
					pb.URL = *b.URL
				}
				if b.CallbackData != nil && *b.CallbackData != tgfmt.NoopData {
					pb.Token, pb.Live = *b.CallbackData, true
				}
				p.Buttons = append(p.Buttons, pb)
			}
		}
		out = append(out, p)
	}
	return out
}

// deliver has the platform deliver u and waits until the adapter has dealt
// with it: answered (webhook), or confirmed or asked for again (polling).
func (d *driver) deliver(t *testing.T, u map[string]any) bridgetest.Inbound {
	t.Helper()
	if d.webhook {
		u["update_id"] = d.fake.NextUpdateID()
		body, _ := json.Marshal(u)
		acked := d.post(t, body) == http.StatusOK
		return bridgetest.Inbound{ID: deliveryID(u["update_id"].(int)), Acked: acked, Raw: u}
	}
	id := d.fake.Push(u)
	var confirmed, refused bool
	waitFor(t, "the update to be confirmed or asked for again", func() bool {
		confirmed, refused = d.fake.Acked(id)
		return confirmed || refused
	})
	return bridgetest.Inbound{ID: deliveryID(id), Acked: confirmed && !refused, Raw: u}
}

// deliveryID is the Delivery.ID the adapter gives update id: the bot's id and
// the update_id.
func deliveryID(id int) string { return strconv.Itoa(telegramtest.BotID) + ":" + strconv.Itoa(id) }

// post posts an update to the webhook as Telegram does and returns the status.
func (d *driver) post(t *testing.T, body []byte) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, d.srv.URL+telegramadapter.WebhookPath, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Telegram-Bot-Api-Secret-Token", conformanceSecret)
	resp, err := d.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}
