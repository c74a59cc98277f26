package walks_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kmbridge/kmbridge/adapters/discord/discordtest"
	"github.com/kmbridge/kmbridge/adapters/slack/slacktest"
	"github.com/kmbridge/kmbridge/adapters/telegram/telegramtest"
	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/kmclient"
)

// slackAgentsOf is a process with a Telegram user's side and Slack agents.
func slackAgentsOf(t *testing.T, w *world, o options) *process {
	t.Helper()
	o.agents, o.slack = bridge.ConvKey{Platform: "slack", Channel: slackAgents}, true
	if !o.tgWebhook {
		o.telegram = true
	}
	p := w.boot(t, o)
	w.slackUser(dana, "Dana", "en-US")
	return p
}

// KM hands the conversation over itself (switchStaffType 2): the case opens
// without the user asking, the card says why, and the relay works both ways.
func TestWalkKMHandsOver(t *testing.T) {
	w := newWorld(t, false)
	p := slackAgentsOf(t, w, options{})
	w.tgSay(hanako, "Hanako", "I want to report harassment")
	card := w.slackWait(t, slackAgents, "-", "Case #1")
	if txt := slacktest.Text(card); !strings.Contains(txt, en.T("escalation.reason_switch_staff")) || !strings.Contains(txt, "I want to report harassment") {
		t.Errorf("the card does not say KM handed the user over, or what they said:\n%s", txt)
	}
	w.tgWait(t, hanako, en.T("bridge.escalating"))
	w.waitCalls(t, "PUT /v1/sessions/:id/switchStaff", 1)
	chats := w.calls(chatRoute)
	w.tgSay(hanako, "Hanako", "It happened again today")
	w.slackWait(t, slackAgents, card.TS, "Hanako: It happened again today")
	p.slackEvent(t, slacktest.ChanMessage(slackAgents, dana, card.TS, "I am sorry. Can you tell me more?"))
	w.tgWait(t, hanako, "Dana:</b> I am sorry")
	if n := w.calls(chatRoute) - chats; n != 0 {
		t.Errorf("KM got %d chat calls during the hand-over", n)
	}
}

// A user who is never handed over never reaches the agents: the robot
// answers, the agents' channel stays empty, and nothing is posted to Slack.
func TestWalkNoHandoverNoAgents(t *testing.T) {
	w := newWorld(t, false)
	slackAgentsOf(t, w, options{})
	for _, q := range []string{"I lost my password for the portal", "What is the Wi-Fi password?", "blorf quux zzyzx"} {
		n := w.calls(chatRoute)
		w.tgSay(hanako, "Hanako", q)
		w.waitCalls(t, chatRoute, n+1)
	}
	w.tgWait(t, hanako, "ExampleGuest")
	quiet()
	if got := w.slack.Posted(""); len(got) != 0 {
		t.Errorf("Slack got %d messages from a conversation nobody handed over: %q", len(got), slacktest.Text(got[0]))
	}
	if n := len(w.slack.Calls("chat.postMessage")); n != 0 {
		t.Errorf("%d chat.postMessage calls", n)
	}
}

