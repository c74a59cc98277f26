package slackadapter

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/kmbridge/kmbridge/adapters/slack/slacktest"
)

func (e *env) command(channel, user, text string) (int, []byte) {
	e.t.Helper()
	body := url.Values{
		"command": {"/ask"}, "text": {text}, "user_id": {user}, "channel_id": {channel}, "team_id": {"T1"},
		"trigger_id": {fmt.Sprintf("trig%d", uniq())}, "response_url": {e.slack.HookURL(fmt.Sprintf("c%d", uniq()))},
	}.Encode()
	return e.post(PathCommands, "application/x-www-form-urlencoded", []byte(body))
}

func TestSlashCommandAnswersInDM(t *testing.T) {
	e := newEnv(t, envOpts{})
	code, body := e.command("C1", "U7", qPassword)
	if code != http.StatusOK {
		t.Fatalf("HTTP %d", code)
	}
	var reply struct {
		ResponseType string `json:"response_type"`
		Text         string `json:"text"`
	}
	if err := json.Unmarshal(body, &reply); err != nil || reply.ResponseType != "ephemeral" || !strings.Contains(reply.Text, "direct message") {
		t.Errorf("immediate reply %s", body)
	}
	if n := len(e.slack.Calls("conversations.open")); n != 1 {
		t.Errorf("conversations.open calls = %d", n)
	}
	got := e.waitPosted("D7", 2)
	if _, ok := find(t, got, "Reset your password"); !ok {
		t.Errorf("no answer in the DM")
	}
	if n := len(e.slack.Posted("C1")); n != 0 {
		t.Errorf("%d messages in the channel", n)
	}

	// "/ask" alone: the help (with "/ask faq") and the FAQ.
	e.command("C1", "U7", "")
	got = e.waitPosted("D7", 4)
	if !strings.Contains(text(t, got[2]), "/ask faq") {
		t.Errorf("help = %q", text(t, got[2]))
	}
	if !strings.Contains(text(t, got[3]), "Accounts") {
		t.Errorf("FAQ = %q", text(t, got[3]))
	}
	// "/ask hot" runs the command.
	e.command("D7", "U7", "hot")
	got = e.waitPosted("D7", 5)
	if !strings.Contains(text(t, got[4]), "Popular questions") || len(e.sim.CallsTo("POST /v1/chat/hotQuestions")) != 1 {
		t.Errorf("hot = %q", text(t, got[4]))
	}
}

func TestSlashCommandEphemeral(t *testing.T) {
	e := newEnv(t, envOpts{cfg: func(c *Config) { c.SlashReply = ReplyEphemeral }})
	code, body := e.command("C1", "U7", qWifi)
	if code != http.StatusOK || len(strings.TrimSpace(string(body))) != 0 {
		t.Fatalf("HTTP %d %s", code, body)
	}
	got := e.waitPosted("C1", 2)
	for _, m := range got {
		if !m.Ephemeral || m.User != "U7" {
			t.Errorf("not ephemeral to U7: %+v", m)
		}
	}
	ans, ok := find(t, got, "ExampleGuest")
	if !ok {
		t.Fatal("no ephemeral answer")
	}
	// A click on an ephemeral message is retired through its response_url.
	ans2 := ans
	e.command("C1", "U7", qPassword)
	eventually(t, "the second answer", func() bool {
		var ok bool
		ans2, ok = find(t, e.slack.Posted("C1"), "Reset your password")
		return ok
	})
	b, _ := e.buttonOf(ans2, "rate_answer")
	e.interaction(PathInteractions, e.clickPayload("U7", ans2, slacktest.ButtonAction(b)))
	eventually(t, "the rating", func() bool { return len(e.sim.CallsTo("POST /v1/surveyQuestion")) == 1 })
	eventually(t, "the response_url replace", func() bool {
		for _, h := range e.slack.Hooks() {
			if h["replace_original"] == true {
				return true
			}
		}
		return false
	})
}
