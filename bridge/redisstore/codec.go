package redisstore

import (
	"encoding/binary"
	"errors"
	"time"

	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/internal/binenc"
)

// The binary forms of a conversation's parts in its hash (conv.go). They are
// a stored format, read by other replicas and after upgrades: a new field
// gets a new version byte, never a changed meaning. Values written before
// (JSON sessions and turns) start with '{' and are still read.

const codecVersion = 2

var errBadValue = errors.New("bad stored value")

// nanos is t in Unix nanoseconds, 0 for the zero time.
func nanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func fromNanos(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n)
}

func appendStr(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// appendSession: version, id, started, last use (after started), welcome
// log, deadline (Unix ms, 0 for none).
func appendSession(b []byte, sess bridge.KMSession, deadline int64) []byte {
	b = append(b, codecVersion)
	b = binary.AppendVarint(b, sess.ID)
	st := nanos(sess.Started)
	b = binary.AppendVarint(b, st)
	b = binary.AppendVarint(b, nanos(sess.LastUsed)-st)
	b = binary.AppendVarint(b, sess.WelcomeLog)
	return binary.AppendVarint(b, deadline)
}

func decodeSession(b []byte) (sess bridge.KMSession, deadline int64, err error) {
	r := binenc.Reader{B: b, Bad: errBadValue}
	if r.Byte() != codecVersion {
		return sess, 0, errBadValue
	}
	sess.ID = r.Varint()
	st := r.Varint()
	lu := r.Varint()
	sess.WelcomeLog = r.Varint()
	deadline = r.Varint()
	if r.Err != nil || len(r.B) != 0 {
		return sess, 0, errBadValue
	}
	sess.Started = fromNanos(st)
	if st != 0 || lu != 0 {
		sess.LastUsed = fromNanos(st + lu)
	}
	return sess, deadline, nil
}

// Turn roles, as a byte; roleOther is followed by the role's string.
var roles = [...]string{bridge.RoleUser, bridge.RoleBot, bridge.RoleClick, bridge.RoleNote}

const roleOther = 0xFF

// Turn flags.
const (
	turnUserIsKey = 1 << iota // User is the conversation's user
	turnUser                  // User follows
	turnBlob                  // text and hit are a blob (appendTurnText)
)

// internMin is the shortest text (with its hit) kept as a blob: shorter ones
// cost less inline than a reference.
const internMin = 24

// appendTurnText is what a turn's blob holds: its text and hit.
func appendTurnText(b []byte, t bridge.Turn) []byte {
	return append(appendStr(b, t.Text), t.Hit...)
}

func decodeTurnText(b []byte) (text, hit string, err error) {
	r := binenc.Reader{B: b, Bad: errBadValue}
	text = r.Str()
	if r.Err != nil {
		return "", "", errBadValue
	}
	return text, string(r.B), nil
}

// appendTurn: version, role, at, flags, [user], ans, then the blob's
// reference or text and hit.
func appendTurn(b []byte, t bridge.Turn, key bridge.ConvKey, ref *blobRef) []byte {
	b = append(b, codecVersion)
	role := byte(roleOther)
	for i, r := range roles {
		if t.Role == r {
			role = byte(i)
		}
	}
	b = append(b, role)
	if role == roleOther {
		b = appendStr(b, t.Role)
	}
	b = binary.AppendVarint(b, nanos(t.At))
	var flags byte
	switch {
	case t.User == "":
	case t.User == key.User:
		flags |= turnUserIsKey
	default:
		flags |= turnUser
	}
	if ref != nil {
		flags |= turnBlob
	}
	b = append(b, flags)
	if flags&turnUser != 0 {
		b = appendStr(b, t.User)
	}
	b = binary.AppendVarint(b, int64(t.AnsType))
	if ref != nil {
		return append(b, ref[:]...)
	}
	return appendStr(appendStr(b, t.Text), t.Hit)
}

// decodeTurn reads a turn; ref is set when its text is a blob, to be read.
func decodeTurn(b []byte, key bridge.ConvKey) (t bridge.Turn, ref *blobRef, err error) {
	r := binenc.Reader{B: b, Bad: errBadValue}
	if r.Byte() != codecVersion {
		return t, nil, errBadValue
	}
	if role := r.Byte(); int(role) < len(roles) {
		t.Role = roles[role]
	} else {
		t.Role = r.Str()
	}
	t.At = fromNanos(r.Varint())
	flags := r.Byte()
	if flags&turnUserIsKey != 0 {
		t.User = key.User
	}
	if flags&turnUser != 0 {
		t.User = r.Str()
	}
	t.AnsType = int(r.Varint())
	if r.Err != nil {
		return t, nil, errBadValue
	}
	if flags&turnBlob != 0 {
		if len(r.B) != len(blobRef{}) {
			return t, nil, errBadValue
		}
		ref = new(blobRef)
		copy(ref[:], r.B)
		return t, ref, nil
	}
	t.Text = r.Str()
	t.Hit = r.Str()
	if r.Err != nil || len(r.B) != 0 {
		return t, nil, errBadValue
	}
	return t, nil, nil
}

// Group owners and keys, relative to the ring's conversation.
const (
	ownerNone  = 0 // ""
	ownerIsKey = 1 // the ring's conversation's user
	ownerStr   = 2 // follows

	keyIsRing = 0 // the ring's name is the group's ConvKey
	keyStr    = 1 // its String follows

	actsInline = 0 // the actions' binary form follows
	actsBlob   = 1 // a blob holds it
)

// appendActions is a group's actions with the group's log left out, so that
// the same answer's buttons encode the same in every conversation.
func appendActions(b []byte, g bridge.ButtonGroup, log int64) []byte {
	b = binary.AppendUvarint(b, uint64(len(g.Actions)))
	var act []byte
	for _, a := range g.Actions {
		act = bridge.AppendAction(act[:0], a, log)
		b = binary.AppendUvarint(b, uint64(len(act)))
		b = append(b, act...)
	}
	return b
}

func decodeActions(b []byte, g *bridge.ButtonGroup, log int64) error {
	r := binenc.Reader{B: b, Bad: errBadValue}
	n := r.Uvarint()
	if r.Err != nil || n > uint64(len(r.B)) {
		return errBadValue
	}
	for range n {
		raw := r.Bytes()
		if r.Err != nil {
			return errBadValue
		}
		a, err := bridge.DecodeAction(raw, log)
		if err != nil {
			return err
		}
		g.Actions = append(g.Actions, a)
	}
	if len(r.B) != 0 {
		return errBadValue
	}
	return nil
}

// appendGroupHead: the 8-byte id (the script finds a group by it), version,
// expiry (Unix ms, 0 never), session, log, owner, key; the actions follow
// (inline or a blob's reference).
func appendGroupHead(b []byte, g bridge.ButtonGroup, ringKey bridge.ConvKey, ringIsKey bool, log int64) []byte {
	b = binary.BigEndian.AppendUint64(b, g.ID)
	b = append(b, codecVersion)
	var exp int64
	if !g.Expires.IsZero() {
		exp = g.Expires.UnixMilli()
	}
	b = binary.AppendVarint(b, exp)
	b = binary.AppendVarint(b, g.SessionID)
	b = binary.AppendVarint(b, log)
	switch {
	case g.Owner == "":
		b = append(b, ownerNone)
	case ringIsKey && g.Owner == ringKey.User:
		b = append(b, ownerIsKey)
	default:
		b = appendStr(append(b, ownerStr), g.Owner)
	}
	if ringIsKey && g.Key == ringKey {
		return append(b, keyIsRing)
	}
	return appendStr(append(b, keyStr), g.Key.String())
}

// decodeGroup reads a group up to its actions, which it returns: inline, or
// the reference of their blob.
func decodeGroup(b []byte, lane bridge.Lane, ringKey bridge.ConvKey, ringIsKey bool) (g bridge.ButtonGroup, acts []byte, ref *blobRef, log int64, err error) {
	if len(b) < 8 {
		return g, nil, nil, 0, errBadValue
	}
	g.ID, g.Lane = binary.BigEndian.Uint64(b), lane
	r := binenc.Reader{B: b[8:], Bad: errBadValue}
	if r.Byte() != codecVersion {
		return g, nil, nil, 0, errBadValue
	}
	if exp := r.Varint(); exp != 0 {
		g.Expires = time.UnixMilli(exp)
	}
	g.SessionID = r.Varint()
	log = r.Varint()
	switch r.Byte() {
	case ownerNone:
	case ownerIsKey:
		if !ringIsKey {
			return g, nil, nil, 0, errBadValue
		}
		g.Owner = ringKey.User
	case ownerStr:
		g.Owner = r.Str()
	default:
		return g, nil, nil, 0, errBadValue
	}
	switch r.Byte() {
	case keyIsRing:
		if !ringIsKey {
			return g, nil, nil, 0, errBadValue
		}
		g.Key = ringKey
	case keyStr:
		k, ok := bridge.ParseConvKey(r.Str())
		if !ok {
			return g, nil, nil, 0, errBadValue
		}
		g.Key = k
	default:
		return g, nil, nil, 0, errBadValue
	}
	kind := r.Byte()
	if r.Err != nil {
		return g, nil, nil, 0, errBadValue
	}
	switch kind {
	case actsInline:
		return g, r.B, nil, log, nil
	case actsBlob:
		if len(r.B) != len(blobRef{}) {
			return g, nil, nil, 0, errBadValue
		}
		ref = new(blobRef)
		copy(ref[:], r.B)
		return g, nil, ref, log, nil
	}
	return g, nil, nil, 0, errBadValue
}
