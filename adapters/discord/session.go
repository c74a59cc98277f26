package discord

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/gorilla/websocket"
)

// intents are the gateway events the bot asks for: servers and their channels
// and threads (GUILD_CREATE, THREAD_CREATE), messages in servers and DMs, and
// their content. MESSAGE_CONTENT is privileged: it must be switched on in the
// Developer Portal, or the gateway closes with 4014.
const intents = discordgo.IntentsGuilds | discordgo.IntentsGuildMessages |
	discordgo.IntentsDirectMessages | discordgo.IntentsMessageContent

// newSession builds the discordgo session. discordgo.New does no I/O; the
// settings below make the adapter, not the library, own the things that must be
// bounded by a context: reconnecting (ShouldReconnectOnError off; Run
// reconnects), waiting out 429s (ShouldRetryOnRateLimit off; call does it) and
// retrying 5xx (MaxRestRetries 0; call does it). Events are dispatched in order
// on the gateway's reader (SyncEvents), so a conversation's messages reach the
// core in the order Discord sent them.
func newSession(cfg Config, hc *http.Client, dialer *websocket.Dialer) *discordgo.Session {
	s, _ := discordgo.New(cfg.botToken()) // never fails: it only fills a struct
	s.Client = hc
	s.Dialer = dialer
	s.ShouldReconnectOnError = false
	s.ShouldReconnectVoiceOnSessionError = false
	s.ShouldRetryOnRateLimit = false
	s.MaxRestRetries = 0
	s.SyncEvents = true
	s.ShardID, s.ShardCount = cfg.ShardID, cfg.ShardCount
	s.Identify.Intents = intents
	// State keeps channels and threads (for "is this channel a thread, and
	// whose?") and nothing else: members, presences and messages of large
	// servers would only cost memory.
	s.StateEnabled = true
	st := s.State
	st.MaxMessageCount = 0
	st.TrackChannels, st.TrackThreads = true, true
	st.TrackEmojis, st.TrackStickers, st.TrackMembers, st.TrackThreadMembers = false, false, false, false
	st.TrackRoles, st.TrackVoice, st.TrackPresences = false, false, false
	return s
}

// rewriter sends the requests discordgo addresses to Discord's REST API
// (its endpoint variables are fixed at init) to another base URL.
type rewriter struct {
	base     http.RoundTripper
	from, to string
}

func (r rewriter) RoundTrip(req *http.Request) (*http.Response, error) {
	u := req.URL.String()
	if !strings.HasPrefix(u, r.from) {
		return r.base.RoundTrip(req)
	}
	nu, err := url.Parse(r.to + u[len(r.from):])
	if err != nil {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, err
	}
	out := req.Clone(req.Context())
	out.URL, out.Host = nu, nu.Host
	return r.base.RoundTrip(out)
}

// httpClient is the client of every REST call: the given one (or one with
// Config.HTTPTimeout), with requests rewritten to Config.APIURL when that is
// not Discord's.
func httpClient(cfg Config, given *http.Client) *http.Client {
	var hc http.Client
	if given != nil {
		hc = *given
	} else {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConnsPerHost = 32 // answers to many channels go out at once
		hc = http.Client{Transport: tr}
	}
	if hc.Timeout <= 0 {
		hc.Timeout = cfg.HTTPTimeout
	}
	if cfg.APIURL != discordgo.EndpointAPI {
		base := hc.Transport
		if base == nil {
			base = http.DefaultTransport
		}
		hc.Transport = rewriter{base: base, from: discordgo.EndpointAPI, to: cfg.APIURL}
	}
	return &hc
}

// errDialerClosed refuses gateway connections once the adapter has stopped.
var errDialerClosed = errors.New("discord: gateway dialer closed")

// conns tracks the gateway's network connections, so that a handshake stuck
// inside discordgo's Open (which takes no context) can be cut when Run's
// context ends, and no connection is made after the adapter stopped.
type conns struct {
	mu     sync.Mutex
	open   map[net.Conn]struct{}
	closed bool
}

func newConns() *conns { return &conns{open: map[net.Conn]struct{}{}} }

func (t *conns) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		c.Close()
		return nil, errDialerClosed
	}
	t.open[c] = struct{}{}
	return &trackedConn{Conn: c, t: t}, nil
}

// abort closes the connections open now.
func (t *conns) abort() {
	t.mu.Lock()
	defer t.mu.Unlock()
	for c := range t.open {
		c.Close()
		delete(t.open, c)
	}
}

// reopen lets the dialer connect again after close (a new Run).
func (t *conns) reopen() {
	t.mu.Lock()
	t.closed = false
	t.mu.Unlock()
}

// close aborts the open connections and refuses new ones.
func (t *conns) close() {
	t.mu.Lock()
	t.closed = true
	t.mu.Unlock()
	t.abort()
}

type trackedConn struct {
	net.Conn
	t *conns
}

func (c *trackedConn) Close() error {
	c.t.mu.Lock()
	delete(c.t.open, c.Conn)
	c.t.mu.Unlock()
	return c.Conn.Close()
}

// newDialer is the gateway's websocket dialer over conns.
func newDialer(t *conns) *websocket.Dialer {
	return &websocket.Dialer{
		Proxy:            http.ProxyFromEnvironment,
		HandshakeTimeout: 15 * time.Second,
		NetDialContext:   t.dial,
	}
}
