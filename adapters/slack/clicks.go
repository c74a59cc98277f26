package slackadapter

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/slack-go/slack"

	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/formatting"
	"github.com/kmbridge/kmbridge/formatting/slackfmt"
	"github.com/kmbridge/kmbridge/internal/memo"
)

// clickTTL bounds how long a click holds its message's buttons for its user
// (the core normally answers within its KM timeout).
const clickTTL = 2 * time.Minute

// clicks turns button presses and menu choices into bridge.Click deliveries,
// and carries out the core's retirements (bridge.Retirer): the clicked group
// of buttons shows the choice ("✓ label") or that it expired, and every other
// group of the message stays usable.
//
// Two kinds of click go no further than the adapter, both acknowledged: a
// click on a group already retired (a stale view of the message), and a
// user's further click on a message while their first click on it is being
// handled (a double click). A click stops being handled when the core
// retires a group of its message, edits the message (a hand-over card
// redrawn) or sends anything into its conversation (its answer, its
// apology), whichever comes first, and after clickTTL at the latest.
type clicks struct {
	host    bridge.Host
	log     *slog.Logger
	people  *people
	convs   *convs
	out     *sender
	held    *held
	clicked *memo.Memo[string, clickedMsg] // messages as a click's payload showed them, by channel|ts
	retired *memo.Memo[string, struct{}]   // retired tokens, by channel|ts|token
}

// clickedMsg is a clicked message as its click's payload showed it: what a
// retirement works on when the message was sent before a restart.
type clickedMsg struct {
	shown       slackfmt.Msg
	responseURL string // an ephemeral message is replaced through it
	ephemeral   bool
}

// onBlockActions turns a block_actions payload into a bridge.Click and
// reports whether Slack may be told it arrived; not, and Slack shows the
// user that the click failed, rather than nothing happening.
func (c *clicks) onBlockActions(ctx context.Context, ic *slack.InteractionCallback) bool {
	if len(ic.ActionCallback.BlockActions) == 0 || ic.User.ID == "" {
		return true
	}
	act := ic.ActionCallback.BlockActions[0]
	value := act.Value
	switch act.Type {
	case slack.ActionType(slack.OptTypeStatic), slack.ActionType(slack.OptTypeExternal), slack.ActionType("overflow"):
		value = act.SelectedOption.Value
	}
	if value == "" { // a link button: Slack opened the link, nothing to do
		return true
	}
	id := clickID(ic, act)
	click := bridge.Click{User: c.people.userInfo(ctx, ic.User.ID), Token: slackfmt.Token(value)}

	if ic.Container.Type == "view" || ic.View.Type == slack.VTHomeTab {
		// The Home tab: the answer goes to the user's DM, recorded in the view.
		dm := ic.View.PrivateMetadata
		if !isDM(dm) {
			var err error
			if dm, err = c.people.openDM(ctx, ic.User.ID); err != nil {
				c.log.Warn("slack: Home click: cannot open the DM", "err", err)
				return true
			}
		}
		click.Key = dmKey(dm, "", ic.User.ID)
		return bridge.Ack(deliver(ctx, c.host, c.log, id, click))
	}

	channel := firstNonEmpty(ic.Container.ChannelID, ic.Channel.ID)
	ts := firstNonEmpty(ic.Container.MessageTs, ic.Message.Timestamp)
	if channel == "" || ts == "" {
		return true
	}
	thread := firstNonEmpty(ic.Container.ThreadTs, ic.Message.ThreadTimestamp)
	switch {
	case ic.Container.IsEphemeral:
		click.Key = ephemeralKey(channel, ic.User.ID)
	case !isDM(channel) && (thread == "" || thread == ts):
		// The bridge posts at the top of a channel only to start a thread (a
		// hand-over case card): a click there is the thread's.
		click.Key = c.convs.channelKey(channel, ts, ic.User.ID)
	default:
		if thread == ts { // a DM message with replies: the user's one DM conversation
			thread = ""
		}
		click.Key = c.convs.keyFor(ctx, channel, thread, ic.User.ID)
	}
	click.Ref = bridge.MsgRef{Key: click.Key, ID: ts}
	msg := msgKey(channel, ts)
	if _, stale := c.retired.Get(msg + "|" + click.Token); stale {
		c.log.Debug("slack: click on a retired group (a stale view); ignored")
		return true
	}
	if !c.held.hold(msg, ic.User.ID, click.Key) {
		c.log.Debug("slack: click on a message whose earlier click is still being handled; ignored")
		return true
	}
	c.clicked.Put(msg, clickedMsg{
		shown:       slackfmt.Msg{Text: ic.Message.Text, Blocks: ic.Message.Blocks.BlockSet},
		responseURL: ic.ResponseURL,
		ephemeral:   ic.Container.IsEphemeral,
	})
	err := deliver(ctx, c.host, c.log, id, click)
	if err != nil && !errors.Is(err, bridge.ErrDuplicate) {
		c.held.release(msg, ic.User.ID) // refused: a redelivery or another click may go
	}
	return bridge.Ack(err)
}

// clickID is a click's delivery id, the same in every copy Slack sends of it
// (a Socket Mode re-send): who clicked, on which message or view, when.
func clickID(ic *slack.InteractionCallback, act *slack.BlockAction) string {
	where := firstNonEmpty(ic.Container.MessageTs, ic.Message.Timestamp, ic.Container.ViewID, ic.View.ID)
	if act.ActionTs == "" || where == "" {
		if ic.TriggerID == "" {
			return ""
		}
		return "action:" + ic.TriggerID
	}
	return "action:" + ic.User.ID + "|" + where + "|" + act.ActionTs
}

