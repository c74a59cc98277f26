package slackadapter

// What the hand-over needs of the adapter (issue #11), through slack-go and
// fakeSlack with a recording host: case threads (bridge.ThreadStarter),
// messages in joined threads without a mention, never the bridge's own or a
// bot's, the author's formatting (Message.Rich), files as links
// (Message.Files) and the author's display name.

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/kmbridge/kmbridge/adapters/slack/slacktest"
	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/bridge/bridgetest"
	"github.com/kmbridge/kmbridge/formatting"
)

// rig is the adapter running on a recording host, its routes served.
type rig struct {
	*driver
	host *bridgetest.Host
}

func newRig(t *testing.T, cfg func(*Config)) *rig {
	t.Helper()
	r := &rig{driver: &driver{cfg: cfg}, host: bridgetest.NewHost()}
	ad := r.Boot(t, r.host)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- ad.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	r.Ready(t)
	return r
}

// say posts a message event and returns whether Slack saw it acknowledged.
func (r *rig) say(t *testing.T, ev map[string]any) bool {
	t.Helper()
	id := slacktest.NewEventID()
	return r.event(t, id, slacktest.Callback(id, ev)).Acked
}

// delivered waits for the n-th accepted delivery (from 1) and returns its event.
func (r *rig) delivered(t *testing.T, n int) bridge.Event {
	t.Helper()
	return r.host.WaitDeliveries(t, n, waitFor)[n-1].Event
}

// quiet checks that nothing more than n deliveries were tried.
func (r *rig) quiet(t *testing.T, n int, what string) {
	t.Helper()
	time.Sleep(50 * time.Millisecond)
	if got := len(r.host.Tries()); got != n {
		t.Errorf("%s: %d deliveries tried, want %d: %v", what, got, n, r.host.Tries())
	}
}

func TestStartThreadIsACaseThread(t *testing.T) {
	r := newRig(t, nil)
	ctx := context.Background()
	card := formatting.Message{Blocks: []formatting.Block{
		&formatting.Text{Rich: formatting.Rich{para(sp("Case 42", formatting.Bold), plain(": Ann needs help"))}},
		&formatting.Buttons{Items: []formatting.Button{{Label: "Claim", Token: "claim"}, {Label: "Resolve", Token: "resolve"}}},
	}}
	key, root, err := r.ad.StartThread(ctx, bridge.ConvKey{Platform: platform, Workspace: "T1", Channel: "CAGENTS"}, "Case 42", card)
	if err != nil {
		t.Fatal(err)
	}
	posted := r.fake.Posted("CAGENTS")
	if len(posted) != 1 || posted[0].Thread != "" || !strings.Contains(text(t, posted[0]), "Case 42") {
		t.Fatalf("the card is not one message at the top of the channel: %+v", posted)
	}
	ts := posted[0].TS
	if want := (bridge.ConvKey{Platform: platform, Channel: "CAGENTS", Thread: ts}); key != want || root != (bridge.MsgRef{Key: key, ID: ts}) {
		t.Fatalf("StartThread = %v %v, want %v and the card's ts %s", key, root, want, ts)
	}

	// The desk knows its case threads (host.Joined): an agent's reply there
	// is delivered without a mention, with exactly the thread's key.
	r.host.SetJoined(key, true)
	r.fake.AddUser(slack.User{ID: "UAGENT", Name: "dana", Profile: slack.UserProfile{DisplayName: "Dana"}})
	if !r.say(t, slacktest.ChanMessage("CAGENTS", "UAGENT", ts, "Hello *Ann*, try <https://ex.com/reset|this>")) {
		t.Fatal("the agent's reply was not acknowledged")
	}
	m, ok := r.delivered(t, 1).(bridge.Message)
	if !ok || m.Key != key || m.User.Name != "Dana" || m.Text != "Hello *Ann*, try this" {
		t.Fatalf("delivered %#v, want the agent's message in %v from Dana", m, key)
	}
	want := formatting.Rich{para(plain("Hello "), sp("Ann", formatting.Bold), plain(", try "), link("this", "https://ex.com/reset"))}
	if formatting.Dump(msgOf(m.Rich)) != formatting.Dump(msgOf(want)) {
		t.Errorf("Rich = %s", formatting.Dump(msgOf(m.Rich)))
	}
	// Never the bridge's own posts or a bot's, joined thread or not.
	r.say(t, withFields(slacktest.ChanMessage("CAGENTS", slacktest.BotUser, ts, "relayed from Ann"), "bot_id", "BBOT"))
	r.say(t, slacktest.ChanMessage("CAGENTS", slacktest.BotUser, ts, "our own"))
	r.say(t, withFields(slacktest.ChanMessage("CAGENTS", "UOTHER", ts, "a bot"), "subtype", "bot_message", "bot_id", "B9"))
	// Nor a thread the bridge takes no part in.
	r.say(t, slacktest.ChanMessage("CAGENTS", "UAGENT", "1600000000.999999", "elsewhere"))
	r.quiet(t, 1, "bot messages and other threads")

	// Sending to the thread's key lands in the thread; Edit on the root
	// updates the card in place; a click on the card is the thread's.
	if _, err := r.ad.Send(ctx, key, formatting.Plain("Ann wrote: thanks")); err != nil {
		t.Fatal(err)
	}
	if got := r.fake.Posted("CAGENTS"); len(got) != 2 || got[1].Thread != ts {
		t.Fatalf("the relay did not land in the thread: %+v", got)
	}
	claimed := formatting.Message{Blocks: []formatting.Block{&formatting.Text{Rich: formatting.Rich{para(plain("Case 42: claimed by Dana"))}}}}
	if err := r.ad.Edit(ctx, root, claimed); err != nil {
		t.Fatal(err)
	}
	if upd, _ := r.fake.Msg("CAGENTS", ts); !strings.Contains(text(t, upd), "claimed by Dana") || len(r.fake.Posted("CAGENTS")) != 2 {
		t.Errorf("the card was not edited in place: %q", text(t, upd))
	}
	if err := r.ad.Edit(ctx, root, card); err != nil { // the buttons back, for the click
		t.Fatal(err)
	}
	in := r.Click(t, "AGENT", root, "claim")
	c, ok := r.delivered(t, 2).(bridge.Click)
	if !in.Acked || !ok || c.Key != key || c.Ref.ID != ts || c.Token != "claim" {
		t.Errorf("click on the card delivered %#v, want a click in %v", c, key)
	}
}

