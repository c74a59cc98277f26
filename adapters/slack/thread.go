package slackadapter

import (
	"context"
	"errors"
	"fmt"

	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/formatting"
)

// startThread posts m at the top of the channel of in, as the root of a new
// thread (further parts of its rendering go into the thread), and returns
// the thread's key — the key a person's message in that thread has under
// bridge.ScopeThread: the channel, the root's ts, no user — and the root's
// ref, which Edit updates in place. Slack threads have no title; the card
// says what the case is.
func (s *sender) startThread(ctx context.Context, in bridge.ConvKey, m formatting.Message) (bridge.ConvKey, bridge.MsgRef, error) {
	if in.Platform != platform || in.Channel == "" {
		return bridge.ConvKey{}, bridge.MsgRef{}, fmt.Errorf("slack: start a thread: %q is not a Slack channel", in.String())
	}
	if isDM(in.Channel) {
		return bridge.ConvKey{}, bridge.MsgRef{}, errors.New("slack: start a thread: a direct message has no threads of its own; use a channel")
	}
	msgs := s.render(m)
	if len(msgs) == 0 {
		return bridge.ConvKey{}, bridge.MsgRef{}, errors.New("slack: start a thread: nothing to show")
	}
	ts, err := s.post(ctx, bridge.ConvKey{Platform: platform, Channel: in.Channel}, msgs[0])
	if err != nil {
		return bridge.ConvKey{}, bridge.MsgRef{}, fmt.Errorf("slack: start a thread: %w", err)
	}
	thread := s.convs.channelKey(in.Channel, ts, "")
	root := bridge.MsgRef{Key: thread, ID: ts}
	groups := formatting.TokenGroups(m)
	s.remember(thread, ts, groups, msgs[0])
	for i, msg := range msgs[1:] {
		part, err := s.post(ctx, thread, msg)
		if err != nil {
			return thread, root, fmt.Errorf("slack: start a thread: part %d of %d: %w", i+2, len(msgs), err)
		}
		s.remember(thread, part, groups, msg)
	}
	return thread, root, nil
}
