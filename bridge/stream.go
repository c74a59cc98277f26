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
// final answer only.
//
// The 001 seed documents the stream as data: lines of model output ending with
// [DONE], and no final full-answer event: when none comes, the answer is the text
// the stream gave, with the logId and sessionId any chunk carried. KM is never
// asked the same question twice: once the question may have reached it, a failed
// stream ends in what arrived and an apology, not a second (blocking) call. The one
// retry is KM refusing the session as expired before answering anything, which
// starts a new session invisibly, as every other call does.
func (t *turn) askStream(text string) string {
	stopTyping := t.typing()
	defer stopTyping()
	if err := t.ensureSession(); err != nil {
		stopTyping()
		return t.fail("chat_stream", err)
	}
	for attempt := 0; ; attempt++ {
		outcome, expired := t.streamOnce(text, stopTyping)
		if !expired {
			return outcome
		}
		if attempt > 0 {
			stopTyping()
			return t.fail("chat_stream", kmclient.ErrSessionExpired)
		}
		t.log.Info("bridge: KM session expired; re-initialising", "op", "chat_stream")
		if _, err := t.initSession(); err != nil {
			stopTyping()
			return t.fail("chat_stream", err)
		}
	}
}

// streamOnce asks once. expired is true (and nothing has been shown) when KM
// refused the session before answering; the caller then starts a new one.
func (t *turn) streamOnce(text string, stopTyping func()) (outcome string, expired bool) {
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
	// failed ends the answer on err; a timeout before the first chunk is reported
	// as one whatever the transport made of it.
	failed := func(err error) string {
		if firstTimedOut.Load() {
			err = context.DeadlineExceeded
		}
		stopTyping()
		return t.fail("chat_stream", err)
	}

	cfg := t.c.cfg
	begin := time.Now()
	stream, err := t.c.km.NewChatStream(ctx, kmclient.NewChatRequest{
		SessionID: kmclient.ID(t.sess.ID), RobotID: kmclient.ID(cfg.RobotID), QueryContent: text,
		ChannelID: kmclient.ID(cfg.ChannelID), ResponseMode: kmclient.ModeStreaming,
	})
	if err != nil {
		t.c.met.km("chat_stream", kmResult(err), time.Since(begin))
		if errors.Is(err, kmclient.ErrSessionExpired) {
			return "", true
		}
		return failed(err), false
	}
	defer stream.Close()

	ed, canEdit := t.a.(Editor)
	var (
		acc       strings.Builder
		final     *kmclient.Answer
		sessionID kmclient.ID
		logID     kmclient.ID
		ref       MsgRef
		sent      bool
		lastEdit  time.Time
		shown     string
		broken    bool // the stream failed after its final answer
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
				if errors.Is(err, kmclient.ErrSessionExpired) {
					return "", true
				}
				return failed(err), false
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
			return failed(err), false
		}
		started.Store(true)
		if ch.Answer != nil {
			final = ch.Answer
		}
		if ch.SessionID != 0 {
			sessionID = ch.SessionID
		}
		if ch.LogID != 0 {
			logID = ch.LogID
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
	t.touch()
	ans := streamedAnswer(final, acc.String(), sessionID, logID)
	if final == nil && acc.Len() == 0 {
		t.log.Info("bridge: the stream ended without any text")
	}
	if sent {
		return t.deliver(ans, &ref), false
	}
	return t.deliver(ans, nil), false
}

// streamedAnswer is what a stream answered: its whole answer when KM sent one,
// with the streamed text as content when the answer has none; else the streamed
// text as a rich answer, with the ids the chunks carried.
func streamedAnswer(final *kmclient.Answer, text string, sessionID, logID kmclient.ID) *kmclient.Answer {
	a := kmclient.Answer{AnsType: kmclient.AnsTypeAnswer}
	if final != nil {
		a = *final
	}
	if a.SessionID == 0 {
		a.SessionID = sessionID
	}
	if a.LogID == 0 {
		a.LogID = logID
	}
	if a.AnsContent.IsZero() && text != "" {
		a.AnsContent = kmclient.StringContent(text)
		a.MsgType = kmclient.MsgRich
	}
	return &a
}
