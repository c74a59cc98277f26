package slackadapter

import (
	"context"
	"errors"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"

	"github.com/kmbridge/kmbridge/bridge"
)

// threadTTL is how long a thread the bot answered in stays "ours" in memory
// (the store remembers it longer, as long as the conversation's KM session).
const threadTTL = 7 * 24 * time.Hour

// onEvent handles one Events API event (from HTTP or Socket Mode): it drops
// redeliveries by event id, then translates what concerns us into bridge events.
// It returns false when the event must not be acknowledged: the core refused it
// (shutting down), and Slack's redelivery is to be handled, not dropped.
func (a *Adapter) onEvent(ctx context.Context, h bridge.Handler, ev slackevents.EventsAPIEvent) bool {
	cb, ok := ev.Data.(*slackevents.EventsAPICallbackEvent)
	if !ok {
		if ev.Type == slackevents.AppRateLimited {
			a.log.Warn("slack: Slack is rate limiting the app's event subscriptions; events were dropped by Slack")
		}
		return true
	}
	a.learnBot(cb.Authorizations)
	id, attempt := "", 0
	if cb.EventID != "" {
		id = "event:" + cb.EventID
		var dup bool
		if attempt, dup = a.claim(ctx, id); dup {
			return true
		}
	}
	var err error
	switch e := ev.InnerEvent.Data.(type) {
	case *slackevents.MessageEvent:
		err = a.onMessage(ctx, h, e)
	case *slackevents.AppMentionEvent:
		err = a.onMention(ctx, h, e)
	case *slackevents.AppHomeOpenedEvent:
		a.onHomeOpened(e)
	case *slackevents.AssistantThreadStartedEvent:
		a.onAssistantThread(e.AssistantThread, true)
	case *slackevents.AssistantThreadContextChangedEvent:
		a.onAssistantThread(e.AssistantThread, false)
	}
	if !retryLater(err) {
		return true
	}
	if id != "" {
		a.refuse(ctx, id, attempt)
	}
	a.log.Info("slack: event not accepted (shutting down); left for Slack to deliver again", "event_id", cb.EventID)
	return false
}

// onMessage handles a message: every user message in a DM, and in channels only
// the messages of threads the bot answers in. Bot messages, our own, edits,
// deletions, joins and the other subtypes are ignored.
func (a *Adapter) onMessage(ctx context.Context, h bridge.Handler, e *slackevents.MessageEvent) error {
	switch e.SubType {
	case "", "file_share", "thread_broadcast":
	default:
		return nil
	}
	if e.BotID != "" || e.User == "" || e.User == a.bot() {
		return nil
	}
	var key bridge.ConvKey
	if e.IsIM() || isDM(e.Channel) {
		key = dmKey(e.Channel, a.dmThread(ctx, e.Channel, e.ThreadTimeStamp, e.User, e.AssistantThread != nil), e.User)
	} else {
		if e.ThreadTimeStamp == "" || !a.ourThread(ctx, e.Channel, e.ThreadTimeStamp, e.User) {
			return nil // top-level channel messages reach us as app_mention
		}
		key = a.channelKey(e.Channel, e.ThreadTimeStamp, e.User)
	}
	user := a.userInfo(ctx, e.User)
	return a.handOnce(ctx, h, e.Channel, e.TimeStamp, bridge.Message{Key: key, User: user, Text: plainText(e.Text, a.bot(), false), ID: e.TimeStamp})
}

// onMention handles an @mention: answered in a thread (the mention's own, or the
// thread it was written in), which from then on is ours.
func (a *Adapter) onMention(ctx context.Context, h bridge.Handler, e *slackevents.AppMentionEvent) error {
	if e.BotID != "" || e.User == "" || e.Edited != nil || e.User == a.bot() {
		return nil
	}
	var key bridge.ConvKey
	if isDM(e.Channel) {
		key = dmKey(e.Channel, a.dmThread(ctx, e.Channel, e.ThreadTimeStamp, e.User, false), e.User)
	} else {
		root := e.ThreadTimeStamp
		if root == "" {
			root = e.TimeStamp
		}
		a.threads.Put(msgKey(e.Channel, root), struct{}{})
		key = a.channelKey(e.Channel, root, e.User)
	}
	text := plainText(e.Text, a.botUserID(ctx), true)
	user := a.userInfo(ctx, e.User)
	if text == "" { // a bare mention: say what the bot can do
		return a.handOnce(ctx, h, e.Channel, e.TimeStamp, bridge.Command{Key: key, User: user, Name: bridge.CmdHelp})
	}
	return a.handOnce(ctx, h, e.Channel, e.TimeStamp, bridge.Message{Key: key, User: user, Text: text, ID: e.TimeStamp})
}

