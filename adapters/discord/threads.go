package discord

import (
	"context"
	"sync"

	"github.com/bwmarrin/discordgo"

	"github.com/kmbridge/kmbridge/bridge"
)

// chanInfo is what the adapter needs to know about a server channel.
type chanInfo struct {
	thread bool
	parent string // a thread's channel
	owner  string // a thread's creator
}

func infoOf(c *discordgo.Channel) chanInfo {
	if c == nil {
		return chanInfo{}
	}
	return chanInfo{thread: c.IsThread(), parent: c.ParentID, owner: c.OwnerID}
}

// channelInfo says whether a channel is a thread, and whose. It asks, in turn,
// the adapter's memory (threads it started, channels it looked up or that
// interactions described), discordgo's state (channels and active threads from
// GUILD_CREATE, THREAD_CREATE) and, when fetch is set, Discord itself (bounded
// by Config.LookupTimeout). known is false when nobody could tell.
func (a *Adapter) channelInfo(ctx context.Context, id string, fetch bool) (info chanInfo, known bool) {
	if info, ok := a.chans.Get(id); ok {
		return info, true
	}
	if c, err := a.s.State.Channel(id); err == nil && c != nil {
		return infoOf(c), true
	}
	if !fetch {
		return chanInfo{}, false
	}
	ctx, cancel := context.WithTimeout(ctx, a.cfg.LookupTimeout)
	defer cancel()
	var c *discordgo.Channel
	ep := discordgo.EndpointChannel(id)
	err := a.call(ctx, ep, ep, "look up a channel", func(opts ...discordgo.RequestOption) error {
		var err error
		c, err = a.s.Channel(id, opts...)
		return err
	})
	if err != nil || c == nil {
		a.log.Warn("discord: channel lookup failed; treating it as a channel", "channel", id, "err", err)
		return chanInfo{}, false
	}
	info = infoOf(c)
	a.chans.Put(id, info)
	return info, true
}

// learnChannel remembers the partial channel an interaction came with.
func (a *Adapter) learnChannel(c *discordgo.Channel) {
	if c == nil || c.ID == "" || (c.IsThread() && c.ParentID == "") {
		return // too partial to tell a thread's conversation
	}
	a.chans.Put(c.ID, infoOf(c))
}

// threadStart is a thread to be started from a user's message, when the first
// answer (or typing) goes out: a question that KM answers silently, or that
// the core refuses, makes no empty thread.
type threadStart struct {
	channel string // where the user's message is
	name    string

	mu     sync.Mutex
	done   bool // the thread exists, or cannot be made
	inline bool // no thread: answer in the channel, replying to the message
}

// dest is where a conversation's messages go.
type dest struct {
	channel string
	replyTo string // a message to reply to (when no thread could be started)
}

// dest resolves a conversation to a channel, starting its thread first when
// that is still to be done. A thread that cannot be started (permissions, a
// channel without threads) leaves the answers in the channel, as replies to
// the question, so nothing is lost.
func (a *Adapter) dest(ctx context.Context, k bridge.ConvKey) dest {
	if k.Thread == "" {
		return dest{channel: k.Channel}
	}
	ts, ok := a.starts.Get(k.Thread)
	if !ok {
		return dest{channel: k.Thread}
	}
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if !ts.done {
		a.startThread(ctx, k.Thread, ts)
	}
	if ts.inline {
		return dest{channel: ts.channel, replyTo: k.Thread}
	}
	return dest{channel: k.Thread}
}

// errThreadExists is Discord's code for "a thread has already been created for
// this message".
const errThreadExists = 160004

func (a *Adapter) startThread(ctx context.Context, msgID string, ts *threadStart) {
	ep := discordgo.EndpointChannelMessageThread(ts.channel, msgID)
	err := a.call(ctx, ep, ep, "start a thread", func(opts ...discordgo.RequestOption) error {
		_, err := a.s.MessageThreadStartComplex(ts.channel, msgID, &discordgo.ThreadStart{
			Name: ts.name, AutoArchiveDuration: a.cfg.ThreadArchive,
		}, opts...)
		return err
	})
	if _, code := discordCode(err); err == nil || code == errThreadExists {
		ts.done = true
		a.chans.Put(msgID, chanInfo{thread: true, parent: ts.channel, owner: a.botUserID()})
		return
	}
	if ctx.Err() != nil {
		return // try again with the next message
	}
	ts.done, ts.inline = true, true
	a.log.Warn("discord: cannot start a thread; answering in the channel instead (grant Create Public Threads)",
		"channel", ts.channel, "err", err)
}
