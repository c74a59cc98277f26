package slackadapter

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/kmbridge/kmbridge/adapters/slack/slacktest"
	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/formatting"
	"github.com/kmbridge/kmbridge/formatting/slackfmt"
	"github.com/kmbridge/kmbridge/internal/memo"
)

// askDM asks a question in a DM and returns the answer message.
func (e *env) askDM(channel, user, q, want string) slacktest.Msg {
	e.t.Helper()
	before := len(e.slack.Posted(channel))
	e.event(slacktest.NewEventID(), slacktest.IMMessage(channel, user, q))
	var ans slacktest.Msg
	eventually(e.t, "the answer to "+q, func() bool {
		var ok bool
		ans, ok = find(e.t, e.slack.Posted(channel)[before:], want)
		return ok
	})
	return ans
}

// buttonOf returns the first button of m whose action is of kind.
func (e *env) buttonOf(m slacktest.Msg, kind formatting.ActionKind) (*slack.ButtonBlockElement, formatting.Action) {
	e.t.Helper()
	buttons, _ := slacktest.Elements(e.t, m.Blocks)
	for _, b := range buttons {
		if sa := e.action(b.Value); sa.Action.Kind == kind {
			return b, sa.Action
		}
	}
	e.t.Fatalf("no %s button in %q", kind, text(e.t, m))
	return nil, formatting.Action{}
}

func TestButtonClickHitsKMAndRetiresTheMessage(t *testing.T) {
	e := newEnv(t, envOpts{})
	ans := e.askDM("D1", "U1", qPassword, "Reset your password")
	b, act := e.buttonOf(ans, formatting.ActHit)
	if code, _ := e.interaction(PathInteractions, e.clickPayload("U1", ans, slacktest.ButtonAction(b))); code != http.StatusOK {
		t.Fatalf("click: HTTP %d", code)
	}
	eventually(t, "the KM hit", func() bool { return len(e.sim.CallsTo("POST /v1/hit")) == 1 })
	hit := e.sim.CallsTo("POST /v1/hit")[0]
	chat := e.sim.CallsTo("POST /v1/chat")[0]
	if hit.Int("questionId") != act.QuestionID || hit.Int("queryType") != int64(act.QueryType) ||
		hit.Int("sessionId") != chat.Int("sessionId") || act.QuestionID == 0 {
		t.Errorf("hit %v, want questionId %d queryType %d session %d", hit.Body, act.QuestionID, act.QueryType, chat.Int("sessionId"))
	}
	// The clicked message is updated (the one retirement policy): the choice
	// shows, the clicked group's buttons act no more, the other groups (the
	// rating) stay usable.
	var upd slacktest.Msg
	eventually(t, "the clicked message updated", func() bool {
		upd, _ = e.slack.Msg(ans.Channel, ans.TS)
		return strings.Contains(text(t, upd), "✓ "+b.Text.Text)
	})
	if kinds := e.kinds(upd); kinds[formatting.ActHit] != 0 || kinds[formatting.ActRateAnswer] == 0 {
		t.Errorf("retired message has buttons %v: want the clicked group (hit) gone, the rating kept", kinds)
	}
	if !strings.Contains(text(t, upd), "Reset your password") {
		t.Errorf("the answer's text was lost in the update: %q", text(t, upd))
	}
	// The hit's answer arrives as a new message.
	eventually(t, "the hit's answer", func() bool { return len(e.slack.Posted("D1")) >= 3 })

	// A stale second press (an old client view of the message) changes nothing.
	e.interaction(PathInteractions, e.clickPayload("U1", ans, slacktest.ButtonAction(b)))
	e.askDM("D1", "U1", qWifi, "ExampleGuest") // a barrier: the conversation moved on
	if n := len(e.sim.CallsTo("POST /v1/hit")); n != 1 {
		t.Errorf("KM hit calls = %d, want 1", n)
	}
}

func TestDoubleClickWhileHandledCountsOnce(t *testing.T) {
	e := newEnv(t, envOpts{})
	ans := e.askDM("D1", "U1", qPassword, "Reset your password")
	e.sim.SetLatency(300*time.Millisecond, 0) // the first click is still being handled when the second comes
	b, _ := e.buttonOf(ans, formatting.ActHit)
	e.interaction(PathInteractions, e.clickPayload("U1", ans, slacktest.ButtonAction(b)))
	e.interaction(PathInteractions, e.clickPayload("U1", ans, slacktest.ButtonAction(b)))
	eventually(t, "the message retired", func() bool {
		upd, _ := e.slack.Msg(ans.Channel, ans.TS)
		return strings.Contains(text(t, upd), "✓")
	})
	e.askDM("D1", "U1", qWifi, "ExampleGuest")
	if n := len(e.sim.CallsTo("POST /v1/hit")); n != 1 {
		t.Errorf("KM hit calls = %d, want 1", n)
	}
}

