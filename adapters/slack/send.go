package slackadapter

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/slack-go/slack"

	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/formatting"
	"github.com/kmbridge/kmbridge/formatting/slackfmt"
)

const (
	// plainChunk is the most text one fallback section carries (Slack: 3000).
	plainChunk = 2900
	// plainMax bounds the fallback text of one message.
	plainMax = 40000
)

// errEphemeralEdit: Slack cannot update an ephemeral message through the Web API.
var errEphemeralEdit = errors.New("slack: ephemeral messages cannot be edited")

// Send implements bridge.Adapter: it renders m with slackfmt (one or more Slack
// messages), checks every payload with slackfmt.Validate and posts them in order,
// into the conversation's thread, paced per channel. It returns the last message.
func (a *Adapter) Send(ctx context.Context, to bridge.ConvKey, m formatting.Message) (bridge.MsgRef, error) {
	if to.Platform != platform || to.Channel == "" {
		return bridge.MsgRef{}, fmt.Errorf("slack: send: %q is not a Slack conversation", to.String())
	}
	if ref, ok, err := a.streamSend(ctx, to, m); ok {
		return ref, err
	}
	a.endStream(ctx, to) // a new message closes an open stream first
	msgs := a.render(m)
	var ref bridge.MsgRef
	for i, msg := range msgs {
		ts, err := a.post(ctx, to, msg)
		if err != nil {
			return ref, fmt.Errorf("slack: send part %d of %d: %w", i+1, len(msgs), err)
		}
		ref = bridge.MsgRef{Key: to, ID: ts}
		a.remember(to.Channel, ts, msg)
	}
	return ref, nil
}

// Edit implements bridge.Editor with chat.update: the message at ref becomes the
// first part of m's rendering; further parts are posted after it. A streamed
// message that m only extends is appended to instead.
func (a *Adapter) Edit(ctx context.Context, ref bridge.MsgRef, m formatting.Message) error {
	if ref.ID == "" || ref.Key.Channel == "" {
		return errors.New("slack: edit: no message to edit")
	}
	if isEphemeral(ref.Key) {
		return errEphemeralEdit
	}
	if done, err := a.streamEdit(ctx, ref, m); done {
		return err
	}
	msgs := a.render(m)
	if len(msgs) == 0 {
		return errors.New("slack: edit: nothing to show")
	}
	if err := a.update(ctx, ref.Key.Channel, ref.ID, msgs[0]); err != nil {
		return err
	}
	for i, msg := range msgs[1:] {
		ts, err := a.post(ctx, ref.Key, msg)
		if err != nil {
			return fmt.Errorf("slack: edit: part %d of %d: %w", i+2, len(msgs), err)
		}
		a.remember(ref.Key.Channel, ts, msg)
	}
	return nil
}

// render renders m and validates every part. A part that fails validation is a
// bug in rendering: it is logged, and the whole message goes out as plain text
// rather than not at all.
func (a *Adapter) render(m formatting.Message) []slackfmt.Msg {
	msgs := slackfmt.Render(m)
	for i, msg := range msgs {
		if err := slackfmt.Validate(msg); err != nil {
			a.log.Error("slack: rendered message fails validation; sending plain text instead", "part", i+1, "err", err)
			return plainMsgs(bridge.Summary(m, plainMax))
		}
	}
	return msgs
}

// plainMsgs is s as plain messages: escaped for mrkdwn, one section each.
func plainMsgs(s string) []slackfmt.Msg {
	var out []slackfmt.Msg
	for _, c := range chunks(s, plainChunk) {
		t := escapeMrkdwn(c)
		if strings.TrimSpace(t) == "" {
			continue
		}
		out = append(out, slackfmt.Msg{
			Text:   t,
			Blocks: []slack.Block{slack.NewSectionBlock(&slack.TextBlockObject{Type: slack.MarkdownType, Text: t, Verbatim: true}, nil, nil)},
		})
	}
	return out
}

// mrkdwnEscaper escapes Slack's three control characters. With "<" escaped no
// mention or link can form; ">" escaped cannot start a quote.
var mrkdwnEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

func escapeMrkdwn(s string) string { return mrkdwnEscaper.Replace(s) }

