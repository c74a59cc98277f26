package discordadapter

import (
	"context"
	"sync"

	"github.com/bwmarrin/discordgo"

	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/internal/memo"
)

// channels is what the bot knows of server channels and threads: whether a
// channel is a thread and whose, and the threads still to be started from
// users' questions.
type channels struct {
	*base
	api    *rest
	state  *discordgo.State
	bot    func() string
	info   *memo.Memo[string, chanInfo]     // channel id → thread or not, parent, owner
	starts *memo.Memo[string, *threadStart] // user message id → the thread to start from it
}

// chanInfo is what the adapter needs to know about a server channel.
type chanInfo struct {
	guild  string
	thread bool
	parent string // a thread's channel
	owner  string // a thread's creator
	mine   bool   // a thread this adapter started (its owner, before READY told the bot's id)
}

func infoOf(c *discordgo.Channel) chanInfo {
	if c == nil {
		return chanInfo{}
	}
	return chanInfo{guild: c.GuildID, thread: c.IsThread(), parent: c.ParentID, owner: c.OwnerID}
}

// lookup says whether a channel is a thread, and whose. It asks, in turn,
// the adapter's memory (threads it started, channels it looked up or that
// interactions described), discordgo's state (channels and active threads from
// GUILD_CREATE, THREAD_CREATE) and, when fetch is set, Discord itself (bounded
// by Config.LookupTimeout). known is false when nobody could tell.
func (c *channels) lookup(ctx context.Context, id string, fetch bool) (info chanInfo, known bool) {
	if info, ok := c.info.Get(id); ok {
		return info, true
	}
	if ch, err := c.state.Channel(id); err == nil && ch != nil {
		return infoOf(ch), true
	}
	if !fetch {
		return chanInfo{}, false
	}
	ctx, cancel := context.WithTimeout(ctx, c.cfg.LookupTimeout)
	defer cancel()
	var ch *discordgo.Channel
	ep := discordgo.EndpointChannel(id)
	err := c.api.call(ctx, bucket(ep), "look up a channel", func(opts ...discordgo.RequestOption) error {
		var err error
		ch, err = c.api.s.Channel(id, opts...)
		return err
	})
	if err != nil || ch == nil {
		c.log.Warn("discord: channel lookup failed; treating it as a channel", "channel", id, "err", err)
		return chanInfo{}, false
	}
	info = infoOf(ch)
	c.info.Put(id, info)
	return info, true
}

// learn remembers the partial channel an interaction came with.
func (c *channels) learn(ch *discordgo.Channel) {
	if ch == nil || ch.ID == "" || (ch.IsThread() && ch.ParentID == "") {
		return // too partial to tell a thread's conversation
	}
	c.info.Put(ch.ID, infoOf(ch))
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

// plan records that the answer to message msg in channel starts a thread named
// name; a redelivery keeps the first plan.
func (c *channels) plan(msg, channel, name string) {
	c.starts.Add(msg, &threadStart{channel: channel, name: name})
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
func (c *channels) dest(ctx context.Context, k bridge.ConvKey) dest {
	if k.Thread == "" {
		return dest{channel: k.Channel}
	}
	ts, ok := c.starts.Get(k.Thread)
	if !ok {
		return dest{channel: k.Thread}
	}
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if !ts.done {
		c.startFrom(ctx, k.Thread, ts)
	}
	if ts.inline {
		return dest{channel: ts.channel, replyTo: k.Thread}
	}
	return dest{channel: k.Thread}
}

// errThreadExists is Discord's code for "a thread has already been created for
// this message".
const errThreadExists = 160004

// startFrom starts the thread ts plans from message msgID.
func (c *channels) startFrom(ctx context.Context, msgID string, ts *threadStart) {
	_, err := c.start(ctx, ts.channel, msgID, ts.name)
	switch {
	case err == nil:
		ts.done = true
	case ctx.Err() != nil:
		// try again with the next message
	default:
		ts.done, ts.inline = true, true
		c.log.Warn("discord: cannot start a thread; answering in the channel instead (grant Create Public Threads)",
			"channel", ts.channel, "err", err)
	}
}

// start starts a thread named name from message msgID in channel (Discord
// gives the thread the message's id) and remembers it as the bot's.
func (c *channels) start(ctx context.Context, channel, msgID, name string) (*discordgo.Channel, error) {
	var th *discordgo.Channel
	ep := discordgo.EndpointChannelMessageThread(channel, msgID)
	err := c.api.call(ctx, bucket(ep), "start a thread", func(opts ...discordgo.RequestOption) error {
		var err error
		th, err = c.api.s.MessageThreadStartComplex(channel, msgID, &discordgo.ThreadStart{
			Name: name, AutoArchiveDuration: c.cfg.ThreadArchive,
		}, opts...)
		return err
	})
	if _, code := discordCode(err); code == errThreadExists {
		err = nil // started before (a retry whose first answer was lost)
	}
	if err == nil {
		info := chanInfo{thread: true, parent: channel, owner: c.bot(), mine: true}
		if th != nil {
			info.guild = th.GuildID
		}
		if info.guild == "" {
			if parent, ok := c.info.Get(channel); ok {
				info.guild = parent.guild
			} else if ch, err := c.state.Channel(channel); err == nil && ch != nil {
				info.guild = ch.GuildID
			}
		}
		c.info.Put(msgID, info)
		if th == nil {
			th = &discordgo.Channel{ID: msgID, GuildID: info.guild, ParentID: channel, Type: discordgo.ChannelTypeGuildPublicThread}
		}
	}
	return th, err
}
