package memstore

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
	"unique"

	"github.com/kmbridge/kmbridge/formatting"

	"github.com/kmbridge/kmbridge/bridge"
)

// A conversation's state is one record: its KM session, transcript, button
// ring and web history, each with its own expiry. One compact record per
// conversation costs a fraction of the go-cache entries it replaces (an
// interface, a boxed value and a key string per kind), and the button ring
// keeps the newest few messages' buttons instead of an entry per token.
//
// Records are keyed by bridge.RingOf(name), name being the ConvKey's String
// (or a case ring's name): a button token carries the ring id, so a click
// finds its record without knowing the conversation. The record keeps its
// name, and a lookup whose name differs (a hash collision) finds nothing.
//
// Text that recurs across conversations is interned (package unique): the
// bot's answers and notes in transcripts, and the binary form of button
// actions, which leaves out the answer's log (kept per group). A thousand
// people asking the same question keep one copy of its answer's summary and
// of its suggestions' actions.

// shardCount spreads the records over locks.
const shardCount = 64

// convTable holds the records.
type convTable struct {
	shards [shardCount]convShard
}

type convShard struct {
	mu sync.Mutex
	m  map[uint64]*convRec
}

func newConvTable() *convTable {
	t := &convTable{}
	for i := range t.shards {
		t.shards[i].m = map[uint64]*convRec{}
	}
	return t
}

func (t *convTable) shard(id bridge.RingID) *convShard { return &t.shards[uint64(id)%shardCount] }

// convRec is one conversation's state (or a case ring's buttons). Expiries are
// Unix nanoseconds, 0 for never; a part is absent when its expiry has passed.
type convRec struct {
	name string

	sess    session
	turns   []turnRec
	turnExp int64
	ring    []group // oldest first
	hist    *history
	histExp int64
}

type session struct {
	id, started, lastUsed, welcome int64
	exp                            int64
	set                            bool
}

// turnRec is a transcript turn. Its texts are interned: answers, notes and
// clicked labels recur across conversations, and so do many users' words
// (greetings, the popular questions); a text of one conversation costs an
// entry in unique's map besides itself, and is dropped with the turn.
type turnRec struct {
	at   int64
	text unique.Handle[string]
	hit  unique.Handle[string]
	// user is the turn's user when userSet; the key's own user otherwise. A
	// role of code 0 is kept in its place (roles other than bridge's).
	user    unique.Handle[string]
	ans     int32
	role    uint8
	userSet bool
}

// group is a ButtonGroup as the ring holds it. Its actions are one interned
// string, each action's length and bridge.AppendAction(…, log): the buttons
// of one answer are the same for everyone who got it but for the log, so
// their actions are kept once.
type group struct {
	id      uint64 // the group id
	exp     int64
	session int64
	log     int64 // the log the actions share (bridge.GroupLog)
	acts    unique.Handle[string]
	extra   *groupExtra // nil when the key is the record's and the owner its user or none
	n       uint16      // the number of actions
	lane    bridge.Lane
	owner   uint8 // ownerNone, ownerKeyUser or ownerOther
}

// groupExtra is what few groups have: a case ring's, or another owner.
type groupExtra struct {
	key   string // the ConvKey's String when it is not the record's name
	other string // the owner when ownerOther
}

// Group owners.
const (
	ownerNone    = iota // anyone in the key
	ownerKeyUser        // the key's User
	ownerOther          // group.other
)

// alive reports whether an expiry has not passed at now.
func alive(exp, now int64) bool { return exp == 0 || exp > now }

// empty reports whether nothing of r is alive at now; it drops what has expired.
func (r *convRec) sweep(now int64) (empty bool) {
	if r.sess.set && !alive(r.sess.exp, now) {
		r.sess = session{}
	}
	if r.turns != nil && !alive(r.turnExp, now) {
		r.turns, r.turnExp = nil, 0
	}
	if r.hist != nil && !alive(r.histExp, now) {
		r.hist, r.histExp = nil, 0
	}
	if len(r.ring) > 0 {
		live := r.ring[:0]
		for _, g := range r.ring {
			if alive(g.exp, now) {
				live = append(live, g)
			}
		}
		clear(r.ring[len(live):])
		r.ring = live
		if len(r.ring) == 0 {
			r.ring = nil
		}
	}
	return !r.sess.set && r.turns == nil && r.hist == nil && r.ring == nil
}

