package slackadapter

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/internal/memo"
)

// ephemeralThread marks the conversation of /ask answers shown ephemerally in a
// channel: per user, and sent with chat.postEphemeral. A real thread is a Slack
// timestamp ("1712345678.123456"), so it can never take this value.
const ephemeralThread = "ephemeral"

// threadTTL is how long an assistant thread is remembered in memory (after a
// restart the host knows it by its KM session).
const threadTTL = 7 * 24 * time.Hour

// Conversation keys. Workspace stays empty: a bot token serves one workspace,
// channel ids are unique within it (and across an Enterprise Grid org), and in
// Slack Connect channels events and interaction payloads name different teams —
// a key must never differ between the two.

// convs places Slack messages in conversations: DMs, assistant threads (each a
// conversation of its own), channel threads (by bridge.channel_scope) and
// ephemeral /ask answers.
type convs struct {
	scope      bridge.Scope
	host       bridge.Host
	log        *slog.Logger
	assistants *memo.Memo[string, struct{}] // assistant threads, channel|thread_ts
	replyURLs  *memo.Memo[string, string]   // ephemeral conversation → slash command response_url
}

// dmKey is the conversation of a direct message: one per user, and one per
// assistant thread (thread is "" for every other DM message; see dmThread).
func dmKey(channel, thread, user string) bridge.ConvKey {
	k := bridge.DMKey(platform, "", channel, user)
	k.Thread = thread
	return k
}

// channelKey is the conversation of a message in a channel thread (thread is
// the thread's root ts). With user "" it is the thread's key under
// bridge.ScopeThread, whatever the scope: a thread the bridge started.
func (c *convs) channelKey(channel, thread, user string) bridge.ConvKey {
	return bridge.ChannelKey(c.scope, platform, "", channel, thread, user)
}

// ephemeralKey is the conversation of ephemeral /ask answers in a channel.
func ephemeralKey(channel, user string) bridge.ConvKey {
	return bridge.ConvKey{Platform: platform, Channel: channel, Thread: ephemeralThread, User: user}
}

// keyFor is the conversation a message at channel/thread by user belongs to.
func (c *convs) keyFor(ctx context.Context, channel, thread, user string) bridge.ConvKey {
	if isDM(channel) {
		return dmKey(channel, c.dmThread(ctx, channel, thread, user, false), user)
	}
	return c.channelKey(channel, thread, user)
}

// dmThread is the thread part of a DM conversation's key: an assistant thread
// is a conversation of its own (Slack's "new chat"), while a reply in a thread
// of an ordinary DM stays in the user's one DM conversation. An assistant
// thread is known from assistant_thread_started, from the message itself
// (hint), or after a restart from the host (Joined: it has a KM session).
func (c *convs) dmThread(ctx context.Context, channel, thread, user string, hint bool) string {
	if thread == "" {
		return ""
	}
	if hint {
		c.markAssistant(channel, thread)
		return thread
	}
	if c.isAssistant(channel, thread) {
		return thread
	}
	in, err := c.host.Joined(ctx, dmKey(channel, thread, user))
	if err != nil {
		c.log.Warn("slack: thread lookup failed; taken as a reply in the DM", "err", err)
		return ""
	}
	if in {
		c.markAssistant(channel, thread)
		return thread
	}
	return ""
}

// markAssistant remembers an assistant thread (Slack shows a status and
// streams there).
func (c *convs) markAssistant(channel, thread string) {
	c.assistants.Put(msgKey(channel, thread), struct{}{})
}

// isAssistant reports a known assistant thread.
func (c *convs) isAssistant(channel, thread string) bool {
	_, ok := c.assistants.Get(msgKey(channel, thread))
	return ok
}

// setReplyURL keeps the response_url of the slash command that opened an
// ephemeral conversation: answers go there when chat.postEphemeral cannot.
func (c *convs) setReplyURL(k bridge.ConvKey, u string) {
	c.replyURLs.Put(msgKey(k.Channel, k.User), u)
}

// replyURL is the response_url kept for an ephemeral conversation.
func (c *convs) replyURL(k bridge.ConvKey) (string, bool) {
	return c.replyURLs.Get(msgKey(k.Channel, k.User))
}

func isEphemeral(k bridge.ConvKey) bool { return k.Thread == ephemeralThread }

// isDM reports a direct-message channel id (D…).
func isDM(channel string) bool { return strings.HasPrefix(channel, "D") }

// msgKey identifies one Slack message.
func msgKey(channel, ts string) string { return channel + "|" + ts }
