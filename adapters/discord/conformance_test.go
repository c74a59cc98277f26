package discordadapter_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	discordadapter "github.com/kmbridge/kmbridge/adapters/discord"
	"github.com/kmbridge/kmbridge/adapters/discord/discordtest"
	"github.com/kmbridge/kmbridge/adapters/option"
	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/bridge/bridgetest"
	"github.com/kmbridge/kmbridge/internal/testlog"
)

// TestConformance runs the adapter conformance suite through discordgo
// against the fake Discord. Discord's delivery rules, as the driver reads
// them: a gateway message has no acknowledgement, and is never delivered
// again by Discord, so "acknowledged" is "the user was not asked to send it
// again", and a redelivery is the gateway replaying it (after a RESUME); an
// interaction is acknowledged by its response (deferred), not by an
// ephemeral "try again".
func TestConformance(t *testing.T) {
	bridgetest.AdapterSuite(t, &driver{})
}

// driver drives one adapter and its fake Discord for the suite.
type driver struct {
	w *world

	mu      sync.Mutex
	results []delivered // what Deliver answered, in order
}

type delivered struct {
	id  string
	err error
}

var _ bridgetest.Driver = (*driver)(nil)

func (d *driver) Boot(t *testing.T, host bridge.Host) bridge.Adapter {
	d.w = &world{t: t, fake: discordtest.NewServer(t)}
	d.mu.Lock()
	d.results = nil
	d.mu.Unlock()
	recording := bridgetest.WithDeliver(host, func(ctx context.Context, del bridge.Delivery) error {
		err := host.Deliver(ctx, del)
		d.mu.Lock()
		d.results = append(d.results, delivered{id: del.ID, err: err})
		d.mu.Unlock()
		return err
	})
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	log, logs := testlog.New()
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("logs:\n%s\ncalls:\n%s", logs.String(), d.w.fake.Dump())
		}
	})
	ad, err := discordadapter.New(testConfig(d.w), recording,
		option.Logger(log), option.HTTPClient(&http.Client{Transport: tr}))
	if err != nil {
		t.Fatal(err)
	}
	return ad
}

func (d *driver) Ready(t *testing.T) {
	d.w.fake.WaitGateway(t)
	waitFor(t, "the commands to be registered", func() bool { return d.w.commandCalls() > 0 })
}

// userID is a Discord user id for a name the suite uses.
func userID(name string) string {
	if name == "alice" {
		return alice
	}
	return bob
}

func (d *driver) UserSays(t *testing.T, user, text string) bridgetest.Inbound {
	m := d.w.fake.DM(userID(user), text)
	return d.message(t, m)
}

// message dispatches a MESSAGE_CREATE and reads what became of it: Deliver's
// answer, and, when the host refused it, the note asking to send it again.
func (d *driver) message(t *testing.T, m map[string]any) bridgetest.Inbound {
	t.Helper()
	id := m["id"].(string)
	from := d.count()
	notes := len(d.w.fake.MessagesWith(sendAgain))
	d.w.fake.Dispatch("MESSAGE_CREATE", m)
	err, ok := d.result(id, from)
	in := bridgetest.Inbound{ID: id, Raw: m, Acked: ok && bridge.Ack(err)}
	if ok && !bridge.Ack(err) {
		// Refused: the user must be asked to send it again; until they are,
		// it counts as acknowledged (lost).
		in.Acked = !eventually(func() bool { return len(d.w.fake.MessagesWith(sendAgain)) > notes })
	}
	return in
}

// sendAgain is in the note asking a user to send a refused message again.
const sendAgain = "Please send it again"

func (d *driver) Redeliver(t *testing.T, in bridgetest.Inbound) bridgetest.Inbound {
	switch raw := in.Raw.(type) {
	case map[string]any:
		return d.message(t, raw)
	case clickRaw:
		return d.interact(t, raw.ix)
	}
	t.Fatalf("cannot redeliver %T", in.Raw)
	return bridgetest.Inbound{}
}

// clickRaw is a click as the driver delivered it.
type clickRaw struct{ ix map[string]any }

func (d *driver) Click(t *testing.T, user string, ref bridge.MsgRef, token string) bridgetest.Inbound {
	channel, customID, values := d.w.fake.Component(t, ref.ID, token)
	data := map[string]any{"custom_id": customID, "component_type": 2}
	if len(values) > 0 {
		data["component_type"], data["values"] = 3, values
	}
	ix := d.w.fake.Interaction(3, userID(user), channel, "", "en-US", data, d.w.fake.Message(ref.ID))
	in := d.interact(t, ix)
	in.Raw = clickRaw{ix: ix}
	return in
}

