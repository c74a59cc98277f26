package web

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/gorilla/websocket"

	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/i18n"
)

const (
	writeWait  = 10 * time.Second
	pongWait   = 60 * time.Second
	pingPeriod = pongWait * 9 / 10
	maxToken   = 64  // action tokens are ≤ 22 chars; leave room
	maxLabel   = 200 // runes of a clicked button's label echoed back
)

// inFrame is every frame the browser sends.
type inFrame struct {
	Type  string `json:"type"`            // text, click
	Text  string `json:"text,omitempty"`  // text
	Token string `json:"token,omitempty"` // click
	Ref   string `json:"ref,omitempty"`   // click: id of the message carrying the button
	Label string `json:"label,omitempty"` // click: the button's label, echoed as the user's turn
}

// client is one open socket (one tab).
type client struct {
	sid  string
	user bridge.UserInfo
	p    i18n.Printer
	send chan []byte
	kick chan struct{} // closed to make the writer close the socket
	once sync.Once
}

func newClient(sid string, user bridge.UserInfo, p i18n.Printer) *client {
	return &client{sid: sid, user: user, p: p, send: make(chan []byte, sendQueueSize), kick: make(chan struct{})}
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

func (c *client) errorFrame(id i18n.MsgID) {
	c.enqueue(encode(outFrame{Type: "error", Text: c.p.T(id)}))
}

func (c *client) key() bridge.ConvKey { return keyFor(c.sid) }

func keyFor(sid string) bridge.ConvKey {
	return bridge.ConvKey{Platform: Platform, Channel: sid, User: sid}
}

// serveWS upgrades to a WebSocket carrying one tab of a conversation.
func (a *Adapter) serveWS(w http.ResponseWriter, r *http.Request) {
	hdr := http.Header{}
	sid := sidFrom(r)
	if sid == "" {
		sid = newSID()
		hdr.Add("Set-Cookie", sessionCookie(r, sid).String())
	}
	locale := r.Header.Get("Accept-Language")
	c := newClient(sid, bridge.UserInfo{ID: sid, Locale: locale}, a.cat.Printer(locale))
	if !websocket.IsWebSocketUpgrade(r) {
		http.Error(w, "this is the chat's WebSocket endpoint", http.StatusBadRequest)
		return
	}
	if !a.upgrader.CheckOrigin(r) {
		a.log.Debug("web: socket refused: origin not allowed", "origin", r.Header.Get("Origin"))
		http.Error(w, "origin not allowed", http.StatusForbidden)
		return
	}
	// Attach before upgrading, so a full server can still answer with a status.
	if err := a.hub.attach(c); err != nil {
		code := http.StatusServiceUnavailable
		if errors.Is(err, errTooMany) {
			code = http.StatusTooManyRequests
		}
		a.log.Warn("web: socket refused", "err", err)
		http.Error(w, http.StatusText(code), code)
		return
	}
	defer a.hub.detach(c)
	conn, err := a.upgrader.Upgrade(w, r, hdr)
	if err != nil {
		return // the upgrader has answered
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		a.writeLoop(conn, c)
	}()
	if a.hub.greet(sid) {
		// A new browser: greet now (KM's welcome with its FAQ, then the help
		// text) rather than at the user's first words.
		a.dispatch(c, bridge.Command{Key: c.key(), User: c.user, Name: bridge.CmdStart})
	}
	a.readLoop(conn, c)
	c.stop()
	<-done
}

func (a *Adapter) writeLoop(conn *websocket.Conn, c *client) {
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
			_ = conn.WriteControl(websocket.CloseMessage, msg, time.Now().Add(time.Second))
			return
		}
	}
}

func (a *Adapter) readLoop(conn *websocket.Conn, c *client) {
	conn.SetReadLimit(a.readLimit())
	_ = conn.SetReadDeadline(time.Now().Add(pongWait))
	conn.SetPongHandler(func(string) error { return conn.SetReadDeadline(time.Now().Add(pongWait)) })
	for {
		_, data, err := conn.ReadMessage()
		if err != nil {
			return
		}
		_ = conn.SetReadDeadline(time.Now().Add(pongWait))
		a.onFrame(c, data)
	}
}

