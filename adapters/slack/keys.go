package slackadapter

import (
	"context"
	"strings"

	"github.com/kmbridge/kmbridge/bridge"
)

// ephemeralThread marks the conversation of /ask answers shown ephemerally in a
// channel: per user, and sent with chat.postEphemeral. A real thread is a Slack
// timestamp ("1712345678.123456"), so it can never take this value.
const ephemeralThread = "ephemeral"

// Conversation keys. Workspace stays empty: a bot token serves one workspace,
// channel ids are unique within it (and across an Enterprise Grid org), and in
// Slack Connect channels events and interaction payloads name different teams —
// a key must never differ between the two.

// dmKey is the conversation of a direct message: one per user, and one per
// assistant thread (thread is "" for every other DM message; see dmThread).
func dmKey(channel, thread, user string) bridge.ConvKey {
	k := bridge.DMKey(platform, "", channel, user)
	k.Thread = thread
	return k
}

// channelKey is the conversation of a message in a channel thread.
func (a *Adapter) channelKey(channel, thread, user string) bridge.ConvKey {
	return bridge.ChannelKey(a.cfg.Scope, platform, "", channel, thread, user)
}

// ephemeralKey is the conversation of ephemeral /ask answers in a channel.
func ephemeralKey(channel, user string) bridge.ConvKey {
	return bridge.ConvKey{Platform: platform, Channel: channel, Thread: ephemeralThread, User: user}
}

// keyFor is the conversation a message at channel/thread by user belongs to.
func (a *Adapter) keyFor(ctx context.Context, channel, thread, user string) bridge.ConvKey {
	if isDM(channel) {
		return dmKey(channel, a.dmThread(ctx, channel, thread, user, false), user)
	}
	return a.channelKey(channel, thread, user)
}

func isEphemeral(k bridge.ConvKey) bool { return k.Thread == ephemeralThread }

// isDM reports a direct-message channel id (D…).
func isDM(channel string) bool { return strings.HasPrefix(channel, "D") }

// msgKey identifies one Slack message.
func msgKey(channel, ts string) string { return channel + "|" + ts }
