package bridge

import (
	"context"
	"errors"
	"io"
	"strings"
	"sync/atomic"
	"time"

	"github.com/kmbridge/kmbridge/formatting"
	"github.com/kmbridge/kmbridge/kmclient"
)

// askStream asks through v2 newChat in streaming mode. On an Editor adapter the
// first text is sent at once and grown by edits at most once per EditInterval; the
// final edit carries the full rendering (with buttons). Other adapters get the
// final answer only. When the stream fails before any text arrives it falls back
// to one blocking call, except after a timeout (the user hears the apology
// within KMTimeout rather than after two timeouts).
func (t *turn) askStream(text string) string {
	stopTyping := t.typing()
	defer stopTyping()
	if err := t.ensureSession(); err != nil {
		stopTyping()
		return t.fail("chat_stream", err)
	}

	ctx, cancel := context.WithTimeout(t.ctx, t.c.cfg.StreamTimeout)
	defer cancel()
	// Until the first chunk arrives the ordinary KM timeout applies.
	var started, firstTimedOut atomic.Bool
	timer := time.AfterFunc(t.c.cfg.KMTimeout, func() {
		if !started.Load() {
			firstTimedOut.Store(true)
			cancel()
		}
	})
	defer timer.Stop()

	cfg := t.c.cfg
	begin := time.Now()
	stream, err := t.c.km.NewChatStream(ctx, kmclient.NewChatRequest{
		SessionID: kmclient.ID(t.sess.ID), RobotID: kmclient.ID(cfg.RobotID), QueryContent: text,
		ChannelID: kmclient.ID(cfg.ChannelID), ResponseMode: kmclient.ModeStreaming,
	})
	if err != nil {
		t.c.met.km("chat_stream", kmResult(err), time.Since(begin))
		if firstTimedOut.Load() {
			return t.fail("chat_stream", context.DeadlineExceeded)
		}
		t.log.Info("bridge: streaming failed before any text; asking again blocking", "err", redact(err))
		stopTyping()
		return t.askBlocking(text)
	}
	defer stream.Close()

	ed, canEdit := t.a.(Editor)
	var (
		acc      strings.Builder
		final    *kmclient.Answer
		ref      MsgRef
		sent     bool
		lastEdit time.Time
		shown    string
		broken   bool // the stream failed after its final answer
	)
	for {
		ch, err := stream.Next()
		if err == io.EOF {
			break
		}
		if errors.Is(err, kmclient.ErrMalformedChunk) {
			// One bad event; the stream goes on.
			t.log.Debug("bridge: malformed stream event skipped", "err", redact(err))
			continue
		}
		if err != nil {
			t.c.met.km("chat_stream", kmResult(err), time.Since(begin))
			if final != nil {
				// The whole answer arrived before the stream broke: deliver it.
				t.log.Info("bridge: stream broke after the final answer; delivering it", "err", redact(err))
				broken = true
				break
			}
			if acc.Len() == 0 {
				if firstTimedOut.Load() {
					return t.fail("chat_stream", context.DeadlineExceeded)
				}
				t.log.Info("bridge: streaming failed before any text; asking again blocking", "err", redact(err))
				stopTyping()
				stream.Close()
				return t.askBlocking(text)
			}
			// Down mid-answer: show what arrived (nothing has been shown yet on an
			// adapter that cannot edit), then apologise.
			switch {
			case sent && shown != acc.String():
				_ = t.edit(ed, ref, formatting.Plain(acc.String()))
			case !sent:
				_, _ = t.send(formatting.Plain(acc.String()))
			}
			t.record(RoleBot, truncateRunes(acc.String(), t.c.cfg.SummaryRunes))
			stopTyping()
			return t.fail("chat_stream", err)
		}
		started.Store(true)
		if ch.Answer != nil {
			final = ch.Answer
		}
		if ch.Text == "" {
			continue
		}
		acc.WriteString(ch.Text)
		if !canEdit {
			continue
		}
		now := t.c.now()
		switch {
		case !sent:
			stopTyping()
			r, err := t.send(formatting.Plain(acc.String()))
			if err != nil {
				canEdit = false // deliver the final answer as a new message
				continue
			}
			ref, sent, lastEdit, shown = r, true, now, acc.String()
		case now.Sub(lastEdit) >= t.c.cfg.EditInterval:
			if err := t.edit(ed, ref, formatting.Plain(acc.String())); err != nil {
				t.log.Debug("bridge: streaming edit failed", "err", redact(err))
			}
			lastEdit, shown = now, acc.String()
		}
	}
	if !broken {
		t.c.met.km("chat_stream", "ok", time.Since(begin))
	}
	stopTyping()

	if final == nil && acc.Len() == 0 {
		t.log.Info("bridge: stream ended without an answer; asking again blocking")
		return t.askBlocking(text)
	}
	ans := final
	if ans == nil {
		ans = &kmclient.Answer{AnsType: kmclient.AnsTypeAnswer}
	}
	if ans.AnsContent.IsZero() && acc.Len() > 0 {
		a := *ans
		a.AnsContent = kmclient.StringContent(acc.String())
		a.MsgType = kmclient.MsgRich
		ans = &a
	}
	t.touch()
	if sent {
		return t.deliver(ans, &ref)
	}
	return t.deliver(ans, nil)
}
