package discordadapter_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/kmbridge/kmbridge/adapters/discord/discordtest"
	"github.com/kmbridge/kmbridge/kmclient"
	"github.com/kmbridge/kmbridge/kmclient/kmsim"
)

const mfa = "How do I set up multi-factor authentication?"

// sessionOf is the KM session of the first chat call.
func (w *world) sessionOf(t testing.TB) int64 {
	t.Helper()
	chats := w.simCalls("POST /v1/chat")
	if len(chats) == 0 {
		t.Fatal("no KM chat call")
	}
	return chats[0].Int("sessionId")
}

// robotLog finds the logId of KM's answer containing text in a session.
func (w *world) robotLog(t testing.TB, session int64, text string) int64 {
	t.Helper()
	km, err := kmclient.New(kmclient.Config{BaseURL: w.e2e.KMURL, Email: kmsim.SampleEmail, Token: kmsim.SampleToken})
	if err != nil {
		t.Fatal(err)
	}
	logs, _, err := km.SessionLogs(context.Background(), kmclient.ID(session), 1, 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range logs {
		if strings.Contains(string(l.Content), text) {
			return int64(l.ID)
		}
	}
	t.Fatalf("no log containing %q in session %d", text, session)
	return 0
}

// waitButton waits for a message with a button labelled label and returns
// the latest such message.
func (w *world) waitButton(t testing.TB, label string) discordtest.Call {
	t.Helper()
	var got discordtest.Call
	waitFor(t, "a button "+label, func() bool {
		found := false
		for _, c := range w.fake.Messages() {
			for _, b := range discordtest.Buttons(c) {
				if b.Label == label {
					got, found = c, true
				}
			}
		}
		return found
	})
	return got
}

// retiredEdit waits for the PATCH of an interaction's @original (the click's
// message) and returns it.
func (w *world) retiredEdit(t testing.TB, token string) discordtest.Call {
	t.Helper()
	var got discordtest.Call
	waitFor(t, "the clicked message to be updated", func() bool {
		for _, c := range w.fake.CallsTo("PATCH", `/webhooks/\d+/`+token+`/messages/@original`) {
			got = c
			return true
		}
		return false
	})
	return got
}

// waitChoice waits for a message with a select menu offering label and
// returns the latest such message.
func (w *world) waitChoice(t testing.TB, label string) discordtest.Call {
	t.Helper()
	var got discordtest.Call
	waitFor(t, "a menu offering "+label, func() bool {
		found := false
		for _, c := range w.fake.Messages() {
			for _, b := range discordtest.Buttons(c) {
				for _, o := range b.Options {
					if b.Type == 3 && o.Label == label {
						got, found = c, true
					}
				}
			}
		}
		return found
	})
	return got
}

// An answer's related questions and its rating share one message: a menu
// titled "Related questions" above the rating buttons. A choice is deferred
// (type 6), runs KM's hit with the ids of the answer it came from, and then
// only the menu is retired through the interaction (it gives way to the
// choice, shown); the rating buttons stay live and work, retiring their own
// row. A stale client choosing again does nothing.
func TestRelatedQuestionThenRating(t *testing.T) {
	w := newWorld(t, nil)
	w.boot(t, options{})
	w.fake.Dispatch("MESSAGE_CREATE", w.fake.DM(alice, "How do I reset my password?"))
	ans := w.fake.WaitMessage(t, "Reset your password")
	if n := len(w.fake.MessagesWith("Reset your password")); n != 1 {
		t.Fatalf("answer took %d messages", n)
	}
	if !strings.Contains(ans.Text(), "Was this answer helpful?") {
		t.Errorf("the rating's title is not on the answer: %q", ans.Text())
	}
	var menus, rating int
	for _, b := range discordtest.Buttons(ans) {
		switch {
		case b.Type == 3 && strings.HasPrefix(b.CustomID, "kmb:select"):
			menus++
		case b.Type == 2 && strings.HasPrefix(b.Label, "👍"), b.Type == 2 && strings.HasPrefix(b.Label, "👎"):
			rating++
		}
	}
	if menus != 1 || rating != 2 {
		t.Fatalf("answer has %d menus and %d rating buttons, want 1 and 2: %s", menus, rating, discordtest.CutBody(ans.Body))
	}

	menu, value := discordtest.Choice(t, ans, mfa)
	ix := w.fake.Press(alice, "", ans, menu, value)
	w.fake.Dispatch("INTERACTION_CREATE", ix)
	w.fake.WaitMessage(t, "Multi-factor authentication")
	hits := w.simCalls("POST /v1/hit")
	if len(hits) != 1 {
		t.Fatalf("hit calls = %d", len(hits))
	}
	sess := w.sessionOf(t)
	h := hits[0]
	if h.Int("sessionId") != sess || h.Int("questionId") != 1002 || h.Int("queryType") != kmclient.QuerySuggested ||
		h.Str("questionContent") != mfa || h.Int("logId") != w.robotLog(t, sess, "Reset your password") {
		t.Errorf("hit = %v, want session %d, question 1002, queryType 7 and the answer's logId", h.Body, sess)
	}
	tok := ix["token"].(string)
	var cbs []discordtest.Call
	waitFor(t, "the deferred update", func() bool {
		cbs = w.fake.CallsTo("POST", `/interactions/\d+/`+tok+`/callback`)
		return len(cbs) > 0
	})
	if len(cbs) != 1 || string(cbs[0].Body) != `{"type":6}` {
		t.Fatalf("callbacks = %+v, want one deferred update", cbs)
	}
	edit := w.retiredEdit(t, tok)
	if edit.Ref != ans.Ref {
		t.Errorf("retired message %s, want %s", edit.Ref, ans.Ref)
	}
	if !edit.At.After(cbs[0].At) {
		t.Errorf("the message was updated before the interaction was answered")
	}
	if got := strings.Join(shown(edit), "; "); got != "✓ "+mfa+" (chosen)" {
		t.Errorf("after the choice the message shows %q", got)
	}
	for _, b := range discordtest.Buttons(edit) {
		switch {
		case b.Type == 3:
			t.Errorf("related questions menu still there")
		case strings.HasPrefix(b.Label, "👍") || strings.HasPrefix(b.Label, "👎"):
			if b.Disabled {
				t.Errorf("rating button %q retired with the related questions", b.Label)
			}
		}
	}

	// A stale client chooses again: answered, nothing else.
	again := w.fake.Press(alice, "", ans, menu, value)
	w.fake.Dispatch("INTERACTION_CREATE", again)
	waitFor(t, "the stale choice to be answered", func() bool {
		return len(w.fake.CallsTo("POST", `/interactions/\d+/`+again["token"].(string)+`/callback`)) == 1
	})

	// The rating still works, and retires its own row.
	up := w.fake.Press(alice, "", ans, discordtest.ButtonID(t, ans, "👍 Helpful"))
	w.fake.Dispatch("INTERACTION_CREATE", up)
	waitFor(t, "the rating", func() bool { return len(w.simCalls("POST /v1/surveyQuestion")) == 1 })
	edit = w.retiredEdit(t, up["token"].(string))
	for _, b := range discordtest.Buttons(edit) {
		if b.URL == "" && !b.Disabled {
			t.Errorf("%q still enabled after both choices", b.Label)
		}
	}
	if got := strings.Join(shown(edit), "; "); got != "✓ "+mfa+" (chosen); ✓ 👍 Helpful (chosen)" {
		t.Errorf("after both choices the message shows %q: the rating undid the menu's retirement?", got)
	}
	if n := len(w.simCalls("POST /v1/hit")); n != 1 {
		t.Errorf("hit calls = %d after a stale choice, want 1", n)
	}
}

// In a thread, a choice by someone other than the asker is refused politely
// by the core and leaves the menu; the asker's choice works in the thread's
// conversation and retires it.
func TestThreadClick(t *testing.T) {
	w := newWorld(t, nil)
	w.fake.AddChannel(discordtest.Channel{ID: general, Type: 0, GuildID: discordtest.GuildID})
	w.boot(t, options{})
	q := w.fake.Post(general, alice, "How do I reset my password?", true)
	w.fake.Dispatch("MESSAGE_CREATE", q)
	ans := w.fake.WaitMessage(t, "Reset your password")
	menu, value := discordtest.Choice(t, ans, mfa)
	foreign := w.fake.Press(bob, discordtest.GuildID, ans, menu, value)
	w.fake.Dispatch("INTERACTION_CREATE", foreign)
	w.fake.WaitMessage(t, "someone else")
	mine := w.fake.Press(alice, discordtest.GuildID, ans, menu, value)
	w.fake.Dispatch("INTERACTION_CREATE", mine)
	if got := w.fake.WaitMessage(t, "Multi-factor authentication"); got.Channel != q["id"] {
		t.Errorf("click answered in %s, want the thread", got.Channel)
	}
	w.retiredEdit(t, mine["token"].(string))
	if n := len(w.fake.CallsTo("PATCH", `/webhooks/\d+/`+foreign["token"].(string)+`/messages/@original`)); n != 0 {
		t.Errorf("a refused click retired the buttons")
	}
	if n := len(w.simCalls("POST /v1/initClient")); n != 1 {
		t.Errorf("initClient calls = %d, want the thread's one session", n)
	}
}

// selectKB is a knowledge base with an answer offering more choices than
// buttons fit: discordfmt makes select menus of them.
func selectKB() string {
	var o, a strings.Builder
	for i := 1; i <= 30; i++ {
		n := strconv.Itoa(i)
		o.WriteString("              - {id: " + strconv.Itoa(2000+i) + ", value: \"Office " + n + "\"}\n")
		a.WriteString("      - id: " + strconv.Itoa(2000+i) + "\n        content: Office " + n +
			"\n        answer: {msgType: plain, content: \"Office " + n + " is on floor " + n + ".\"}\n")
	}
	return `
robot: {id: 83, channelId: 82, name: Select Bot, modelKey: helpdesk, welcome: "Hi!"}
categories:
  - id: 1
    name: Offices
    questions:
      - id: 2000
        content: Which office?
        answer:
          msgType: selective_list
          content:
            title: Pick an office
            optionList:
` + o.String() + a.String()
}

// A choice in a select menu is a click of the chosen option: KM hit with the
// option's id, and the menu is retired with the choice shown.
func TestSelectChoice(t *testing.T) {
	kb, err := kmsim.LoadKB(strings.NewReader(selectKB()))
	if err != nil {
		t.Fatal(err)
	}
	w := newWorld(t, kb)
	w.boot(t, options{})
	w.fake.Dispatch("MESSAGE_CREATE", w.fake.DM(alice, "Which office?"))
	var menu discordtest.Call
	var sel discordtest.ButtonView
	waitFor(t, "a select menu", func() bool {
		for _, c := range w.fake.Messages() {
			for _, b := range discordtest.Buttons(c) {
				if b.Type == 3 && len(b.Options) > 0 {
					menu, sel = c, b
					return true
				}
			}
		}
		return false
	})
	var value string
	for _, o := range sel.Options {
		if o.Label == "Office 7" {
			value = o.Value
		}
	}
	if value == "" {
		t.Fatalf("no option Office 7 in %+v", sel.Options)
	}
	ix := w.fake.Press(alice, "", menu, sel.CustomID, value)
	w.fake.Dispatch("INTERACTION_CREATE", ix)
	w.fake.WaitMessage(t, "Office 7 is on floor 7")
	hits := w.simCalls("POST /v1/hit")
	if len(hits) != 1 || hits[0].Int("questionId") != 2007 {
		t.Fatalf("hits = %+v, want question 2007", hits)
	}
	edit := w.retiredEdit(t, ix["token"].(string))
	if got := strings.Join(shown(edit), "; "); got != "✓ Office 7 (chosen)" {
		t.Errorf("the menu gave way to %q, want the choice", got)
	}
	if got := menuStates(edit); len(got) != 0 {
		t.Errorf("menus left: %v", got)
	}
}