// handOnce hands the event of the message at channel/ts to the core unless that
// message was handed before: a mention in one of our threads comes both as a
// message and as app_mention. A refusal is recorded, so that the message's
// redelivery is handled.
func (a *Adapter) handOnce(ctx context.Context, h bridge.Handler, channel, ts string, ev bridge.Event) error {
	id := "msg:" + msgKey(channel, ts)
	attempt, dup := a.claim(ctx, id)
	if dup {
		return nil
	}
	err := a.hand(ctx, h, ev)
	if retryLater(err) {
		a.refuse(ctx, id, attempt)
	}
	return err
}

// ourThread reports whether the bot answers in a channel thread: remembered in
// memory, or, after a restart, known to the store as a conversation with a KM
// session.
func (a *Adapter) ourThread(ctx context.Context, channel, thread, user string) bool {
	if _, ok := a.threads.Get(msgKey(channel, thread)); ok {
		return true
	}
	if a.store == nil {
		return false
	}
	_, ok, err := a.store.Session(ctx, a.channelKey(channel, thread, user))
	if err != nil {
		a.log.Warn("slack: thread lookup in the store failed", "err", err)
		return false
	}
	if ok {
		a.threads.Put(msgKey(channel, thread), struct{}{})
	}
	return ok
}

// dmThread is the thread part of a DM conversation's key: an assistant thread
// is a conversation of its own (Slack's "new chat"), while a reply in a thread
// of an ordinary DM stays in the user's one DM conversation. An assistant
// thread is known from assistant_thread_started, from the message itself
// (hint), or after a restart from its KM session in the store.
func (a *Adapter) dmThread(ctx context.Context, channel, thread, user string, hint bool) string {
	if thread == "" {
		return ""
	}
	k := msgKey(channel, thread)
	if hint {
		a.assistants.Put(k, struct{}{})
		return thread
	}
	if _, ok := a.assistants.Get(k); ok {
		return thread
	}
	if a.store == nil {
		return ""
	}
	if _, ok, err := a.store.Session(ctx, dmKey(channel, thread, user)); err == nil && ok {
		a.assistants.Put(k, struct{}{})
		return thread
	}
	return ""
}

// hand gives an event to the core and returns its refusal, if any. The core
// tells the user when a conversation is busy (ErrBusy); any other refusal must
// not be confirmed to Slack (retryLater), so that the user's words come again.
func (a *Adapter) hand(ctx context.Context, h bridge.Handler, ev bridge.Event) error {
	err := h(ctx, ev)
	switch {
	case err == nil:
	case errors.Is(err, bridge.ErrBusy):
		a.log.Info("slack: conversation busy; event refused (the user was told)", "conv", ev.Conv().String())
	default:
		a.log.Warn("slack: event not accepted by the core", "conv", ev.Conv().String(), "err", err)
	}
	return err
}

// seen reports whether a delivery was handled before (Core.Seen). When the store
// fails the delivery is handled: a rare duplicate beats a lost question.
func (a *Adapter) seen(ctx context.Context, id string) bool {
	dup, err := a.core.Seen(ctx, platform, id)
	if err != nil {
		a.log.Warn("slack: dedupe failed; handling the delivery anyway", "err", err)
		return false
	}
	if dup {
		a.log.Debug("slack: duplicate delivery dropped", "id", id)
	}
	return dup
}

// learnBot remembers the bot's user id from an event's authorizations.
func (a *Adapter) learnBot(auths []slack.EventAuthorization) {
	if a.botID.Load() != nil {
		return
	}
	for _, au := range auths {
		if au.IsBot && au.UserID != "" {
			id := au.UserID
			a.botID.Store(&id)
			return
		}
	}
}

// bot is the bot's user id when known.
func (a *Adapter) bot() string {
	if p := a.botID.Load(); p != nil {
		return *p
	}
	return ""
}

// botUserID is the bot's user id, asked of auth.test when no event has told it.
func (a *Adapter) botUserID(ctx context.Context) string {
	if id := a.bot(); id != "" {
		return id
	}
	ctx, cancel := context.WithTimeout(ctx, a.cfg.LookupTimeout)
	defer cancel()
	var resp *slack.AuthTestResponse
	err := a.call(ctx, "", "auth.test", func(ctx context.Context) error {
		var err error
		resp, err = a.api.AuthTestContext(ctx)
		return err
	})
	if err != nil || resp.UserID == "" {
		a.log.Warn("slack: cannot learn the bot's user id", "err", err)
		return ""
	}
	id := resp.UserID
	a.botID.Store(&id)
	return id
}