func TestRatingClick(t *testing.T) {
	e := newEnv(t, envOpts{})
	ans := e.askDM("D1", "U1", qPassword, "Reset your password")
	b, act := e.buttonOf(ans, formatting.ActRateAnswer)
	e.interaction(PathInteractions, e.clickPayload("U1", ans, slacktest.ButtonAction(b)))
	eventually(t, "the rating", func() bool { return len(e.sim.CallsTo("POST /v1/surveyQuestion")) == 1 })
	sq := e.sim.CallsTo("POST /v1/surveyQuestion")[0]
	if sq.Int("logId") != act.LogID || sq.Int("questionSurveyOptionId") != int64(act.Option) || act.LogID == 0 {
		t.Errorf("surveyQuestion %v, want logId %d option %d", sq.Body, act.LogID, act.Option)
	}
	eventually(t, "the thanks", func() bool {
		_, ok := find(t, e.slack.Posted("D1"), "Thank")
		return ok
	})
	eventually(t, "the rating retired", func() bool {
		upd, _ := e.slack.Msg(ans.Channel, ans.TS)
		kinds := e.kinds(upd)
		return kinds[formatting.ActRateAnswer] == 0 && kinds[formatting.ActHit] > 0 && strings.Contains(text(t, upd), "✓")
	})
}

// kinds counts the live buttons of m by the kind of their action.
func (e *env) kinds(m slacktest.Msg) map[formatting.ActionKind]int {
	e.t.Helper()
	out := map[formatting.ActionKind]int{}
	buttons, selects := slacktest.Elements(e.t, m.Blocks)
	for _, b := range buttons {
		out[e.action(b.Value).Action.Kind]++
	}
	for _, s := range selects {
		for _, o := range s.Options {
			out[e.action(o.Value).Action.Kind]++
		}
	}
	return out
}

func TestClickByAnotherUserRefused(t *testing.T) {
	e := newEnv(t, envOpts{})
	m := slacktest.Mention("C1", "U1", "", "<@"+slacktest.BotUser+"> "+qPassword)
	e.event(slacktest.NewEventID(), m)
	var ans slacktest.Msg
	eventually(t, "the answer", func() bool {
		var ok bool
		ans, ok = find(t, e.slack.Posted("C1"), "Reset your password")
		return ok
	})
	b, _ := e.buttonOf(ans, formatting.ActHit)
	e.interaction(PathInteractions, e.clickPayload("U2", ans, slacktest.ButtonAction(b)))
	eventually(t, "the refusal", func() bool { return len(e.slack.Posted("C1")) >= 3 })
	if n := len(e.sim.CallsTo("POST /v1/hit")); n != 0 {
		t.Errorf("KM hit calls = %d after a foreign click", n)
	}
	if upd, _ := e.slack.Msg(ans.Channel, ans.TS); strings.Contains(text(t, upd), "✓") {
		t.Error("a refused click retired the owner's buttons")
	}
	// The owner still can.
	e.interaction(PathInteractions, e.clickPayload("U1", ans, slacktest.ButtonAction(b)))
	eventually(t, "the owner's hit", func() bool { return len(e.sim.CallsTo("POST /v1/hit")) == 1 })
}

// A sent message with buttons is remembered by its token groups; its Slack
// copy only when it is ephemeral, since any other comes back in its click's
// payload.
func TestRememberKeepsTheCopyOfEphemeralMessagesOnly(t *testing.T) {
	s := &sender{sent: memo.NewLRU[string, sentMsg](10, time.Hour, time.Now)}
	m := formatting.Message{Blocks: []formatting.Block{
		&formatting.Buttons{Items: []formatting.Button{{Label: "A", Token: "ta"}, {Label: "B", Token: "tb"}}},
		&formatting.Buttons{Items: []formatting.Button{{Label: "Docs", URL: "https://example.com"}}},
		&formatting.Buttons{Items: []formatting.Button{{Label: "👍", Token: "ty"}}},
	}}
	shown := slackfmt.Render(m)[0]
	groups := formatting.TokenGroups(m)
	dm := bridge.ConvKey{Platform: platform, Channel: "D1", User: "U1"}
	eph := ephemeralKey("C1", "U1")
	s.remember(dm, "1.1", groups, shown)
	s.remember(eph, "1.2", groups, shown)
	got, _ := s.sent.Get(msgKey("D1", "1.1"))
	if len(got.shown.Blocks) != 0 || len(got.groups) != 2 || got.groups[1][0] != "ty" {
		t.Errorf("DM message remembered as %+v, want its two token groups only", got)
	}
	if got, _ := s.sent.Get(msgKey("C1", "1.2")); len(got.shown.Blocks) == 0 {
		t.Error("an ephemeral message's copy was not kept: its click's payload does not carry it")
	}
	if g := formatting.RetiringAmong(groups, "tb", "✓ B", false); len(g.Tokens) != 2 || g.Tokens[0] != "ta" {
		t.Errorf("RetiringAmong = %+v, want the group of ta and tb", g)
	}
}
