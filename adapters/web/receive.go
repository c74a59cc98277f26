package webadapter

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/i18n"
	"github.com/kmbridge/kmbridge/internal/memo"
)

// Receiving: what a tab sends becomes a delivery to the host.
//
// Each message and click carries the page's own id for it (random, per
// frame); the delivery id is the conversation id and that id, so the core
// dedupes a frame the page sends again. Acknowledged (bridge.Ack) means the
// page gets an ack frame for the id (and, for an accepted message, every tab
// its echo); refused means an error frame with retry set, and the page sends
// the same frame again once it can (after a reconnect, or a little later).
// The echo is written after the delivery was accepted, under the
// conversation's lock, so the answer, which takes the same lock to be
// written, always comes after it.

const (
	maxToken = 64  // action tokens are ≤ 22 chars; leave room
	maxLabel = 200 // runes of a clicked button's label echoed back
	maxMID   = 40  // the page's message ids
	// deliverWait bounds a delivery (the core answers within its SeenTimeout
	// plus one store write).
	deliverWait = 5 * time.Second
)

// inFrame is every frame the browser sends.
type inFrame struct {
	Type  string `json:"type"`            // text, click
	ID    string `json:"id,omitempty"`    // the page's id of this message or click
	Text  string `json:"text,omitempty"`  // text
	Token string `json:"token,omitempty"` // click
	Ref   string `json:"ref,omitempty"`   // click: id of the message carrying the button
	Label string `json:"label,omitempty"` // click: the button's label, echoed as the user's turn
}

// receiver turns frames into deliveries.
type receiver struct {
	host   bridge.Host
	hist   *history
	live   *hub
	limits *limits
	log    *slog.Logger
	cfg    Config
	// intake is on while Run runs: frames before Run or after its end are
	// refused (to be sent again), so shutdown stops intake before it closes
	// the sockets.
	intake atomic.Bool
	// echoClicks shows a clicked button's label as the user's turn.
	echoClicks bool
	// taken are the delivery ids acknowledged lately: a page sending one
	// again (its ack lost with the socket) goes past the limits, which would
	// refuse it as one message too many, to the core's dedupe.
	taken *memo.Memo[string, struct{}]
}

// Bounds of receiver.taken.
const (
	takenSize = 20000
	takenTTL  = 10 * time.Minute
)

// onFrame handles one frame from the browser; bad input gets an error frame.
func (rc *receiver) onFrame(c *client, data []byte) {
	var in inFrame
	if err := json.Unmarshal(data, &in); err != nil {
		rc.refuse(c, "", "web.bad_request")
		return
	}
	if in.ID != "" && !validMID(in.ID) {
		rc.refuse(c, "", "web.bad_request")
		return
	}
	switch in.Type {
	case "text":
		rc.onText(c, in)
	case "click":
		rc.onClick(c, in)
	default:
		rc.refuse(c, in.ID, "web.bad_request")
	}
}

func (rc *receiver) onText(c *client, in inFrame) {
	text := strings.TrimSpace(in.Text)
	switch {
	case text == "":
		rc.ack(c, in.ID)
		return
	case len(text) > rc.cfg.MaxMessageBytes:
		rc.refuse(c, in.ID, "web.too_long")
		return
	case !utf8.ValidString(text):
		rc.refuse(c, in.ID, "web.bad_request")
		return
	}
	if !rc.again(c, in.ID) && !rc.allowed(c, in.ID) {
		return
	}
	var ev bridge.Event = bridge.Message{Key: c.key(), User: c.user(), Text: text, ID: in.ID}
	if name, arg, ok := parseCommand(text); ok {
		ev = bridge.Command{Key: c.key(), User: c.user(), Name: name, Arg: arg}
	}
	rc.deliver(c, in.ID, ev, entry{From: fromUser, Text: text})
}