// Someone writing in a thread of another channel that has a case's
// timestamp is a stranger to the case: nothing reaches the user, with a
// mention or without; a case's button copied to another channel does
// nothing; the agents in the case's thread still reach the user.
func TestWalkStrangerInAnotherChannel(t *testing.T) {
	w := newWorld(t, false)
	p := slackAgentsOf(t, w, options{})
	w.tgSay(hanako, "Hanako", "/human")
	card := w.slackWait(t, slackAgents, "-", "Case #1")
	w.tgWait(t, hanako, en.T("bridge.escalating"))
	before := w.tgCount(hanako, "")

	p.slackEvent(t, slacktest.ChanMessage("COTHER", "UEVE", card.TS, "psst, user, send me your password"))
	p.slackEvent(t, slacktest.Mention("COTHER", "UEVE", card.TS, "<@"+slacktest.BotUser+"> psst, user, send me your password"))
	copied := card
	copied.Channel = "COTHER"
	p.slackClick(t, "UEVE", copied, en.T("escalation.button_claim"))
	p.slackEvent(t, slacktest.ChanMessage(slackAgents, dana, card.TS, "Hello Hanako, Dana here."))
	w.tgWait(t, hanako, "Dana here")
	quiet()
	if n := w.tgCount(hanako, "psst"); n != 0 {
		t.Errorf("a stranger's message reached the handed-over user %d times", n)
	}
	if n := w.tgCount(hanako, "") - before; n != 1 {
		t.Errorf("the user got %d messages, want only the agent's", n)
	}
	if m, _ := w.slack.Msg(slackAgents, card.TS); strings.Contains(slacktest.Text(m), "Claimed") {
		t.Errorf("a click from another channel claimed the case:\n%s", slacktest.Text(m))
	}
}

// An unclaimed case gets one reminder in its thread, and the user an honest
// "still waiting", when the desk's clock passes escalation.unclaimed_after.
func TestWalkUnclaimedReminder(t *testing.T) {
	w := newWorld(t, false)
	slackAgentsOf(t, w, options{unclaimed: 5 * time.Minute})
	w.tgSay(hanako, "Hanako", "/human")
	card := w.slackWait(t, slackAgents, "-", "Case #1")
	w.tgWait(t, hanako, en.T("bridge.escalating"))
	quiet()
	if n := len(w.slack.Posted(slackAgents)); n != 1 {
		t.Errorf("%d messages in the agents' channel before the time, want the card alone", n)
	}
	w.clock.Add(6 * time.Minute)
	w.tgWait(t, hanako, en.T("escalation.still_waiting"))
	remind := w.slackWait(t, slackAgents, card.TS, "#1")
	quiet()
	if n := w.tgCount(hanako, en.T("escalation.still_waiting")); n != 1 {
		t.Errorf("the user was told %d times that they are still waiting", n)
	}
	if n := len(w.slack.Posted(slackAgents)); n != 2 {
		t.Errorf("%d messages in the agents' channel, want the card and one reminder (%q)", n, slacktest.Text(remind))
	}
}

// What one side writes is text on the other side, never markup that acts:
// a Telegram user's Slack mention syntax and markup reach the Slack thread
// escaped, and a Slack agent's HTML reaches Telegram escaped.
func TestWalkHostileTextStaysText(t *testing.T) {
	w := newWorld(t, false)
	p := slackAgentsOf(t, w, options{})
	w.tgSay(hanako, "Hanako", "/human")
	card := w.slackWait(t, slackAgents, "-", "Case #1")
	w.tgSay(hanako, "Hanako", "<!channel> <@UDANA> <https://evil.example|click me> & *not bold*")
	relayed := w.slackWait(t, slackAgents, card.TS, "click me")
	if txt := slacktest.Text(relayed); strings.Contains(txt, "<!channel>") || strings.Contains(txt, "<@UDANA>") || strings.Contains(txt, "<https://evil.example") {
		t.Errorf("the user's text became Slack markup in the thread: %q", txt)
	}
	// Slack escapes <, > and & in the text it sends.
	p.slackEvent(t, slacktest.ChanMessage(slackAgents, dana, card.TS, `&lt;b&gt;bold?&lt;/b&gt; &lt;a href="https://evil.example"&gt;x&lt;/a&gt; &amp; done`))
	got := w.tgWait(t, hanako, "done").Params.Get("text")
	if strings.Contains(got, "<b>bold?</b>") || strings.Contains(got, `<a href="https://evil.example">`) ||
		!strings.Contains(got, "&lt;b&gt;bold?&lt;/b&gt;") || !strings.Contains(got, "&amp; done") {
		t.Errorf("the agent's text did not reach Telegram as the text they wrote: %q", got)
	}
}

