package webadapter

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync"

	"github.com/kmbridge/kmbridge/bridge"
)

// A conversation's history lives in the store, through the host
// (bridge.HistoryHost): what a tab shows when it (re)connects, on this replica
// or another, after a restart too. Message ids are the store's entry ids, so
// they never restart while the history lives.

// entry is one message of a conversation as the page renders it, and as the
// store keeps it (without ID, which is the store's).
type entry struct {
	ID   string          `json:"id,omitempty"`
	From string          `json:"from"`           // "bot" or "user"
	Msg  json.RawMessage `json:"msg,omitempty"`  // bot: the webfmt rendering
	Text string          `json:"text,omitempty"` // user: their words, shown as text
}

// Who wrote an entry.
const (
	fromBot  = "bot"
	fromUser = "user"
)

// greetingID is the id of the shared welcome every history starts with. It
// is no message of the conversation: a click on its buttons carries no ref.
const greetingID = "0"

// outFrame is every frame the server sends.
type outFrame struct {
	Type  string          `json:"type"` // history, msg, edit, typing, ack, error
	ID    string          `json:"id,omitempty"`
	From  string          `json:"from,omitempty"`
	Msg   json.RawMessage `json:"msg,omitempty"`
	Text  string          `json:"text,omitempty"`
	Items []entry         `json:"items,omitempty"`
	// Retry (error frames): the message was not taken; the page sends it
	// again, with the same id, once it can.
	Retry bool `json:"retry,omitempty"`
}

func encode(f outFrame) []byte {
	b, err := json.Marshal(f)
	if err != nil { // only RawMessage can fail, and renderings are valid JSON
		b, _ = json.Marshal(outFrame{Type: f.Type, ID: f.ID})
	}
	return b
}

var errNoMessage = errors.New("web: no such message")

// history is the conversations' histories as the host keeps them, and the
// lock that keeps one conversation's appends in the order its tabs see them.
type history struct {
	host  bridge.HistoryHost
	keep  int
	locks keyedMutex
}

// append stores e as the conversation's next message and returns its id.
func (h *history) append(ctx context.Context, key bridge.ConvKey, e entry) (string, error) {
	e.ID = ""
	b, err := json.Marshal(e)
	if err != nil {
		return "", err
	}
	id, err := h.host.AppendHistory(ctx, key, b, h.keep)
	if err != nil {
		return "", err
	}
	return strconv.FormatUint(id, 10), nil
}

// replace stores e in place of message id.
func (h *history) replace(ctx context.Context, key bridge.ConvKey, id string, e entry) error {
	n, err := parseID(id)
	if err != nil {
		return err
	}
	e.ID = ""
	b, err := json.Marshal(e)
	if err != nil {
		return err
	}
	ok, err := h.host.ReplaceHistory(ctx, key, n, b)
	if err != nil {
		return err
	}
	if !ok {
		return errNoMessage
	}
	return nil
}

// list returns the conversation's messages, oldest first; an entry the page
// could not show (written by hand, or by a later version) is left out.
func (h *history) list(ctx context.Context, key bridge.ConvKey) ([]entry, error) {
	es, err := h.host.History(ctx, key, h.keep)
	if err != nil {
		return nil, err
	}
	out := make([]entry, 0, len(es))
	for _, he := range es {
		var e entry
		if json.Unmarshal(he.Data, &e) != nil || (e.From != fromBot && e.From != fromUser) {
			continue
		}
		e.ID = strconv.FormatUint(he.ID, 10)
		out = append(out, e)
	}
	return out, nil
}

// get returns message id, when the history still holds it.
func (h *history) get(ctx context.Context, key bridge.ConvKey, id string) (entry, error) {
	es, err := h.list(ctx, key)
	if err != nil {
		return entry{}, err
	}
	for _, e := range es {
		if e.ID == id {
			return e, nil
		}
	}
	return entry{}, errNoMessage
}

func parseID(id string) (uint64, error) {
	n, err := strconv.ParseUint(id, 10, 64)
	if err != nil || n == 0 {
		return 0, fmt.Errorf("%w: %q", errNoMessage, id)
	}
	return n, nil
}

// keyedMutex is a mutex per key, held only while in use.
type keyedMutex struct {
	mu sync.Mutex
	m  map[string]*keyLock
}

type keyLock struct {
	mu    sync.Mutex
	users int
}

// lock locks key and returns its unlock.
func (k *keyedMutex) lock(key string) (unlock func()) {
	k.mu.Lock()
	if k.m == nil {
		k.m = map[string]*keyLock{}
	}
	l := k.m[key]
	if l == nil {
		l = &keyLock{}
		k.m[key] = l
	}
	l.users++
	k.mu.Unlock()
	l.mu.Lock()
	return func() {
		l.mu.Unlock()
		k.mu.Lock()
		if l.users--; l.users == 0 {
			delete(k.m, key)
		}
		k.mu.Unlock()
	}
}
