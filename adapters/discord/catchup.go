package discordadapter

import (
	"context"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"
)

// Catching up after a lost session. A connection that drops is resumed
// (RESUME), and Discord replays what the bot missed. When Discord refuses to
// resume (INVALID_SESSION, or a session too old), discordgo identifies anew
// and nothing is replayed: the messages sent in between would be lost. So on
// a new session the bot reads, through REST, what was said since shortly
// before the last message it received, in the channels where it was spoken
// to lately and in the configured channels, and delivers it like gateway
// messages. The host's dedupe drops what was delivered before.

// activity is a channel where the bot was spoken to lately.
type activity struct {
	guild string
	at    time.Time
}

// recent is a bounded set of channels with their last activity.
type recent struct {
	mu   sync.Mutex
	max  int
	m    map[string]activity
	last time.Time // the last message the gateway delivered, for us or not
}

func newRecent(max int) *recent { return &recent{max: max, m: map[string]activity{}} }

// touch records activity in channel at.
func (r *recent) touch(channel, guild string, at time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.m[channel]; !ok && len(r.m) >= r.max {
		var oldest string
		for id, a := range r.m {
			if oldest == "" || a.at.Before(r.m[oldest].at) {
				oldest = id
			}
		}
		delete(r.m, oldest)
	}
	r.m[channel] = activity{guild: guild, at: at}
}

// heard records that the gateway delivered a message at.
func (r *recent) heard(at time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if at.After(r.last) {
		r.last = at
	}
}

// since returns up to n channels active at or after t, most recent first, and
// when the last message was heard.
func (r *recent) since(t time.Time, n int) ([]string, map[string]activity, time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var ids []string
	acts := map[string]activity{}
	for id, a := range r.m {
		if !a.at.Before(t) {
			ids = append(ids, id)
			acts[id] = a
		}
	}
	sort.Slice(ids, func(i, j int) bool { return r.m[ids[i]].at.After(r.m[ids[j]].at) })
	if len(ids) > n {
		ids = ids[:n]
	}
	return ids, acts, r.last
}

// Catch-up bounds.
const (
	catchUpChannels = 50               // channels read after a new session
	catchUpMargin   = 5 * time.Second  // read from this long before the last message heard
	catchUpTimeout  = 20 * time.Second // all of it
	catchUpPage     = 100              // messages per channel (Discord's most)
)

// seen records a message for the bot in its channel.
func (r *receiver) seen(m *discordgo.Message) {
	r.active.touch(m.ChannelID, m.GuildID, r.now())
}

// catchUp reads and delivers what was said since the last message heard (or
// the old session began, when it heard none), in
// the channels where the bot was spoken to within activeTTL and in the
// configured channels. It runs on the gateway's reader (the new session's
// READY), so live events wait until it is done and stay in order after it.
func (r *receiver) catchUp(oldSession time.Time) {
	ctx, done, ok := r.life.enter()
	if !ok {
		return
	}
	defer done()
	ctx, cancel := context.WithTimeout(ctx, catchUpTimeout)
	defer cancel()
	ids, acts, last := r.active.since(r.now().Add(-activeTTL), catchUpChannels)
	if last.Before(oldSession) {
		last = oldSession // nothing heard on the old session: all of it
	}
	for id := range r.configured {
		if _, ok := acts[id]; !ok {
			ids = append(ids, id)
		}
	}
	after := snowflakeAt(last.Add(-catchUpMargin))
	read := 0
	for _, ch := range ids {
		msgs, err := r.history(ctx, ch, after)
		if err != nil {
			r.log.Warn("discord: catching up after a new session: channel not read", "channel", ch, "err", err)
			continue
		}
		for _, m := range msgs {
			if m.GuildID == "" {
				m.GuildID = acts[ch].guild
				if m.GuildID == "" && r.configured[ch] {
					if info, ok := r.chans.lookup(ctx, ch, true); ok {
						m.GuildID = info.guild
					}
				}
			}
			read++
			r.message(ctx, m)
		}
	}
	r.log.Info("discord: new gateway session: caught up", "channels", len(ids), "messages", read)
}

// history returns the messages of channel after id, oldest first.
func (r *receiver) history(ctx context.Context, channel, after string) ([]*discordgo.Message, error) {
	var msgs []*discordgo.Message
	ep := discordgo.EndpointChannelMessages(channel)
	err := r.out.api.call(ctx, bucket(ep), "read a channel", func(opts ...discordgo.RequestOption) error {
		var err error
		msgs, err = r.out.api.s.ChannelMessages(channel, catchUpPage, "", after, "", opts...)
		return err
	})
	if err != nil {
		return nil, err
	}
	out := msgs[:0]
	for _, m := range msgs {
		if m != nil {
			if m.ChannelID == "" {
				m.ChannelID = channel
			}
			out = append(out, m)
		}
	}
	sort.Slice(out, func(i, j int) bool { return snowflakeLess(out[i].ID, out[j].ID) })
	return out, nil
}

// discordEpoch is the start of Discord's snowflakes, in Unix milliseconds.
const discordEpoch = 1420070400000

// snowflakeAt is the smallest snowflake of time t.
func snowflakeAt(t time.Time) string {
	ms := max(t.UnixMilli()-discordEpoch, 0)
	return strconv.FormatInt(ms<<22, 10)
}

// snowflakeLess orders snowflakes (decimal strings) numerically.
func snowflakeLess(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}
