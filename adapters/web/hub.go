package web

import (
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"sync"
	"time"
)

// entry is one message of a conversation's history, as the page renders it.
type entry struct {
	ID   string          `json:"id"`
	From string          `json:"from"`           // "bot" or "user"
	Msg  json.RawMessage `json:"msg,omitempty"`  // bot: the webfmt rendering
	Text string          `json:"text,omitempty"` // user: their words, shown as text
	// Retired are tokens whose button group is spent (shown disabled).
	Retired []string `json:"retired,omitempty"`
}

// Who wrote an entry.
const (
	fromBot  = "bot"
	fromUser = "user"
)

// outFrame is every frame the server sends.
type outFrame struct {
	Type  string          `json:"type"` // history, msg, edit, retire, typing, error
	ID    string          `json:"id,omitempty"`
	Token string          `json:"token,omitempty"`
	From  string          `json:"from,omitempty"`
	Msg   json.RawMessage `json:"msg,omitempty"`
	Text  string          `json:"text,omitempty"`
	Items []entry         `json:"items,omitempty"`
}

func encode(f outFrame) []byte {
	b, err := json.Marshal(f)
	if err != nil { // only RawMessage can fail, and renderings are valid JSON
		b, _ = json.Marshal(outFrame{Type: f.Type, ID: f.ID})
	}
	return b
}

var (
	errFull       = errors.New("web: too many conversations")
	errTooMany    = errors.New("web: too many open sockets for this conversation")
	errClosed     = errors.New("web: adapter shut down")
	errNoConv     = errors.New("web: no such conversation")
	errBadMsgID   = errors.New("web: no such message")
	sendQueueSize = 64
)

// conv is one browser's conversation: its open sockets and recent history.
type conv struct {
	sockets  map[*client]struct{}
	history  []entry
	seq      uint64
	lastUsed time.Time
	greeted  bool
	limit    bucket
}

// hub owns every conversation. One lock keeps history and fan-out in the same
// order for every tab.
type hub struct {
	cfg Config
	now func() time.Time

	mu     sync.Mutex
	convs  map[string]*conv
	closed bool
	wg     sync.WaitGroup // attached sockets
}

func newHub(cfg Config, now func() time.Time) *hub {
	return &hub{cfg: cfg, now: now, convs: map[string]*conv{}}
}

// get returns sid's conversation, creating it (and forgetting the least recently
// used idle one when full). Called with h.mu held.
func (h *hub) get(sid string) (*conv, error) {
	if cv, ok := h.convs[sid]; ok {
		return cv, nil
	}
	if len(h.convs) >= h.cfg.MaxConversations && !h.evictOne() {
		return nil, errFull
	}
	cv := &conv{sockets: map[*client]struct{}{}, lastUsed: h.now()}
	h.convs[sid] = cv
	return cv, nil
}

func (h *hub) evictOne() bool {
	var victim string
	var oldest time.Time
	for sid, cv := range h.convs {
		if len(cv.sockets) == 0 && (victim == "" || cv.lastUsed.Before(oldest)) {
			victim, oldest = sid, cv.lastUsed
		}
	}
	if victim == "" {
		return false
	}
	delete(h.convs, victim)
	return true
}

// attach registers a socket and queues the history replay as its first frame,
// under the lock so no message can slip between replay and live frames.
func (h *hub) attach(c *client) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return errClosed
	}
	cv, err := h.get(c.sid)
	if err != nil {
		return err
	}
	if len(cv.sockets) >= h.cfg.MaxSockets {
		return errTooMany
	}
	cv.sockets[c] = struct{}{}
	cv.lastUsed = h.now()
	h.wg.Add(1)
	c.enqueue(encode(outFrame{Type: "history", Items: append([]entry{}, cv.history...)}))
	return nil
}

// greet reports, once per conversation, that it is new (never greeted and
// nothing said yet), so exactly one of several racing tabs asks for the welcome.
func (h *hub) greet(sid string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	cv, ok := h.convs[sid]
	if !ok || cv.greeted {
		return false
	}
	cv.greeted = true
	return len(cv.history) == 0
}

