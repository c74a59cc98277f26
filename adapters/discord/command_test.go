package discordadapter_test

import (
	"strings"
	"testing"
	"time"

	discordadapter "github.com/kmbridge/kmbridge/adapters/discord"
	"github.com/kmbridge/kmbridge/adapters/discord/discordtest"
	"github.com/kmbridge/kmbridge/kmclient"
)

// /ask is deferred at once (type 5, "is thinking…"); the answer then replaces
// the deferred response and its further parts are followups, in order, all
// through the interaction's webhook.
func TestSlashAsk(t *testing.T) {
	w := newWorld(t, nil)
	w.fake.AddChannel(discordtest.Channel{ID: general, Type: 0, GuildID: discordtest.GuildID})
	w.boot(t, options{})
	ix := w.fake.Slash(alice, general, discordtest.GuildID, "en-US", "ask", "question", "How do I reset my password?")
	tok := ix["token"].(string)
	w.fake.Dispatch("INTERACTION_CREATE", ix)
	w.fake.WaitMessage(t, "Reset your password")
	waitFor(t, "the rating followup", func() bool { return len(w.fake.MessagesWith("Was this answer helpful?")) == 1 })

	cbs := w.fake.CallsTo("POST", `/interactions/\d+/`+tok+`/callback`)
	if len(cbs) != 1 || string(cbs[0].Body) != `{"type":5}` {
		t.Fatalf("callbacks = %+v, want one deferred response", cbs)
	}
	var through []discordtest.Call
	for _, c := range w.fake.Messages() {
		if strings.Contains(c.Path, tok) {
			through = append(through, c)
		} else {
			t.Errorf("message outside the interaction: %s %s", c.Method, c.Path)
		}
	}
	if len(through) < 2 || through[0].Method != "PATCH" || !strings.HasSuffix(through[0].Path, "/@original") {
		t.Fatalf("first message is not the deferred response's replacement: %+v", through)
	}
	if !through[0].At.After(cbs[0].At) {
		t.Errorf("the response was edited before it was deferred")
	}
	for _, c := range through[1:] {
		if c.Method != "POST" || c.Query != "wait=true" {
			t.Errorf("later part %s %s?%s, want a followup", c.Method, c.Path, c.Query)
		}
	}
	if !strings.Contains(through[0].Text(), "Example Corp helpdesk") {
		t.Errorf("the welcome should come first: %s", through[0].Text())
	}
	chats := w.simCalls("POST /v1/chat")
	if len(chats) != 1 || chats[0].Str("queryContent") != "How do I reset my password?" {
		t.Fatalf("KM chat calls = %+v", chats)
	}
	if n := len(w.fake.CallsTo("POST", `/channels/\d+/typing`)); n != 0 {
		t.Errorf("typing shown %d times while Discord shows \"is thinking…\"", n)
	}
}

// The locale of an interaction is the user's: /help from a Japanese client
// is answered in Japanese, and the user's later messages keep it.
func TestLocale(t *testing.T) {
	w := newWorld(t, nil)
	w.boot(t, options{})
	w.fake.Dispatch("INTERACTION_CREATE", w.fake.Slash(alice, discordtest.DMChannel(alice), "", "ja", "help"))
	w.fake.WaitMessage(t, "ご質問をそのまま入力してください")
	w.fake.Dispatch("MESSAGE_CREATE", w.fake.DM(alice, "What is the Wi-Fi password?"))
	if got := w.fake.WaitMessage(t, "ExampleGuest"); !strings.Contains(got.Text(), "この回答は役に立ちましたか") {
		t.Errorf("a later message of the Japanese user is not answered in Japanese: %s", got.Text())
	}
	w.fake.Dispatch("MESSAGE_CREATE", w.fake.DM(bob, "What is the Wi-Fi password?"))
	waitFor(t, "bob's answer in English", func() bool { return len(w.fake.MessagesWith("Was this answer helpful?")) == 1 })
}

