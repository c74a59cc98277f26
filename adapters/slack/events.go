package slackadapter

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync/atomic"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"

	"github.com/kmbridge/kmbridge/bridge"
)

// receiver turns what Slack delivers (Events API events over HTTP or Socket
// Mode, clicks, typeaheads, slash commands) into deliveries to the host, and
// has Slack told they arrived only when bridge.Ack says so.
type receiver struct {
	cfg     Config
	host    bridge.Host
	log     *slog.Logger
	people  *people
	convs   *convs
	clicks  *clicks
	extras  *extras
	running atomic.Bool  // between Run's start and its return: intake is open
	socket  *socketState // Socket Mode's connection, for Ready
}

// deliver hands one event to the host under Slack's delivery id and returns
// the host's answer; acknowledge Slack only when bridge.Ack(err).
func deliver(ctx context.Context, host bridge.Host, log *slog.Logger, id string, ev bridge.Event) error {
	err := host.Deliver(ctx, bridge.Delivery{ID: id, Event: ev})
	switch {
	case err == nil:
	case errors.Is(err, bridge.ErrDuplicate):
		log.Debug("slack: duplicate delivery dropped", "id", id)
	case errors.Is(err, bridge.ErrBusy):
		log.Info("slack: conversation busy; event refused (the user was told)", "conv", ev.Conv().String())
	default:
		log.Warn("slack: event not accepted; left for Slack to deliver again", "conv", ev.Conv().String(), "err", err)
	}
	return err
}

// onEvent handles one Events API event (from HTTP or Socket Mode) and reports
// whether Slack may be told it arrived. A message is delivered under the
// event's event_id, the id Slack keeps when it delivers the event again (an
// HTTP retry, a Socket Mode re-send), so the host answers it once.
func (r *receiver) onEvent(ctx context.Context, ev slackevents.EventsAPIEvent) bool {
	cb, ok := ev.Data.(*slackevents.EventsAPICallbackEvent)
	if !ok {
		if ev.Type == slackevents.AppRateLimited {
			r.log.Warn("slack: Slack is rate limiting the app's event subscriptions; events were dropped by Slack")
		}
		return true
	}
	r.people.learnBot(cb.Authorizations)
	var (
		msg  bridge.Event
		want bool
	)
	switch e := ev.InnerEvent.Data.(type) {
	case *slackevents.MessageEvent:
		msg, want = r.message(ctx, e)
	case *slackevents.AppMentionEvent:
		msg, want = r.mention(ctx, e)
	case *slackevents.AppHomeOpenedEvent:
		r.extras.onHomeOpened(e)
	case *slackevents.AssistantThreadStartedEvent:
		r.extras.onAssistantThread(e.AssistantThread, true)
	case *slackevents.AssistantThreadContextChangedEvent:
		r.extras.onAssistantThread(e.AssistantThread, false)
	}
	if !want {
		return true
	}
	return bridge.Ack(deliver(ctx, r.host, r.log, cb.EventID, msg))
}

// message translates a message event: every user message in a DM, and in
// channels the messages of threads the bridge takes part in (host.Joined: the
// bot answered there, or it is a hand-over case thread), without a mention.
// Bot messages, the bridge's own, edits, deletions, joins and the other
// subtypes are not for the bridge.
func (r *receiver) message(ctx context.Context, e *slackevents.MessageEvent) (bridge.Event, bool) {
	switch e.SubType {
	case "", "file_share", "thread_broadcast":
	default:
		return nil, false
	}
	if e.BotID != "" || e.User == "" || e.User == r.people.bot() {
		return nil, false
	}
	var key bridge.ConvKey
	if e.IsIM() || isDM(e.Channel) {
		key = dmKey(e.Channel, r.convs.dmThread(ctx, e.Channel, e.ThreadTimeStamp, e.User, e.AssistantThread != nil), e.User)
	} else {
		if e.ThreadTimeStamp == "" {
			return nil, false // top-level channel messages for the bot come as app_mention
		}
		if r.mentionsBot(ctx, e.Text) {
			return nil, false // it comes as app_mention too
		}
		key = r.convs.channelKey(e.Channel, e.ThreadTimeStamp, e.User)
		if !r.joined(ctx, key, e.Channel, e.ThreadTimeStamp) {
			return nil, false
		}
	}
	m := bridge.Message{Key: key, User: r.people.userInfo(ctx, e.User), ID: e.TimeStamp,
		Text: plainText(e.Text, r.people.bot(), false)}
	var files []slack.File
	blocks := e.Blocks.BlockSet
	if e.Message != nil {
		files = e.Message.Files
		if len(blocks) == 0 {
			blocks = e.Message.Blocks.BlockSet
		}
	}
	m.Rich, m.Files = r.markup().parse(blocks, e.Text), attachments(files)
	return m, true
}

// mentionsBot reports whether text mentions the bot (<@UBOT> or
// <@UBOT|name>).
func (r *receiver) mentionsBot(ctx context.Context, text string) bool {
	if !strings.Contains(text, "<@") {
		return false
	}
	bot := r.people.botUserID(ctx)
	return bot != "" && (strings.Contains(text, "<@"+bot+">") || strings.Contains(text, "<@"+bot+"|"))
}

// joined reports whether the bridge takes part in a channel thread: the
// conversation of key, or, when the scope keys conversations per user, the
// thread as a whole (a hand-over case thread is one conversation whoever
// writes). A failed lookup counts as no: the message is not for the bridge,
// and a mention still reaches it.
func (r *receiver) joined(ctx context.Context, key bridge.ConvKey, channel, thread string) bool {
	keys := []bridge.ConvKey{key}
	if whole := r.convs.channelKey(channel, thread, ""); whole != key {
		keys = append(keys, whole)
	}
	for _, k := range keys {
		in, err := r.host.Joined(ctx, k)
		if err != nil {
			r.log.Warn("slack: thread lookup failed; message taken as not for the bridge", "err", err)
			return false
		}
		if in {
			return true
		}
	}
	return false
}

// mention translates an @mention: answered in a thread (the mention's own,
// or the thread it was written in), which the host then knows as joined.
func (r *receiver) mention(ctx context.Context, e *slackevents.AppMentionEvent) (bridge.Event, bool) {
	if e.BotID != "" || e.User == "" || e.Edited != nil || e.User == r.people.bot() {
		return nil, false
	}
	var key bridge.ConvKey
	if isDM(e.Channel) {
		key = dmKey(e.Channel, r.convs.dmThread(ctx, e.Channel, e.ThreadTimeStamp, e.User, false), e.User)
	} else {
		key = r.convs.channelKey(e.Channel, firstNonEmpty(e.ThreadTimeStamp, e.TimeStamp), e.User)
	}
	bot := r.people.botUserID(ctx)
	text := plainText(e.Text, bot, true)
	user := r.people.userInfo(ctx, e.User)
	if text == "" && len(e.Files) == 0 { // a bare mention: say what the bot can do
		return bridge.Command{Key: key, User: user, Name: bridge.CmdHelp}, true
	}
	m := bridge.Message{Key: key, User: user, Text: text, ID: e.TimeStamp, Files: attachments(e.Files)}
	m.Rich = r.markup().parse(e.Blocks.BlockSet, e.Text)
	return m, true
}

// markup is the parser of what people write, with the names the adapter
// knows and the bot's id.
func (r *receiver) markup() markup { return markup{names: r.people.name, bot: r.people.bot()} }
