package slackadapter

import (
	"context"
	"strings"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"

	"github.com/kmbridge/kmbridge/bridge"
)

const (
	// maxPrompts is how many suggested prompts Slack shows.
	maxPrompts = 4
	// promptsTimeout bounds setting one thread's prompts.
	promptsTimeout = 10 * time.Second
)

// onAssistantThread remembers an assistant thread (where Slack shows a status
// and streams), and when it has just started offers the hot questions as
// suggested prompts (host.Home's Prompts).
func (e *extras) onAssistantThread(t slackevents.AssistantThread, started bool) {
	if t.ChannelID == "" || t.ThreadTimeStamp == "" {
		return
	}
	e.convs.markAssistant(t.ChannelID, t.ThreadTimeStamp)
	if !started {
		return
	}
	e.bg.run(promptsTimeout, func(ctx context.Context) {
		user := e.people.cachedUser(t.UserID)
		home, err := e.host.Home(ctx, dmKey(t.ChannelID, t.ThreadTimeStamp, t.UserID), user)
		if err != nil {
			e.log.Warn("slack: no suggested prompts: hot questions failed", "err", err)
			return
		}
		params := slack.AssistantThreadsSetSuggestedPromptsParameters{
			ChannelID: t.ChannelID, ThreadTS: t.ThreadTimeStamp, Title: e.printer(user.Locale).T("slack.prompts_title"),
		}
		for _, text := range home.Prompts {
			if text = strings.Join(strings.Fields(text), " "); text == "" {
				continue
			}
			params.AddPrompt(truncU(text, 75), text)
			if len(params.Prompts) == maxPrompts {
				break
			}
		}
		if len(params.Prompts) == 0 {
			return
		}
		err = e.api.call(ctx, "", "assistant.threads.setSuggestedPrompts", func(ctx context.Context) error {
			return e.api.client.SetAssistantThreadsSuggestedPromptsContext(ctx, params)
		})
		if err != nil {
			e.log.Warn("slack: setting suggested prompts failed", "err", err)
		}
	})
}

// types reports whether to shows a status while the answer is worked out: an
// assistant thread does; Slack has no typing indicator for apps elsewhere.
func (e *extras) types(to bridge.ConvKey) bool {
	return to.Thread != "" && isDM(to.Channel) && e.convs.isAssistant(to.Channel, to.Thread)
}

// typing sets the "thinking" status of an assistant thread
// (assistant.threads.setStatus; posting the reply clears it); elsewhere it
// does nothing.
func (e *extras) typing(ctx context.Context, to bridge.ConvKey) error {
	if !e.types(to) {
		return nil
	}
	status := e.printer(e.people.cachedUser(to.User).Locale).T("slack.thinking")
	return e.api.call(ctx, "", "assistant.threads.setStatus", func(ctx context.Context) error {
		return e.api.client.SetAssistantThreadsStatusContext(ctx, slack.AssistantThreadsSetStatusParameters{
			ChannelID: to.Channel, ThreadTS: to.Thread, Status: status,
		})
	})
}
