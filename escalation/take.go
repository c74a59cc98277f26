package escalation

import (
	"context"
	"strings"

	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/formatting"
	"github.com/kmbridge/kmbridge/kmclient"
)

// Take implements bridge.Handover. An event belongs to a case when its
// conversation is linked to one (the handed-over user's, or the case's
// thread), or, in the agents' channel, when it replies to a message the
// bridge posted for a case (cases without threads). Anything else, such as a
// stranger writing in a thread of the same id on another channel, is not
// taken: the robot handles it as usual.
func (d *Desk) Take(ctx context.Context, ev bridge.Event) bool {
	if !d.configured() {
		return false
	}
	key := ev.Conv()
	st := d.o.Store
	m, isMsg := ev.(bridge.Message)
	id, ok, err := d.caseOf(ctx, key)
	viaReply := false
	if err == nil && !ok && isMsg && m.ReplyTo != "" && d.inAgents(key) {
		id, ok, err = st.CaseOfMessage(ctx, key, m.ReplyTo)
		viaReply = true
	}
	if err != nil {
		// Unknown: the robot answers rather than the message be lost.
		d.log.Error("escalation: case lookup failed; the robot handles the event", "conv", key.String(), "err", err)
		return false
	}
	if isMsg && m.ID != "" && (ok || d.inAgents(key)) {
		// The bridge's own post coming back (adapters drop bots' messages;
		// this catches what one lets through): never relayed, never the
		// robot's.
		if _, own, err := st.CaseOfMessage(ctx, key, m.ID); err == nil && own {
			return true
		}
	}
	if !ok {
		return false
	}
	c, ok, err := st.Case(ctx, id)
	if err != nil || !ok {
		if err != nil {
			d.log.Error("escalation: case lookup failed; the robot handles the event", "case", id, "err", err)
		}
		return false
	}
	// A thread linked to the case whose opening has not yet recorded it
	// (Escalate links first) is the case's thread too.
	opening := c.Thread == (bridge.ConvKey{}) && !c.Threadless && key.Thread != "" && d.inAgents(key) && c.User != key
	switch {
	case viaReply || (sameThread(c.Thread, key) && !c.Threadless) || opening:
		return d.takeAgents(ctx, &c, ev)
	case c.User == key && c.State != bridge.CaseResolved:
		return d.takeUser(ctx, &c, ev)
	}
	return false
}

// caseOf finds the case of a conversation. In the agents' channel a thread
// is one conversation whoever writes: an adapter that keys channel messages
// per user (bridge.channel_scope user) still finds the case's thread.
func (d *Desk) caseOf(ctx context.Context, key bridge.ConvKey) (string, bool, error) {
	id, ok, err := d.o.Store.CaseOf(ctx, key)
	if err == nil && !ok && key.User != "" && key.Thread != "" && d.inAgents(key) {
		return d.o.Store.CaseOf(ctx, threadOnly(key))
	}
	return id, ok, err
}

// threadOnly is a thread's key without its author.
func threadOnly(k bridge.ConvKey) bridge.ConvKey {
	k.User = ""
	return k
}

// sameThread reports whether key is in the case's thread.
func sameThread(thread, key bridge.ConvKey) bool {
	return thread == key || (key.Thread != "" && thread == threadOnly(key))
}

// takeAgents handles an event in a case's thread: a person's message goes to
// the user, unless it is an internal note; commands are not the robot's
// there; clicks are the core's (case buttons come back through Do).
func (d *Desk) takeAgents(ctx context.Context, c *bridge.Case, ev bridge.Event) bool {
	switch e := ev.(type) {
	case bridge.Click:
		return false
	case bridge.Command:
		return true
	case bridge.Message:
		d.fromAgent(ctx, c, e)
	}
	return true
}

// fromAgent relays an agent's message to the user, with the agent's name.
func (d *Desk) fromAgent(ctx context.Context, c *bridge.Case, m bridge.Message) {
	if strings.HasPrefix(strings.TrimSpace(m.Text), d.o.NotePrefix) {
		return
	}
	log := d.log.With("case", c.ID)
	if c.State == bridge.CaseResolved {
		// Once, so that agents know; after that the thread is theirs.
		first, err := d.update(ctx, c.ID, func(c *bridge.Case) error {
			if c.ClosedNoted {
				return errSkip
			}
			c.ClosedNoted = true
			return nil
		})
		if err == nil {
			d.toThread(ctx, &first, d.agents.T("escalation.closed_not_sent", caseRef(c.ID), d.o.NotePrefix))
		}
		return
	}
	p := d.user(c)
	msg := relayOf(p.T("escalation.from_agent", agentName(m.User.Name, p)), m, p)
	if _, err := d.sendUser(ctx, c, msg); err != nil {
		log.Error("escalation: an agent's reply could not reach the user", "err", err)
		d.toThread(ctx, c, d.agents.T("escalation.user_unreachable", caseRef(c.ID)))
		return
	}
	answer := strings.TrimSpace(m.Text)
	if _, err := d.update(ctx, c.ID, func(c *bridge.Case) error {
		if answer != "" {
			c.Answer = answer
		}
		c.RemindAt = zeroTime // a person has answered
		return nil
	}); err != nil {
		log.Warn("escalation: recording an agent's answer failed", "err", err)
	}
}

