package slackadapter

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/slack-go/slack"

	"github.com/kmbridge/kmbridge/adapters/slack/slacktest"
	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/bridge/bridgetest/e2e"
	"github.com/kmbridge/kmbridge/formatting"
)

func TestDMQuestionAnsweredWithBlocks(t *testing.T) {
	e := newEnv(t, envOpts{})
	e.slack.AddUser(slack.User{ID: "U1", Name: "ann", RealName: "Ann Lee", Locale: "en-US",
		Profile: slack.UserProfile{DisplayName: "ann.lee", Email: "ann@example.com"}})
	e.event(slacktest.NewEventID(), slacktest.IMMessage("D1", "U1", qPassword))

	got := e.waitPosted("D1", 2)
	if !strings.Contains(text(t, got[0]), "Example Corp helpdesk bot") {
		t.Errorf("first message is not the welcome: %q", text(t, got[0]))
	}
	ans, ok := find(t, got, "Reset your password")
	if !ok {
		t.Fatalf("no answer in %d messages", len(got))
	}
	if len(slacktest.Blocks(t, ans.Blocks)) == 0 || ans.Thread != "" {
		t.Errorf("answer: %d blocks, thread %q", len(slacktest.Blocks(t, ans.Blocks)), ans.Thread)
	}
	if b, _ := slacktest.Elements(t, ans.Blocks); len(b) == 0 {
		t.Error("answer has no buttons (suggestions, rating)")
	}
	infos := e.slack.Calls("users.info")
	if len(infos) != 1 || infos[0].Form.Get("include_locale") != "true" || infos[0].Form.Get("user") != "U1" {
		t.Errorf("users.info calls: %+v", infos)
	}
	inits := e.sim.CallsTo("POST /v1/initClient")
	if len(inits) != 1 {
		t.Fatalf("initClient calls = %d", len(inits))
	}
	cust, _ := inits[0].Body["customer"].(map[string]any)
	if cust["nickname"] != "ann.lee" || cust["email"] != "ann@example.com" || cust["customer_token"] != "slack:U1" {
		t.Errorf("customer = %v", cust)
	}
}

func TestMentionAnsweredInThreadAndFollowUpReusesSession(t *testing.T) {
	e := newEnv(t, envOpts{})
	m := slacktest.Mention("C1", "U1", "", "<@"+slacktest.BotUser+"> "+qPassword)
	root := m["ts"].(string)
	e.event(slacktest.NewEventID(), m)
	// The same mention also arrives as a plain channel message: ignored.
	top := slacktest.ChanMessage("C1", "U1", "", "<@"+slacktest.BotUser+"> "+qPassword)
	top["ts"] = root
	e.event(slacktest.NewEventID(), top)

	got := e.waitPosted("C1", 2)
	for _, p := range got {
		if p.Thread != root {
			t.Errorf("reply not in the mention's thread: thread_ts %q, want %q", p.Thread, root)
		}
	}
	if _, ok := find(t, got, "Reset your password"); !ok {
		t.Fatal("no answer in the thread")
	}

	// A follow-up in the thread, without a mention, continues the KM session.
	e.event(slacktest.NewEventID(), slacktest.ChanMessage("C1", "U2", root, qWifi))
	got = e.waitPosted("C1", 3)
	if _, ok := find(t, got[2:], "ExampleGuest"); !ok {
		t.Fatalf("follow-up not answered: %q", text(t, got[len(got)-1]))
	}
	if n := len(e.sim.CallsTo("POST /v1/initClient")); n != 1 {
		t.Errorf("initClient calls = %d, want 1 (the thread's session reused)", n)
	}
	chats := e.sim.CallsTo("POST /v1/chat")
	if len(chats) != 2 || chats[0].Int("sessionId") != chats[1].Int("sessionId") {
		t.Errorf("chat calls %d with sessions %v", len(chats), sessions(chats))
	}
}

func TestIgnoredMessages(t *testing.T) {
	e := newEnv(t, envOpts{})
	root := slacktest.NewTS()
	for name, ev := range map[string]map[string]any{
		"top-level channel message": slacktest.ChanMessage("C1", "U1", "", qPassword),
		"thread that is not ours":   slacktest.ChanMessage("C1", "U1", root, qPassword),
		"bot message":               withFields(slacktest.IMMessage("D1", "U1", qPassword), "subtype", "bot_message", "bot_id", "B9"),
		"message with bot_id":       withFields(slacktest.IMMessage("D1", "U1", qPassword), "bot_id", "B9"),
		"own message":               slacktest.IMMessage("D1", slacktest.BotUser, qPassword),
		"edit":                      withFields(slacktest.IMMessage("D1", "U1", qPassword), "subtype", "message_changed"),
		"join":                      withFields(slacktest.ChanMessage("C1", "U1", "", "joined"), "subtype", "channel_join"),
		"deletion":                  withFields(slacktest.IMMessage("D1", "U1", ""), "subtype", "message_deleted"),
		"mention by a bot":          withFields(slacktest.Mention("C1", "U1", "", "<@"+slacktest.BotUser+"> hi"), "bot_id", "B9"),
	} {
		e.event(slacktest.NewEventID(), ev)
		_ = name
	}
	// A question afterwards is answered: everything before it was dropped.
	e.event(slacktest.NewEventID(), slacktest.IMMessage("D2", "U3", qWifi))
	e.waitPosted("D2", 2)
	if n := len(e.slack.Posted("")); n != 2 {
		t.Errorf("%d messages posted, want only the welcome and answer for D2", n)
	}
	if n := len(e.sim.CallsTo("POST /v1/chat")); n != 1 {
		t.Errorf("KM chat calls = %d, want 1", n)
	}
}

