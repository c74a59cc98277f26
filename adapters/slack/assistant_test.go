package slackadapter

import (
	"strings"
	"testing"
	"time"

	"github.com/kmbridge/kmbridge/adapters/slack/slacktest"
	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/kmclient/kmsim"
)

func assistantStarted(user, channel, thread string) map[string]any {
	return map[string]any{"type": "assistant_thread_started", "event_ts": slacktest.NewTS(), "assistant_thread": map[string]any{
		"user_id": user, "channel_id": channel, "thread_ts": thread, "context": map[string]any{},
	}}
}

func TestAssistantThreadStatusPromptsAndStreaming(t *testing.T) {
	e := newEnv(t, envOpts{
		sim:  kmsim.Options{StreamChunkDelay: 40 * time.Millisecond},
		cfg:  func(c *Config) { c.Streaming = true },
		core: func(c *bridge.Config) { c.Streaming, c.EditInterval = true, 10*time.Millisecond },
	})
	thread := slacktest.NewTS()
	e.event(slacktest.NewEventID(), assistantStarted("U1", "D1", thread))
	eventually(t, "suggested prompts", func() bool { return len(e.slack.Calls("assistant.threads.setSuggestedPrompts")) == 1 })
	sp := e.slack.Calls("assistant.threads.setSuggestedPrompts")[0].Form
	if sp.Get("channel_id") != "D1" || sp.Get("thread_ts") != thread || !strings.Contains(sp.Get("prompts"), "password") {
		t.Errorf("setSuggestedPrompts %v", sp)
	}

	msg := slacktest.IMMessage("D1", "U1", qPassword)
	msg["thread_ts"] = thread
	e.event(slacktest.NewEventID(), msg)
	eventually(t, "the stream stopped", func() bool { return len(e.slack.Calls("chat.stopStream")) == 1 })
	st := e.slack.Calls("assistant.threads.setStatus")
	if len(st) == 0 || st[0].Form.Get("thread_ts") != thread || st[0].Form.Get("status") == "" {
		t.Errorf("setStatus calls %v", st)
	}
	starts := e.slack.Calls("chat.startStream")
	if len(starts) != 1 || starts[0].Form.Get("thread_ts") != thread || starts[0].Form.Get("channel") != "D1" {
		t.Fatalf("startStream calls %+v", starts)
	}
	if n := len(e.slack.Calls("chat.appendStream")); n == 0 {
		t.Error("nothing appended to the stream")
	}
	ts := e.slack.Calls("chat.stopStream")[0].Form.Get("ts")
	eventually(t, "the final rendering", func() bool {
		m, _ := e.slack.Msg("D1", ts)
		b, _ := slacktest.Elements(t, m.Blocks)
		return strings.Contains(text(t, m), "Reset your password") && len(b) > 0
	})
	for _, p := range e.slack.Posted("D1") {
		if p.Thread != thread {
			t.Errorf("message outside the assistant thread: %+v", p)
		}
	}
}

func TestStreamingElsewherePostsAndUpdates(t *testing.T) {
	e := newEnv(t, envOpts{
		sim:  kmsim.Options{StreamChunkDelay: 40 * time.Millisecond},
		cfg:  func(c *Config) { c.Streaming = true },
		core: func(c *bridge.Config) { c.Streaming, c.EditInterval = true, 10*time.Millisecond },
	})
	e.event(slacktest.NewEventID(), slacktest.IMMessage("D1", "U1", qPassword))
	eventually(t, "the final rendering", func() bool {
		_, ok := find(t, e.slack.Posted("D1"), "Reset your password")
		return ok && len(e.slack.Calls("chat.update")) > 0
	})
	if n := len(e.slack.Calls("chat.startStream")) + len(e.slack.Calls("assistant.threads.setStatus")); n != 0 {
		t.Errorf("%d streaming/status calls outside an assistant thread", n)
	}
}