// A file the user sends reaches the agents as a link through the bridge
// (never Telegram's, which carries the bot token), and the link serves it.
func TestWalkFilesGoAsLinks(t *testing.T) {
	w := newWorld(t, false)
	p := slackAgentsOf(t, w, options{})
	w.tgSay(hanako, "Hanako", "/human")
	card := w.slackWait(t, slackAgents, "-", "Case #1")
	w.tg.AddFile("shot1", []byte("\x89PNG\r\n\x1a\nscreenshot"))
	w.tg.Push(telegramtest.Message(telegramtest.PrivateChat(hanako), tgPerson(hanako, "Hanako"), "", map[string]any{
		"caption":  "This is what I see",
		"document": map[string]any{"file_id": "shot1", "file_unique_id": "u1", "file_name": "screen.png", "mime_type": "image/png", "file_size": 18},
	}))
	relayed := w.slackWait(t, slackAgents, card.TS, "This is what I see")
	txt := slacktest.Text(relayed)
	i := strings.Index(txt, publicURL+"/")
	if i < 0 || !strings.Contains(txt, "screen.png") {
		t.Fatalf("the file is not a link through the bridge: %q", txt)
	}
	link := txt[i:]
	link = link[:strings.IndexAny(link, "|> \n")]
	resp, err := p.in.Get(p.http.URL + strings.TrimPrefix(link, publicURL))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasSuffix(string(body), "screenshot") {
		t.Errorf("the link serves %d %q", resp.StatusCode, body)
	}
	w.noSecrets(t)
}

// Two cases at once: each thread reaches its own user only, a message at the
// top of the agents' channel reaches no one, and /human again is answered
// "already connected" without a second case.
func TestWalkTwoCasesAtOnce(t *testing.T) {
	const taro = int64(5550002)
	w := newWorld(t, false)
	p := slackAgentsOf(t, w, options{})
	w.tgSay(hanako, "Hanako", "/human")
	c1 := w.slackWait(t, slackAgents, "-", "Case #1")
	w.tgSay(taro, "Taro", "/human")
	c2 := w.slackWait(t, slackAgents, "-", "Case #2")
	if !strings.Contains(slacktest.Text(c2), "Taro") || !strings.Contains(slacktest.Text(c1), "Hanako") {
		t.Fatalf("the cards do not name their users")
	}
	w.tgSay(taro, "Taro", "/human")
	w.tgWait(t, taro, en.T("escalation.already_connected"))

	p.slackEvent(t, slacktest.ChanMessage(slackAgents, dana, c2.TS, "Taro, this is for you."))
	p.slackEvent(t, slacktest.ChanMessage(slackAgents, dana, "", "Team: lunch at noon?"))
	p.slackEvent(t, slacktest.ChanMessage(slackAgents, dana, c1.TS, "Hanako, this is for you."))
	w.tgWait(t, hanako, "Hanako, this is for you.")
	w.tgWait(t, taro, "Taro, this is for you.")
	quiet()
	if w.tgCount(hanako, "Taro,") != 0 || w.tgCount(taro, "Hanako,") != 0 {
		t.Error("an agent's reply reached the other case's user")
	}
	if w.tgCount(hanako, "lunch")+w.tgCount(taro, "lunch") != 0 {
		t.Error("a message at the top of the agents' channel reached a user")
	}
	if n := w.slackCount(slackAgents, "handed to a human"); n != 2 {
		t.Errorf("%d cards, want 2", n)
	}
}

