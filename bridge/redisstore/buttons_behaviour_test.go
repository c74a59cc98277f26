package redisstore_test

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/formatting"
)

// putAction stores a token of before rings (both stores still read them).
func putAction(s bridge.Store, ctx context.Context, tok string, a bridge.StoredAction, ttl time.Duration) error {
	return s.(interface {
		PutAction(context.Context, string, bridge.StoredAction, time.Duration) error
	}).PutAction(ctx, tok, a, ttl)
}

// group is the n-th test group of key's ring in lane.
func group(key bridge.ConvKey, lane bridge.Lane, n int, ttl time.Duration) bridge.ButtonGroup {
	return bridge.ButtonGroup{Lane: lane, ID: uint64(1000 + n), Key: key, Owner: key.User, SessionID: 7,
		Expires: time.Now().Add(ttl).Truncate(time.Millisecond), Actions: []formatting.Action{
			{Kind: formatting.ActHit, QuestionID: int64(n), QuestionContent: fmt.Sprint("question ", n), Label: fmt.Sprint("question ", n), LogID: 99},
			{Kind: formatting.ActRateAnswer, LogID: 99, Option: 1},
		}}
}

func sameGroup(x, y bridge.ButtonGroup) bool {
	return x.Expires.Equal(y.Expires) && reflect.DeepEqual(
		bridge.ButtonGroup{Lane: x.Lane, ID: x.ID, Key: x.Key, Owner: x.Owner, SessionID: x.SessionID, Actions: x.Actions},
		bridge.ButtonGroup{Lane: y.Lane, ID: y.ID, Key: y.Key, Owner: y.Owner, SessionID: y.SessionID, Actions: y.Actions})
}

var buttonBehaviours = []behaviour{
	{"buttons put on a, clicked on b, bounded per lane", func(t *testing.T, a, b bridge.Store) {
		for _, k := range []bridge.ConvKey{key, odd} {
			ring := bridge.RingOf(k.String())
			const keep = 3
			var put []bridge.ButtonGroup
			for n := range 5 {
				put = append(put, group(k, bridge.LaneMessage, n, time.Hour))
				must(t, a.PutButtons(ctx, ring, k.String(), put[n], keep))
			}
			// A suggestion lane of its own does not push messages out.
			for n := range 10 {
				must(t, b.PutButtons(ctx, ring, k.String(), group(k, bridge.LaneSuggest, 100+n, time.Hour), 2))
			}
			for n := range 5 {
				want := put[n]
				g, ok, err := b.Buttons(ctx, ring, bridge.LaneMessage, want.ID)
				if err != nil {
					t.Fatal(err)
				}
				if ok != (n >= 5-keep) {
					t.Errorf("%s: group %d present %v, want the newest %d only", k, n, ok, keep)
				}
				if ok && !sameGroup(g, want) {
					t.Errorf("%s: group %d = %+v, want %+v", k, n, g, want)
				}
			}
			if _, ok, _ := a.Buttons(ctx, ring, bridge.LaneSuggest, 1000+109); !ok {
				t.Error("newest suggestion group lost")
			}
			if _, ok, _ := a.Buttons(ctx, ring, bridge.LaneSuggest, 1000+100); ok {
				t.Error("suggestion lane not bounded")
			}
			if _, ok, _ := a.Buttons(ctx, ring, bridge.LaneCase, 1004); ok {
				t.Error("a group found in another lane")
			}
			// Through tokens: a ring token finds its action, a stale one answers not ok.
			tok := bridge.TokenRef{Ring: ring, Lane: bridge.LaneMessage, Group: 1004, Index: 1}.String()
			sa, ok, err := b.Action(ctx, tok)
			if err != nil || !ok || sa.Action.Kind != formatting.ActRateAnswer || sa.Key != k || sa.Owner != k.User || sa.SessionID != 7 {
				t.Errorf("Action(ring token) = %+v %v %v", sa, ok, err)
			}
			for _, stale := range []bridge.TokenRef{
				{Ring: ring, Lane: bridge.LaneMessage, Group: 1000, Index: 0}, // pushed out
				{Ring: ring, Lane: bridge.LaneMessage, Group: 1004, Index: 2}, // no such button
				{Ring: ring + 1, Lane: bridge.LaneMessage, Group: 1004},       // no such ring
			} {
				if _, ok, err := b.Action(ctx, stale.String()); ok || err != nil {
					t.Errorf("Action(%+v) = %v %v, want expired", stale, ok, err)
				}
			}
		}
	}},
	{"a button group expires", func(t *testing.T, a, b bridge.Store) {
		ring := bridge.RingOf(key.String())
		must(t, a.PutButtons(ctx, ring, key.String(), group(key, bridge.LaneMessage, 1, short), 8))
		if _, ok, _ := b.Buttons(ctx, ring, bridge.LaneMessage, 1001); !ok {
			t.Fatal("group missing at once")
		}
		time.Sleep(2 * short)
		if _, ok, err := b.Buttons(ctx, ring, bridge.LaneMessage, 1001); ok || err != nil {
			t.Errorf("expired group: %v %v", ok, err)
		}
	}},
	{"a group put again is replaced in place", func(t *testing.T, a, b bridge.Store) {
		ring := bridge.RingOf(key.String())
		for n := range 3 {
			must(t, a.PutButtons(ctx, ring, key.String(), group(key, bridge.LaneMessage, n, time.Hour), 3))
		}
		g := group(key, bridge.LaneMessage, 0, time.Hour)
		g.Actions = g.Actions[:1]
		must(t, b.PutButtons(ctx, ring, key.String(), g, 3))
		for n := range 3 {
			got, ok, _ := a.Buttons(ctx, ring, bridge.LaneMessage, uint64(1000+n))
			if !ok || (n == 0 && len(got.Actions) != 1) {
				t.Errorf("group %d after replacing group 0: %+v %v", n, got, ok)
			}
		}
	}},
	{"shared actions", func(t *testing.T, a, b bridge.Store) {
		act := formatting.Action{Kind: formatting.ActCommand, Command: "faq", Label: "FAQ"}
		id := bridge.SharedID{1, 2, 3}
		sa := bridge.StoredAction{Action: act, Key: bridge.ConvKey{Platform: "slack"}}
		must(t, a.PutShared(ctx, id, sa, time.Hour))
		got, ok, err := b.Shared(ctx, id)
		if !ok || err != nil || !sameAction(got, sa) {
			t.Errorf("Shared on b = %+v %v %v", got, ok, err)
		}
		tok := bridge.TokenRef{Shared: true, ID: id}.String()
		if got, ok, err := b.Action(ctx, tok); !ok || err != nil || !sameAction(got, sa) {
			t.Errorf("Action(shared token) = %+v %v %v", got, ok, err)
		}
		if _, ok, err := b.Shared(ctx, bridge.SharedID{9}); ok || err != nil {
			t.Errorf("unknown shared: %v %v", ok, err)
		}
		must(t, a.PutShared(ctx, bridge.SharedID{4}, sa, short))
		time.Sleep(2 * short)
		if _, ok, err := b.Shared(ctx, bridge.SharedID{4}); ok || err != nil {
			t.Errorf("expired shared: %v %v", ok, err)
		}
	}},
}
