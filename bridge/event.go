package bridge

import (
	"context"
	"strings"

	"github.com/kmbridge/kmbridge/formatting"
)

// ConvKey identifies one conversation, the unit that owns a KM session and whose
// events are handled in order. Only adapters build or interpret its fields; the core
// treats it as an opaque key. Fields that do not apply are empty (e.g. User is empty
// for a per-thread conversation in a shared channel).
type ConvKey struct {
	Platform  string // "slack", "telegram", "discord", "web", …
	Workspace string // Slack team, Discord guild; empty where there is none
	Channel   string // channel, chat or DM id
	Thread    string // thread or forum topic; empty outside threads
	User      string // set when the conversation is per user
}

// String is a stable, unambiguous form used as a store key and in logs: the five
// fields joined by "|", each with "%" escaped as "%25" and "|" as "%7C".
func (k ConvKey) String() string {
	// Built by hand: it runs several times per event and per store access, and a
	// strings.Replacer per call cost ~30 KB of garbage.
	fields := [5]string{k.Platform, k.Workspace, k.Channel, k.Thread, k.User}
	n := 4
	for _, f := range fields {
		n += len(f) + 2*(strings.Count(f, "%")+strings.Count(f, "|"))
	}
	var b strings.Builder
	b.Grow(n)
	for i, f := range fields {
		if i > 0 {
			b.WriteByte('|')
		}
		for j := 0; j < len(f); j++ {
			switch f[j] {
			case '%':
				b.WriteString("%25")
			case '|':
				b.WriteString("%7C")
			default:
				b.WriteByte(f[j])
			}
		}
	}
	return b.String()
}

// ParseConvKey reads a ConvKey's String back; ok is false when s is not one.
func ParseConvKey(s string) (k ConvKey, ok bool) {
	var fields [5]string
	for i := range fields {
		f := s
		if i < 4 {
			j := strings.IndexByte(s, '|')
			if j < 0 {
				return ConvKey{}, false
			}
			f, s = s[:j], s[j+1:]
		} else if strings.IndexByte(s, '|') >= 0 {
			return ConvKey{}, false
		}
		if strings.IndexByte(f, '%') >= 0 {
			f = strings.ReplaceAll(strings.ReplaceAll(f, "%7C", "|"), "%25", "%")
		}
		fields[i] = f
	}
	return ConvKey{Platform: fields[0], Workspace: fields[1], Channel: fields[2], Thread: fields[3], User: fields[4]}, true
}

// UserInfo is what the platform tells us about the person behind an event.
type UserInfo struct {
	ID     string // platform user id
	Name   string // display name
	Email  string // when the platform gives it
	Locale string // platform locale ("ja", "zh-CN", an Accept-Language header); may be empty
}

// Event is an inbound event: one of Message, Click, Command.
type Event interface {
	Conv() ConvKey
	isEvent()
}

// Message is something a user wrote.
type Message struct {
	Key  ConvKey
	User UserInfo
	Text string
	// ID is the platform's id for the message (for logs and threading); may be empty.
	ID string
	// Rich is Text with the formatting the author used (bold, links, code,
	// lists), parsed from the platform's markup by the adapter; nil when the
	// adapter has none. Relays to another platform (hand-over) render it; KM
	// always gets Text.
	Rich formatting.Rich
	// Files are the images and files sent with the message, as links.
	Files []Attachment
	// ReplyTo is the platform id of the message this one replies to, when the
	// platform has replies (Telegram); "" otherwise.
	ReplyTo string
}

// Click is a button press or a select choice: Token is the action token of the
// button or chosen option.
type Click struct {
	Key   ConvKey
	User  UserInfo
	Token string
	// Ref is the message that carried the button, when the platform says; adapters
	// use it to update that message after the click.
	Ref MsgRef
}

// Command is a bridge command: help, faq, hot, human, reset (or start, mapped to
// help by adapters that have it). Arg is the rest of the line.
type Command struct {
	Key  ConvKey
	User UserInfo
	Name string
	Arg  string
}

// Conv returns the conversation the event belongs to.
func (e Message) Conv() ConvKey { return e.Key }

// Conv returns the conversation the event belongs to.
func (e Click) Conv() ConvKey { return e.Key }

// Conv returns the conversation the event belongs to.
func (e Command) Conv() ConvKey { return e.Key }

func (Message) isEvent() {}
func (Click) isEvent()   {}
func (Command) isEvent() {}

// MsgRef points at a message an adapter sent, so it can be edited later.
type MsgRef struct {
	Key ConvKey
	ID  string // platform message id (Slack ts, Telegram message_id, …)
}

// Adapter connects one platform. It does I/O only: receive, verify, ack,
// translate to events, render and send, pace, retry. It is built as
// New(cfg, host, opts…) and hands what it receives to its Host (host.go).
type Adapter interface {
	// Name is the platform name, equal to ConvKey.Platform of its events.
	Name() string
	// Run receives events and delivers them to the adapter's Host until ctx
	// ends.
	Run(ctx context.Context) error
	// Send renders m for the platform and sends it to the conversation. When the
	// rendering takes several platform messages, the returned ref is the last one.
	Send(ctx context.Context, to ConvKey, m formatting.Message) (MsgRef, error)
}

// Typer is an adapter that can show a typing indicator. The core calls it again
// while KM is still working, every TypingInterval.
type Typer interface {
	Typing(ctx context.Context, to ConvKey) error
}

// TypingScoper is a Typer whose platform shows typing in some conversations
// only (Slack: assistant threads). The core asks Types before a turn and, on
// false, starts no indicator loop at all: a goroutine, a ticker and a timeout
// per answer were 3 % of the bridge's CPU on Slack DMs, where Typing did
// nothing.
type TypingScoper interface {
	Typer
	Types(to ConvKey) bool
}

// Editor is an adapter that can replace a sent message (streaming answers,
// retiring clicked buttons).
type Editor interface {
	Edit(ctx context.Context, ref MsgRef, m formatting.Message) error
}