// Under bridge.channel_scope user a person's message in a case thread keeps
// its per-user key; the thread as a whole is what the desk joined.
func TestCaseThreadUnderUserScope(t *testing.T) {
	r := newRig(t, func(c *Config) { c.Scope = bridge.ScopeUser })
	key, _, err := r.ad.StartThread(context.Background(), bridge.ConvKey{Platform: platform, Channel: "CAGENTS"}, "", formatting.Plain("Case 7"))
	if err != nil {
		t.Fatal(err)
	}
	if key.User != "" {
		t.Fatalf("thread key %v has a user", key)
	}
	r.host.SetJoined(key, true)
	r.say(t, slacktest.ChanMessage("CAGENTS", "UAGENT", key.Thread, "on it"))
	m, ok := r.delivered(t, 1).(bridge.Message)
	if want := (bridge.ConvKey{Platform: platform, Channel: "CAGENTS", Thread: key.Thread, User: "UAGENT"}); !ok || m.Key != want {
		t.Errorf("delivered %#v, want a message keyed %v", m, want)
	}
}

// A mention in a joined thread arrives as app_mention and as a message; only
// the app_mention is delivered.
func TestMentionInJoinedThreadDeliveredOnce(t *testing.T) {
	r := newRig(t, nil)
	key := bridge.ConvKey{Platform: platform, Channel: "C1", Thread: "1600000000.000001"}
	r.host.SetJoined(key, true)
	msg := slacktest.ChanMessage("C1", "U1", key.Thread, "<@"+slacktest.BotUser+"> and this?")
	mention := slacktest.Mention("C1", "U1", key.Thread, "<@"+slacktest.BotUser+"> and this?")
	mention["ts"] = msg["ts"]
	r.say(t, msg)
	r.say(t, mention)
	if m, ok := r.delivered(t, 1).(bridge.Message); !ok || m.Text != "and this?" || m.Key != key {
		t.Errorf("delivered %#v", m)
	}
	r.say(t, slacktest.ChanMessage("C1", "U1", key.Thread, "<@"+slacktest.BotUser+"|kmbridge> labelled")) // its app_mention twin would be delivered
	r.quiet(t, 1, "the message twin of a mention")
}

