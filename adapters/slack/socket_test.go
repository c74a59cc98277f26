package slackadapter

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/kmbridge/kmbridge/adapters/slack/slacktest"
	"github.com/kmbridge/kmbridge/formatting"
)

func socketEnv(t *testing.T) *env {
	return newEnv(t, envOpts{cfg: func(c *Config) { c.AppToken, c.SigningSecret = slacktest.AppToken, "" }})
}

func envelope(typ string, payload any, retry int) (string, map[string]any) {
	id := fmt.Sprintf("env-%d", uniq())
	return id, map[string]any{"envelope_id": id, "type": typ, "payload": payload,
		"accepts_response_payload": typ != "events_api", "retry_attempt": retry}
}

func TestSocketModeRoundTrip(t *testing.T) {
	e := socketEnv(t)
	eventually(t, "the socket", func() bool { return e.slack.SocketCount() > 0 })
	if n := len(e.slack.Calls("apps.connections.open")); n < 1 {
		t.Fatalf("apps.connections.open calls = %d", n)
	}
	// An event: acknowledged on the socket, answered through the Web API.
	var ev map[string]any
	_ = json.Unmarshal(slacktest.Callback("EvSock1", slacktest.IMMessage("D1", "U1", qPassword)), &ev)
	id, env := envelope("events_api", ev, 0)
	if !e.slack.Push(env) {
		t.Fatal("no socket")
	}
	e.slack.WaitAck(t, id)
	got := e.waitPosted("D1", 2)
	ans, ok := find(t, got, "Reset your password")
	if !ok {
		t.Fatal("no answer")
	}
	// Slack re-sends it (no ack seen in time): handled once.
	id2, env2 := envelope("events_api", ev, 1)
	e.slack.Push(env2)
	e.slack.WaitAck(t, id2)

	// A click.
	b, act := e.buttonOf(ans, formatting.ActHit)
	id3, env3 := envelope("interactive", e.clickPayload("U1", ans, slacktest.ButtonAction(b)), 0)
	e.slack.Push(env3)
	e.slack.WaitAck(t, id3)
	eventually(t, "the hit", func() bool { return len(e.sim.CallsTo("POST /v1/hit")) == 1 })
	if h := e.sim.CallsTo("POST /v1/hit")[0]; h.Int("questionId") != act.QuestionID {
		t.Errorf("hit %v", h.Body)
	}

	// A typeahead: the options come back in the ack.
	id4, env4 := envelope("interactive", map[string]any{
		"type": "block_suggestion", "user": map[string]any{"id": "U1"}, "action_id": searchActionID,
		"block_id": searchActionID, "value": "password", "view": map[string]any{"type": "home", "private_metadata": "D1"},
	}, 0)
	e.slack.Push(env4)
	ack := e.slack.WaitAck(t, id4)
	if !strings.Contains(string(ack.Payload), "Ask: password") || !strings.Contains(string(ack.Payload), `"options"`) {
		t.Errorf("typeahead ack payload %s", ack.Payload)
	}

	// A slash command from a channel: the ack says where the answer is.
	id5, env5 := envelope("slash_commands", map[string]any{
		"command": "/ask", "text": qWifi, "user_id": "U1", "channel_id": "C9", "team_id": "T1", "trigger_id": "trig-sock",
	}, 0)
	e.slack.Push(env5)
	ack = e.slack.WaitAck(t, id5)
	if !strings.Contains(string(ack.Payload), "direct message") {
		t.Errorf("command ack payload %s", ack.Payload)
	}
	eventually(t, "the command's answer", func() bool {
		_, ok := find(t, e.slack.Posted("D1"), "ExampleGuest")
		return ok
	})
	if n := len(e.sim.CallsTo("POST /v1/chat")); n != 2 {
		t.Errorf("KM chat calls = %d, want 2 (the re-sent event handled once)", n)
	}
	if n := len(e.sim.CallsTo("POST /v1/initClient")); n != 1 {
		t.Errorf("initClient calls = %d, want 1", n)
	}
}

func TestSocketModeRefusedToken(t *testing.T) {
	e := newEnv(t, envOpts{noRun: true, cfg: func(c *Config) { c.AppToken, c.SigningSecret = "xapp-wrong", "" }})
	ctx, cancel := contextWithCancel()
	defer cancel()
	err := e.ad.Run(ctx)
	if err == nil || !strings.Contains(err.Error(), "socket mode") {
		t.Errorf("Run = %v, want a socket mode error", err)
	}
}

// Ready follows the Socket Mode connection: ready once connected, not ready
// (saying why) while it reconnects and Slack refuses to open a connection;
// over HTTP, ready while running.
func TestSocketModeReady(t *testing.T) {
	e := socketEnv(t)
	eventually(t, "ready", func() bool { return e.ad.Ready() == nil })
	e.slack.Limit("apps.connections.open", 30) // the reconnection waits 30 s
	_, env := envelope("disconnect", nil, 0)
	env["reason"] = "refresh_requested"
	if !e.slack.Push(env) {
		t.Fatal("no socket")
	}
	eventually(t, "unready while reconnecting", func() bool {
		err := e.ad.Ready()
		return err != nil && strings.Contains(err.Error(), "socket mode")
	})
	if err := e.ad.Ready(); strings.Contains(err.Error(), slacktest.AppToken) || strings.Contains(err.Error(), slacktest.BotToken) {
		t.Errorf("Ready names a token: %v", err)
	}

	h := newEnv(t, envOpts{})
	eventually(t, "ready over HTTP", func() bool { return h.ad.Ready() == nil })
}
