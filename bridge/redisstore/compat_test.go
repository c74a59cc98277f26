package redisstore_test

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/formatting"
)

// TestOlderKeysStillRead: a store upgraded in place keeps what the version
// before wrote (a session, transcript and button ring per key, JSON values)
// until it expires: its session is used, its transcript comes first, its
// buttons still work; a write goes to the conversation's hash, which wins.
func TestOlderKeysStillRead(t *testing.T) {
	addr := needRedis(t)
	prefix := newPrefix()
	s, raw := openRedis(t, addr, prefix), rawClient(t, addr)
	k := bridge.DMKey("slack", "T1", "D1", "U1")
	at := time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)

	sess := bridge.KMSession{ID: 7, Started: at, LastUsed: at.Add(time.Minute), WelcomeLog: 9}
	b, _ := json.Marshal(sess)
	must(t, raw.Set(ctx, prefix+"session:"+k.String(), b, time.Hour).Err())
	for _, turn := range []bridge.Turn{
		{At: at, Role: bridge.RoleUser, User: "U1", Text: "old question"},
		{At: at.Add(time.Second), Role: bridge.RoleBot, Text: "old answer", AnsType: 1, Hit: "q"},
	} {
		b, _ := json.Marshal(turn)
		must(t, raw.RPush(ctx, prefix+"transcript:"+k.String(), b).Err())
	}
	ring := bridge.RingOf(k.String())
	g := bridge.ButtonGroup{Lane: bridge.LaneMessage, ID: 0x1234, Key: k, Owner: "U1", SessionID: 7,
		Expires: time.Now().Add(time.Hour).Truncate(time.Millisecond),
		Actions: []formatting.Action{{Kind: "rate_answer", LogID: 11, Label: "Yes"}}}
	el := bridge.AppendGroup(binary.BigEndian.AppendUint64(nil, g.ID), g)
	must(t, raw.LPush(ctx, fmt.Sprintf("%sring:%016x:%d", prefix, uint64(ring), bridge.LaneMessage), el).Err())

	got, ok, err := s.Session(ctx, k)
	if err != nil || !ok || !sameSession(got, sess) || got.WelcomeLog != 9 {
		t.Errorf("old session: %+v %v %v", got, ok, err)
	}
	tr, err := s.Transcript(ctx, k)
	if err != nil || texts(tr) != "old question old answer" || tr[1].Hit != "q" {
		t.Errorf("old transcript: %q %v", texts(tr), err)
	}
	tok := bridge.TokenRef{Ring: ring, Lane: bridge.LaneMessage, Group: g.ID}.String()
	sa, ok, err := s.Action(ctx, tok)
	if err != nil || !ok || sa.Action.Label != "Yes" || sa.Action.LogID != 11 || sa.Key != k || sa.Owner != "U1" {
		t.Errorf("old ring's button: %+v %v %v", sa, ok, err)
	}

	newer := bridge.KMSession{ID: 8, Started: at, LastUsed: at}
	must(t, s.PutSession(ctx, k, newer, time.Hour))
	if got, ok, err := s.Session(ctx, k); err != nil || !ok || !sameSession(got, newer) {
		t.Errorf("session after a put: %+v %v %v", got, ok, err)
	}
	must(t, s.AppendTurn(ctx, k, bridge.Turn{At: at, Role: bridge.RoleUser, User: "U1", Text: "new"}, 10, time.Hour))
	if tr, err := s.Transcript(ctx, k); err != nil || texts(tr) != "old question old answer new" {
		t.Errorf("transcript after an append: %q %v", texts(tr), err)
	}
}

// TestCompactValuesRoundTrip: what the hash and its blobs hold reads back as
// written: users other than the conversation's, notes, long bot texts with
// their hit (a blob), other roles; buttons with owners and keys other than
// the ring's, long and short action lists, a case's ring.
func TestCompactValuesRoundTrip(t *testing.T) {
	addr := needRedis(t)
	s := openRedis(t, addr, newPrefix())
	k := bridge.ConvKey{Platform: "slack", Workspace: "T1", Channel: "C|1", Thread: "17.1"}
	at := time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)
	long := "a long answer's summary, the same for everyone who asks — 長い回答"
	in := []bridge.Turn{
		{At: at, Role: bridge.RoleUser, User: "U9", Text: "hi"},
		{At: at.Add(1), Role: bridge.RoleBot, Text: long, AnsType: 1, Hit: "how?"},
		{At: at.Add(2), Role: bridge.RoleBot, Text: "short", AnsType: 13},
		{At: at.Add(3), Role: bridge.RoleNote, Text: bridge.NoteReset},
		{At: at.Add(4), Role: "other", User: "U8", Text: long},
		{Role: bridge.RoleClick, Text: "Yes"},
	}
	for _, turn := range in {
		must(t, s.AppendTurn(ctx, k, turn, 10, time.Hour))
	}
	tr, err := s.Transcript(ctx, k)
	if err != nil || len(tr) != len(in) {
		t.Fatalf("transcript: %d turns %v", len(tr), err)
	}
	for i := range in {
		if !tr[i].At.Equal(in[i].At) || tr[i].Role != in[i].Role || tr[i].User != in[i].User || tr[i].Text != in[i].Text || tr[i].AnsType != in[i].AnsType || tr[i].Hit != in[i].Hit {
			t.Errorf("turn %d: %+v, want %+v", i, tr[i], in[i])
		}
	}

	dm := bridge.DMKey("telegram", "", "5", "5")
	exp := time.Now().Add(time.Hour).Truncate(time.Millisecond)
	many := []formatting.Action{{Kind: "ask", QuestionID: 1, QuestionContent: "How do I reset my password?", Label: "How do I reset my password?", LogID: 3}, {Kind: "rate_answer", LogID: 3, Label: "👍"}}
	for _, c := range []struct {
		ring string
		g    bridge.ButtonGroup
	}{
		{dm.String(), bridge.ButtonGroup{ID: 1, Key: dm, Owner: "5", SessionID: 2, Expires: exp, Actions: many}},
		{dm.String(), bridge.ButtonGroup{ID: 2, Key: dm, Owner: "other", Expires: exp, Actions: many[1:]}},
		{dm.String(), bridge.ButtonGroup{ID: 3, Lane: bridge.LaneSuggest, Key: k, Actions: many}},
		{"case|c1", bridge.ButtonGroup{ID: 4, Lane: bridge.LaneCase, Key: k, Owner: "A1", Expires: exp, Actions: many}},
	} {
		ring := bridge.RingOf(c.ring)
		must(t, s.PutButtons(ctx, ring, c.ring, c.g, 4))
		got, ok, err := s.Buttons(ctx, ring, c.g.Lane, c.g.ID)
		if err != nil || !ok || got.ID != c.g.ID || got.Lane != c.g.Lane || got.Key != c.g.Key || got.Owner != c.g.Owner ||
			got.SessionID != c.g.SessionID || !got.Expires.Equal(c.g.Expires) || fmt.Sprint(got.Actions) != fmt.Sprint(c.g.Actions) {
			t.Errorf("group %d: %+v %v %v, want %+v", c.g.ID, got, ok, err, c.g)
		}
	}
}