func TestBareMentionShowsHelp(t *testing.T) {
	e := newEnv(t, envOpts{})
	m := slacktest.Mention("C1", "U1", "", "<@"+slacktest.BotUser+">")
	e.event(slacktest.NewEventID(), m)
	got := e.waitPosted("C1", 1)
	if !strings.Contains(text(t, got[0]), "/ask faq") {
		t.Errorf("help = %q", text(t, got[0]))
	}
	if got[0].Thread != m["ts"] {
		t.Errorf("help not in thread")
	}
}

func TestRedeliveredEventAnsweredOnce(t *testing.T) {
	e := newEnv(t, envOpts{})
	id := slacktest.NewEventID()
	ev := slacktest.IMMessage("D1", "U1", qWifi)
	e.event(id, ev)
	e.event(id, ev, withHeader("X-Slack-Retry-Num", "1"), withHeader("X-Slack-Retry-Reason", "http_timeout"))
	e.event(id, ev, withHeader("X-Slack-Retry-Num", "2"), withHeader("X-Slack-Retry-Reason", "http_timeout"))
	e.waitPosted("D1", 2)
	// A later question in the conversation proves the duplicates were not queued.
	e.event(slacktest.NewEventID(), slacktest.IMMessage("D1", "U1", qPassword))
	got := e.waitPosted("D1", 3)
	if _, ok := find(t, got[2:], "Reset your password"); !ok {
		t.Fatalf("third message is not the second answer: %q", text(t, got[2]))
	}
	if n := len(e.sim.CallsTo("POST /v1/chat")); n != 2 {
		t.Errorf("KM chat calls = %d, want 2", n)
	}
	if n := len(got); n != 3 {
		t.Errorf("%d messages, want 3", n)
	}
}

func withFields(m map[string]any, kv ...string) map[string]any {
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return m
}

func sessions(calls []kmsimCall) []int64 {
	var out []int64
	for _, c := range calls {
		out = append(out, c.Int("sessionId"))
	}
	return out
}

// A thread the bot answered in is still its own after a restart: the host
// knows it by the conversation's KM session in the store.
func TestThreadRecognisedAfterRestartThroughTheStore(t *testing.T) {
	w := e2e.NewWorld(t, e2e.WorldOptions{Persist: true})
	fake := slacktest.NewServer(t)
	e := bootEnv(t, w, fake, envOpts{})
	m := slacktest.Mention("C1", "U1", "", "<@"+slacktest.BotUser+"> "+qPassword)
	root := m["ts"].(string)
	e.event(slacktest.NewEventID(), m)
	e.waitPosted("C1", 2)
	e.p.Stop() // the restart: a new process, a new adapter, the same store and Slack
	e = bootEnv(t, w, fake, envOpts{})
	e.event(slacktest.NewEventID(), slacktest.ChanMessage("C1", "U1", root, qWifi))
	got := e.waitPosted("C1", 3)
	if _, ok := find(t, got[2:], "ExampleGuest"); !ok || got[2].Thread != root {
		t.Errorf("follow-up after restart not answered in the thread")
	}
}

func TestBotIDFromAuthTestWhenEventsDoNotSay(t *testing.T) {
	e := newEnv(t, envOpts{})
	body := map[string]any{
		"token": "legacy", "team_id": "T1", "api_app_id": "A1", "type": "event_callback",
		"event_id": slacktest.NewEventID(), "event_time": 1, "event": slacktest.Mention("C1", "U1", "", "<@"+slacktest.BotUser+"> "+qWifi),
	}
	b, _ := json.Marshal(body)
	if code, _ := e.post(PathEvents, "application/json", b); code != 200 {
		t.Fatalf("HTTP %d", code)
	}
	e.waitPosted("C1", 2)
	if n := len(e.slack.Calls("auth.test")); n != 1 {
		t.Errorf("auth.test calls = %d", n)
	}
	if q := e.sim.CallsTo("POST /v1/chat")[0].Str("queryContent"); q != qWifi {
		t.Errorf("KM was asked %q", q)
	}
}

func TestEphemeralCannotBeEdited(t *testing.T) {
	e := newEnv(t, envOpts{})
	err := e.ad.Edit(context.Background(), bridge.MsgRef{Key: ephemeralKey("C1", "U1"), ID: "1.2"}, formatting.Plain("x"))
	if err == nil {
		t.Error("editing an ephemeral message succeeded")
	}
}

func TestDMThreadReplyStaysInTheUsersConversation(t *testing.T) {
	e := newEnv(t, envOpts{})
	ans := e.askDM("D1", "U1", qPassword, "Reset your password")
	reply := slacktest.IMMessage("D1", "U1", qWifi)
	reply["thread_ts"] = ans.TS
	e.event(slacktest.NewEventID(), reply)
	got := e.waitPosted("D1", 3)
	if _, ok := find(t, got[2:], "ExampleGuest"); !ok {
		t.Fatal("thread reply not answered")
	}
	if n := len(e.sim.CallsTo("POST /v1/initClient")); n != 1 {
		t.Errorf("initClient calls = %d, want 1: a DM is one conversation per user", n)
	}
}
