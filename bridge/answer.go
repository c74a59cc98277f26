package bridge

import (
	"context"
	"strings"
	"time"

	"github.com/kmbridge/kmbridge/formatting"
	"github.com/kmbridge/kmbridge/kmclient"
)

// onMessage asks KM the user's text. Files without text are for a person (a
// hand-over relays them); the robot can only say it reads text.
func (t *turn) onMessage(m Message) string {
	if strings.TrimSpace(m.Text) == "" && len(m.Files) > 0 {
		t.say("bridge.files_only")
		return "files_only"
	}
	return t.ask(m.Text, m.Text)
}

// ask asks KM text as the user's question; echo is what the transcript shows.
func (t *turn) ask(text, echo string) string {
	text = strings.TrimSpace(text)
	if text == "" {
		return "ignored"
	}
	t.record(RoleUser, echo)
	if t.c.cfg.Streaming {
		return t.askStream(text)
	}
	return t.askBlocking(text)
}

// askBlocking asks with one blocking call (v1 chat, or v2 newChat when ChatV2).
func (t *turn) askBlocking(text string) string {
	stop := t.typing()
	defer stop()
	var ans *kmclient.Answer
	err := t.withSession("chat", func(ctx context.Context, sid kmclient.ID) error {
		var err error
		ans, err = t.blockingChat(ctx, sid, text)
		return err
	})
	stop()
	if err != nil {
		return t.fail("chat", err)
	}
	return t.deliver(ans, nil)
}

func (t *turn) blockingChat(ctx context.Context, sid kmclient.ID, text string) (*kmclient.Answer, error) {
	cfg := t.c.cfg
	if cfg.ChatV2 {
		return t.c.km.NewChat(ctx, kmclient.NewChatRequest{
			SessionID: sid, RobotID: kmclient.ID(cfg.RobotID), QueryContent: text,
			ChannelID: kmclient.ID(cfg.ChannelID), ResponseMode: kmclient.ModeBlocking,
		})
	}
	return t.c.km.Chat(ctx, kmclient.ChatRequest{
		SessionID: sid, RobotID: kmclient.ID(cfg.RobotID), QueryContent: text,
		ChannelID: kmclient.ID(cfg.ChannelID),
	})
}

// deliver turns a KM answer into what the user sees: nothing for a silent answer,
// the quota notice when the robot's quota is used up, the rendered answer, and a
// hand-over when KM asks for one. When ref is set (a streamed answer already on
// screen) and the adapter can edit, the answer replaces that message.
func (t *turn) deliver(ans *kmclient.Answer, ref *MsgRef) string {
	if ans == nil {
		return t.fail("answer", errMalformed)
	}
	if ans.AnsType == kmclient.AnsTypeSilent {
		t.record(RoleNote, NoteSilent)
		return "silent"
	}
	var out formatting.Message
	outcome := "answered"
	if ans.RestrictionState.Exceeded() {
		out = formatting.Plain(t.p.T("bridge.quota_exceeded"))
		outcome = "quota_exceeded"
		t.log.Warn("bridge: KM interaction quota exceeded",
			"used", ans.RestrictionState.UsedCount, "total", ans.RestrictionState.TotalCount)
	}
	msg, err := formatting.FromKM(ans, t.opts())
	if err != nil {
		t.log.Warn("bridge: KM answer partly malformed", "msgType", ans.MsgType, "err", err)
	}
	reason := ""
	switch {
	case ans.AnsType == kmclient.AnsTypeTransferToHuman:
		reason = ReasonKMTransfer
	case ans.SwitchStaffType == kmclient.SwitchStaffTransfer:
		reason = ReasonSwitchStaff
	}
	if msg.IsEmpty() && err != nil && out.IsEmpty() {
		t.unmint()
		if reason != "" {
			t.escalateWith(reason, kmHints(ans))
			return "escalated"
		}
		return t.fail("answer", errMalformed)
	}
	out = out.Append(msg)
	if out.IsEmpty() && reason == "" {
		out = formatting.Plain(t.p.T("bridge.no_answer"))
	}
	if !out.IsEmpty() {
		at := t.c.now() // the transcript's time is the answer's, not the end of its send
		var serr error
		if ed, ok := t.a.(Editor); ok && ref != nil && ref.ID != "" {
			if err := t.edit(ed, *ref, out); err != nil {
				t.log.Warn("bridge: final edit failed; sending the answer anew", "err", redact(err))
				_, serr = t.send(out)
			}
		} else {
			_, serr = t.send(out)
		}
		if serr != nil {
			// The user never saw it: not an answer in the transcript (agents
			// would read it as said) nor in the metrics.
			outcome = "send_failed"
		} else {
			t.recordAnswer(ans, Summary(out, t.c.cfg.SummaryRunes), at)
		}
	}
	if reason != "" {
		t.escalateWith(reason, kmHints(ans))
		return "escalated"
	}
	if ans.AnsType == kmclient.AnsTypeUnknown {
		t.offerHuman()
	}
	return outcome
}