// chunks splits s into pieces whose mrkdwn-escaped length is at most n UTF-16
// units (n ≥ 5), preferring to cut after a line break.
func chunks(s string, n int) []string {
	var out []string
	for s != "" {
		cut, w := len(s), 0
		for i, r := range s {
			rw := 1
			switch {
			case r == '&':
				rw = len("&amp;")
			case r == '<' || r == '>':
				rw = len("&lt;")
			case r > 0xFFFF:
				rw = 2
			}
			if w+rw > n {
				cut = i
				break
			}
			w += rw
		}
		if cut < len(s) {
			if nl := strings.LastIndexByte(s[:cut], '\n'); nl > cut/2 {
				cut = nl + 1
			}
		}
		out = append(out, s[:cut])
		s = s[cut:]
	}
	return out
}

// post sends one Slack message to the conversation: into its thread, or
// ephemerally for /ask answers in a channel.
func (a *Adapter) post(ctx context.Context, to bridge.ConvKey, msg slackfmt.Msg) (string, error) {
	opts := []slack.MsgOption{slack.MsgOptionText(msg.Text, false), slack.MsgOptionBlocks(msg.Blocks...)}
	var ts string
	if isEphemeral(to) {
		err := a.call(ctx, to.Channel, "chat.postEphemeral", func(ctx context.Context) error {
			var err error
			ts, err = a.api.PostEphemeralContext(ctx, to.Channel, to.User, opts...)
			return err
		})
		if err != nil {
			return a.postResponseURL(ctx, to, msg, err)
		}
		return ts, nil
	}
	if to.Thread != "" {
		opts = append(opts, slack.MsgOptionTS(to.Thread))
	}
	err := a.call(ctx, to.Channel, "chat.postMessage", func(ctx context.Context) error {
		var err error
		_, ts, err = a.api.PostMessageContext(ctx, to.Channel, opts...)
		return err
	})
	return ts, err
}

// postResponseURL delivers an ephemeral answer through the slash command's
// response_url when chat.postEphemeral could not (the app is not in the channel).
func (a *Adapter) postResponseURL(ctx context.Context, to bridge.ConvKey, msg slackfmt.Msg, cause error) (string, error) {
	u, ok := a.replyURLs.Get(msgKey(to.Channel, to.User))
	if !ok {
		return "", cause
	}
	a.log.Info("slack: chat.postEphemeral failed; answering through the command's response_url", "err", cause)
	err := a.call(ctx, "", "response_url", func(ctx context.Context) error {
		return hideResponseURL(slack.PostWebhookCustomHTTPContext(ctx, u, a.http, &slack.WebhookMessage{
			ResponseType: slack.ResponseTypeEphemeral, Text: msg.Text, Blocks: &slack.Blocks{BlockSet: msg.Blocks},
		}), u)
	})
	if err != nil {
		return "", errors.Join(cause, err)
	}
	return "", nil
}

// update replaces the message at channel/ts with msg.
func (a *Adapter) update(ctx context.Context, channel, ts string, msg slackfmt.Msg) error {
	err := a.call(ctx, channel, "chat.update", func(ctx context.Context) error {
		_, _, _, err := a.api.UpdateMessageContext(ctx, channel, ts,
			slack.MsgOptionText(msg.Text, false), slack.MsgOptionBlocks(msg.Blocks...))
		return err
	})
	if err != nil {
		return err
	}
	a.remember(channel, ts, msg)
	return nil
}

// remember keeps what a message with buttons shows, so a click can retire them
// (the click payload carries the blocks too, but ours are known to be valid).
func (a *Adapter) remember(channel, ts string, msg slackfmt.Msg) {
	if ts == "" {
		return
	}
	if !interactive(msg.Blocks) {
		a.sent.Take(msgKey(channel, ts))
		return
	}
	a.sent.Put(msgKey(channel, ts), msg)
}

// interactive reports blocks with something to click that acts (not a link).
func interactive(blocks []slack.Block) bool {
	acts := func(e slack.BlockElement) bool {
		switch e := e.(type) {
		case *slack.ButtonBlockElement:
			return e.Value != "" || e.URL == ""
		case *slack.SelectBlockElement:
			return true
		}
		return false
	}
	for _, b := range blocks {
		switch b := b.(type) {
		case *slack.ActionBlock:
			if b.Elements != nil {
				for _, e := range b.Elements.ElementSet {
					if acts(e) {
						return true
					}
				}
			}
		case *slack.SectionBlock:
			if acc := b.Accessory; acc != nil && (acc.SelectElement != nil || acc.ButtonElement != nil && acts(acc.ButtonElement)) {
				return true
			}
		}
	}
	return false
}
