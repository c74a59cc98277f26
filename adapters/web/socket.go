package webadapter

import (
	"context"
	"errors"
	"net/http"
	"net/netip"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/httpserver"
	"github.com/kmbridge/kmbridge/i18n"
	"github.com/kmbridge/kmbridge/internal/logx"
)

const (
	writeWait  = 10 * time.Second
	pongWait   = 60 * time.Second
	pingPeriod = pongWait * 9 / 10
	// loadWait bounds reading a conversation's history for a new tab.
	loadWait = 5 * time.Second
)

// client is one open socket (one tab).
type client struct {
	cid    string
	ip     string // the client's address, as the per-IP limits key it
	locale string // the browser's Accept-Language
	p      i18n.Printer
	send   chan []byte
	kick   chan struct{} // closed to make the writer close the socket
	once   sync.Once

	// Guarded by the hub's lock: frames held back until the history frame
	// has been queued (hub.attach, hub.ready), and the highest message id
	// the tab has been sent (hub.broadcast).
	loading bool
	early   []early
	last    uint64
}

// early is a frame held back for a loading tab; msg is the id of the message
// it carries (0: none), so one the history already holds is not sent twice.
type early struct {
	msg uint64
	b   []byte
}

// stop asks the socket's writer to say goodbye and close; safe to call often.
func (c *client) stop() { c.once.Do(func() { close(c.kick) }) }

// enqueue queues a frame without blocking; a tab too slow to keep up is
// disconnected and replays the history when it reconnects.
func (c *client) enqueue(b []byte) {
	select {
	case c.send <- b:
	default:
		c.stop()
	}
}

func (c *client) key() bridge.ConvKey { return keyFor(c.cid) }

func (c *client) user() bridge.UserInfo { return bridge.UserInfo{ID: c.cid, Locale: c.locale} }

// serveWS upgrades to a WebSocket carrying one tab of a conversation.
func (a *Adapter) serveWS(w http.ResponseWriter, r *http.Request) {
	if !websocket.IsWebSocketUpgrade(r) {
		http.Error(w, "this is the chat's WebSocket endpoint", http.StatusBadRequest)
		return
	}
	if !a.page.checkOrigin(r) {
		a.log.Warn("web: socket refused: origin not allowed", "origin", r.Header.Get("Origin"), logx.Throttled("web.origin"))
		http.Error(w, "origin not allowed", http.StatusForbidden)
		return
	}
	v, err := a.ids.visitorOf(r.Context(), r)
	if err != nil {
		a.log.Error("web: socket refused", "err", err)
		http.Error(w, http.StatusText(http.StatusServiceUnavailable), http.StatusServiceUnavailable)
		return
	}
	hdr := http.Header{}
	if v.cookie != nil {
		hdr.Add("Set-Cookie", v.cookie.String())
	}
	locale := r.Header.Get("Accept-Language")
	c := &client{
		cid: v.cid, ip: ipKey(r, a.cfg.TrustedProxies), locale: locale, p: a.page.cat.Printer(locale),
		send: make(chan []byte, sendQueueSize), kick: make(chan struct{}),
	}
	// Attach before upgrading, so a full server can still answer with a status.
	if err := a.live.attach(c); err != nil {
		code := http.StatusServiceUnavailable
		if errors.Is(err, errTooMany) {
			code = http.StatusTooManyRequests
		}
		a.log.Warn("web: socket refused", "err", err, logx.Throttled("web.full"))
		http.Error(w, http.StatusText(code), code)
		return
	}
	conn, err := a.upgrader.Upgrade(w, r, hdr)
	if err != nil {
		a.live.detach(c)
		return // the upgrader has answered
	}
	// The request's goroutine ends here, and with it its stack and the
	// request: an open tab holds only its reader and writer, small.
	go a.serveTab(conn, c, v.cookie != nil)
}

// serveTab reads one tab until it goes, with its writer alongside.
func (a *Adapter) serveTab(conn *websocket.Conn, c *client, newCookie bool) {
	defer a.live.detach(c)
	done := make(chan struct{})
	go func() {
		defer close(done)
		writeLoop(conn, c)
	}()
	if a.load(c, newCookie) {
		a.readLoop(conn, c)
	}
	c.stop()
	<-done
}

