package slackadapter

// The hand-over end to end on Slack, users and agents alike: the real core and
// desk (package escalation), the KM simulator over HTTP, this adapter through
// slack-go against fakeSlack, Slack's events posted signed to its routes.

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/kmbridge/kmbridge/adapters/option"
	"github.com/kmbridge/kmbridge/adapters/slack/slacktest"
	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/bridge/memstore"
	"github.com/kmbridge/kmbridge/escalation"
	"github.com/kmbridge/kmbridge/httpserver"
	"github.com/kmbridge/kmbridge/i18n"
	"github.com/kmbridge/kmbridge/kmclient"
	"github.com/kmbridge/kmbridge/kmclient/kmsim"
)

const agentsChannel = "CAGENTS"

// deskEnv is an env whose core hands over to the desk, agents in agentsChannel.
func deskEnv(t *testing.T) *env {
	t.Helper()
	e := &env{t: t, slack: slacktest.NewServer(t)}
	e.sim = kmsim.New(kmsim.SampleKB(), kmsim.Options{MaxCalls: 100_000})
	simSrv := httptest.NewServer(e.sim)
	kmTr, slackTr, inTr := &http.Transport{}, &http.Transport{}, &http.Transport{}
	t.Cleanup(func() {
		kmTr.CloseIdleConnections()
		slackTr.CloseIdleConnections()
		inTr.CloseIdleConnections()
		simSrv.Close()
	})
	km, err := kmclient.New(kmclient.Config{BaseURL: simSrv.URL + "/api", Email: kmsim.SampleEmail, Token: kmsim.SampleToken,
		HTTPClient: &http.Client{Transport: kmTr}})
	if err != nil {
		t.Fatal(err)
	}
	if e.store, err = memstore.Open(memstore.Options{}); err != nil {
		t.Fatal(err)
	}
	cat, err := i18n.New("en", nil)
	if err != nil {
		t.Fatal(err)
	}
	desk, err := escalation.NewDesk(escalation.Options{
		Agents: bridge.ConvKey{Platform: platform, Channel: agentsChannel}, Store: e.store, KM: km, Catalog: cat,
		RobotID: kmsim.SampleRobotID, ChannelID: kmsim.SampleChannelID, Backoff: time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	e.core, err = bridge.New(bridge.Config{RobotID: kmsim.SampleRobotID, ChannelID: kmsim.SampleChannelID, ModelKey: kmsim.SampleModelKey,
		KMTimeout: 5 * time.Second, TypingInterval: time.Hour}, bridge.Deps{KM: km, Store: e.store, Catalog: cat, Escalator: desk})
	if err != nil {
		t.Fatal(err)
	}
	desk.Bind(e.core.Outbox())
	e.ad, err = New(Config{BotToken: slacktest.BotToken, SigningSecret: secret, APIURL: e.slack.URL(), RatePerSecond: 1000, Burst: 10},
		e.core, option.Catalog(cat), option.HTTPClient(&http.Client{Transport: slackTr, Timeout: 10 * time.Second}))
	if err != nil {
		t.Fatal(err)
	}
	e.core.Register(e.ad)
	hs := httpserver.New(httpserver.Options{})
	e.ad.Routes(hs)
	e.srv = httptest.NewServer(hs.Handler())
	e.client = &http.Client{Transport: inTr, Timeout: 30 * time.Second}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.ad.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		<-done
		sctx, scancel := context.WithTimeout(context.Background(), waitFor)
		defer scancel()
		if err := e.core.Shutdown(sctx); err != nil {
			t.Errorf("core.Shutdown: %v", err)
		}
		e.srv.Close()
	})
	eventually(t, "the adapter runs", func() bool { return e.ad.in.running.Load() })
	return e
}

// waitIn waits for a message in channel (thread: in that thread) showing s.
func (e *env) waitIn(channel, thread, s string) slacktest.Msg {
	e.t.Helper()
	var got slacktest.Msg
	eventually(e.t, "“"+s+"” in "+channel, func() bool {
		for _, m := range e.slack.Posted(channel) {
			if (thread == "" || m.Thread == thread) && strings.Contains(text(e.t, m), s) {
				got = m
				return true
			}
		}
		return false
	})
	return got
}