// recordAnswer appends a bot turn with what the hand-over needs of the answer:
// its ansType (unknown answers in a row) and the FAQ question KM matched.
func (t *turn) recordAnswer(ans *kmclient.Answer, summary string, at time.Time) {
	if summary == "" {
		return
	}
	tr := Turn{At: at, Role: RoleBot, Text: truncateRunes(summary, t.c.cfg.SummaryRunes),
		AnsType: ans.AnsType, Hit: truncateRunes(ans.HitQuestion, t.c.cfg.SummaryRunes)}
	if err := t.c.store.AppendTurn(t.ctx, t.key, tr, t.c.cfg.TranscriptTurns, t.c.cfg.SessionRetention); err != nil {
		t.log.Warn("bridge: transcript append failed", "err", err)
	}
}

// offerHuman offers a person after the Escalator's number of unknown answers
// in a row (escalation.after_unknown), again after as many more. Turns other
// than the user's and the bot's break the run (a click, a reset, a hand-over).
func (t *turn) offerHuman() {
	o, ok := t.c.esc.(HumanOfferer)
	if !ok || o.OfferHumanAfter() <= 0 {
		return
	}
	tr, err := t.c.store.Transcript(t.ctx, t.key)
	if err != nil {
		t.log.Warn("bridge: unknown-answer count: transcript lookup failed", "err", err)
		return
	}
	run := 0
	for i := len(tr) - 1; i >= 0; i-- {
		if tr[i].Role == RoleUser {
			continue
		}
		if tr[i].Role != RoleBot || tr[i].AnsType != kmclient.AnsTypeUnknown {
			break
		}
		run++
	}
	if n := o.OfferHumanAfter(); run == 0 || run%n != 0 {
		return
	}
	b := formatting.Button{Label: t.p.T("formatting.talk_to_human"), Style: formatting.StylePrimary}
	b.Token = t.mint(formatting.Action{Kind: formatting.ActEscalate, Label: b.Label})
	_, _ = t.send(formatting.Message{Blocks: []formatting.Block{
		&formatting.Buttons{Title: t.p.T("bridge.offer_human"), Items: []formatting.Button{b}},
	}})
}

// kmHints are KM's hand-over details of an answer.
func kmHints(ans *kmclient.Answer) Escalation {
	if ans == nil {
		return Escalation{}
	}
	return Escalation{
		KMServiceID: strings.TrimSpace(string(ans.CustomerServiceID)), KMServiceStatus: ans.CustomerServiceStatus,
		KMTips: strings.TrimSpace(ans.SwitchStaffTips),
	}
}

// escalate hands the conversation to human agents through the Escalator and, when
// that worked, tells KM (switchStaff, best effort).
func (t *turn) escalate(reason string) { t.escalateWith(reason, Escalation{}) }

// escalateWith is escalate with KM's hand-over details (the KM fields of km).
func (t *turn) escalateWith(reason string, km Escalation) {
	if err := t.loadSession(); err != nil {
		t.log.Warn("bridge: escalation: session lookup failed", "err", err)
	}
	tr, err := t.c.store.Transcript(t.ctx, t.key)
	if err != nil {
		t.log.Warn("bridge: escalation: transcript lookup failed", "err", err)
	}
	ctx, cancel := context.WithTimeout(t.ctx, t.c.cfg.SendTimeout)
	err = t.c.esc.Escalate(ctx, Escalation{
		Key: t.key, User: t.user, Reason: reason, Transcript: tr, SessionID: t.sess.ID,
		KMServiceID: km.KMServiceID, KMServiceStatus: km.KMServiceStatus, KMTips: km.KMTips,
	})
	cancel()
	switch {
	case err == nil:
	case isNoAgents(err):
		t.say("bridge.no_agents")
		return
	default:
		t.log.Error("bridge: escalation failed", "reason", reason, "err", redact(err))
		t.say("bridge.escalation_failed")
		return
	}
	t.log.Info("bridge: escalated", "reason", reason)
	t.record(RoleNote, NoteEscalated+reason)
	t.say("bridge.escalating")
	if t.sess.ID == 0 {
		return
	}
	err = t.call("switch_staff", func(ctx context.Context) error {
		return t.c.km.SwitchStaff(ctx, kmclient.ID(t.sess.ID))
	})
	if err != nil {
		t.log.Warn("bridge: KM switchStaff failed (ignored)", "err", redact(err))
	}
}