// Autocomplete offers KM's smart hints for what the user typed (once the
// conversation has a session); choosing one makes /ask a smart-hint click (KM
// hit, queryType 9) rather than a typed question.
func TestAutocomplete(t *testing.T) {
	w := newWorld(t, nil)
	w.boot(t, options{})
	// No session yet: no suggestions, but an answer in time.
	first := w.fake.Autocomplete(alice, discordtest.DMChannel(alice), "", "password")
	w.fake.Dispatch("INTERACTION_CREATE", first)
	waitFor(t, "the first autocomplete answer", func() bool {
		return len(w.fake.CallsTo("POST", `/interactions/\d+/`+first["token"].(string)+`/callback`)) == 1
	})
	if cb := w.fake.CallsTo("POST", `/interactions/\d+/`+first["token"].(string)+`/callback`)[0]; string(cb.Body) != `{"type":8,"data":{"choices":[]}}` {
		t.Errorf("autocomplete without a session = %s", cb.Body)
	}

	w.fake.Dispatch("MESSAGE_CREATE", w.fake.DM(alice, "What is the Wi-Fi password?"))
	w.fake.WaitMessage(t, "ExampleGuest")
	ac := w.fake.Autocomplete(alice, discordtest.DMChannel(alice), "", "password")
	start := time.Now()
	w.fake.Dispatch("INTERACTION_CREATE", ac)
	var cb discordtest.Call
	waitFor(t, "the autocomplete answer", func() bool {
		cbs := w.fake.CallsTo("POST", `/interactions/\d+/`+ac["token"].(string)+`/callback`)
		if len(cbs) == 1 {
			cb = cbs[0]
		}
		return len(cbs) == 1
	})
	if d := cb.At.Sub(start); d > 3*time.Second {
		t.Errorf("autocomplete answered after %s", d)
	}
	var resp struct {
		Type int `json:"type"`
		Data struct {
			Choices []struct{ Name, Value string } `json:"choices"`
		} `json:"data"`
	}
	cb.JSON(t, &resp)
	var value string
	for _, c := range resp.Data.Choices {
		if c.Name == "How do I reset my password?" {
			value = c.Value
		}
		if len(c.Value) > 100 || len(c.Name) > 100 {
			t.Errorf("choice over Discord's limits: %+v", c)
		}
	}
	if resp.Type != 8 || value == "" {
		t.Fatalf("autocomplete = %s", cb.Body)
	}
	if hints := w.simCalls("POST /v1/smartHint"); len(hints) != 1 || hints[0].Str("keyword") != "password" {
		t.Errorf("smartHint calls = %+v", hints)
	}

	w.fake.Dispatch("INTERACTION_CREATE", w.fake.Slash(alice, discordtest.DMChannel(alice), "", "en-US", "ask", "question", value))
	w.fake.WaitMessage(t, "Reset your password")
	hits := w.simCalls("POST /v1/hit")
	if len(hits) != 1 || hits[0].Int("queryType") != kmclient.QuerySmartHint || hits[0].Int("questionId") != 1001 {
		t.Fatalf("hits = %+v, want a smart-hint hit of question 1001", hits)
	}
	if n := len(w.simCalls("POST /v1/chat")); n != 1 {
		t.Errorf("chat calls = %d: the chosen suggestion was asked as text", n)
	}
}

// A deferred response nothing replaces (KM answers silently) is deleted, so
// "is thinking…" does not stay for good.
func TestSilentAnswerDeletesThinking(t *testing.T) {
	w := newWorld(t, nil)
	w.boot(t, options{dc: func(c *discordadapter.Config) { c.ThinkingTimeout = 300 * time.Millisecond }})
	w.fake.Dispatch("MESSAGE_CREATE", w.fake.DM(alice, "hello")) // first contact: the welcome
	w.fake.WaitMessage(t, "Ask me about passwords")
	ix := w.fake.Slash(alice, discordtest.DMChannel(alice), "", "en-US", "ask", "question", "ok")
	w.fake.Dispatch("INTERACTION_CREATE", ix)
	waitFor(t, "the deferred response to be deleted", func() bool {
		return len(w.fake.CallsTo("DELETE", `/webhooks/\d+/`+ix["token"].(string)+`/messages/@original`)) == 1
	})
	// The conversation goes on in the channel.
	w.fake.Dispatch("MESSAGE_CREATE", w.fake.DM(alice, "What is the Wi-Fi password?"))
	if got := w.fake.WaitMessage(t, "ExampleGuest"); got.Method != "POST" || got.Channel != discordtest.DMChannel(alice) || strings.Contains(got.Path, "webhooks") {
		t.Errorf("next answer went by %s %s", got.Method, got.Path)
	}
}

// Every command is deferred and answered through its interaction: /faq
// (the FAQ categories), /hot (the popular questions), /human (no agents'
// channel here: the user is told), /reset and /help.
func TestEveryCommandAnswered(t *testing.T) {
	w := newWorld(t, nil)
	w.boot(t, options{})
	w.fake.Dispatch("MESSAGE_CREATE", w.fake.DM(alice, questions[0].q))
	w.fake.WaitMessage(t, questions[0].a)
	for _, name := range []string{"faq", "hot", "human", "reset", "help"} {
		ix := w.fake.Slash(alice, discordtest.DMChannel(alice), "", "en-US", name)
		w.fake.Dispatch("INTERACTION_CREATE", ix)
		tok := ix["token"].(string)
		var answer []discordtest.Call
		waitFor(t, "/"+name+"'s answer", func() bool {
			answer = w.fake.CallsTo("PATCH", `/webhooks/\d+/`+tok+`/messages/@original`)
			return len(answer) > 0
		})
		if answer[0].Status != 200 || strings.TrimSpace(answer[0].Text()) == "" && len(discordtest.Buttons(answer[0])) == 0 {
			t.Errorf("/%s answered %d %s", name, answer[0].Status, discordtest.CutBody(answer[0].Body))
		}
		if cb := w.fake.CallsTo("POST", `/interactions/\d+/`+tok+`/callback`); len(cb) != 1 || string(cb[0].Body) != `{"type":5}` {
			t.Errorf("/%s was not deferred: %v", name, cb)
		}
	}
}