// A Slack user hands over to agents in a Slack channel: the card opens a
// thread, the user's words land in it (not at KM), an agent's reply there,
// without a mention, reaches the user with the agent's name and formatting,
// the bridge's own posts echoed back by Slack are not relayed again, and
// Claim redraws the card and tells the user.
func TestHandoverSlackToSlack(t *testing.T) {
	e := deskEnv(t)
	e.slack.AddUser(slack.User{ID: "UHANAKO", Profile: slack.UserProfile{DisplayName: "Hanako"}, Locale: "en-US"})
	e.slack.AddUser(slack.User{ID: "UDANA", Profile: slack.UserProfile{DisplayName: "Dana"}})
	e.askDM("DHANAKO", "UHANAKO", qPassword, "Reset your password")
	if code, _ := e.command("DHANAKO", "UHANAKO", "human"); code != http.StatusOK {
		t.Fatalf("/ask human: HTTP %d", code)
	}

	card := e.waitIn(agentsChannel, "", "Hanako")
	if card.Thread != "" {
		t.Fatalf("the card is in a thread (%s), not at the top of the channel", card.Thread)
	}
	e.event(slacktest.NewEventID(), slacktest.Echo(card))

	chats := len(e.sim.CallsTo("POST /v1/chat"))
	e.event(slacktest.NewEventID(), slacktest.IMMessage("DHANAKO", "UHANAKO", "Still locked out"))
	relayed := e.waitIn(agentsChannel, card.TS, "Hanako: Still locked out")
	if n := len(e.sim.CallsTo("POST /v1/chat")); n != chats {
		t.Errorf("KM got %d chat calls for a handed-over message", n-chats)
	}
	e.event(slacktest.NewEventID(), slacktest.Echo(relayed)) // Slack tells the app of its own post

	e.event(slacktest.NewEventID(), slacktest.ChanMessage(agentsChannel, "UDANA", card.TS, "Use the *new* <https://portal.example.com|portal>"))
	got := e.waitIn("DHANAKO", "", "Dana: Use the new portal")
	if !strings.Contains(string(got.Blocks), "https://portal.example.com") || !strings.Contains(string(got.Blocks), "*new*") {
		t.Errorf("the agent's formatting was lost: %s", got.Blocks)
	}

	claim, _ := e.buttonLabelled(t, card, "Claim")
	if code, _ := e.interaction(PathInteractions, e.clickPayload("UDANA", card, slacktest.ButtonAction(claim))); code != http.StatusOK {
		t.Fatalf("Claim: HTTP %d", code)
	}
	e.waitIn("DHANAKO", "", "Dana")
	eventually(t, "the card redrawn", func() bool {
		m, _ := e.slack.Msg(agentsChannel, card.TS)
		return strings.Contains(text(t, m), "Claimed by Dana")
	})
	// The redrawn card's next button works at once: the click on it is not
	// taken for a double click of Claim.
	card, _ = e.slack.Msg(agentsChannel, card.TS)
	resolve, _ := e.buttonLabelled(t, card, "Resolve")
	e.interaction(PathInteractions, e.clickPayload("UDANA", card, slacktest.ButtonAction(resolve)))
	eventually(t, "the card resolved", func() bool {
		m, _ := e.slack.Msg(agentsChannel, card.TS)
		return strings.Contains(text(t, m), "Resolved by Dana")
	})

	// Nothing relayed twice: one copy of each message in each place.
	if n := countIn(t, e.slack.Posted(agentsChannel), "Still locked out"); n != 1 {
		t.Errorf("the user's message is in the agents' channel %d times", n)
	}
	if n := countIn(t, e.slack.Posted("DHANAKO"), "Use the new portal"); n != 1 {
		t.Errorf("the agent's reply reached the user %d times", n)
	}
}

// buttonLabelled finds m's button with that label.
func (e *env) buttonLabelled(t *testing.T, m slacktest.Msg, label string) (*slack.ButtonBlockElement, bool) {
	t.Helper()
	buttons, _ := slacktest.Elements(t, m.Blocks)
	for _, b := range buttons {
		if b.Text.Text == label {
			return b, true
		}
	}
	t.Fatalf("no %q button in %q", label, text(t, m))
	return nil, false
}

func countIn(t *testing.T, ms []slacktest.Msg, s string) int {
	n := 0
	for _, m := range ms {
		if strings.Contains(text(t, m), s) {
			n++
		}
	}
	return n
}
