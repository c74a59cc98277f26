package discordadapter

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/gorilla/websocket"

	"github.com/kmbridge/kmbridge/adapters/internal/outbound"
	"github.com/kmbridge/kmbridge/internal/httpx"
)

// gateway is the connection to Discord's gateway: discordgo's session (which
// also carries the REST calls), opened, resumed and reopened by Run.
type gateway struct {
	*base
	s     *discordgo.Session
	conns *conns
	disc  chan struct{} // the connection was lost
	botID atomic.Pointer[string]
	// readies counts READYs: after the first, a READY means a new session
	// (the old one could not be resumed), and onNewSession catches up with
	// what was said since the old one began, at the earliest.
	readies      atomic.Int64
	sessionAt    atomic.Int64 // when the current session began (Unix nanoseconds)
	onNewSession func(oldSession time.Time)
	state        *gatewayState // what Ready reports (ready.go)
}

func newGateway(b *base, hc *http.Client) *gateway {
	g := &gateway{base: b, conns: newConns(), disc: make(chan struct{}, 1), state: newGatewayState()}
	g.s = newSession(b.cfg, hc, newDialer(g.conns))
	return g
}

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
// Config.HTTPTimeout keeping idlePerHost idle connections), watched for global
// rate limits, with requests rewritten to Config.APIURL when that is not
// Discord's.
func httpClient(cfg Config, given *http.Client, idlePerHost int, limits *globalLimit) *http.Client {
	var hc http.Client
	if given != nil {
		hc = *given
	} else {
		// Answers to many channels go out at once: keep a connection for each.
		hc = http.Client{Transport: httpx.Transport(idlePerHost)}
	}
	if hc.Timeout <= 0 {
		hc.Timeout = cfg.HTTPTimeout
	}
	base := hc.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	if cfg.APIURL != discordgo.EndpointAPI {
		base = rewriter{base: base, from: discordgo.EndpointAPI, to: cfg.APIURL}
	}
	limits.base = base
	hc.Transport = limits
	return &hc
}

// globalLimit watches Discord's answers for a 429 of the global limit
// (X-RateLimit-Global, X-RateLimit-Scope: global, or "global": true in the
// body), which discordgo does not report: the retry then holds every route,
// not only the one refused.
type globalLimit struct {
	base  http.RoundTripper
	until atomic.Int64 // Unix nanoseconds
}

func (g *globalLimit) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := g.base.RoundTrip(req)
	if err != nil || resp.StatusCode != http.StatusTooManyRequests {
		return resp, err
	}
	global := resp.Header.Get("X-RateLimit-Global") != "" || strings.EqualFold(resp.Header.Get("X-RateLimit-Scope"), "global")
	after, _ := strconv.ParseFloat(resp.Header.Get("Retry-After"), 64)
	if resp.Body != nil {
		body, rerr := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		resp.Body = io.NopCloser(bytes.NewReader(body))
		var v struct {
			Global     bool    `json:"global"`
			RetryAfter float64 `json:"retry_after"`
		}
		if rerr == nil && json.Unmarshal(body, &v) == nil {
			global = global || v.Global
			if v.RetryAfter > 0 {
				after = v.RetryAfter
			}
		}
	}
	if global {
		g.until.Store(time.Now().Add(time.Duration(after * float64(time.Second))).UnixNano())
	}
	return resp, nil
}

// holds reports whether a global rate limit holds now.
func (g *globalLimit) holds() bool { return time.Now().UnixNano() < g.until.Load() }

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

