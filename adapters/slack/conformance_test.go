package slackadapter

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/kmbridge/kmbridge/adapters/option"
	"github.com/kmbridge/kmbridge/adapters/slack/slacktest"
	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/bridge/bridgetest"
	"github.com/kmbridge/kmbridge/formatting/slackfmt"
	"github.com/kmbridge/kmbridge/httpserver"
	"github.com/kmbridge/kmbridge/internal/testlog"
)

// TestConformance runs the adapter conformance suite over the Events API on
// HTTP: signed requests to the adapter's routes, the real slack-go client
// against fakeSlack.
func TestConformance(t *testing.T) { bridgetest.AdapterSuite(t, &driver{}) }

// driver drives the adapter and fakeSlack for bridgetest.AdapterSuite. Users
// write in their DM with the app: user "alice" is Slack user "Ualice" in
// channel "Dalice".
type driver struct {
	cfg    func(*Config) // adjusts the adapter's configuration
	fake   *slacktest.Server
	ad     *Adapter
	srv    *httptest.Server
	client *http.Client
}

func (d *driver) Boot(t *testing.T, host bridge.Host) bridge.Adapter {
	d.fake = slacktest.NewServer(t)
	slackTr, inTr := &http.Transport{}, &http.Transport{}
	log, logs := testlog.New()
	t.Cleanup(func() {
		slackTr.CloseIdleConnections()
		inTr.CloseIdleConnections()
		if t.Failed() {
			t.Logf("logs:\n%s", logs.String())
		}
	})
	cfg := Config{BotToken: slacktest.BotToken, SigningSecret: secret, APIURL: d.fake.URL(), RatePerSecond: 1000, Burst: 10}
	if d.cfg != nil {
		d.cfg(&cfg)
	}
	var err error
	d.ad, err = New(cfg, host, option.Logger(log), option.HTTPClient(&http.Client{Transport: slackTr, Timeout: 10 * time.Second}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.ad.Close)
	hs := httpserver.New(httpserver.Options{})
	d.ad.Routes(hs)
	d.srv = httptest.NewServer(hs.Handler())
	t.Cleanup(d.srv.Close)
	d.client = &http.Client{Transport: inTr, Timeout: 30 * time.Second}
	return d.ad
}

func (d *driver) Ready(t *testing.T) {
	eventually(t, "the adapter runs", func() bool { return d.ad.in.running.Load() })
}

func (d *driver) post(t *testing.T, path, contentType string, body []byte, opts ...reqOpt) int {
	t.Helper()
	code, _ := slacktest.SignedPost(t, d.client, d.srv.URL, time.Now().Unix(), secret, path, contentType, body, opts...)
	return code
}

// event delivers an Events API callback; the delivery id is its event_id.
func (d *driver) event(t *testing.T, id string, body []byte, opts ...reqOpt) bridgetest.Inbound {
	t.Helper()
	code := d.post(t, PathEvents, "application/json", body, opts...)
	return bridgetest.Inbound{ID: id, Acked: code == http.StatusOK, Raw: body}
}

func (d *driver) UserSays(t *testing.T, user, text string) bridgetest.Inbound {
	id := slacktest.NewEventID()
	return d.event(t, id, slacktest.Callback(id, slacktest.IMMessage("D"+user, "U"+user, text)))
}

func (d *driver) Redeliver(t *testing.T, in bridgetest.Inbound) bridgetest.Inbound {
	switch raw := in.Raw.(type) {
	case []byte:
		return d.event(t, in.ID, raw, withHeader("X-Slack-Retry-Num", "1"), withHeader("X-Slack-Retry-Reason", "http_timeout"))
	case map[string]any:
		return d.click(t, in.ID, raw)
	}
	t.Fatalf("cannot redeliver %T", in.Raw)
	return bridgetest.Inbound{}
}

func (d *driver) Click(t *testing.T, user string, ref bridge.MsgRef, token string) bridgetest.Inbound {
	id, p := clickOn(t, d.fake, "U"+user, ref, token)
	return d.click(t, id, p)
}

// clickOn is the block_actions payload of user's click on the button carrying
// token in the message at ref, and the click's delivery id.
func clickOn(t *testing.T, fake *slacktest.Server, user string, ref bridge.MsgRef, token string) (string, map[string]any) {
	t.Helper()
	m, ok := fake.Msg(ref.Key.Channel, ref.ID)
	if !ok {
		t.Fatalf("no message %s in %s", ref.ID, ref.Key.Channel)
	}
	buttons, _ := slacktest.Elements(t, m.Blocks)
	for _, b := range buttons {
		if slackfmt.Token(b.Value) == token {
			p := fake.ClickPayload(user, m, slacktest.ButtonAction(b))
			act := p["actions"].([]any)[0].(map[string]any)
			return "action:" + user + "|" + m.TS + "|" + act["action_ts"].(string), p
		}
	}
	t.Fatalf("no button carries %s in %s", token, m.Blocks)
	return "", nil
}

func (d *driver) click(t *testing.T, id string, payload map[string]any) bridgetest.Inbound {
	t.Helper()
	b, err := json.Marshal(payload)
	if err != nil {
		t.Fatal(err)
	}
	code := d.post(t, PathInteractions, "application/x-www-form-urlencoded", form("payload", string(b)))
	return bridgetest.Inbound{ID: id, Acked: code == http.StatusOK, Raw: payload}
}

// Unknown delivers a reaction_added event: slack-go knows it, the adapter
// has no use for it.
func (d *driver) Unknown(t *testing.T) bridgetest.Inbound {
	id := slacktest.NewEventID()
	return d.event(t, id, slacktest.Callback(id, map[string]any{
		"type": "reaction_added", "user": "Ualice", "reaction": "thumbsup", "event_ts": slacktest.NewTS(),
		"item": map[string]any{"type": "message", "channel": "Dalice", "ts": slacktest.NewTS()},
	}))
}

func (d *driver) Fail429(t *testing.T, n int, retryAfter time.Duration) func() int {
	d.fake.LimitPosts(n, int(retryAfter/time.Second))
	return d.fake.Served429
}

func (d *driver) Posts(t *testing.T) []bridgetest.Post {
	var out []bridgetest.Post
	for _, m := range d.fake.Posted("") {
		p := bridgetest.Post{ID: m.TS, Text: text(t, m)}
		for _, b := range slacktest.Blocks(t, m.Blocks) {
			ab, ok := b.(*slack.ActionBlock)
			if !ok || ab.Elements == nil {
				continue
			}
			for _, el := range ab.Elements.ElementSet {
				switch el := el.(type) {
				case *slack.ButtonBlockElement:
					p.Buttons = append(p.Buttons, bridgetest.PostButton{Label: el.Text.Text, Token: slackfmt.Token(el.Value),
						URL: el.URL, Live: el.Value != ""})
				case *slack.SelectBlockElement:
					for _, o := range el.Options {
						p.Buttons = append(p.Buttons, bridgetest.PostButton{Label: o.Text.Text, Token: slackfmt.Token(o.Value), Live: o.Value != ""})
					}
				}
			}
		}
		out = append(out, p)
	}
	return out
}

var _ bridgetest.Driver = (*driver)(nil)

// TestConformanceSocketMode runs the suite over Socket Mode: envelopes pushed
// on the fake's WebSocket, acknowledged (or not) on it.
func TestConformanceSocketMode(t *testing.T) { bridgetest.AdapterSuite(t, &socketDriver{}) }

// socketDriver is driver with Socket Mode intake. An envelope the adapter
// does not acknowledge within noAck of its delivery is taken as refused.
type socketDriver struct {
	driver
	host bridge.Host
}

// noAck is how long an unacknowledged envelope is waited for.
const noAck = 300 * time.Millisecond

func (d *socketDriver) Boot(t *testing.T, host bridge.Host) bridge.Adapter {
	d.host = host
	d.fake = slacktest.NewServer(t)
	slackTr := &http.Transport{}
	log, logs := testlog.New()
	t.Cleanup(func() {
		slackTr.CloseIdleConnections()
		if t.Failed() {
			t.Logf("logs:\n%s", logs.String())
		}
	})
	var err error
	d.ad, err = New(Config{BotToken: slacktest.BotToken, AppToken: slacktest.AppToken, APIURL: d.fake.URL(), RatePerSecond: 1000, Burst: 10},
		host, option.Logger(log), option.HTTPClient(&http.Client{Transport: slackTr, Timeout: 10 * time.Second}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.ad.Close)
	return d.ad
}

func (d *socketDriver) Ready(t *testing.T) {
	eventually(t, "the socket", func() bool { return d.fake.SocketCount() > 0 })
}

func (d *socketDriver) UserSays(t *testing.T, user, text string) bridgetest.Inbound {
	id := slacktest.NewEventID()
	var ev map[string]any
	if err := json.Unmarshal(slacktest.Callback(id, slacktest.IMMessage("D"+user, "U"+user, text)), &ev); err != nil {
		t.Fatal(err)
	}
	return d.pushAcked(t, id, "events_api", ev, 0)
}

// pushAcked pushes an envelope (retry: Slack's retry_attempt) and waits for
// its ack; once the host has seen the delivery, only noAck more: the adapter
// may leave it unacknowledged.
func (d *socketDriver) pushAcked(t *testing.T, deliveryID, typ string, payload any, retry int) bridgetest.Inbound {
	t.Helper()
	h, _ := d.host.(*bridgetest.Host)
	tries := 0
	if h != nil {
		tries = len(h.Tries())
	}
	id, env := envelope(typ, payload, retry)
	if !d.fake.Push(env) {
		t.Fatal("no socket")
	}
	deadline := time.Now().Add(waitFor)
	for {
		if _, ok := d.fake.AckWithin(id, 20*time.Millisecond); ok {
			return bridgetest.Inbound{ID: deliveryID, Acked: true, Raw: [2]any{typ, payload}}
		}
		if h != nil && len(h.Tries()) > tries {
			_, ok := d.fake.AckWithin(id, noAck)
			return bridgetest.Inbound{ID: deliveryID, Acked: ok, Raw: [2]any{typ, payload}}
		}
		if time.Now().After(deadline) {
			return bridgetest.Inbound{ID: deliveryID, Raw: [2]any{typ, payload}}
		}
	}
}

func (d *socketDriver) Redeliver(t *testing.T, in bridgetest.Inbound) bridgetest.Inbound {
	raw, ok := in.Raw.([2]any)
	if !ok {
		t.Fatalf("cannot redeliver %T", in.Raw)
	}
	return d.pushAcked(t, in.ID, raw[0].(string), raw[1], 1) // Slack's re-send
}

func (d *socketDriver) Click(t *testing.T, user string, ref bridge.MsgRef, token string) bridgetest.Inbound {
	id, p := clickOn(t, d.fake, "U"+user, ref, token)
	return d.pushAcked(t, id, "interactive", p, 0)
}

func (d *socketDriver) Unknown(t *testing.T) bridgetest.Inbound {
	id := slacktest.NewEventID()
	var ev map[string]any
	if err := json.Unmarshal(slacktest.Callback(id, map[string]any{
		"type": "reaction_added", "user": "Ualice", "reaction": "thumbsup", "event_ts": slacktest.NewTS(),
		"item": map[string]any{"type": "message", "channel": "Dalice", "ts": slacktest.NewTS()},
	}), &ev); err != nil {
		t.Fatal(err)
	}
	return d.pushAcked(t, id, "events_api", ev, 0)
}