// get returns the record of name, or nil; the shard's lock must be held.
func (sh *convShard) get(id bridge.RingID, name string) *convRec {
	r := sh.m[uint64(id)]
	if r == nil || r.name != name {
		return nil
	}
	return r
}

// getOrAdd returns the record of name, adding it (or replacing a colliding
// one) when there is none; the shard's lock must be held.
func (sh *convShard) getOrAdd(id bridge.RingID, name string) *convRec {
	r := sh.m[uint64(id)]
	if r == nil || r.name != name {
		r = &convRec{name: name}
		sh.m[uint64(id)] = r
	}
	return r
}

// lookup runs fn on the record of key under its shard's lock; r is nil when
// there is none.
func (t *convTable) with(key string, add bool, fn func(r *convRec)) {
	id := bridge.RingOf(key)
	sh := t.shard(id)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	var r *convRec
	if add {
		r = sh.getOrAdd(id, key)
	} else {
		r = sh.get(id, key)
	}
	fn(r)
}

// deleteExpired drops what has expired at now, and records left empty.
func (t *convTable) deleteExpired(now int64) {
	for i := range t.shards {
		sh := &t.shards[i]
		sh.mu.Lock()
		for id, r := range sh.m {
			if r.sweep(now) {
				delete(sh.m, id)
			}
		}
		sh.mu.Unlock()
	}
}

// counts reports the live sessions, button actions and transcripts.
func (t *convTable) counts(now int64) (sessions, actions, transcripts, histories int) {
	for i := range t.shards {
		sh := &t.shards[i]
		sh.mu.Lock()
		for _, r := range sh.m {
			if r.sess.set && alive(r.sess.exp, now) {
				sessions++
			}
			if r.turns != nil && alive(r.turnExp, now) {
				transcripts++
			}
			if r.hist != nil && alive(r.histExp, now) {
				histories++
			}
			for _, g := range r.ring {
				if alive(g.exp, now) {
					actions += int(g.n)
				}
			}
		}
		sh.mu.Unlock()
	}
	return
}

// intern returns the handle of s; the zero handle for "".
func intern(s string) unique.Handle[string] {
	if s == "" {
		return unique.Handle[string]{}
	}
	return unique.Make(s)
}

// str is the string of an intern handle.
func str(h unique.Handle[string]) string {
	if h == (unique.Handle[string]{}) {
		return ""
	}
	return h.Value()
}