// TestConversationPartsExpireApart: the hash lives as long as its longest
// part, and a part past its own deadline reads as gone; a transcript past its
// deadline starts over at the next append. Two conversations whose ring ids
// collide never mix: a write under another name fails, a read finds nothing.
func TestConversationPartsExpireApart(t *testing.T) {
	addr := needRedis(t)
	prefix := newPrefix()
	s, raw := openRedis(t, addr, prefix), rawClient(t, addr)
	k := bridge.DMKey("slack", "T1", "D2", "U2")
	must(t, s.PutSession(ctx, k, bridge.KMSession{ID: 1}, 30*time.Millisecond))
	must(t, s.AppendTurn(ctx, k, bridge.Turn{Role: bridge.RoleUser, Text: "1"}, 5, 60*time.Millisecond))
	must(t, s.AppendTurn(ctx, k, bridge.Turn{Role: bridge.RoleUser, Text: "2"}, 5, 60*time.Millisecond))
	eventually(t, func() error {
		if _, ok, err := s.Session(ctx, k); ok || err != nil {
			return fmt.Errorf("session still live: %v %v", ok, err)
		}
		return nil
	})
	time.Sleep(70 * time.Millisecond)
	if tr, err := s.Transcript(ctx, k); err != nil || tr != nil {
		t.Errorf("transcript past its deadline: %q %v", texts(tr), err)
	}
	must(t, s.AppendTurn(ctx, k, bridge.Turn{Role: bridge.RoleUser, Text: "3"}, 5, time.Hour))
	if tr, err := s.Transcript(ctx, k); err != nil || texts(tr) != "3" {
		t.Errorf("transcript restarted: %q %v", texts(tr), err)
	}

	other := bridge.DMKey("slack", "T1", "D3", "U3")
	conv := fmt.Sprintf("%sconv:%016x", prefix, uint64(bridge.RingOf(other.String())))
	must(t, raw.HSet(ctx, conv, "n", "someone else", "s", "x").Err())
	if err := s.PutSession(ctx, other, bridge.KMSession{ID: 2}, time.Hour); err == nil {
		t.Error("a session put into another conversation's hash")
	}
	if _, ok, err := s.Session(ctx, other); ok || err != nil {
		t.Errorf("another conversation's session read: %v %v", ok, err)
	}
}

// TestLongTurnsStayCompact: a turn longer than a listpack value is kept in
// pieces, so the conversation stays a listpack; it reads back whole, and a
// turn trimmed away takes its pieces with it.
func TestLongTurnsStayCompact(t *testing.T) {
	addr := needRedis(t)
	prefix := newPrefix()
	s, raw := openRedis(t, addr, prefix), rawClient(t, addr)
	k := bridge.DMKey("slack", "T1", "D4", "U4")
	conv := fmt.Sprintf("%sconv:%016x", prefix, uint64(bridge.RingOf(k.String())))
	long := strings.Repeat("とても長い質問です。", 20) // 600 bytes
	for i := range 4 {
		must(t, s.AppendTurn(ctx, k, bridge.Turn{Role: bridge.RoleUser, User: "U4", Text: fmt.Sprint(i, long)}, 2, time.Hour))
	}
	if enc := raw.ObjectEncoding(ctx, conv).Val(); enc != "listpack" {
		t.Errorf("conversation with long turns encoded %q, want listpack", enc)
	}
	if tr, err := s.Transcript(ctx, k); err != nil || len(tr) != 2 || tr[0].Text != fmt.Sprint(2, long) || tr[1].Text != fmt.Sprint(3, long) {
		t.Errorf("long turns read back: %d turns %v", len(tr), err)
	}
	for f := range raw.HGetAll(ctx, conv).Val() {
		if strings.HasPrefix(f, "t1") || strings.HasPrefix(f, "t2") {
			t.Errorf("field %q of a trimmed turn left", f)
		}
	}
}