// onFrame handles one frame from the browser; bad input gets an error frame.
func (a *Adapter) onFrame(c *client, data []byte) {
	var in inFrame
	if err := json.Unmarshal(data, &in); err != nil {
		c.errorFrame("web.bad_request")
		return
	}
	switch in.Type {
	case "text":
		a.onText(c, in.Text)
	case "click":
		a.onClick(c, in)
	default:
		c.errorFrame("web.bad_request")
	}
}

// readLimit is the hard frame limit: generous enough that a message just over
// MaxMessageBytes, even JSON-escaped, still arrives and gets a polite "too long";
// only abuse beyond it closes the socket.
func (a *Adapter) readLimit() int64 {
	return int64(a.cfg.MaxMessageBytes)*6 + 4096
}

func (a *Adapter) onText(c *client, text string) {
	text = strings.TrimSpace(text)
	switch {
	case text == "":
		return
	case len(text) > a.cfg.MaxMessageBytes:
		c.errorFrame("web.too_long")
		return
	case !utf8.ValidString(text):
		c.errorFrame("web.bad_request")
		return
	case !a.hub.allow(c.sid):
		c.errorFrame("web.too_fast")
		return
	}
	id, err := a.hub.post(c.sid, entry{From: fromUser, Text: text})
	if err != nil {
		c.errorFrame("web.unavailable")
		return
	}
	var ev bridge.Event = bridge.Message{Key: c.key(), User: c.user, Text: text, ID: id}
	if name, arg, ok := parseCommand(text); ok {
		ev = bridge.Command{Key: c.key(), User: c.user, Name: name, Arg: arg}
	}
	a.dispatch(c, ev)
}

func (a *Adapter) onClick(c *client, in inFrame) {
	if !validToken(in.Token) {
		c.errorFrame("web.bad_request")
		return
	}
	if !a.hub.allow(c.sid) {
		c.errorFrame("web.too_fast")
		return
	}
	if label := cleanLabel(in.Label); label != "" && a.echoClicks {
		if _, err := a.hub.post(c.sid, entry{From: fromUser, Text: label}); err != nil {
			c.errorFrame("web.unavailable")
			return
		}
	}
	ev := bridge.Click{Key: c.key(), User: c.user, Token: in.Token}
	if validRef(in.Ref) {
		ev.Ref = bridge.MsgRef{Key: c.key(), ID: in.Ref}
	}
	a.dispatch(c, ev)
}

// dispatch hands an event to the bridge and tells the user when it was refused.
func (a *Adapter) dispatch(c *client, ev bridge.Event) {
	h, ctx := a.handler()
	if h == nil {
		c.errorFrame("web.unavailable")
		return
	}
	err := h(ctx, ev)
	if err == nil {
		return
	}
	a.log.Warn("web: event not accepted", "conv", ev.Conv().String(), "err", err)
	if errors.Is(err, bridge.ErrBusy) {
		c.errorFrame("web.busy")
		return
	}
	if ctx.Err() != nil {
		c.errorFrame("web.unavailable")
		return
	}
	c.errorFrame("web.failed")
}

func validToken(s string) bool {
	if s == "" || len(s) > maxToken {
		return false
	}
	for _, ch := range []byte(s) {
		if ch <= ' ' || ch >= 0x7f {
			return false
		}
	}
	return true
}

func validRef(s string) bool {
	n, err := strconv.ParseUint(s, 10, 64)
	return err == nil && n > 0 && len(s) <= 20
}

// cleanLabel bounds a label the browser says it clicked; it is only ever shown
// back to the same conversation, as text.
func cleanLabel(s string) string {
	s = strings.TrimSpace(strings.ToValidUTF8(s, ""))
	if utf8.RuneCountInString(s) > maxLabel {
		s = string([]rune(s)[:maxLabel]) + "…"
	}
	return s
}