// toNano is t as Unix nanoseconds, 0 for the zero time.
func toNano(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

// fromNano reads toNano back.
func fromNano(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

// expAt is the expiry of something stored at now for d (≤ 0: never).
func expAt(now int64, d time.Duration) int64 {
	if d <= 0 {
		return 0
	}
	return now + int64(d)
}

// Session implements bridge.Store.
func (s *Store) Session(_ context.Context, key bridge.ConvKey) (out bridge.KMSession, ok bool, _ error) {
	now := time.Now().UnixNano()
	s.convs.with(key.String(), false, func(r *convRec) {
		if r != nil && r.sess.set && alive(r.sess.exp, now) {
			out, ok = r.sess.kmSession(), true
		}
	})
	return out, ok, nil
}

// PutSession implements bridge.Store.
func (s *Store) PutSession(_ context.Context, key bridge.ConvKey, sess bridge.KMSession, d time.Duration) error {
	exp := expAt(time.Now().UnixNano(), d)
	s.convs.with(key.String(), true, func(r *convRec) { r.sess = sessionOf(sess, exp) })
	return nil
}

func sessionOf(k bridge.KMSession, exp int64) session {
	return session{id: k.ID, started: toNano(k.Started), lastUsed: toNano(k.LastUsed), welcome: k.WelcomeLog, exp: exp, set: true}
}

func (ss session) kmSession() bridge.KMSession {
	return bridge.KMSession{ID: ss.id, Started: fromNano(ss.started), LastUsed: fromNano(ss.lastUsed), WelcomeLog: ss.welcome}
}

// AppendTurn implements bridge.Store.
func (s *Store) AppendTurn(_ context.Context, key bridge.ConvKey, t bridge.Turn, max int, d time.Duration) error {
	if max < 1 {
		max = 1
	}
	k := key.String()
	now := time.Now().UnixNano()
	s.convs.with(k, true, func(r *convRec) {
		if r.turns != nil && !alive(r.turnExp, now) {
			r.turns = nil
		}
		tr := turnOf(key, t)
		if len(r.turns) >= max {
			// Shift in place: the transcript never outgrows max.
			n := copy(r.turns, r.turns[len(r.turns)-max+1:])
			clear(r.turns[n:])
			r.turns = r.turns[:n]
		}
		r.turns = append(r.turns, tr)
		r.turnExp = expAt(now, d)
	})
	return nil
}

// Transcript implements bridge.Store.
func (s *Store) Transcript(_ context.Context, key bridge.ConvKey) (out []bridge.Turn, _ error) {
	now := time.Now().UnixNano()
	s.convs.with(key.String(), false, func(r *convRec) {
		if r == nil || r.turns == nil || !alive(r.turnExp, now) {
			return
		}
		out = make([]bridge.Turn, len(r.turns))
		for i, tr := range r.turns {
			out[i] = tr.turn(key)
		}
	})
	return out, nil
}

// Codes of turnRec.role; 0 is another role (see turnRec.user).
var roleCodes = map[string]uint8{bridge.RoleUser: 1, bridge.RoleBot: 2, bridge.RoleClick: 3, bridge.RoleNote: 4}

var roleNames = [...]string{"", bridge.RoleUser, bridge.RoleBot, bridge.RoleClick, bridge.RoleNote}

func turnOf(key bridge.ConvKey, t bridge.Turn) turnRec {
	tr := turnRec{at: toNano(t.At), hit: intern(t.Hit), ans: int32(t.AnsType)}
	tr.text = intern(t.Text)
	c, known := roleCodes[t.Role]
	tr.role = c
	switch {
	case !known:
		// Rare: kept whole in a line of its own.
		tr.user = intern(t.Role + "\x00" + t.User)
		tr.userSet = true
	case t.User != key.User:
		tr.user = intern(t.User)
		tr.userSet = true
	}
	return tr
}

func (tr turnRec) turn(key bridge.ConvKey) bridge.Turn {
	t := bridge.Turn{At: fromNano(tr.at), Hit: str(tr.hit), AnsType: int(tr.ans), User: key.User}
	t.Text = str(tr.text)
	if int(tr.role) < len(roleNames) {
		t.Role = roleNames[tr.role]
	}
	if tr.userSet {
		t.User = str(tr.user)
		if tr.role == 0 {
			t.Role, t.User, _ = strings.Cut(t.User, "\x00")
		}
	}
	return t
}

// PutButtons implements bridge.ButtonStore.
func (s *Store) PutButtons(_ context.Context, ring bridge.RingID, name string, g bridge.ButtonGroup, keep int) error {
	if g.ID == 0 {
		return errors.New("memstore: put buttons: group id 0")
	}
	keep = max(keep, 1)
	now := time.Now().UnixNano()
	sh := s.convs.shard(ring)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	r := sh.getOrAdd(ring, name)
	gr := groupOf(r.name, g)
	live := r.ring[:0]
	inLane := 0
	replaced := false
	for _, x := range r.ring {
		if !alive(x.exp, now) {
			continue
		}
		if x.lane == g.Lane && x.id == g.ID {
			x, replaced = gr, true
		}
		if x.lane == g.Lane {
			inLane++
		}
		live = append(live, x)
	}
	clear(r.ring[len(live):])
	r.ring = live
	if replaced {
		return nil
	}
	// Drop the lane's oldest groups beyond keep-1, then add g.
	for drop := inLane - keep + 1; drop > 0; drop-- {
		i := slices.IndexFunc(r.ring, func(x group) bool { return x.lane == g.Lane })
		r.ring = slices.Delete(r.ring, i, i+1)
	}
	r.ring = append(r.ring, gr)
	return nil
}

// groupOf is g as the ring of name holds it.
func groupOf(name string, g bridge.ButtonGroup) group {
	log := bridge.GroupLog(g.Actions)
	gr := group{id: g.ID, lane: g.Lane, exp: toNano(g.Expires), session: g.SessionID, log: log, n: uint16(len(g.Actions))}
	var ex groupExtra
	if k := g.Key.String(); k != name {
		ex.key = k
	}
	switch g.Owner {
	case "":
		gr.owner = ownerNone
	case g.Key.User:
		gr.owner = ownerKeyUser
	default:
		gr.owner, ex.other = ownerOther, g.Owner
	}
	if ex != (groupExtra{}) {
		gr.extra = &ex
	}
	var buf, act []byte
	for _, a := range g.Actions {
		act = bridge.AppendAction(act[:0], a, log)
		buf = binary.AppendUvarint(buf, uint64(len(act)))
		buf = append(buf, act...)
	}
	gr.acts = intern(string(buf))
	return gr
}

// buttonGroup is gr of the ring of name as a bridge.ButtonGroup.
func (gr group) buttonGroup(name string) (bridge.ButtonGroup, error) {
	k := name
	if gr.extra != nil && gr.extra.key != "" {
		k = gr.extra.key
	}
	key, ok := bridge.ParseConvKey(k)
	if !ok {
		return bridge.ButtonGroup{}, fmt.Errorf("memstore: buttons: ring %q has no conversation key", name)
	}
	g := bridge.ButtonGroup{Lane: gr.lane, ID: gr.id, Key: key, SessionID: gr.session, Expires: fromNano(gr.exp)}
	switch gr.owner {
	case ownerKeyUser:
		g.Owner = key.User
	case ownerOther:
		g.Owner = gr.extra.other
	}
	g.Actions = make([]formatting.Action, 0, gr.n)
	b := []byte(str(gr.acts))
	for len(b) > 0 {
		n, k := binary.Uvarint(b)
		if k <= 0 || n > uint64(len(b)-k) {
			return bridge.ButtonGroup{}, errors.New("memstore: buttons: bad actions")
		}
		a, err := bridge.DecodeAction(b[k:k+int(n)], gr.log)
		if err != nil {
			return bridge.ButtonGroup{}, fmt.Errorf("memstore: buttons: %w", err)
		}
		g.Actions = append(g.Actions, a)
		b = b[k+int(n):]
	}
	return g, nil
}

// Buttons implements bridge.ButtonStore.
func (s *Store) Buttons(_ context.Context, ring bridge.RingID, lane bridge.Lane, id uint64) (bridge.ButtonGroup, bool, error) {
	now := time.Now().UnixNano()
	sh := s.convs.shard(ring)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	r := sh.m[uint64(ring)]
	if r == nil {
		return bridge.ButtonGroup{}, false, nil
	}
	for _, gr := range r.ring {
		if gr.id == id && gr.lane == lane && alive(gr.exp, now) {
			g, err := gr.buttonGroup(r.name)
			if err != nil {
				return bridge.ButtonGroup{}, false, err
			}
			return g, true, nil
		}
	}
	return bridge.ButtonGroup{}, false, nil
}

// sharedTable keeps shared actions (bridge.ButtonStore's PutShared).
type sharedTable struct {
	mu sync.Mutex
	m  map[bridge.SharedID]sharedRec
}

type sharedRec struct {
	sa  bridge.StoredAction
	exp int64
}

// PutShared implements bridge.ButtonStore.
func (s *Store) PutShared(_ context.Context, id bridge.SharedID, sa bridge.StoredAction, d time.Duration) error {
	t := s.shared
	t.mu.Lock()
	defer t.mu.Unlock()
	t.m[id] = sharedRec{sa: sa, exp: expAt(time.Now().UnixNano(), d)}
	return nil
}

// Shared implements bridge.ButtonStore.
func (s *Store) Shared(_ context.Context, id bridge.SharedID) (bridge.StoredAction, bool, error) {
	t := s.shared
	t.mu.Lock()
	defer t.mu.Unlock()
	r, ok := t.m[id]
	if !ok || !alive(r.exp, time.Now().UnixNano()) {
		return bridge.StoredAction{}, false, nil
	}
	return r.sa, true, nil
}

func (t *sharedTable) deleteExpired(now int64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for id, r := range t.m {
		if !alive(r.exp, now) {
			delete(t.m, id)
		}
	}
}

// Action implements bridge.Store: a token of bridge's scheme is found in its
// ring or among the shared actions; an older token (stored by PutAction, or
// read from a snapshot of an older version) as it was stored.
func (s *Store) Action(ctx context.Context, token string) (bridge.StoredAction, bool, error) {
	sa, ok, known, err := bridge.LookupAction(ctx, s, token)
	if known {
		return sa, ok, err
	}
	v, ok := s.legacy.Get(token)
	if !ok {
		return bridge.StoredAction{}, false, nil
	}
	return v.(bridge.StoredAction), true, nil
}

// PutAction stores the action behind a token of no ring for d: how buttons
// were stored before rings (bridge.ButtonStore), kept so that such tokens,
// from an older snapshot, still work until they expire.
func (s *Store) PutAction(_ context.Context, token string, a bridge.StoredAction, d time.Duration) error {
	if token == "" {
		return errors.New("memstore: put action: empty token")
	}
	s.legacy.Set(token, a, ttl(d))
	return nil
}
