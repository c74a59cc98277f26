package escalation_test

// End to end: the real bridge core, the real kmclient and the KM simulator over
// HTTP on loopback, a recording adapter for the user's platform and another for
// the agents'.

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/bridge/bridgetest"
	"github.com/kmbridge/kmbridge/bridge/memstore"
	"github.com/kmbridge/kmbridge/escalation"
	"github.com/kmbridge/kmbridge/formatting"
	"github.com/kmbridge/kmbridge/i18n"
	"github.com/kmbridge/kmbridge/kmclient"
	"github.com/kmbridge/kmbridge/kmclient/kmsim"
)

const wait = 10 * time.Second

const switchStaffRoute = "PUT /v1/sessions/:id/switchStaff"

type world struct {
	core   *bridge.Core
	sim    *kmsim.Sim
	cat    *i18n.Catalog
	user   *bridgetest.Recorder // the web chat
	agents *bridgetest.Recorder // the agents' Slack
}

// newWorld assembles the bridge as cmd/kmbridge does, with the Notifier posting
// to agentsKey in agentLang.
func newWorld(t *testing.T, agentLang string, to bridge.ConvKey) *world {
	t.Helper()
	sim := kmsim.New(kmsim.SampleKB(), kmsim.Options{})
	srv := httptest.NewServer(sim)
	tr := &http.Transport{}
	t.Cleanup(func() {
		tr.CloseIdleConnections()
		srv.Close()
	})
	km, err := kmclient.New(kmclient.Config{
		BaseURL: srv.URL + "/api", Email: kmsim.SampleEmail, Token: kmsim.SampleToken,
		HTTPClient: &http.Client{Transport: tr},
	})
	if err != nil {
		t.Fatal(err)
	}
	store, err := memstore.Open(memstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	cat, err := i18n.New("en", nil)
	if err != nil {
		t.Fatal(err)
	}
	var via escalation.CoreSender
	notifier := escalation.New(to, via.Send, cat.Printer(agentLang), escalation.CardOptions{})
	core, err := bridge.New(bridge.Config{
		RobotID: kmsim.SampleRobotID, ChannelID: kmsim.SampleChannelID, ModelKey: kmsim.SampleModelKey,
		KMTimeout: 5 * time.Second, TypingInterval: time.Hour,
	}, bridge.Deps{KM: km, Store: store, Catalog: cat, Escalator: notifier})
	if err != nil {
		t.Fatal(err)
	}
	via.Set(core)
	w := &world{core: core, sim: sim, cat: cat, user: bridgetest.New("web"), agents: bridgetest.New("slack")}
	core.Register(w.user, w.agents)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		defer cancel()
		_ = core.Shutdown(ctx)
	})
	return w
}

var (
	hanako   = bridge.UserInfo{ID: "v-hanako", Name: "Hanako", Locale: "ja,en;q=0.8"}
	hanakoDM = bridge.DMKey("web", "", "s-hanako", hanako.ID)
)

// askForHuman sends "talk to a human" (the sample KB answers ansType 21) and
// waits for the bridge's hand-over notice to the user.
func (w *world) askForHuman(t *testing.T, notice i18n.MsgID) []bridgetest.Sent {
	t.Helper()
	if err := w.core.Handle(context.Background(), bridge.Message{Key: hanakoDM, User: hanako, Text: "talk to a human"}); err != nil {
		t.Fatal(err)
	}
	want := w.cat.Printer(hanako.Locale).T(notice)
	var got []bridgetest.Sent
	bridgetest.Eventually(t, wait, func() error {
		got = w.user.SentTo(hanakoDM)
		for _, s := range got {
			if s.Text() == want {
				return nil
			}
		}
		return errors.New("the user has not been told: " + want + "; got " + strings.Join(bridgetest.Texts(got), " | "))
	})
	return got
}

