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
// suggested prompts.
func (a *Adapter) onAssistantThread(t slackevents.AssistantThread, started bool) {
	if t.ChannelID == "" || t.ThreadTimeStamp == "" {
		return
	}
	a.assistants.Put(msgKey(t.ChannelID, t.ThreadTimeStamp), struct{}{})
	if !started {
		return
	}
	a.background(promptsTimeout, func(ctx context.Context) {
		hot, err := a.core.Hot(ctx)
		if err != nil || len(hot) == 0 {
			if err != nil {
				a.log.Warn("slack: no suggested prompts: hot questions failed", "err", err)
			}
			return
		}
		p := a.printer(a.cachedUser(t.UserID).Locale)
		params := slack.AssistantThreadsSetSuggestedPromptsParameters{
			ChannelID: t.ChannelID, ThreadTS: t.ThreadTimeStamp, Title: p.T("slack.prompts_title"),
		}
		for _, q := range hot {
			text := strings.Join(strings.Fields(string(q.Content)), " ")
			if text == "" {
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
		err = a.call(ctx, "", "assistant.threads.setSuggestedPrompts", func(ctx context.Context) error {
			return a.api.SetAssistantThreadsSuggestedPromptsContext(ctx, params)
		})
		if err != nil {
			a.log.Warn("slack: setting suggested prompts failed", "err", err)
		}
	})
}

// Typing implements bridge.Typer. Slack has a "thinking" status only in
// assistant threads (assistant.threads.setStatus; posting the reply clears it);
// elsewhere there is no typing indicator for apps and Typing does nothing.
func (a *Adapter) Typing(ctx context.Context, to bridge.ConvKey) error {
	if to.Thread == "" || !isDM(to.Channel) {
		return nil
	}
	if _, ok := a.assistants.Get(msgKey(to.Channel, to.Thread)); !ok {
		return nil
	}
	status := a.printer(a.cachedUser(to.User).Locale).T("slack.thinking")
	return a.call(ctx, "", "assistant.threads.setStatus", func(ctx context.Context) error {
		return a.api.SetAssistantThreadsStatusContext(ctx, slack.AssistantThreadsSetStatusParameters{
			ChannelID: to.Channel, ThreadTS: to.Thread, Status: status,
		})
	})
}