// interact dispatches an interaction and reads how it was answered: a
// deferred response (or, for one the host had already, none) acknowledges
// it; an ephemeral note does not.
func (d *driver) interact(t *testing.T, ix map[string]any) bridgetest.Inbound {
	t.Helper()
	id, tok := ix["id"].(string), ix["token"].(string)
	from := d.count()
	d.w.fake.Dispatch("INTERACTION_CREATE", ix)
	in := bridgetest.Inbound{ID: id}
	var cb []discordtest.Call
	duplicate := false
	eventually(func() bool {
		d.mu.Lock()
		for _, r := range d.results[from:] {
			duplicate = duplicate || r.id == id && errors.Is(r.err, bridge.ErrDuplicate)
		}
		d.mu.Unlock()
		cb = d.w.fake.CallsTo("POST", `/interactions/\d+/`+tok+`/callback`)
		return duplicate || len(cb) > 0
	})
	switch {
	case duplicate:
		in.Acked = true // answered when it was first delivered
	case len(cb) > 0:
		var resp struct {
			Type int `json:"type"`
		}
		_ = json.Unmarshal(cb[0].Body, &resp)
		in.Acked = cb[0].Status < 300 && (resp.Type == 5 || resp.Type == 6)
	}
	return in
}

func (d *driver) Unknown(t *testing.T) bridgetest.Inbound {
	// A modal submit: a type the bridge has no use for.
	ix := d.w.fake.Interaction(5, alice, discordtest.DMChannel(alice), "", "en-US", map[string]any{"custom_id": "form", "components": []any{}}, nil)
	return d.interact(t, ix)
}

func (d *driver) Fail429(t *testing.T, n int, retryAfter time.Duration) func() int {
	return d.w.fake.FailPosts(n, retryAfter.Seconds())
}

func (d *driver) Posts(t *testing.T) []bridgetest.Post { return d.w.fake.Posts(t) }

// count is how many Deliver answers were recorded.
func (d *driver) count() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.results)
}

// result waits for Deliver's answer to id, recorded after the first from.
func (d *driver) result(id string, from int) (error, bool) {
	var err error
	ok := eventually(func() bool {
		d.mu.Lock()
		defer d.mu.Unlock()
		for _, r := range d.results[from:] {
			if r.id == id {
				err = r.err
				return true
			}
		}
		return false
	})
	return err, ok
}

// eventually polls cond for up to the suite's wait.
func eventually(cond func() bool) bool {
	deadline := time.Now().Add(bridgetest.SuiteWait)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(5 * time.Millisecond)
	}
	return true
}

// A message refused by the host is answered with a note asking to send it
// again, in the user's language, and nothing else; a message the host took
// as busy gets no note (the core told the user).
func TestRefusedMessageAsksToSendAgain(t *testing.T) {
	w := newWorld(t, nil)
	host := bridgetest.NewHost()
	w.run(t, host, options{})
	w.fake.WaitGateway(t)
	host.FailNext(errors.New("store down"), bridge.ErrBusy)
	w.fake.Dispatch("MESSAGE_CREATE", w.fake.DM(alice, "first"))
	note := w.fake.WaitMessage(t, sendAgain)
	if note.Channel != discordtest.DMChannel(alice) || note.Msg.AllowedMentions == nil {
		t.Errorf("note %s %s", note.Channel, note.Body)
	}
	w.fake.Dispatch("MESSAGE_CREATE", w.fake.DM(alice, "second"))
	waitFor(t, "the second delivery", func() bool { return len(host.Tries()) == 2 })
	w.fake.Dispatch("MESSAGE_CREATE", w.fake.DM(alice, "third"))
	host.WaitDeliveries(t, 1, 15*time.Second)
	if n := len(w.fake.MessagesWith(sendAgain)); n != 1 {
		t.Errorf("%d notes, want one (for the refused message only)", n)
	}
	if strings.Contains(note.Text(), "store down") {
		t.Errorf("the note shows the error: %s", note.Text())
	}
}

// An interaction the host refuses gets an ephemeral "try again" as its
// response rather than failing; the deferred response goes only to one the
// host accepted.
func TestRefusedInteractionSaysTryAgain(t *testing.T) {
	w := newWorld(t, nil)
	host := bridgetest.NewHost()
	w.run(t, host, options{})
	w.fake.WaitGateway(t)
	host.FailNext(bridge.ErrClosed)
	ix := w.fake.Slash(alice, discordtest.DMChannel(alice), "", "ja", "ask", "question", "What is the Wi-Fi password?")
	w.fake.Dispatch("INTERACTION_CREATE", ix)
	var cb []discordtest.Call
	waitFor(t, "the response", func() bool {
		cb = w.fake.CallsTo("POST", `/interactions/\d+/`+ix["token"].(string)+`/callback`)
		return len(cb) == 1
	})
	var resp struct {
		Type int `json:"type"`
		Data struct {
			Content string `json:"content"`
			Flags   int    `json:"flags"`
		} `json:"data"`
	}
	cb[0].JSON(t, &resp)
	if resp.Type != 4 || resp.Data.Flags != 64 || !strings.Contains(resp.Data.Content, "もう一度お試しください") {
		t.Errorf("refused /ask answered %s, want an ephemeral note in Japanese", cb[0].Body)
	}
	if n := len(host.Deliveries()); n != 0 {
		t.Errorf("%d deliveries accepted", n)
	}
}
