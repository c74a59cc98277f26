package slackadapter

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/slack-go/slack"

	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/formatting"
	"github.com/kmbridge/kmbridge/formatting/slackfmt"
	"github.com/kmbridge/kmbridge/internal/memo"
)

const (
	// plainChunk is the most text one fallback section carries (Slack: 3000).
	plainChunk = 2900
	// plainMax bounds the fallback text of one message.
	plainMax = 40000
)

// errEphemeralEdit: Slack cannot update an ephemeral message through the Web API.
var errEphemeralEdit = errors.New("slack: ephemeral messages cannot be edited")

// sender renders neutral messages with slackfmt and posts, edits and streams
// them, paced per channel (api.call). It remembers what it sent with buttons,
// so a click can retire a group of them.
type sender struct {
	cfg     Config
	api     *api
	log     *slog.Logger
	convs   *convs
	bg      *background
	sent    *memo.Memo[string, sentMsg] // messages with buttons, by channel|ts
	streams *streams
}

// sentMsg is what a click on a message with buttons needs of it: the button
// groups of the neutral message it is (a part of), where
// formatting.RetiringAmong finds the clicked group, and, for an ephemeral
// message only, the Slack copy last set on it. Any other message comes back
// in its click's payload, and keeping every copy cost 11 KB per message with
// a dozen buttons: 20 MB of the heap at 2,000 (BENCHMARKS.md).
type sentMsg struct {
	groups [][]string
	shown  slackfmt.Msg // ephemeral messages only
}

// send renders m with slackfmt (one or more Slack messages), checks every
// payload with slackfmt.Validate and posts them in order, into the
// conversation's thread, paced per channel. It returns the last message.
func (s *sender) send(ctx context.Context, to bridge.ConvKey, m formatting.Message) (bridge.MsgRef, error) {
	if to.Platform != platform || to.Channel == "" {
		return bridge.MsgRef{}, fmt.Errorf("slack: send: %q is not a Slack conversation", to.String())
	}
	if ref, ok, err := s.streamSend(ctx, to, m); ok {
		return ref, err
	}
	s.endStream(ctx, to) // a new message closes an open stream first
	msgs := s.render(m)
	groups := formatting.TokenGroups(m)
	var ref bridge.MsgRef
	for i, msg := range msgs {
		ts, err := s.post(ctx, to, msg)
		if err != nil {
			return ref, fmt.Errorf("slack: send part %d of %d: %w", i+1, len(msgs), err)
		}
		ref = bridge.MsgRef{Key: to, ID: ts}
		s.remember(to, ts, groups, msg)
	}
	return ref, nil
}

// edit replaces the message at ref with chat.update: it becomes the first
// part of m's rendering; further parts are posted after it. A streamed message
// that m only extends is appended to instead.
func (s *sender) edit(ctx context.Context, ref bridge.MsgRef, m formatting.Message) error {
	if ref.ID == "" || ref.Key.Channel == "" {
		return errors.New("slack: edit: no message to edit")
	}
	if isEphemeral(ref.Key) {
		return errEphemeralEdit
	}
	if done, err := s.streamEdit(ctx, ref, m); done {
		return err
	}
	msgs := s.render(m)
	if len(msgs) == 0 {
		return errors.New("slack: edit: nothing to show")
	}
	if err := s.update(ctx, ref.Key.Channel, ref.ID, msgs[0]); err != nil {
		return err
	}
	groups := formatting.TokenGroups(m)
	s.remember(ref.Key, ref.ID, groups, msgs[0])
	for i, msg := range msgs[1:] {
		ts, err := s.post(ctx, ref.Key, msg)
		if err != nil {
			return fmt.Errorf("slack: edit: part %d of %d: %w", i+2, len(msgs), err)
		}
		s.remember(ref.Key, ts, groups, msg)
	}
	return nil
}

