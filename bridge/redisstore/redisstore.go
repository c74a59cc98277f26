// Package redisstore is the Redis bridge.Store, so that several kmbridge replicas
// share conversations' KM sessions, button actions, redelivery ids, rated answers
// and transcripts: a button sent by one replica can be clicked on another. It has
// the semantics of bridge/memstore (TTL ≤ 0 means no expiry; Seen is atomic;
// transcripts keep the last max turns and expire ttl after their last append),
// with Redis doing the expiry: every key is written with its TTL.
//
// A conversation is one small hash, conv:<ring id> (conv.go): its KM session,
// transcript turns and button ring, in compact binary (codec.go), each part
// with its own deadline; texts and action lists shared across conversations
// are content-addressed blobs, blob:<hash>. Other keys are Options.Prefix +
// kind + ":" + id, kind one of action, shared, seen, rated, history, and id
// the token, content address, delivery id, logId or ConvKey.String(), with
// JSON or binary values. Every operation's script touches one key, except
// the inbox's (inbox.go), whose keys share a hash tag, so the store also
// works on Redis Cluster.
package redisstore

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kmbridge/kmbridge/bridge"
)

// DefaultPrefix namespaces kmbridge's keys when Options.Prefix is empty.
const DefaultPrefix = "kmbridge:"

// Options configure a Store.
type Options struct {
	// URL is store.redis_url: redis://[user:password@]host:port/db or rediss://…
	// (TLS), with go-redis's query options (dial_timeout, pool_size, …).
	URL string
	// Prefix starts every key (default DefaultPrefix); replicas that share
	// conversations must use the same one.
	Prefix string
	// Client, when set, is used instead of dialling URL (tests, Cluster, Sentinel).
	// It stays the caller's: Close does not close it.
	Client redis.UniversalClient
}

// Store is a bridge.Store on Redis. It is safe for concurrent use, from any number
// of processes sharing one Redis and prefix.
type Store struct {
	rdb    redis.UniversalClient
	owned  bool // rdb was dialled by Open, so Close closes it
	prefix string
	// origin names this Store value in what it publishes (historyfeed.go),
	// so its own changes are not told back to it.
	origin string

	closeOnce sync.Once
	closeErr  error
}

var _ bridge.Store = (*Store)(nil)

// Open connects to Redis and pings it once under ctx. Unlike other constructors
// it does network I/O on purpose: a replica that cannot reach the shared store
// would answer every user with an apology, and a wrong URL or password is better
// reported at start than at the first message. The error never contains the URL's
// password.
func Open(ctx context.Context, opts Options) (*Store, error) {
	s := &Store{rdb: opts.Client, prefix: opts.Prefix, origin: newOrigin()}
	if s.prefix == "" {
		s.prefix = DefaultPrefix
	}
	if s.rdb == nil {
		if opts.URL == "" {
			return nil, errors.New("redisstore: open: no URL: set store.redis_url (redis://host:6379/0)")
		}
		ro, err := redis.ParseURL(opts.URL)
		if err != nil {
			return nil, fmt.Errorf("redisstore: open: store.redis_url: %w", withoutURL(err))
		}
		// Honour callers' deadlines (the core bounds Seen on adapters' ack path);
		// go-redis otherwise waits out its own read timeout.
		ro.ContextTimeoutEnabled = true
		s.rdb, s.owned = redis.NewClient(ro), true
	}
	if err := s.rdb.Ping(ctx).Err(); err != nil {
		if s.owned {
			_ = s.rdb.Close()
		}
		return nil, fmt.Errorf("redisstore: open: ping: %w", err)
	}
	return s, nil
}

// withoutURL drops the URL that url.Parse puts in its errors: it may hold the
// Redis password.
func withoutURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("invalid URL: %w", ue.Err)
	}
	return err
}

// Close closes the Redis client Open dialled; a client passed in Options.Client
// is left open, as it may be shared. Nothing needs saving: Redis holds the state.
// Calling it again returns the first result. Operations after Close fail with an
// error wrapping redis.ErrClosed (memstore stays readable; the core never uses a
// closed store).
func (s *Store) Close(context.Context) error {
	s.closeOnce.Do(func() {
		if s.owned {
			if err := s.rdb.Close(); err != nil {
				s.closeErr = fmt.Errorf("redisstore: close: %w", err)
			}
		}
	})
	return s.closeErr
}

// Key kinds.
const (
	kindSession    = "session"
	kindAction     = "action"
	kindSeen       = "seen"
	kindRated      = "rated"
	kindTranscript = "transcript"
)

func (s *Store) key(kind, id string) string { return s.prefix + kind + ":" + id }

func (s *Store) ratedKey(logID int64) string {
	return s.key(kindRated, strconv.FormatInt(logID, 10))
}

// expiry maps a caller's TTL to go-redis's: ≤ 0 is no expiry (as in memstore, and
// never go-redis's KeepTTL = -1), and anything shorter than Redis's 1 ms
// resolution is 1 ms rather than a logged truncation.
func expiry(d time.Duration) time.Duration {
	switch {
	case d <= 0:
		return 0
	case d < time.Millisecond:
		return time.Millisecond
	}
	return d
}
