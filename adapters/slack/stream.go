package slackadapter

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/slack-go/slack"

	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/formatting"
)

// maxStreamText is Slack's limit on a streamed message's markdown text.
const maxStreamText = 12000

// Streaming. The core streams an answer as Send(first text) followed by Edits
// that grow the text, and a final Edit with the full rendering (buttons and all).
// In an assistant thread, with Config.Streaming, the adapter maps that onto
// Slack's streaming API: the first plain text starts a stream
// (chat.startStream), growing edits append the new text (chat.appendStream),
// and the final edit stops the stream (chat.stopStream) and replaces the
// message with the rendering (chat.update). Anywhere else a streamed answer is
// an ordinary post followed by chat.update edits. A stream nobody appends to for
// Config.StreamIdle, or followed by another message, is stopped.

type stream struct {
	ts    string
	text  string // the plain text streamed so far
	timer *time.Timer
}

type streams struct {
	mu sync.Mutex
	m  map[string]*stream // by ConvKey.String()
}

func newStreams() *streams { return &streams{m: map[string]*stream{}} }

func (s *streams) get(key string) (stream, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.m[key]
	if !ok {
		return stream{}, false
	}
	return *st, true
}

func (s *streams) put(key string, st *stream) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[key] = st
}

// grew records appended text and restarts the idle timer.
func (s *streams) grew(key, ts, text string, idle time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if st, ok := s.m[key]; ok && st.ts == ts {
		st.text = text
		st.timer.Reset(idle)
	}
}

func (s *streams) take(key string) (stream, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.m[key]
	if !ok {
		return stream{}, false
	}
	delete(s.m, key)
	st.timer.Stop()
	return *st, true
}

func (s *streams) stopTimers() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, st := range s.m {
		st.timer.Stop()
	}
}

// canStream reports a conversation Slack streams into: an assistant thread.
func (s *sender) canStream(to bridge.ConvKey) bool {
	return s.cfg.Streaming && isDM(to.Channel) && to.Thread != "" && !isEphemeral(to) && s.convs.isAssistant(to.Channel, to.Thread)
}

// streamSend starts a stream for a plain text sent to a streaming conversation.
// ok is false when the message is not for streaming (or Slack refused to start
// one): the caller then posts it normally.
func (s *sender) streamSend(ctx context.Context, to bridge.ConvKey, m formatting.Message) (bridge.MsgRef, bool, error) {
	if !s.canStream(to) {
		return bridge.MsgRef{}, false, nil
	}
	text, ok := plainOf(m)
	if !ok || strings.TrimSpace(text) == "" || len(text) > maxStreamText {
		return bridge.MsgRef{}, false, nil
	}
	s.endStream(ctx, to)
	var ts string
	err := s.api.call(ctx, to.Channel, "chat.startStream", func(ctx context.Context) error {
		var err error
		_, ts, err = s.api.client.StartStreamContext(ctx, to.Channel,
			slack.MsgOptionTS(to.Thread), slack.MsgOptionMarkdownText(escapeMarkdown(text)))
		return err
	})
	if err != nil || ts == "" {
		s.log.Info("slack: cannot start a stream; posting instead", "err", err)
		return bridge.MsgRef{}, false, nil
	}
	key := to.String()
	st := &stream{ts: ts, text: text}
	st.timer = time.AfterFunc(s.cfg.StreamIdle, func() {
		s.bg.run(30*time.Second, func(ctx context.Context) { s.endStreamAt(ctx, to, ts) })
	})
	s.streams.put(key, st)
	return bridge.MsgRef{Key: to, ID: ts}, true, nil
}

// streamEdit appends to an open stream when m extends its text. done is false
// when the caller should update the message normally (the stream, if any, has
// then been stopped).
func (s *sender) streamEdit(ctx context.Context, ref bridge.MsgRef, m formatting.Message) (done bool, err error) {
	key := ref.Key.String()
	st, ok := s.streams.get(key)
	if !ok || st.ts != ref.ID {
		return false, nil
	}
	text, plain := plainOf(m)
	if plain && strings.HasPrefix(text, st.text) && len(text) <= maxStreamText {
		delta := text[len(st.text):]
		if delta == "" {
			return true, nil
		}
		err := s.api.call(ctx, ref.Key.Channel, "chat.appendStream", func(ctx context.Context) error {
			_, _, err := s.api.client.AppendStreamContext(ctx, ref.Key.Channel, st.ts, slack.MsgOptionMarkdownText(escapeMarkdown(delta)))
			return err
		})
		if err == nil {
			s.streams.grew(key, st.ts, text, s.cfg.StreamIdle)
		}
		return true, err
	}
	s.endStream(ctx, ref.Key)
	return false, nil
}

// endStream stops the conversation's open stream, if any.
func (s *sender) endStream(ctx context.Context, to bridge.ConvKey) { s.endStreamAt(ctx, to, "") }

// endStreamAt stops the conversation's open stream (only the one at ts, when
// set). A failure is logged: the message stays as streamed so far.
func (s *sender) endStreamAt(ctx context.Context, to bridge.ConvKey, ts string) {
	key := to.String()
	if ts != "" {
		if st, ok := s.streams.get(key); !ok || st.ts != ts {
			return
		}
	}
	st, ok := s.streams.take(key)
	if !ok {
		return
	}
	err := s.api.call(ctx, to.Channel, "chat.stopStream", func(ctx context.Context) error {
		_, _, err := s.api.client.StopStreamContext(ctx, to.Channel, st.ts)
		return err
	})
	if err != nil {
		s.log.Warn("slack: stopping a stream failed", "err", err)
	}
}

// plainOf returns the text of a message that is one plain paragraph (what the
// core streams), and false for anything richer.
func plainOf(m formatting.Message) (string, bool) {
	if len(m.Blocks) != 1 || len(m.InputHints) > 0 {
		return "", false
	}
	t, ok := m.Blocks[0].(*formatting.Text)
	if !ok || t == nil || t.Context || len(t.Rich) != 1 {
		return "", false
	}
	p, ok := t.Rich[0].(*formatting.Para)
	if !ok || p == nil {
		return "", false
	}
	var b strings.Builder
	for _, s := range p.Spans {
		if s.Marks != 0 || s.Link != "" {
			return "", false
		}
		b.WriteString(s.Text)
	}
	return b.String(), true
}

// markdownEscaper backslash-escapes the characters that open Markdown
// formatting, links or HTML in a streamed message's markdown_text.
var markdownEscaper = strings.NewReplacer(
	`\`, `\\`, "`", "\\`", "*", `\*`, "_", `\_`, "~", `\~`, "[", `\[`, "]", `\]`,
	"<", `\<`, ">", `\>`, "#", `\#`, "|", `\|`,
)

func escapeMarkdown(s string) string { return markdownEscaper.Replace(s) }