// Every case button acts once, however often it is clicked and by whom:
// a suggestion sent twice, Claim by two agents (the second on the card as it
// was), the user's rating twice, Save as FAQ twice.
func TestWalkButtonsActOnce(t *testing.T) {
	w := newWorld(t, false)
	p := slackAgentsOf(t, w, options{})
	w.slackUser(ernesto, "Ernesto", "en-US")
	w.tgSay(hanako, "Hanako", "I lost my password for the portal")
	w.tgWait(t, hanako, "Reset your password")
	w.tgSay(hanako, "Hanako", "/human")
	card := w.slackWait(t, slackAgents, "-", "Case #1")
	w.tgSay(hanako, "Hanako", "I am still locked out")
	sugg := w.slackWait(t, slackAgents, card.TS, en.T("escalation.suggestion"))

	p.slackClick(t, dana, sugg, en.T("escalation.button_send_answer"))
	p.slackClick(t, ernesto, sugg, en.T("escalation.button_send_answer"))
	w.slackWait(t, slackAgents, card.TS, en.T("escalation.answer_sent", "Dana"))
	p.slackClick(t, dana, card, en.T("escalation.button_claim"))
	p.slackClick(t, ernesto, card, en.T("escalation.button_claim")) // the card as Ernesto still sees it
	w.tgWait(t, hanako, en.T("escalation.user_claimed", "Dana"))
	now := w.slackCardShows(t, card, "Claimed by Dana")
	p.slackClick(t, dana, now, en.T("escalation.button_resolve"))
	rating := w.tgWait(t, hanako, en.T("escalation.rate_prompt"))
	w.tgClick(t, hanako, "Hanako", rating, en.T("escalation.rate_satisfied"))
	w.tgClick(t, hanako, "Hanako", rating, en.T("escalation.rate_unsatisfied"))
	w.tgWait(t, hanako, en.T("bridge.session_rated_thanks"))
	resolved := w.slackCardShows(t, card, "Resolved by Dana")
	p.slackClick(t, dana, resolved, en.T("escalation.button_save_faq"))
	p.slackClick(t, ernesto, resolved, en.T("escalation.button_save_faq"))
	w.slackWait(t, slackAgents, card.TS, "📚")
	quiet()

	if n := w.tgCount(hanako, "id.example.com/reset") - 1; n != 1 { // the first is KM's own answer
		t.Errorf("the suggestion reached the user %d times", n)
	}
	if n := w.tgCount(hanako, "You're now talking with"); n != 1 {
		t.Errorf("the user was told of %d claims", n)
	}
	if m, _ := w.slack.Msg(slackAgents, card.TS); strings.Contains(slacktest.Text(m), "Ernesto") {
		t.Errorf("the second Claim took the case:\n%s", slacktest.Text(m))
	}
	if s := w.Sim.CallsTo(surveyRoute); len(s) != 1 || s[0].Int("sessionSurveyOptionId") != kmclient.SessionSatisfied {
		t.Errorf("KM's surveySession calls: %+v", s)
	}
	if n := w.slackCount(slackAgents, "rated the conversation"); n != 1 {
		t.Errorf("%d ratings in the thread", n)
	}
	if qs := w.Sim.CallsTo(questionsRoute); len(qs) != 1 {
		t.Errorf("%d questions created in KM", len(qs))
	}
	if n := w.slackCount(slackAgents, "📚"); n != 1 {
		t.Errorf("%d FAQ results in the thread", n)
	}
}