func TestNotifierEndToEnd(t *testing.T) {
	for _, tc := range []struct {
		agents       string
		title, human string
	}{
		{"en", "🙋 Conversation handed to a human", "transfer intent"},
		{"zh", "🙋 会话已转人工", "转人工意图"},
	} {
		t.Run(tc.agents, func(t *testing.T) {
			to := bridge.ConvKey{Platform: "slack", Channel: "C-AGENTS"}
			w := newWorld(t, tc.agents, to)
			userMsgs := w.askForHuman(t, "bridge.escalating")

			cards := w.agents.WaitSent(t, to, 1, wait)
			if len(cards) != 1 {
				t.Fatalf("agents got %d messages, want 1", len(cards))
			}
			card, ok := cards[0].Msg.Blocks[0].(*formatting.Card)
			if !ok {
				t.Fatalf("agents got\n%s", formatting.Dump(cards[0].Msg))
			}
			if card.Title != tc.title || !strings.Contains(card.Subtitle, tc.human) {
				t.Errorf("card title %q subtitle %q, want %q and %q", card.Title, card.Subtitle, tc.title, tc.human)
			}
			d := formatting.Dump(cards[0].Msg)
			for _, s := range []string{`"Hanako"`, `"v-hanako"`, `"talk to a human"`, "Connecting you to a helpdesk agent"} {
				if !strings.Contains(d, s) {
					t.Errorf("card lacks %s:\n%s", s, d)
				}
			}
			validate(t, cards[0].Msg)

			// The user heard the KM's words and the bridge's, in Japanese.
			ja := w.cat.Printer("ja")
			if last := userMsgs[len(userMsgs)-1].Text(); last != ja.T("bridge.escalating") {
				t.Errorf("the user's last message is %q, want %q", last, ja.T("bridge.escalating"))
			}
			for _, s := range w.agents.Sent() {
				if s.To != to {
					t.Errorf("the agent platform got a message for %v", s.To)
				}
			}
			// KM was told, once, for the session the card names.
			bridgetest.Eventually(t, wait, func() error {
				if n := len(w.sim.CallsTo(switchStaffRoute)); n != 1 {
					return errors.New("switchStaff not called once yet")
				}
				return nil
			})
			sw := w.sim.CallsTo(switchStaffRoute)[0]
			named := false
			for _, f := range card.Fields {
				if f.Label == w.cat.Printer(tc.agents).T("escalation.field_session") {
					sid := formatting.SpansText(f.Value[0].(*formatting.Para).Spans)
					named = true
					if !strings.Contains(sw.Path, "/"+sid+"/") {
						t.Errorf("switchStaff %s, card names session %s", sw.Path, sid)
					}
				}
			}
			if !named {
				t.Errorf("the card names no KM session:\n%s", d)
			}
		})
	}
}

// TestNotifierEndToEndFailures: when the card cannot reach the agents the user is
// told so, and KM is not switched to a human nobody will answer.
func TestNotifierEndToEndFailures(t *testing.T) {
	t.Run("agent platform fails", func(t *testing.T) {
		to := bridge.ConvKey{Platform: "slack", Channel: "C-GONE"}
		w := newWorld(t, "en", to)
		w.agents.SendHook = func(context.Context, bridge.ConvKey, formatting.Message) error {
			return errors.New("slack: channel_not_found")
		}
		w.askForHuman(t, "bridge.escalation_failed")
		if n := len(w.sim.CallsTo(switchStaffRoute)); n != 0 {
			t.Errorf("switchStaff called %d times after a failed hand-over", n)
		}
	})
	t.Run("agent platform not running", func(t *testing.T) {
		w := newWorld(t, "en", bridge.ConvKey{Platform: "discord", Channel: "123"})
		w.askForHuman(t, "bridge.escalation_failed")
		if len(w.agents.Sent()) != 0 {
			t.Error("the card went to the wrong platform")
		}
	})
	t.Run("no agent channel", func(t *testing.T) {
		w := newWorld(t, "en", bridge.ConvKey{Platform: "slack"})
		w.askForHuman(t, "bridge.no_agents")
		if n := len(w.sim.CallsTo(switchStaffRoute)); n != 0 {
			t.Errorf("switchStaff called %d times with no agents", n)
		}
	})
}
