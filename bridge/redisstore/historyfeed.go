package redisstore

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"strconv"

	"github.com/redis/go-redis/v9"

	"github.com/kmbridge/kmbridge/bridge"
)

// The history feed (bridge.HistoryFeed) is one pub/sub channel,
// <prefix>history-feed, on which the append and replace scripts publish each
// change in the same atomic step as the change itself, so watchers get a
// conversation's changes in the order their ids were given. A message is
//
//	<op><id> "\n" <header> "\n" <data>
//
// op "a" (appended) or "r" (replaced), id the entry's decimal id, header the
// JSON of feedHeader (the publishing Store value and the conversation), data
// the entry's bytes. Pub/sub delivers to whoever is subscribed at the time:
// a watcher that was disconnected gets a Resync change when it is back, and
// rereads what it shows.

const feedChannelName = "history-feed"

var _ bridge.HistoryFeed = (*Store)(nil)

// feedHeader is what a feed message says besides the entry.
type feedHeader struct {
	Origin string         `json:"o"`
	Key    bridge.ConvKey `json:"k"`
}

func (s *Store) feedChannel() string { return s.prefix + feedChannelName }

func (s *Store) feedHeader(key bridge.ConvKey) string {
	b, _ := json.Marshal(feedHeader{Origin: s.origin, Key: key}) // strings only: cannot fail
	return string(b)
}

func newOrigin() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b) // never fails since Go 1.24
	return hex.EncodeToString(b)
}

// feedChanSize buffers the feed between Redis and the watcher's fn.
const feedChanSize = 1024

// WatchHistory implements bridge.HistoryFeed with SUBSCRIBE. go-redis
// reconnects and subscribes again by itself; every subscription after the
// first is told to fn as a Resync. Messages that do not decode (another
// program on the channel) are skipped.
func (s *Store) WatchHistory(ctx context.Context, fn func(bridge.HistoryChange)) error {
	ps := s.rdb.Subscribe(ctx, s.feedChannel())
	defer ps.Close()
	ch := ps.ChannelWithSubscriptions(redis.WithChannelSize(feedChanSize))
	subscribed := 0
	for {
		select {
		case <-ctx.Done():
			return nil
		case m, ok := <-ch:
			if !ok {
				return nil // the client was closed
			}
			switch m := m.(type) {
			case *redis.Subscription:
				if m.Kind != "subscribe" {
					continue
				}
				if subscribed++; subscribed > 1 {
					fn(bridge.HistoryChange{Resync: true})
				}
			case *redis.Message:
				if c, ok := s.decodeFeed(m.Payload); ok {
					fn(c)
				}
			}
		}
	}
}

// decodeFeed reads a feed message; ok is false for one of this Store value's
// own, or one that does not decode.
func (s *Store) decodeFeed(msg string) (c bridge.HistoryChange, ok bool) {
	b := []byte(msg)
	line, rest, ok1 := bytes.Cut(b, []byte{'\n'})
	head, data, ok2 := bytes.Cut(rest, []byte{'\n'})
	if !ok1 || !ok2 || len(line) < 2 || (line[0] != 'a' && line[0] != 'r') {
		return c, false
	}
	id, err := strconv.ParseUint(string(line[1:]), 10, 64)
	if err != nil || id == 0 {
		return c, false
	}
	var h feedHeader
	if json.Unmarshal(head, &h) != nil || h.Origin == s.origin {
		return c, false
	}
	return bridge.HistoryChange{Key: h.Key, Entry: bridge.HistoryEntry{ID: id, Data: data}, Replaced: line[0] == 'r'}, true
}