// Long messages cross between platforms whole, within each platform's
// limits (the fakes validate every part): a Slack agent's 6,000 characters
// of formatted text reach a Telegram user (4,096 a message), and a Telegram
// user's 4,000 characters reach a Discord thread (2,000 a message).
func TestWalkLongMessages(t *testing.T) {
	w := newWorld(t, false)
	p := slackAgentsOf(t, w, options{})
	w.tgSay(hanako, "Hanako", "/human")
	card := w.slackWait(t, slackAgents, "-", "Case #1")
	var b strings.Builder
	for i := 0; b.Len() < 6000; i++ {
		fmt.Fprintf(&b, "Step %d: open *Settings* and choose <https://id.example.com/step%d|this link>, then wait.\n", i, i)
	}
	b.WriteString("END-OF-REPLY")
	p.slackEvent(t, slacktest.ChanMessage(slackAgents, dana, card.TS, b.String()))
	w.tgWait(t, hanako, "END-OF-REPLY")
	all := ""
	for _, c := range w.tgTo(hanako, "") {
		all += c.Params.Get("text")
	}
	if !contains(all, "Step 0:", "Step 60:", "<b>Settings</b>", `<a href="https://id.example.com/step60">`) {
		t.Errorf("the long reply lost parts on its way: %d characters arrived", len(all))
	}

	w2 := newWorld(t, false)
	w2.boot(t, options{agents: bridge.ConvKey{Platform: "discord", Channel: discordAgents}, discord: true, telegram: true})
	w2.tgSay(hanako, "Hanako", "/human")
	dcard := w2.dcWait(t, discordAgents, dcCase1)
	long := strings.Repeat("My screen flickers *again* and again. ", 105) + "END-OF-QUESTION"
	w2.tgSay(hanako, "Hanako", long)
	w2.dcWait(t, dcard.Ref, "END-OF-QUESTION")
	n := 0
	for _, c := range w2.dc.Messages() {
		if c.Channel == dcard.Ref && strings.Contains(c.Text(), "flickers") {
			n++
		}
	}
	if n < 2 {
		t.Errorf("a 4,000-character message reached the thread in %d parts", n)
	}
}

// Each side reads its own language: a Japanese Telegram user hears the
// bridge in Japanese, the agents read the card and the thread in English.
func TestWalkEachSideItsLanguage(t *testing.T) {
	ja := w0Catalog.Printer("ja")
	w := newWorld(t, false)
	p := slackAgentsOf(t, w, options{})
	say := func(text string) {
		from := map[string]any{"id": hanako, "is_bot": false, "first_name": "花子", "language_code": "ja"}
		w.tg.Push(telegramtest.Message(telegramtest.PrivateChat(hanako), from, text, telegramtest.CommandEntity(text)))
	}
	say("/human")
	w.tgWait(t, hanako, ja.T("bridge.escalating"))
	card := w.slackWait(t, slackAgents, "-", "Case #1")
	if txt := slacktest.Text(card); !contains(txt, "花子", en.T("escalation.lang_ja"), en.T("escalation.button_claim")) {
		t.Errorf("the card is not in the agents' language, or lacks the user's:\n%s", txt)
	}
	say("パスワードを忘れました")
	w.slackWait(t, slackAgents, card.TS, "花子: パスワードを忘れました")
	p.slackClick(t, dana, card, en.T("escalation.button_claim"))
	w.tgWait(t, hanako, ja.T("escalation.user_claimed", "Dana"))
	p.slackEvent(t, slacktest.ChanMessage(slackAgents, dana, card.TS, "Please use the *reset page*."))
	w.tgWait(t, hanako, "<b>reset page</b>")
}