// retire carries out a retirement: the group holding r.Token, in the message
// as the adapter sent it (or, sent before a restart, as the click's payload
// showed it, where the group is the token's own actions block), is replaced
// by r.Shown; a group no longer there is nothing to change.
func (c *clicks) retire(ctx context.Context, r bridge.Retirement) error {
	if r.Ref.ID == "" || r.Ref.Key.Channel == "" {
		return nil
	}
	channel, ts := r.Ref.Key.Channel, r.Ref.ID
	msg := msgKey(channel, ts)
	c.held.releaseMsg(msg)
	sent, isSent := c.out.sent.Get(msg)
	clicked, isClicked := c.clicked.Get(msg)
	cur := sent.shown // an ephemeral message's; any other came in the click's payload
	if len(cur.Blocks) == 0 {
		cur = clicked.shown
	}
	if len(cur.Blocks) == 0 {
		c.log.Info("slack: clicked message unknown; its buttons stay", "conv", r.Ref.Key.String())
		return nil
	}
	g := formatting.RetiringAmong(sent.groups, r.Token, r.Shown, r.Expired)
	blocks, changed := slackfmt.RetireGroup(cur.Blocks, g)
	if !changed {
		c.markRetired(msg, g)
		return nil
	}
	out := slackfmt.Msg{Text: firstNonEmpty(cur.Text, r.Shown, "✓"), Blocks: blocks}
	if err := slackfmt.Validate(out); err != nil {
		c.log.Error("slack: retired message fails validation; replacing it with its plain text", "err", err)
		if ps := plainMsgs(strings.TrimSpace(blocksText(cur.Blocks) + "\n" + r.Shown)); len(ps) > 0 {
			out = ps[0]
		}
	}
	var err error
	if isEphemeral(r.Ref.Key) || clicked.ephemeral {
		err = c.out.replyTo(ctx, clicked.responseURL, out)
	} else {
		err = c.out.update(ctx, channel, ts, out)
	}
	if err != nil {
		return fmt.Errorf("slack: retire: %w", err)
	}
	if isSent {
		c.out.remember(r.Ref.Key, ts, sent.groups, out)
	}
	if isClicked {
		clicked.shown = out
		c.clicked.Put(msg, clicked)
	}
	c.markRetired(msg, g)
	return nil
}

// markRetired remembers a retired group's tokens, so a click on them from a
// stale view goes no further.
func (c *clicks) markRetired(msg string, g formatting.RetiredGroup) {
	for _, tok := range g.Tokens {
		c.retired.Put(msg+"|"+tok, struct{}{})
	}
}

// answered is told of every message sent into a conversation: the clicks
// held there have been handled (answered or apologised for).
func (c *clicks) answered(to bridge.ConvKey) { c.held.releaseConv(to) }

// redrawn is told of every edit: the clicks held on that message have been
// handled (a hand-over card redrawn after its button ran, ClickRedrawn).
func (c *clicks) redrawn(ref bridge.MsgRef) { c.held.releaseMsg(msgKey(ref.Key.Channel, ref.ID)) }

// held are the clicks being handled, per message and user.
type held struct {
	mu  sync.Mutex
	now func() time.Time
	m   map[heldKey]heldClick
}

type heldKey struct{ msg, user string }

type heldClick struct {
	conv  bridge.ConvKey
	until time.Time
}

// maxHeld bounds the clicks held at once; past it (expired ones swept) a
// click is not held, only delivered.
const maxHeld = 10000

func newHeld(now func() time.Time) *held {
	return &held{now: now, m: map[heldKey]heldClick{}}
}

// hold marks user's click on msg as being handled; false when one already is.
func (h *held) hold(msg, user string, conv bridge.ConvKey) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	now := h.now()
	k := heldKey{msg, user}
	if c, ok := h.m[k]; ok && now.Before(c.until) {
		return false
	}
	if len(h.m) >= maxHeld {
		for k, c := range h.m {
			if !now.Before(c.until) {
				delete(h.m, k)
			}
		}
		if len(h.m) >= maxHeld {
			return true
		}
	}
	h.m[k] = heldClick{conv: conv, until: now.Add(clickTTL)}
	return true
}

// release ends user's click on msg.
func (h *held) release(msg, user string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.m, heldKey{msg, user})
}

// releaseMsg ends every click on msg.
func (h *held) releaseMsg(msg string) {
	h.releaseIf(func(k heldKey, _ heldClick) bool { return k.msg == msg })
}

// releaseConv ends every click in the conversation conv.
func (h *held) releaseConv(conv bridge.ConvKey) {
	h.releaseIf(func(_ heldKey, c heldClick) bool { return c.conv == conv })
}

// releaseIf ends the clicks that match, and those that expired.
func (h *held) releaseIf(match func(heldKey, heldClick) bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.m) == 0 {
		return
	}
	now := h.now()
	for k, c := range h.m {
		if match(k, c) || !now.Before(c.until) {
			delete(h.m, k)
		}
	}
}

// blocksText is the words of Slack blocks as plain text, one line per block.
func blocksText(blocks []slack.Block) string {
	var lines []string
	add := func(t *slack.TextBlockObject) {
		if t != nil {
			if s := plainText(t.Text, "", false); s != "" {
				lines = append(lines, s)
			}
		}
	}
	for _, b := range blocks {
		switch b := b.(type) {
		case *slack.HeaderBlock:
			add(b.Text)
		case *slack.SectionBlock:
			add(b.Text)
			for _, f := range b.Fields {
				add(f)
			}
		case *slack.ContextBlock:
			for _, e := range b.ContextElements.Elements {
				if t, ok := e.(*slack.TextBlockObject); ok {
					add(t)
				}
			}
		}
	}
	return strings.Join(lines, "\n")
}