// detach forgets a socket; the conversation and its history stay.
func (h *hub) detach(c *client) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if cv, ok := h.convs[c.sid]; ok {
		if _, ok := cv.sockets[c]; ok {
			delete(cv.sockets, c)
			cv.lastUsed = h.now()
			h.wg.Done()
		}
	}
}

// post appends a message to sid's history and sends it to every open socket.
func (h *hub) post(sid string, e entry) (string, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	cv, err := h.get(sid)
	if err != nil {
		return "", err
	}
	cv.seq++
	e.ID = strconv.FormatUint(cv.seq, 10)
	cv.history = append(cv.history, e)
	if n := len(cv.history) - h.cfg.HistorySize; n > 0 {
		cv.history = append(cv.history[:0:0], cv.history[n:]...)
	}
	cv.lastUsed = h.now()
	frame := encode(outFrame{Type: "msg", ID: e.ID, From: e.From, Msg: e.Msg, Text: e.Text})
	for c := range cv.sockets {
		c.enqueue(frame)
	}
	return e.ID, nil
}

// edit replaces message id in sid's history (when still there) and on every open
// socket.
func (h *hub) edit(sid, id string, msg json.RawMessage) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	cv, ok := h.convs[sid]
	if !ok {
		return errNoConv
	}
	n, err := strconv.ParseUint(id, 10, 64)
	if err != nil || n == 0 || n > cv.seq {
		return errBadMsgID
	}
	for i := range cv.history {
		if cv.history[i].ID == id {
			if cv.history[i].From != fromBot {
				return errBadMsgID
			}
			cv.history[i].Msg = msg
		}
	}
	cv.lastUsed = h.now()
	frame := encode(outFrame{Type: "edit", ID: id, Msg: msg})
	for c := range cv.sockets {
		c.enqueue(frame)
	}
	return nil
}

// retire marks the group of button token in message id as spent.
func (h *hub) retire(sid, id, token string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	cv, ok := h.convs[sid]
	if !ok {
		return
	}
	for i := range cv.history {
		if cv.history[i].ID == id && len(cv.history[i].Retired) < 64 && !slices.Contains(cv.history[i].Retired, token) {
			cv.history[i].Retired = append(cv.history[i].Retired, token)
		}
	}
	frame := encode(outFrame{Type: "retire", ID: id, Token: token})
	for c := range cv.sockets {
		c.enqueue(frame)
	}
}

// broadcast sends a transient frame (typing) to sid's open sockets.
func (h *hub) broadcast(sid string, frame []byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if cv, ok := h.convs[sid]; ok {
		for c := range cv.sockets {
			c.enqueue(frame)
		}
	}
}

// allow takes a token from sid's rate bucket.
func (h *hub) allow(sid string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	cv, ok := h.convs[sid]
	if !ok {
		return false
	}
	return cv.limit.allow(h.now(), h.cfg.RatePerMinute, h.cfg.RateBurst)
}

// sweep forgets conversations idle (no socket) for longer than IdleTTL.
func (h *hub) sweep() {
	h.mu.Lock()
	defer h.mu.Unlock()
	cutoff := h.now().Add(-h.cfg.IdleTTL)
	for sid, cv := range h.convs {
		if len(cv.sockets) == 0 && cv.lastUsed.Before(cutoff) {
			delete(h.convs, sid)
		}
	}
}

// closeAll refuses new sockets, asks every open one to close, and waits until
// they have.
func (h *hub) closeAll() {
	h.mu.Lock()
	h.closed = true
	for _, cv := range h.convs {
		for c := range cv.sockets {
			c.stop()
		}
	}
	h.mu.Unlock()
	h.wg.Wait()
}

// reopen lets sockets attach again (a Run after a Run).
func (h *hub) reopen() {
	h.mu.Lock()
	h.closed = false
	h.mu.Unlock()
}
