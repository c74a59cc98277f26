package bridge

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/kmbridge/kmbridge/formatting"
	"github.com/kmbridge/kmbridge/internal/binenc"
)

// Button tokens do not grow the store with traffic (issue #14). A token names
// where its action is kept; the action itself is stored once per message, or
// once for everyone:
//
//   - Conversation buttons (an answer's suggestions and rating, a page's
//     arrows, "talk to a human") are a group per message, kept in the
//     conversation's button ring: a store entry per conversation holding the
//     newest groups of each lane (Config.ButtonGroups messages). An older
//     message's buttons answer "expired". The token is the ring (a hash of
//     the conversation), the group and the button's index.
//   - Hand-over case buttons live in a ring of their case, so a case's card
//     stays clickable however busy the agents' channel is.
//   - Shared buttons, the same for everyone (the welcome's FAQ categories and
//     shortcuts, the faq and hot lists, a home screen, the web chat's welcome),
//     are content-addressed: the token is a hash of the action and the
//     platform, and the action is stored once however many people see it. Any
//     conversation of the platform may click them.
//
// Tokens are 16 bytes as unpadded base64url, 22 characters: within
// Telegram's 64-byte callback_data, Discord's 100-character custom_id and
// Slack's action_id and value. The first byte tells the kinds apart; a token
// of neither kind (an older random token) is looked up as it was stored.

// RingID names a button ring: the first 8 bytes of the SHA-256 of its name
// (a ConvKey.String(), or a case's ring name). It is stable across processes
// and versions, so every replica finds a ring from the token alone.
type RingID uint64

// RingOf returns the ring id of a ring name.
func RingOf(name string) RingID {
	h := sha256.Sum256([]byte(name))
	return RingID(binary.BigEndian.Uint64(h[:8]))
}

// Lane is a part of a ring with a bound of its own: typeahead options,
// minted per keystroke, never push an answer's buttons out.
type Lane uint8

// Lanes.
const (
	LaneMessage    Lane = iota // buttons of the conversation's messages
	LaneSuggest                // typeahead options (Config.SuggestTTL)
	LaneCase                   // a case's card, notices and rating
	LaneCaseAnswer             // KM's suggested replies in a case thread
	NumLanes
)

// SharedID is the content address of a shared action.
type SharedID [15]byte

// Token kinds, in the high nibble of a token's first byte; the low nibble of a
// ring token holds its lane.
const (
	tagRing   = 0xA0
	tagShared = 0x50
	tokenLen  = 16
)

// groupBits is the width of a group id: random, never 0.
const groupBits = 40

// TokenRef is what a token names: a button of a ring's group, or a shared
// action.
type TokenRef struct {
	Shared bool
	ID     SharedID // Shared

	Ring  RingID // not Shared
	Lane  Lane
	Group uint64
	Index int
}

// ParseToken reads a token. ok is false for a token that is not of this
// scheme (an older random token, or garbage).
func ParseToken(tok string) (ref TokenRef, ok bool) {
	if len(tok) != base64.RawURLEncoding.EncodedLen(tokenLen) {
		return TokenRef{}, false
	}
	var b [tokenLen]byte
	if n, err := base64.RawURLEncoding.Decode(b[:], []byte(tok)); err != nil || n != tokenLen {
		return TokenRef{}, false
	}
	switch {
	case b[0] == tagShared:
		ref.Shared = true
		copy(ref.ID[:], b[1:])
		return ref, true
	case b[0]&0xF0 == tagRing && Lane(b[0]&0x0F) < NumLanes:
		ref.Lane = Lane(b[0] & 0x0F)
		ref.Ring = RingID(binary.BigEndian.Uint64(b[1:9]))
		ref.Group = uint64(b[9])<<32 | uint64(binary.BigEndian.Uint32(b[10:14]))
		ref.Index = int(binary.BigEndian.Uint16(b[14:16]))
		return ref, ref.Group != 0
	}
	return TokenRef{}, false
}

