package bridge

import "fmt"

// Scope says how messages in a shared channel (not a DM) are grouped into
// conversations, each with its own KM session and ordered queue.
type Scope string

// Scopes.
const (
	// ScopeThread: one conversation per thread. A message outside any thread (a
	// group chat without threads) gets a per-user conversation, so different users
	// are never merged by accident. The default.
	ScopeThread Scope = "thread"
	// ScopeUser: one conversation per user in the channel (per user per thread
	// when the platform gives a thread).
	ScopeUser Scope = "user"
	// ScopeChannel: everyone in the channel (or thread) shares one conversation.
	// Only when an operator asks for it.
	ScopeChannel Scope = "channel"
)

// ParseScope parses a configured scope; "" is ScopeThread.
func ParseScope(s string) (Scope, error) {
	switch Scope(s) {
	case "", ScopeThread:
		return ScopeThread, nil
	case ScopeUser, ScopeChannel:
		return Scope(s), nil
	}
	return "", fmt.Errorf("bridge: scope %q is not one of thread, user, channel", s)
}

// DMKey is the conversation key of a direct message: always per user.
func DMKey(platform, workspace, channel, user string) ConvKey {
	return ConvKey{Platform: platform, Workspace: workspace, Channel: channel, User: user}
}

// ChannelKey is the conversation key of a message in a shared channel. thread is
// the thread (or forum topic) the message belongs to, "" outside threads; user is
// the author. See Scope for how they combine.
func ChannelKey(scope Scope, platform, workspace, channel, thread, user string) ConvKey {
	k := ConvKey{Platform: platform, Workspace: workspace, Channel: channel, Thread: thread}
	switch scope {
	case ScopeChannel:
	case ScopeUser:
		k.User = user
	default: // thread
		if thread == "" {
			k.User = user
		}
	}
	return k
}
