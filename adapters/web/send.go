package webadapter

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/formatting"
	"github.com/kmbridge/kmbridge/formatting/webfmt"
)

// Sending: what the core sends joins the conversation's history in the store,
// then goes to its open tabs, under the conversation's lock so every tab sees
// the order the ids say. With no tab open it waits in the history.

// sender carries out the core's calls.
type sender struct {
	hist   *history
	live   *hub
	render func(formatting.Message) (json.RawMessage, error)
}

// send appends a bot message and shows it.
func (s *sender) send(ctx context.Context, to bridge.ConvKey, m formatting.Message) (bridge.MsgRef, error) {
	cid, err := cidOf(to)
	if err != nil {
		return bridge.MsgRef{}, err
	}
	msg, err := s.render(m)
	if err != nil {
		return bridge.MsgRef{}, fmt.Errorf("render: %w", err)
	}
	unlock := s.hist.locks.lock(cid)
	defer unlock()
	id, err := s.hist.append(ctx, to, entry{From: fromBot, Msg: msg})
	if err != nil {
		return bridge.MsgRef{}, err
	}
	n, _ := parseID(id)
	s.live.start(cid)
	catchUp(ctx, s.hist, s.live, to, cid, n)
	s.live.broadcastNew(cid, encode(outFrame{Type: "msg", ID: id, From: fromBot, Msg: msg}), n)
	return bridge.MsgRef{Key: to, ID: id}, nil
}

// edit replaces a bot message, in the history and in every open tab.
func (s *sender) edit(ctx context.Context, ref bridge.MsgRef, m formatting.Message) error {
	cid, err := cidOf(ref.Key)
	if err != nil {
		return err
	}
	msg, err := s.render(m)
	if err != nil {
		return fmt.Errorf("render: %w", err)
	}
	unlock := s.hist.locks.lock(cid)
	defer unlock()
	return s.replace(ctx, cid, ref, msg)
}

// replace stores msg in place of ref and shows it; the conversation's lock
// is held.
func (s *sender) replace(ctx context.Context, cid string, ref bridge.MsgRef, msg json.RawMessage) error {
	if err := s.hist.replace(ctx, ref.Key, ref.ID, entry{From: fromBot, Msg: msg}); err != nil {
		return err
	}
	s.live.broadcast(cid, encode(outFrame{Type: "edit", ID: ref.ID, Msg: msg}), 0)
	return nil
}

// typing shows the indicator in the open tabs (nothing is stored).
func (s *sender) typing(to bridge.ConvKey) error {
	cid, err := cidOf(to)
	if err != nil {
		return err
	}
	s.live.broadcast(cid, typingFrame, 0)
	return nil
}

var typingFrame = encode(outFrame{Type: "typing"})

// retire carries out the core's retirement of a clicked group (the one
// retirement policy) on the message as the history holds it: the rendered
// message keeps its groups apart, so webfmt.RetireGroup finds the whole group
// from the clicked token, also for a message sent before a restart or by
// another replica. A message no longer held, one of the user's, or a group
// already retired (a stale tab's click) is nothing to change.
func (s *sender) retire(ctx context.Context, r bridge.Retirement) error {
	cid, err := cidOf(r.Ref.Key)
	if err != nil {
		return err
	}
	unlock := s.hist.locks.lock(cid)
	defer unlock()
	e, err := s.hist.get(ctx, r.Ref.Key, r.Ref.ID)
	if errors.Is(err, errNoMessage) || (err == nil && e.From != fromBot) {
		return nil
	}
	if err != nil {
		return err
	}
	var m webfmt.Msg
	if err := json.Unmarshal(e.Msg, &m); err != nil {
		return nil // not a rendering this chat can retire in: leave it
	}
	out, changed := webfmt.RetireGroup(m, formatting.Retiring(formatting.Message{}, r.Token, r.Shown, r.Expired))
	if !changed {
		return nil
	}
	if err := webfmt.Validate(out); err != nil {
		return fmt.Errorf("unsafe rendering refused: %w", err)
	}
	msg, err := json.Marshal(out)
	if err != nil {
		return err
	}
	return s.replace(ctx, cid, r.Ref, msg)
}