// An agent's edit or deletion of a message already relayed is not relayed
// (README: correct a message by sending another), on Slack, Telegram and
// Discord alike; the next message still is.
func TestWalkEditsAreNotRelayed(t *testing.T) {
	t.Run("slack", func(t *testing.T) {
		w := newWorld(t, false)
		p := slackAgentsOf(t, w, options{})
		w.tgSay(hanako, "Hanako", "/human")
		card := w.slackWait(t, slackAgents, "-", "Case #1")
		p.caseOpened(t, "1")
		orig := slacktest.ChanMessage(slackAgents, dana, card.TS, "Try the first option")
		p.slackEvent(t, orig)
		w.tgWait(t, hanako, "Try the first option")
		ts := orig["ts"].(string)
		p.slackEvent(t, map[string]any{"type": "message", "subtype": "message_changed", "channel": slackAgents, "channel_type": "channel",
			"ts": slacktest.NewTS(), "event_ts": slacktest.NewTS(), "hidden": true,
			"message": map[string]any{"type": "message", "user": dana, "text": "Try the second option", "ts": ts, "thread_ts": card.TS,
				"edited": map[string]any{"user": dana, "ts": slacktest.NewTS()}},
			"previous_message": map[string]any{"type": "message", "user": dana, "text": "Try the first option", "ts": ts, "thread_ts": card.TS}})
		p.slackEvent(t, map[string]any{"type": "message", "subtype": "message_deleted", "channel": slackAgents, "channel_type": "channel",
			"ts": slacktest.NewTS(), "event_ts": slacktest.NewTS(), "hidden": true, "deleted_ts": ts,
			"previous_message": map[string]any{"type": "message", "user": dana, "text": "Try the first option", "ts": ts, "thread_ts": card.TS}})
		p.slackEvent(t, slacktest.ChanMessage(slackAgents, dana, card.TS, "Next message"))
		w.tgWait(t, hanako, "Next message")
		if n := w.tgCount(hanako, "option"); n != 1 {
			t.Errorf("the user got %d messages about the option, want the first alone", n)
		}
	})
	t.Run("telegram", func(t *testing.T) {
		w := newWorld(t, false)
		w.tg.SetForum(tgAgents, true)
		p := w.boot(t, options{agents: bridge.ConvKey{Platform: "telegram", Channel: itoa(tgAgents)}, slack: true, telegram: true})
		p.slackCommand(t, slackDM, slackUser, "human")
		card := w.tgWait(t, tgAgents, "Case #1")
		p.caseOpened(t, "1")
		topic := mustAtoi(card.Params.Get("message_thread_id"))
		orig := telegramtest.Message(telegramtest.GroupChat(tgAgents), tgPerson(bob, "Bob"), "Try the first option",
			map[string]any{"message_thread_id": topic, "is_topic_message": true})
		w.tg.Push(orig)
		w.slackWait(t, slackDM, "", "Try the first option")
		edited := orig["message"].(map[string]any)
		edited["text"], edited["edit_date"] = "Try the second option", 1
		w.tg.Push(map[string]any{"edited_message": edited})
		w.tg.Push(telegramtest.Message(telegramtest.GroupChat(tgAgents), tgPerson(bob, "Bob"), "Next message",
			map[string]any{"message_thread_id": topic, "is_topic_message": true}))
		w.slackWait(t, slackDM, "", "Next message")
		if n := w.slackCount(slackDM, "option"); n != 1 {
			t.Errorf("the user got %d messages about the option, want the first alone", n)
		}
	})
	t.Run("discord", func(t *testing.T) {
		w := newWorld(t, false)
		p := w.boot(t, options{agents: bridge.ConvKey{Platform: "discord", Channel: discordAgents}, discord: true, telegram: true})
		w.tgSay(hanako, "Hanako", "/human")
		card := w.dcWait(t, discordAgents, dcCase1)
		eventually(t, "the case's thread", func() bool {
			return len(w.dc.CallsTo("POST", `/channels/`+discordAgents+`/messages/`+card.Ref+`/threads`)) == 1
		})
		p.caseOpened(t, "1")
		orig := w.dc.Post(card.Ref, agentLee, "Try the first option", false)
		w.dc.Dispatch("MESSAGE_CREATE", orig)
		w.tgWait(t, hanako, "Try the first option")
		edited := map[string]any{}
		for k, v := range orig {
			edited[k] = v
		}
		edited["content"], edited["edited_timestamp"] = "Try the second option", time.Now().UTC().Format(time.RFC3339)
		w.dc.Dispatch("MESSAGE_UPDATE", edited)
		w.dc.Dispatch("MESSAGE_DELETE", map[string]any{"id": orig["id"], "channel_id": card.Ref, "guild_id": discordtest.GuildID})
		w.dcSay(agentLee, card.Ref, "Next message")
		w.tgWait(t, hanako, "Next message")
		if n := w.tgCount(hanako, "option"); n != 1 {
			t.Errorf("the user got %d messages about the option, want the first alone", n)
		}
	})
}