// takeUser handles an event of a handed-over user: everything goes to the
// agents, nothing to KM. Only case buttons (the rating) go on to the core.
func (d *Desk) takeUser(ctx context.Context, c *bridge.Case, ev bridge.Event) bool {
	p := d.user(c)
	switch e := ev.(type) {
	case bridge.Click:
		sa, ok, err := d.o.Store.Action(ctx, e.Token)
		switch {
		case err != nil || !ok:
			return false // the core says the button expired
		case sa.Action.Kind.IsCase():
			return false
		case sa.Action.Kind == formatting.ActEscalate:
			d.toUser(ctx, c, p.T("escalation.already_connected"))
			return true
		}
		d.fromUser(ctx, c, e.User, p.T("escalation.clicked", firstNonEmpty(sa.Action.Label, sa.Action.Show, sa.Action.Text)), nil, nil)
		return true
	case bridge.Command:
		name := strings.ToLower(strings.TrimPrefix(strings.TrimSpace(e.Name), "/"))
		if name == bridge.CmdHuman {
			d.toUser(ctx, c, p.T("escalation.already_connected"))
			return true
		}
		d.fromUser(ctx, c, e.User, strings.TrimSpace("/"+name+" "+e.Arg), nil, nil)
	case bridge.Message:
		d.fromUser(ctx, c, e.User, e.Text, e.Rich, e.Files)
	}
	return true
}

// fromUser relays what the user wrote into the case's thread, with the user's
// name, then asks KM for a suggested reply. A post that still fails after the
// retries is not dropped silently: the user is told to send it again.
func (d *Desk) fromUser(ctx context.Context, c *bridge.Case, who bridge.UserInfo, text string, rich formatting.Rich, files []bridge.Attachment) {
	log := d.log.With("case", c.ID)
	name := clean(firstNonEmpty(who.Name, c.UserInfo.Name), DefaultMaxFieldRunes)
	if name == "" {
		name = d.agents.T("escalation.no_name")
	}
	label := d.agents.T("escalation.from_user", name)
	if c.Threadless {
		label = d.agents.T("escalation.from_user_case", caseRef(c.ID), name)
	}
	msg := relayOf(label, bridge.Message{Text: text, Rich: rich, Files: files}, d.agents)
	if _, err := d.post(ctx, c, msg); err != nil {
		log.Error("escalation: a user's message could not reach the agents", "err", err)
		d.toUser(ctx, c, d.user(c).T("escalation.relay_failed"))
		return
	}
	if q := strings.TrimSpace(text); q != "" && c.Question == "" {
		if _, err := d.update(ctx, c.ID, func(c *bridge.Case) error {
			if c.Question == "" {
				c.Question = q
			}
			return nil
		}); err != nil {
			log.Warn("escalation: recording the user's question failed", "err", err)
		}
	}
	d.assist(ctx, c, text)
}

// assist posts KM's suggested reply to the user's words, with a "Send this
// answer" button, into the thread. No suggestion, nothing posted.
func (d *Desk) assist(ctx context.Context, c *bridge.Case, text string) {
	if strings.TrimSpace(text) == "" {
		return
	}
	actx, cancel := context.WithTimeout(ctx, d.o.AssistTimeout)
	ans, err := d.o.KM.Assist(actx, kmclient.AssistRequest{
		RobotID: kmclient.ID(d.o.RobotID), ChannelID: kmclient.ID(d.o.ChannelID), QueryContent: text,
	})
	cancel()
	if err != nil {
		d.log.Warn("escalation: KM assist failed; no suggestion", "case", c.ID, "err", err)
		return
	}
	blocks, ok := Suggestion(ans, d.agents)
	if !ok {
		return
	}
	out := d.outbox()
	label := d.agents.T("escalation.button_send_answer")
	_, err = d.postMinted(ctx, c, func(tokens formatting.Tokens) formatting.Message {
		b := formatting.Button{Label: label, Style: formatting.StylePrimary, Token: tokens(formatting.Action{
			Kind: formatting.ActCaseSendAnswer, Case: c.ID, MsgType: ans.MsgType, Content: ans.AnsContent.Raw(), Label: label,
		})}
		head := &formatting.Text{Context: true, Rich: para(formatting.Span{Text: d.agents.T("escalation.suggestion")})}
		m := formatting.Message{Blocks: append([]formatting.Block{head}, blocks...)}
		m.Blocks = append(m.Blocks, &formatting.Buttons{Items: []formatting.Button{b}})
		return m
	}, out)
	if err != nil {
		d.log.Warn("escalation: posting KM's suggestion failed", "case", c.ID, "err", err)
	}
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if strings.TrimSpace(s) != "" {
			return s
		}
	}
	return ""
}