// connect opens the gateway, retrying with a growing pause while Discord
// cannot be reached; refusals that retrying cannot fix end it. A session
// discordgo still holds is resumed (RESUME: Discord replays what was missed);
// when Discord refuses that (INVALID_SESSION), discordgo identifies anew and
// onNewSession catches up.
func (g *gateway) connect(ctx context.Context) error {
	back := time.Second
	for {
		err := g.open(ctx)
		if err == nil {
			g.log.Info("discord: connected to the gateway", "shard", g.cfg.ShardID, "shards", g.cfg.ShardCount)
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if fatal := fatalOpen(err); fatal != nil {
			g.state.failed(scrub(fatal.Error(), g.cfg.bareToken()))
			return fatal
		}
		g.state.failed(scrub(err.Error(), g.cfg.bareToken()))
		g.log.Warn("discord: cannot connect to the gateway; retrying", "err", scrub(err.Error(), g.cfg.bareToken()), "in", back)
		if err := outbound.Sleep(ctx, back); err != nil {
			return err
		}
		back = min(back*2, time.Minute)
	}
}

// open runs discordgo's Open, which takes no context: when ctx ends first, the
// connection is cut so that Open returns, and the dialer refuses new ones (an
// Open that has not dialled yet would otherwise connect after the cut, and
// wait for a Hello forever). ctx is Run's: the dialer opens again at the next
// Run.
func (g *gateway) open(ctx context.Context) error {
	done := make(chan error, 1)
	go func() { done <- g.s.Open() }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		g.conns.close()
		if err := <-done; err == nil {
			_ = g.s.Close()
		}
		return ctx.Err()
	}
}

// close closes the gateway connection and refuses new ones until the next Run.
// A disconnect it reports is not news to the next Run.
func (g *gateway) close() {
	if err := g.s.Close(); err != nil {
		g.log.Debug("discord: closing the gateway", "err", err)
	}
	g.conns.close()
	g.state.set(errGatewayStopped) // after Close's own Disconnect event
	select {
	case <-g.disc:
	default:
	}
}

// fatalOpen turns the refusals that retrying cannot fix into an error saying
// what to change; nil for the others.
func fatalOpen(err error) error {
	var ce *websocket.CloseError
	if errors.As(err, &ce) {
		switch ce.Code {
		case 4004:
			return fmt.Errorf("discord: the gateway refused discord.token (4004 authentication failed): reset it in Developer Portal › Bot: %w", err)
		case 4014:
			return fmt.Errorf("discord: the MESSAGE CONTENT intent is not enabled: Developer Portal › Bot › Privileged Gateway Intents (4014): %w", err)
		case 4013:
			return fmt.Errorf("discord: the gateway refused the intents (4013): %w", err)
		case 4010, 4011:
			return fmt.Errorf("discord: the gateway refused the sharding (%d): check discord.shard_id and discord.shard_count: %w", ce.Code, err)
		case 4012:
			return fmt.Errorf("discord: the gateway refused API version %s (4012): %w", discordgo.APIVersion, err)
		}
	}
	if errors.Is(err, discordgo.ErrWSShardBounds) {
		return fmt.Errorf("discord: discord.shard_id must be less than discord.shard_count: %w", err)
	}
	if st, _ := discordCode(err); st == http.StatusUnauthorized {
		return errors.New("discord: Discord refused discord.token (HTTP 401): reset it in Developer Portal › Bot")
	}
	return nil
}

// onReady records the bot's id. A READY after the first starts a new session:
// what was said while the old one was lost is not replayed by Discord, so
// onNewSession reads it (on the gateway's reader, before the next event).
func (g *gateway) onReady(_ *discordgo.Session, r *discordgo.Ready) {
	if r == nil || r.User == nil {
		return
	}
	id := r.User.ID
	g.botID.Store(&id)
	g.state.set(nil)
	n := g.readies.Add(1)
	old := time.Unix(0, g.sessionAt.Swap(g.now().UnixNano()))
	g.log.Info("discord: ready", "bot", r.User.Username, "guilds", len(r.Guilds), "session", n)
	if n > 1 && g.onNewSession != nil {
		g.onNewSession(old)
	}
}

func (g *gateway) onDisconnect(_ *discordgo.Session, _ *discordgo.Disconnect) {
	g.state.set(errGatewayLost)
	select {
	case g.disc <- struct{}{}:
	default:
	}
}

// botUserID is the bot's own user id, once READY arrived.
func (g *gateway) botUserID() string {
	if p := g.botID.Load(); p != nil {
		return *p
	}
	return ""
}