// render renders m and validates every part. A part that fails validation is a
// bug in rendering: it is logged, and the whole message goes out as plain text
// rather than not at all.
func (s *sender) render(m formatting.Message) []slackfmt.Msg {
	msgs := slackfmt.Render(m)
	for i, msg := range msgs {
		if err := slackfmt.Validate(msg); err != nil {
			s.log.Error("slack: rendered message fails validation; sending plain text instead", "part", i+1, "err", err)
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
func (s *sender) post(ctx context.Context, to bridge.ConvKey, msg slackfmt.Msg) (string, error) {
	opts := []slack.MsgOption{slack.MsgOptionText(msg.Text, false), slack.MsgOptionBlocks(msg.Blocks...)}
	var ts string
	if isEphemeral(to) {
		err := s.api.call(ctx, to.Channel, "chat.postEphemeral", func(ctx context.Context) error {
			var err error
			ts, err = s.api.client.PostEphemeralContext(ctx, to.Channel, to.User, opts...)
			return err
		})
		if err != nil {
			return s.postResponseURL(ctx, to, msg, err)
		}
		return ts, nil
	}
	if to.Thread != "" {
		opts = append(opts, slack.MsgOptionTS(to.Thread))
	}
	err := s.api.call(ctx, to.Channel, "chat.postMessage", func(ctx context.Context) error {
		var err error
		_, ts, err = s.api.client.PostMessageContext(ctx, to.Channel, opts...)
		return err
	})
	return ts, err
}

// postResponseURL delivers an ephemeral answer through the slash command's
// response_url when chat.postEphemeral could not (the app is not in the channel).
func (s *sender) postResponseURL(ctx context.Context, to bridge.ConvKey, msg slackfmt.Msg, cause error) (string, error) {
	u, ok := s.convs.replyURL(to)
	if !ok {
		return "", cause
	}
	s.log.Info("slack: chat.postEphemeral failed; answering through the command's response_url", "err", cause)
	err := s.api.call(ctx, "", "response_url", func(ctx context.Context) error {
		return hideResponseURL(slack.PostWebhookCustomHTTPContext(ctx, u, s.api.http, &slack.WebhookMessage{
			ResponseType: slack.ResponseTypeEphemeral, Text: msg.Text, Blocks: &slack.Blocks{BlockSet: msg.Blocks},
		}), u)
	})
	if err != nil {
		return "", errors.Join(cause, err)
	}
	return "", nil
}

// update replaces the message at channel/ts with msg.
func (s *sender) update(ctx context.Context, channel, ts string, msg slackfmt.Msg) error {
	return s.api.call(ctx, channel, "chat.update", func(ctx context.Context) error {
		_, _, _, err := s.api.client.UpdateMessageContext(ctx, channel, ts,
			slack.MsgOptionText(msg.Text, false), slack.MsgOptionBlocks(msg.Blocks...))
		return err
	})
}

// replyTo replaces a message through a response_url (an ephemeral message:
// the Web API cannot update those).
func (s *sender) replyTo(ctx context.Context, responseURL string, msg slackfmt.Msg) error {
	if responseURL == "" {
		return errEphemeralEdit
	}
	return s.api.call(ctx, "", "response_url", func(ctx context.Context) error {
		return hideResponseURL(slack.PostWebhookCustomHTTPContext(ctx, responseURL, s.api.http, &slack.WebhookMessage{
			ReplaceOriginal: true, Text: msg.Text, Blocks: &slack.Blocks{BlockSet: msg.Blocks},
		}), responseURL)
	})
}

// remember keeps what a click on a message with buttons in conversation to
// needs (sentMsg): the token groups of the neutral message it is (a part of),
// and the Slack copy now shown when the message is ephemeral.
func (s *sender) remember(to bridge.ConvKey, ts string, groups [][]string, shown slackfmt.Msg) {
	if ts == "" {
		return
	}
	if !interactive(shown.Blocks) {
		s.sent.Take(msgKey(to.Channel, ts))
		return
	}
	sm := sentMsg{groups: groups}
	if isEphemeral(to) {
		sm.shown = shown
	}
	s.sent.Put(msgKey(to.Channel, ts), sm)
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
