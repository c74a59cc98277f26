package outbound_test

import (
	"context"
	"testing"
	"time"

	"github.com/kmbridge/kmbridge/adapters/internal/outbound"
)

// turnClock is a fake clock for one goroutine that records every wait asked
// for, zero waits too, so each of a call's keys can be matched with its turn.
type turnClock struct {
	now   time.Time
	turns []time.Time // when each wait ended: the key's reservation
}

func (c *turnClock) Now() time.Time { return c.now }

func (c *turnClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := outbound.CanWait(ctx, c.now, d); err != nil {
		return err
	}
	c.now = c.now.Add(max(d, 0))
	c.turns = append(c.turns, c.now)
	return nil
}

// FuzzPacer drives a pacer with calls on random sets of keys, blocks and
// quiet spells, and checks every key's reservations against what a pacer
// promises: in order, never inside a block, never beyond its Limit, and
// never later than needed (each one is either at once, at the end of a block,
// or exactly when the Limit allows it).
func FuzzPacer(f *testing.F) {
	f.Add([]byte{2, 7, 2, 7, 2, 7, 2, 7, 1, 0, 50, 2, 1, 0, 3, 2, 3})
	f.Add([]byte{1, 2, 200, 2, 6, 2, 6, 2, 5, 0, 9, 2, 7, 2, 7})
	f.Add([]byte{2, 15, 2, 15, 2, 15, 2, 15, 2, 15, 2, 15, 2, 15, 2, 15, 2, 15, 2, 15})
	keys := []outbound.Key{
		{Class: "chan", ID: "A"}, {Class: "chan", ID: "B"}, {Class: "group", ID: "G"}, {Class: "global"},
	}
	limits := map[string]outbound.Limit{
		"chan":   {Every: time.Second, Burst: 3},
		"group":  {Every: 700 * time.Millisecond, Burst: 2},
		"global": outbound.Per(4, time.Second),
	}
	f.Fuzz(func(t *testing.T, ops []byte) {
		c := &turnClock{now: time.Unix(1e6, 0)}
		p := outbound.NewPacer(limits, c)
		type res struct{ asked, at time.Time }
		got := make([][]res, len(keys))
		blockEnds := make([]map[time.Time]bool, len(keys)) // every block end set, per key
		for i := 0; i+1 < len(ops); i += 2 {
			arg := ops[i+1]
			switch ops[i] % 3 {
			case 0: // a quiet spell
				c.now = c.now.Add(time.Duration(arg) * 10 * time.Millisecond)
			case 1: // a 429 on one key
				k := int(arg) % len(keys)
				until := c.now.Add(time.Duration(arg) * 20 * time.Millisecond)
				p.BlockUntil(keys[k], until)
				if blockEnds[k] == nil {
					blockEnds[k] = map[time.Time]bool{}
				}
				blockEnds[k][until] = true
			case 2: // a call on the keys of arg's low bits, in order
				var call []int
				var ks []outbound.Key
				for k := range keys {
					if arg&(1<<k) != 0 {
						call = append(call, k)
						ks = append(ks, keys[k])
					}
				}
				c.turns = c.turns[:0]
				start := c.now
				if err := p.Wait(context.Background(), ks...); err != nil {
					t.Fatal(err)
				}
				if len(c.turns) != len(call) {
					t.Fatalf("%d keys, %d waits", len(call), len(c.turns))
				}
				asked := start
				for j, k := range call {
					got[k] = append(got[k], res{asked: asked, at: c.turns[j]})
					asked = c.turns[j]
				}
			}
		}
		for k, rs := range got {
			l := limits[keys[k].Class]
			tau := time.Duration(l.Burst-1) * l.Every
			for j, r := range rs {
				if j > 0 && r.at.Before(rs[j-1].at) {
					t.Fatalf("%v: reservation %d at %v goes before %d at %v", keys[k], j, r.at, j-1, rs[j-1].at)
				}
				if r.at.Before(r.asked) {
					t.Fatalf("%v: reservation %d before it was asked for", keys[k], j)
				}
				tight := r.at.Equal(r.asked)
				for m := range j {
					// GCRA: calls m..j fit in the Limit.
					if minGap := time.Duration(j-m)*l.Every - tau; r.at.Sub(rs[m].at) < minGap {
						t.Fatalf("%v: calls %d..%d within %s, under the Limit's %s", keys[k], m, j, r.at.Sub(rs[m].at), minGap)
					}
					tight = tight || r.at.Equal(rs[m].at.Add(time.Duration(j-m)*l.Every-tau))
				}
				// The other reason to wait: a block, ending at r.at.
				tight = tight || blockEnds[k][r.at]
				if !tight {
					t.Fatalf("%v: reservation %d at +%s waited for no reason (asked at +%s)", keys[k], j,
						r.at.Sub(time.Unix(1e6, 0)), r.asked.Sub(time.Unix(1e6, 0)))
				}
			}
		}
	})
}