func (rc *receiver) onClick(c *client, in inFrame) {
	if !validToken(in.Token) {
		rc.refuse(c, in.ID, "web.bad_request")
		return
	}
	if !rc.again(c, in.ID) && !rc.allowed(c, in.ID) {
		return
	}
	ev := bridge.Click{Key: c.key(), User: c.user(), Token: in.Token}
	if validRef(in.Ref) {
		ev.Ref = bridge.MsgRef{Key: c.key(), ID: in.Ref}
	}
	var echo entry
	if label := cleanLabel(in.Label); label != "" && rc.echoClicks {
		echo = entry{From: fromUser, Text: label}
	}
	rc.deliver(c, in.ID, ev, echo)
}

// again reports whether the frame was taken lately.
func (rc *receiver) again(c *client, id string) bool {
	if id == "" {
		return false
	}
	_, ok := rc.taken.Get(c.cid + ":" + id)
	return ok
}

// allowed applies the limits: the conversation's, the client address's, and,
// for a conversation's first message, the address's new conversations.
func (rc *receiver) allowed(c *client, id string) bool {
	if why := rc.limits.allow(c.cid, c.ip, !rc.live.started(c.cid)); why != "" {
		rc.refuse(c, id, why)
		return false
	}
	return true
}

// deliver hands ev to the host and tells the page what became of it; echo
// (when set) joins the history once the event is accepted.
func (rc *receiver) deliver(c *client, id string, ev bridge.Event, echo entry) {
	if !rc.intake.Load() {
		rc.retry(c, id, "web.unavailable")
		return
	}
	d := bridge.Delivery{Event: ev}
	if id != "" {
		d.ID = c.cid + ":" + id
	}
	ctx, cancel := context.WithTimeout(context.Background(), deliverWait)
	defer cancel()
	unlock := rc.hist.locks.lock(c.cid)
	defer unlock()
	err := rc.host.Deliver(ctx, d)
	if bridge.Ack(err) && d.ID != "" {
		rc.taken.Put(d.ID, struct{}{})
	}
	switch {
	case err == nil:
		rc.live.start(c.cid)
		if echo.From != "" {
			rc.echo(ctx, c, echo)
		}
		rc.ack(c, id)
	case errors.Is(err, bridge.ErrDuplicate):
		rc.ack(c, id)
	case errors.Is(err, bridge.ErrBusy):
		rc.refuse(c, id, "web.busy") // acknowledged: the core has told the user
	default:
		rc.log.Warn("web: event not accepted; the page will send it again", "conv", c.cid, "err", err)
		if errors.Is(err, bridge.ErrClosed) {
			rc.retry(c, id, "web.unavailable")
			return
		}
		rc.retry(c, id, "web.failed")
	}
}

// echo writes the user's turn to the history and shows it in every tab. A
// store failure loses only the echo: the event is accepted and will be
// answered.
func (rc *receiver) echo(ctx context.Context, c *client, e entry) {
	msgID, err := rc.hist.append(ctx, c.key(), e)
	if err != nil {
		rc.log.Warn("web: the user's turn is shown but not kept", "conv", c.cid, "err", err)
	}
	n, _ := strconv.ParseUint(msgID, 10, 64)
	catchUp(ctx, rc.hist, rc.live, c.key(), c.cid, n)
	rc.live.broadcastNew(c.cid, encode(outFrame{Type: "msg", ID: msgID, From: e.From, Text: e.Text}), n)
}

func (rc *receiver) ack(c *client, id string) {
	if id != "" {
		c.enqueue(encode(outFrame{Type: "ack", ID: id}))
	}
}

// refuse tells the page its frame was not taken and will not be: the text
// goes back into its composer with the notice.
func (rc *receiver) refuse(c *client, id string, why i18n.MsgID) {
	c.enqueue(encode(outFrame{Type: "error", ID: id, Text: c.p.T(why)}))
}

// retry tells the page its frame was not taken and to send it again.
func (rc *receiver) retry(c *client, id string, why i18n.MsgID) {
	c.enqueue(encode(outFrame{Type: "error", ID: id, Text: c.p.T(why), Retry: id != ""}))
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

// validMID accepts the page's ids: letters, digits, - and _.
func validMID(s string) bool { return s != "" && len(s) <= maxMID && urlSafe(s) }

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