// Rich comes from the rich_text blocks when the message has them; files are
// their permalinks, never url_private (it needs the bot token).
func TestRichTextAndFilesDelivered(t *testing.T) {
	r := newRig(t, nil)
	ev := slacktest.IMMessage("D1", "U1", "*ignored* mrkdwn")
	ev["subtype"] = "file_share"
	ev["blocks"] = json.RawMessage(`[{"type":"rich_text","block_id":"b","elements":[{"type":"rich_text_section","elements":[
		{"type":"text","text":"see "},{"type":"text","text":"this","style":{"italic":true}}]}]}]`)
	ev["files"] = []map[string]any{
		{"id": "F1", "name": "shot.png", "title": "Screenshot", "mimetype": "image/png", "size": 2048,
			"url_private": "https://files.slack.com/files-pri/T1-F1/shot.png", "permalink": "https://ex.slack.com/files/U1/F1/shot.png",
			"permalink_public": "https://slack-files.com/T1-F1-abcdef"},
		{"id": "F2", "name": "secret.txt", "url_private": "https://files.slack.com/files-pri/T1-F2/secret.txt",
			"permalink": "https://ex.slack.com/files/U1/F2/secret.txt?t=xoxe-123"},
		{"id": "F3", "file_access": "check_file_info"},
	}
	if !r.say(t, ev) {
		t.Fatal("not acknowledged")
	}
	m, ok := r.delivered(t, 1).(bridge.Message)
	if !ok {
		t.Fatalf("delivered %#v", r.delivered(t, 1))
	}
	want := formatting.Rich{para(plain("see "), sp("this", formatting.Italic))}
	if formatting.Dump(msgOf(m.Rich)) != formatting.Dump(msgOf(want)) {
		t.Errorf("Rich = %s", formatting.Dump(msgOf(m.Rich)))
	}
	wantFiles := []bridge.Attachment{
		{Name: "shot.png", MIME: "image/png", URL: "https://ex.slack.com/files/U1/F1/shot.png", Size: 2048},
		{Name: "secret.txt"},
	}
	if len(m.Files) != len(wantFiles) {
		t.Fatalf("Files = %+v, want %+v", m.Files, wantFiles)
	}
	for i := range wantFiles {
		if m.Files[i] != wantFiles[i] {
			t.Errorf("file %d = %+v, want %+v", i, m.Files[i], wantFiles[i])
		}
	}
}

// Without rich_text blocks (an app, an old client) Rich is parsed from the
// mrkdwn text, mentions by the names the adapter knows.
func TestRichFromMrkdwn(t *testing.T) {
	r := newRig(t, nil)
	r.fake.AddUser(slack.User{ID: "UANN", Profile: slack.UserProfile{DisplayName: "Ann"}})
	r.say(t, slacktest.IMMessage("D1", "UANN", "hi")) // caches Ann's profile
	r.say(t, slacktest.IMMessage("D1", "U2", "ask <@UANN> about `x` &amp; _y_"))
	m := r.delivered(t, 2).(bridge.Message)
	want := formatting.Rich{para(plain("ask "), plain("@Ann"), plain(" about "), sp("x", formatting.Code), plain(" & "), sp("y", formatting.Italic))}
	if formatting.Dump(msgOf(m.Rich)) != formatting.Dump(msgOf(want)) {
		t.Errorf("Rich = %s", formatting.Dump(msgOf(m.Rich)))
	}
}

// Slack's delivery ids: an event's event_id (its HTTP retry is the same
// delivery), a click's user, message and action_ts, a command's trigger_id.
func TestDeliveryIDs(t *testing.T) {
	r := newRig(t, nil)
	id := slacktest.NewEventID()
	body := slacktest.Callback(id, slacktest.IMMessage("D1", "U1", "hi"))
	r.event(t, id, body)
	r.event(t, id, body, withHeader("X-Slack-Retry-Num", "1"))
	tries := r.host.Tries()
	if len(tries) != 2 || tries[0].ID != id || tries[1].ID != id {
		t.Fatalf("deliveries %v, want two under %s", tries, id)
	}
	if n := len(r.host.Deliveries()); n != 1 {
		t.Errorf("%d accepted, want 1", n)
	}
	code := r.post(t, PathCommands, "application/x-www-form-urlencoded",
		[]byte("command=%2Fask&text=&user_id=U1&channel_id=D1&trigger_id=TRIG1"))
	if code != http.StatusOK {
		t.Fatalf("command: HTTP %d", code)
	}
	tries = r.host.Tries()[2:]
	if len(tries) != 2 || tries[0].ID != "command:TRIG1:0" || tries[1].ID != "command:TRIG1:1" {
		t.Errorf("command deliveries %v, want help and faq under TRIG1", tries)
	}
}
