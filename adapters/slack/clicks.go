package slackadapter

import (
	"context"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/formatting/slackfmt"
)

// clickTTL bounds how long a click holds its message's buttons (the core
// normally reports back within its KM timeout).
const clickTTL = 2 * time.Minute

// clickCtx is what a click in flight needs for retiring its message afterwards.
type clickCtx struct {
	msg         slackfmt.Msg // the message as the payload showed it
	responseURL string
	ephemeral   bool
}

// onBlockActions turns a button press or a select choice into a bridge.Click.
// While a user's click on a message is being handled, their further clicks on
// it are ignored (a double click): its buttons are retired once the first is
// done. Clicks on a retired message (a stale view) are ignored too. It returns
// the core's refusal when the click must not be acknowledged (retryLater): Slack
// then shows the user that the click failed, rather than nothing happening.
func (a *Adapter) onBlockActions(ctx context.Context, h bridge.Handler, ic *slack.InteractionCallback) error {
	if len(ic.ActionCallback.BlockActions) == 0 || ic.User.ID == "" {
		return nil
	}
	act := ic.ActionCallback.BlockActions[0]
	value := act.Value
	switch act.Type {
	case slack.ActionType(slack.OptTypeStatic), slack.ActionType(slack.OptTypeExternal), slack.ActionType("overflow"):
		value = act.SelectedOption.Value
	}
	if value == "" { // a link button: Slack opened the link, nothing to do
		return nil
	}
	dedupe := ic.TriggerID
	if dedupe == "" {
		dedupe = ic.User.ID + "|" + act.ActionTs
	}
	if a.seen(ctx, "action:"+dedupe) {
		return nil
	}
	user := a.userInfo(ctx, ic.User.ID)
	click := bridge.Click{User: user, Token: slackfmt.Token(value)}

	if ic.Container.Type == "view" || ic.View.Type == slack.VTHomeTab {
		// The Home tab: the answer goes to the user's DM, recorded in the view.
		dm := ic.View.PrivateMetadata
		if !isDM(dm) {
			var err error
			if dm, err = a.openDM(ctx, ic.User.ID); err != nil {
				a.log.Warn("slack: Home click: cannot open the DM", "err", err)
				return nil
			}
		}
		click.Key = dmKey(dm, "", ic.User.ID)
		return a.hand(ctx, h, click)
	}

	channel := firstNonEmpty(ic.Container.ChannelID, ic.Channel.ID)
	ts := firstNonEmpty(ic.Container.MessageTs, ic.Message.Timestamp)
	if channel == "" || ts == "" {
		return nil
	}
	thread := firstNonEmpty(ic.Container.ThreadTs, ic.Message.ThreadTimestamp)
	if thread == ts { // the message is itself a thread's root
		thread = ""
	}
	switch {
	case ic.Container.IsEphemeral:
		click.Key = ephemeralKey(channel, ic.User.ID)
	default:
		click.Key = a.keyFor(ctx, channel, thread, ic.User.ID)
	}
	click.Ref = bridge.MsgRef{Key: click.Key, ID: ts}
	cc := clickCtx{
		msg:         slackfmt.Msg{Text: ic.Message.Text, Blocks: ic.Message.Blocks.BlockSet},
		responseURL: ic.ResponseURL,
		ephemeral:   ic.Container.IsEphemeral,
	}
	if _, done := a.retired.Get(msgKey(channel, ts)); done {
		a.log.Debug("slack: click on a retired message (a stale view); ignored")
		return nil
	}
	// Per user: another user's click must not hold the owner's back.
	inflight := msgKey(channel, ts) + "|" + ic.User.ID
	if !a.clicks.Add(inflight, cc) {
		a.log.Debug("slack: click on a message whose earlier click is still being handled; ignored")
		return nil
	}
	err := a.hand(ctx, h, click)
	if err != nil {
		a.clicks.Take(inflight)
	}
	return err
}

// Clicked implements bridge.ClickNotifier: once a click is done (or the answer
// had been rated before), the clicked message is updated so the choice shows
// ("✓ label") and its buttons cannot be pressed again. Other outcomes leave the
// message as it was.
func (a *Adapter) Clicked(ctx context.Context, r bridge.ClickResult) {
	ref := r.Click.Ref
	if ref.ID == "" {
		return
	}
	k := msgKey(ref.Key.Channel, ref.ID)
	cc, _ := a.clicks.Take(k + "|" + r.Click.User.ID)
	if r.Status != bridge.ClickDone && r.Status != bridge.ClickAlreadyRated {
		return
	}
	msg, ok := a.sent.Get(k)
	if !ok {
		msg = cc.msg // sent before a restart: as the click payload showed it
	}
	if len(msg.Blocks) == 0 {
		a.log.Info("slack: clicked message unknown; its buttons stay", "conv", ref.Key.String())
		return
	}
	label := strings.TrimSpace(r.Action.Label)
	retired := slackfmt.Msg{Text: firstNonEmpty(msg.Text, label, "✓"), Blocks: slackfmt.Retire(msg.Blocks, label)}
	if err := slackfmt.Validate(retired); err != nil {
		a.log.Error("slack: retired message fails validation; replacing it with its plain text", "err", err)
		if ps := plainMsgs(blocksText(msg.Blocks) + "\n✓ " + label); len(ps) > 0 {
			retired = ps[0]
		}
	}
	var err error
	if cc.ephemeral || isEphemeral(ref.Key) {
		err = a.replaceEphemeral(ctx, cc.responseURL, retired)
	} else {
		err = a.update(ctx, ref.Key.Channel, ref.ID, retired)
	}
	if err != nil {
		a.log.Warn("slack: updating the clicked message failed", "err", err)
		return
	}
	a.sent.Take(k)
	a.retired.Put(k, struct{}{})
}

// replaceEphemeral updates an ephemeral message through its response_url (the
// Web API cannot).
func (a *Adapter) replaceEphemeral(ctx context.Context, responseURL string, msg slackfmt.Msg) error {
	if responseURL == "" {
		return errEphemeralEdit
	}
	return a.call(ctx, "", "response_url", func(ctx context.Context) error {
		return hideResponseURL(slack.PostWebhookCustomHTTPContext(ctx, responseURL, a.http, &slack.WebhookMessage{
			ReplaceOriginal: true, Text: msg.Text, Blocks: &slack.Blocks{BlockSet: msg.Blocks},
		}), responseURL)
	})
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