// String is the token of ref.
func (ref TokenRef) String() string {
	var b [tokenLen]byte
	if ref.Shared {
		b[0] = tagShared
		copy(b[1:], ref.ID[:])
	} else {
		b[0] = tagRing | byte(ref.Lane&0x0F)
		binary.BigEndian.PutUint64(b[1:9], uint64(ref.Ring))
		b[9] = byte(ref.Group >> 32)
		binary.BigEndian.PutUint32(b[10:14], uint32(ref.Group))
		binary.BigEndian.PutUint16(b[14:16], uint16(ref.Index))
	}
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// maxGroupButtons bounds one group: an index is 16 bits.
const maxGroupButtons = 1 << 16

// sharedIDOf is the content address of a on platform.
func sharedIDOf(platform string, a formatting.Action) SharedID {
	buf := make([]byte, 0, 128)
	buf = append(buf, platform...)
	buf = append(buf, 0)
	buf = AppendAction(buf, a, 0)
	h := sha256.Sum256(buf)
	var id SharedID
	copy(id[:], h[:])
	return id
}

// ButtonGroup is the actions behind the buttons of one message (or of one
// typeahead list, or a case's card): its tokens expire together.
type ButtonGroup struct {
	Lane Lane
	// ID is the group's random id in its ring (40 bits, never 0).
	ID uint64
	// Key is the conversation the buttons were sent to.
	Key ConvKey
	// Owner is the platform user id allowed to click them; "" lets anyone in Key.
	Owner string
	// SessionID is the KM session the buttons came from (see StoredAction).
	SessionID int64
	// Expires is when the group's buttons stop working.
	Expires time.Time
	// Actions are the buttons' actions, by the tokens' index.
	Actions []formatting.Action
}

// Stored returns the StoredAction of the group's i-th button.
func (g ButtonGroup) Stored(i int) (StoredAction, bool) {
	if i < 0 || i >= len(g.Actions) {
		return StoredAction{}, false
	}
	return StoredAction{Action: g.Actions[i], Key: g.Key, Owner: g.Owner, SessionID: g.SessionID}, true
}

// ButtonStore is the store's part of button tokens (Store embeds it).
// Implementations keep, per ring and lane, the newest groups only: a ring
// costs a bounded amount whatever the traffic.
type ButtonStore interface {
	// PutButtons adds g to the ring's lane g.Lane, dropping the oldest groups
	// of that lane beyond keep; a group with g's ID already there is replaced
	// in place. name is the ring's name (RingOf(name) == ring). The ring
	// expires when its last group does.
	PutButtons(ctx context.Context, ring RingID, name string, g ButtonGroup, keep int) error
	// Buttons returns the group id of the ring's lane; ok is false when it is
	// gone (expired, or pushed out by newer groups).
	Buttons(ctx context.Context, ring RingID, lane Lane, id uint64) (g ButtonGroup, ok bool, err error)
	// PutShared stores a shared action for ttl (a put again extends it).
	PutShared(ctx context.Context, id SharedID, sa StoredAction, ttl time.Duration) error
	// Shared returns a shared action; ok is false when it is unknown or expired.
	Shared(ctx context.Context, id SharedID) (sa StoredAction, ok bool, err error)
	// Action returns the action behind a token; ok is false when it is unknown
	// or expired. Implementations call LookupAction, then look older tokens
	// up as they were stored.
	Action(ctx context.Context, token string) (a StoredAction, ok bool, err error)
}

// LookupAction resolves a token of this scheme through s's rings and shared
// actions. known is false for a token of no scheme of ours (for the store's
// own fallback); ok is false when the button has expired.
func LookupAction(ctx context.Context, s ButtonStore, token string) (sa StoredAction, ok, known bool, err error) {
	ref, known := ParseToken(token)
	if !known {
		return StoredAction{}, false, false, nil
	}
	if ref.Shared {
		sa, ok, err = s.Shared(ctx, ref.ID)
		return sa, ok, true, err
	}
	g, ok, err := s.Buttons(ctx, ref.Ring, ref.Lane, ref.Group)
	if err != nil || !ok {
		return StoredAction{}, false, true, err
	}
	sa, ok = g.Stored(ref.Index)
	return sa, ok, true, nil
}

// The binary form of actions and groups, as the stores keep them (Redis
// values, the memory store's snapshot). It is a stored format, read back by
// other replicas and after restarts: add tags, never change one.

// Action field tags.
const (
	aKind byte = iota + 1
	aQueryType
	aQuestionID
	aQuestionContent
	aHitSource
	aLogID
	aFlowID
	aFlowContent
	aText
	aShow
	aOption
	aPage
	aMsgType
	aContent
	aCommand
	aArg
	aCase
	aLabel
	aLabelIsQC  // no value: Label == QuestionContent
	aLogIsGroup // no value: LogID is the group's
)

// AppendAction appends the binary form of a. When groupLog is not 0 and
// a.LogID equals it, the log is written as "the group's", so that actions
// that differ only in their answer's log encode the same.
func AppendAction(b []byte, a formatting.Action, groupLog int64) []byte {
	str := func(tag byte, s string) {
		if s != "" {
			b = append(b, tag)
			b = binary.AppendUvarint(b, uint64(len(s)))
			b = append(b, s...)
		}
	}
	num := func(tag byte, n int64) {
		if n != 0 {
			b = append(b, tag)
			b = binary.AppendVarint(b, n)
		}
	}
	str(aKind, string(a.Kind))
	num(aQueryType, int64(a.QueryType))
	num(aQuestionID, a.QuestionID)
	str(aQuestionContent, a.QuestionContent)
	num(aHitSource, int64(a.HitSource))
	if a.LogID != 0 && a.LogID == groupLog {
		b = append(b, aLogIsGroup)
	} else {
		num(aLogID, a.LogID)
	}
	num(aFlowID, a.FlowID)
	str(aFlowContent, a.FlowContent)
	str(aText, a.Text)
	str(aShow, a.Show)
	num(aOption, int64(a.Option))
	num(aPage, int64(a.Page))
	str(aMsgType, a.MsgType)
	str(aContent, string(a.Content))
	str(aCommand, a.Command)
	str(aArg, a.Arg)
	str(aCase, a.Case)
	if a.Label != "" && a.Label == a.QuestionContent {
		b = append(b, aLabelIsQC)
	} else {
		str(aLabel, a.Label)
	}
	return b
}

var errBadAction = errors.New("bridge: bad stored action")

// DecodeAction reads an action written by AppendAction; groupLog stands for
// "the group's log".
func DecodeAction(b []byte, groupLog int64) (formatting.Action, error) {
	var a formatting.Action
	labelIsQC := false
	r := binenc.Reader{B: b, Bad: errBadAction}
	for len(r.B) > 0 && r.Err == nil {
		switch tag := r.Byte(); tag {
		case aLabelIsQC:
			labelIsQC = true
		case aLogIsGroup:
			a.LogID = groupLog
		case aKind:
			a.Kind = formatting.ActionKind(r.Str())
		case aQuestionContent:
			a.QuestionContent = r.Str()
		case aFlowContent:
			a.FlowContent = r.Str()
		case aText:
			a.Text = r.Str()
		case aShow:
			a.Show = r.Str()
		case aMsgType:
			a.MsgType = r.Str()
		case aContent:
			a.Content = []byte(r.Str())
		case aCommand:
			a.Command = r.Str()
		case aArg:
			a.Arg = r.Str()
		case aCase:
			a.Case = r.Str()
		case aLabel:
			a.Label = r.Str()
		case aQueryType:
			a.QueryType = int(r.Varint())
		case aQuestionID:
			a.QuestionID = r.Varint()
		case aHitSource:
			a.HitSource = int(r.Varint())
		case aLogID:
			a.LogID = r.Varint()
		case aFlowID:
			a.FlowID = r.Varint()
		case aOption:
			a.Option = int(r.Varint())
		case aPage:
			a.Page = int(r.Varint())
		default:
			return a, fmt.Errorf("%w: unknown field %d", errBadAction, tag)
		}
	}
	if r.Err != nil {
		return a, r.Err
	}
	if labelIsQC {
		a.Label = a.QuestionContent
	}
	return a, nil
}

// groupVersion starts a group's binary form.
const groupVersion = 1

// GroupLog is the log the group's actions share: the first non-zero LogID.
func GroupLog(acts []formatting.Action) int64 {
	for _, a := range acts {
		if a.LogID != 0 {
			return a.LogID
		}
	}
	return 0
}

// AppendGroupHeader appends the binary form of g without its actions; the
// actions follow it, each as a length and AppendAction(…, log).
func AppendGroupHeader(b []byte, g ButtonGroup, log int64) []byte {
	b = append(b, groupVersion, byte(g.Lane))
	b = binary.AppendUvarint(b, g.ID)
	var exp int64
	if !g.Expires.IsZero() {
		exp = g.Expires.UnixMilli()
	}
	b = binary.AppendVarint(b, exp)
	b = binary.AppendVarint(b, g.SessionID)
	b = binary.AppendVarint(b, log)
	for _, s := range [...]string{g.Owner, g.Key.Platform, g.Key.Workspace, g.Key.Channel, g.Key.Thread, g.Key.User} {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	return binary.AppendUvarint(b, uint64(len(g.Actions)))
}

// AppendGroup appends the binary form of g.
func AppendGroup(b []byte, g ButtonGroup) []byte {
	log := GroupLog(g.Actions)
	b = AppendGroupHeader(b, g, log)
	var act []byte
	for _, a := range g.Actions {
		act = AppendAction(act[:0], a, log)
		b = binary.AppendUvarint(b, uint64(len(act)))
		b = append(b, act...)
	}
	return b
}

// GroupHead is a group's binary header, read without its actions.
type GroupHead struct {
	Lane    Lane
	ID      uint64
	Expires int64 // Unix milliseconds, 0 for never
}

// ReadGroupHead reads the lane, id and expiry at the start of a group's
// binary form.
func ReadGroupHead(b []byte) (GroupHead, bool) {
	if len(b) < 3 || b[0] != groupVersion {
		return GroupHead{}, false
	}
	h := GroupHead{Lane: Lane(b[1])}
	b = b[2:]
	id, k := binary.Uvarint(b)
	if k <= 0 {
		return GroupHead{}, false
	}
	exp, k2 := binary.Varint(b[k:])
	if k2 <= 0 {
		return GroupHead{}, false
	}
	h.ID, h.Expires = id, exp
	return h, true
}

// DecodeGroup reads a group written by AppendGroup.
func DecodeGroup(b []byte) (ButtonGroup, error) {
	var g ButtonGroup
	r := binenc.Reader{B: b, Bad: errBadAction}
	if v := r.Byte(); v != groupVersion {
		return g, fmt.Errorf("%w: group version %d", errBadAction, v)
	}
	g.Lane = Lane(r.Byte())
	g.ID = r.Uvarint()
	if exp := r.Varint(); exp != 0 {
		g.Expires = time.UnixMilli(exp)
	}
	g.SessionID = r.Varint()
	log := r.Varint()
	g.Owner = r.Str()
	g.Key = ConvKey{Platform: r.Str(), Workspace: r.Str(), Channel: r.Str(), Thread: r.Str(), User: r.Str()}
	n := r.Uvarint()
	if r.Err != nil || n > uint64(len(r.B)) {
		return g, errBadAction
	}
	g.Actions = make([]formatting.Action, 0, n)
	for range n {
		raw := r.Bytes()
		if r.Err != nil {
			return g, r.Err
		}
		a, err := DecodeAction(raw, log)
		if err != nil {
			return g, err
		}
		g.Actions = append(g.Actions, a)
	}
	if r.Err != nil || len(r.B) != 0 {
		return g, errBadAction
	}
	return g, nil
}

// caseRing is the ring name of a hand-over case's buttons. A ConvKey's
// String has four '|', so it never names a case's ring.
func caseRing(caseID string) string { return "case|" + caseID }