// load queues the tab's history: the welcome, then the conversation's
// messages. A new visitor's history is the shared welcome alone, with no
// store read for a cookie just made. When the store cannot be read the tab
// is told and closed (it reconnects), rather than shown an empty history
// over what it already shows.
func (a *Adapter) load(c *client, newCookie bool) bool {
	ctx, cancel := context.WithTimeout(context.Background(), loadWait)
	defer cancel()
	g := a.greet.get(ctx, c.p)
	if newCookie {
		a.live.ready(c, g.frame, 0, false)
		return true
	}
	// Under the conversation's lock, as every message is shown: none is
	// written between the read and the tab's start.
	unlock := a.hist.locks.lock(c.cid)
	defer unlock()
	es, err := a.hist.list(ctx, c.key())
	if err != nil {
		a.log.Warn("web: history unavailable; the tab will reconnect", "conv", c.cid, "err", err)
		a.live.ready(c, encode(outFrame{Type: "error", Text: c.p.T("web.unavailable")}), 0, false)
		return false
	}
	if len(es) == 0 {
		a.live.ready(c, g.frame, 0, false)
		return true
	}
	last, _ := parseID(es[len(es)-1].ID)
	items := append(make([]entry, 0, len(es)+1), g.entry)
	a.live.ready(c, encode(outFrame{Type: "history", Items: append(items, es...)}), last, true)
	return true
}

func writeLoop(conn *websocket.Conn, c *client) {
	ping := time.NewTicker(pingPeriod)
	defer ping.Stop()
	defer conn.Close()
	for {
		select {
		case b := <-c.send:
			_ = conn.SetWriteDeadline(time.Now().Add(writeWait))
			if err := conn.WriteMessage(websocket.TextMessage, b); err != nil {
				return
			}
		case <-ping.C:
			if err := conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(writeWait)); err != nil {
				return
			}
		case <-c.kick:
			msg := websocket.FormatCloseMessage(websocket.CloseGoingAway, "")
			select { // what is queued (an error frame) goes first
			case b := <-c.send:
				_ = conn.SetWriteDeadline(time.Now().Add(time.Second))
				_ = conn.WriteMessage(websocket.TextMessage, b)
			default:
			}
			_ = conn.WriteControl(websocket.CloseMessage, msg, time.Now().Add(time.Second))
			return
		}
	}
}

// readLoop reads the tab's frames until it goes. Binary frames are refused:
// the chat speaks JSON text only, and a client sending binary is not a page
// of ours; the socket is closed saying so.
func (a *Adapter) readLoop(conn *websocket.Conn, c *client) {
	conn.SetReadLimit(a.readLimit())
	_ = conn.SetReadDeadline(time.Now().Add(pongWait))
	conn.SetPongHandler(func(string) error { return conn.SetReadDeadline(time.Now().Add(pongWait)) })
	for {
		mt, data, err := conn.ReadMessage()
		if err != nil {
			return
		}
		if mt != websocket.TextMessage {
			msg := websocket.FormatCloseMessage(websocket.CloseUnsupportedData, "")
			_ = conn.WriteControl(websocket.CloseMessage, msg, time.Now().Add(time.Second))
			return
		}
		_ = conn.SetReadDeadline(time.Now().Add(pongWait))
		a.in.onFrame(c, data)
	}
}

// readLimit is the hard frame limit: generous enough that a message just over
// MaxMessageBytes, even JSON-escaped, still arrives and gets a polite "too long";
// only abuse beyond it closes the socket.
func (a *Adapter) readLimit() int64 {
	return int64(a.cfg.MaxMessageBytes)*6 + 4096
}

// ipKey is the client's address as the per-IP limits count it: IPv6 clients
// by their /64, which one subscriber usually holds whole.
func ipKey(r *http.Request, trusted []netip.Prefix) string {
	ip := httpserver.RequestIP(r, trusted)
	if !ip.IsValid() {
		return "?"
	}
	if ip.Is6() {
		if p, err := ip.Prefix(64); err == nil {
			return p.String()
		}
	}
	return ip.String()
}
