package escalation

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"slices"

	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/formatting"
	"github.com/kmbridge/kmbridge/i18n"
	"github.com/kmbridge/kmbridge/kmclient"
)

// Errors of case updates: the case moved on before the click.
var (
	errClaimed = errors.New("escalation: case already claimed")
	errClosed  = errors.New("escalation: case already ended")
	errRated   = errors.New("escalation: session already rated")
	errSent    = errors.New("escalation: suggestion already sent")
)

// Do implements bridge.Handover: it runs a clicked case button.
func (d *Desk) Do(ctx context.Context, cc bridge.CaseClick) bridge.ClickStatus {
	if d.outbox() == nil {
		d.log.Error("escalation: a case button was clicked on an unbound desk", "kind", cc.Action.Kind)
		return bridge.ClickFailed
	}
	c, ok, err := d.o.Store.Case(ctx, cc.Action.Case)
	if err != nil {
		d.log.Error("escalation: case lookup failed", "case", cc.Action.Case, "err", err)
		d.reply(ctx, cc.Key, d.printerAt(cc).T("bridge.internal_error"))
		return bridge.ClickFailed
	}
	if !ok {
		d.reply(ctx, cc.Key, d.printerAt(cc).T("escalation.case_gone"))
		return bridge.ClickExpired
	}
	kind := cc.Action.Kind
	// The core checked platform and channel; a case's agents' buttons also
	// belong to its own agents' channel, its rating to its own user.
	agentsSide := d.inAgents(cc.Key) || (c.Thread.Platform != "" && sameThread(c.Thread, cc.Key))
	if (kind == formatting.ActCaseRate && cc.Key != c.User) || (kind != formatting.ActCaseRate && !agentsSide) {
		d.reply(ctx, cc.Key, d.printerAt(cc).T("bridge.foreign_click"))
		return bridge.ClickForeign
	}
	switch kind {
	case formatting.ActCaseClaim, formatting.ActCaseResolve, formatting.ActCaseRobot, formatting.ActCaseSaveFAQ, formatting.ActCaseAddSimilar:
		// The card is a lasting control the desk redraws: the click's
		// outcome must not retire its buttons.
		if st := d.onCard(ctx, &c, cc); st != bridge.ClickDone {
			return st
		}
		return bridge.ClickRedrawn
	case formatting.ActCaseSendAnswer:
		return d.sendAnswer(ctx, &c, cc)
	case formatting.ActCaseRate:
		return d.rate(ctx, &c, cc.Action.Option)
	}
	d.reply(ctx, cc.Key, d.printerAt(cc).T("bridge.expired_button"))
	return bridge.ClickExpired
}

// onCard runs a button of the case's card.
func (d *Desk) onCard(ctx context.Context, c *bridge.Case, cc bridge.CaseClick) bridge.ClickStatus {
	switch cc.Action.Kind {
	case formatting.ActCaseClaim:
		return d.claim(ctx, c, cc.User)
	case formatting.ActCaseResolve:
		return d.end(ctx, c, cc.User, bridge.EndResolved)
	case formatting.ActCaseRobot:
		return d.end(ctx, c, cc.User, bridge.EndRobot)
	case formatting.ActCaseSaveFAQ:
		return d.saveFAQ(ctx, c)
	}
	return d.addSimilar(ctx, c)
}

// printerAt is the language of whoever clicked: the agents' in their channel.
func (d *Desk) printerAt(cc bridge.CaseClick) i18n.Printer {
	if d.inAgents(cc.Key) {
		return d.agents
	}
	return d.cat.Printer(cc.User.Locale)
}

// reply sends a notice to where a click happened; a failure is logged.
func (d *Desk) reply(ctx context.Context, to bridge.ConvKey, text string) {
	out := d.outbox()
	if out == nil {
		return
	}
	if err := d.retry(ctx, "reply", func(ctx context.Context) error {
		_, err := out.Send(ctx, to, formatting.Plain(text))
		return err
	}); err != nil {
		d.log.Warn("escalation: a reply to a click failed", "err", err)
	}
}

// claim gives the case to the clicking agent: the card shows who, the user
// hears who is helping. Of two agents claiming at once (on any replicas), one
// wins and the other is told who did.
func (d *Desk) claim(ctx context.Context, c *bridge.Case, who bridge.UserInfo) bridge.ClickStatus {
	now := d.o.Now()
	nc, err := d.update(ctx, c.ID, func(c *bridge.Case) error {
		switch c.State {
		case bridge.CaseResolved:
			return errClosed
		case bridge.CaseClaimed:
			return errClaimed
		}
		c.State, c.Claimed, c.ClaimedBy, c.ClaimedByName, c.RemindAt = bridge.CaseClaimed, now, who.ID, clean(who.Name, DefaultMaxFieldRunes), zeroTime
		return nil
	})
	switch {
	case errors.Is(err, errClaimed):
		cur, _, _ := d.o.Store.Case(ctx, c.ID)
		d.toThread(ctx, c, d.agents.T("escalation.already_claimed", caseRef(c.ID), agentName(cur.ClaimedByName, d.agents)))
		return bridge.ClickDone
	case errors.Is(err, errClosed):
		d.toThread(ctx, c, d.agents.T("escalation.already_closed", caseRef(c.ID)))
		return bridge.ClickDone
	case err != nil:
		d.log.Error("escalation: claim failed", "case", c.ID, "err", err)
		d.toThread(ctx, c, d.agents.T("bridge.internal_error"))
		return bridge.ClickFailed
	}
	d.log.Info("escalation: case claimed", "case", c.ID)
	d.redraw(ctx, &nc)
	d.toUser(ctx, &nc, d.user(&nc).T("escalation.user_claimed", agentName(who.Name, d.user(&nc))))
	return bridge.ClickDone
}

// end ends the relay (resolved, or back to the robot): the card shows who and
// when, the user's conversation is the robot's again, and the user gets a
// one-click rating of the session.
func (d *Desk) end(ctx context.Context, c *bridge.Case, who bridge.UserInfo, how string) bridge.ClickStatus {
	now := d.o.Now()
	nc, err := d.update(ctx, c.ID, func(c *bridge.Case) error {
		if c.State == bridge.CaseResolved {
			return errClosed
		}
		c.State, c.Ended, c.EndedAt, c.EndedByName, c.RemindAt = bridge.CaseResolved, how, now, clean(who.Name, DefaultMaxFieldRunes), zeroTime
		return nil
	})
	switch {
	case errors.Is(err, errClosed):
		d.toThread(ctx, c, d.agents.T("escalation.already_closed", caseRef(c.ID)))
		return bridge.ClickDone
	case err != nil:
		d.log.Error("escalation: ending a case failed", "case", c.ID, "err", err)
		d.toThread(ctx, c, d.agents.T("bridge.internal_error"))
		return bridge.ClickFailed
	}
	if err := d.o.Store.UnlinkCase(ctx, nc.User, nc.ID); err != nil {
		// The state says resolved: Take lets the user's events through anyway.
		d.log.Warn("escalation: unlinking the user's conversation failed", "case", nc.ID, "err", err)
	}
	d.log.Info("escalation: case ended", "case", nc.ID, "how", how)
	d.redraw(ctx, &nc)
	p := d.user(&nc)
	words := p.T("escalation.user_resolved", agentName(who.Name, p))
	if how == bridge.EndRobot {
		words = p.T("escalation.user_robot", agentName(who.Name, p))
	}
	out := d.outbox()
	err = d.retry(ctx, "user", func(ctx context.Context) error {
		tokens, save := out.Tokens(nc.User, nc.UserInfo.ID)
		m := formatting.Plain(words).Append(ratingButtons(nc.ID, p, tokens))
		if err := save(ctx); err != nil {
			return err
		}
		ref, err := out.Send(ctx, nc.User, m)
		if err == nil {
			d.linkPost(ctx, ref, nc.ID)
		}
		return err
	})
	if err != nil {
		d.log.Warn("escalation: telling the user the case ended failed", "case", nc.ID, "err", err)
		d.toThread(ctx, &nc, d.agents.T("escalation.user_unreachable", caseRef(nc.ID)))
	}
	return bridge.ClickDone
}

// sendAnswer sends KM's suggested reply to the user as the clicking agent's.
func (d *Desk) sendAnswer(ctx context.Context, c *bridge.Case, cc bridge.CaseClick) bridge.ClickStatus {
	if c.State == bridge.CaseResolved {
		d.toThread(ctx, c, d.agents.T("escalation.already_closed", caseRef(c.ID)))
		return bridge.ClickDone
	}
	p := d.user(c)
	blocks, ok := Suggestion(suggestionFor(cc.Action), p)
	if !ok {
		d.reply(ctx, cc.Key, d.agents.T("bridge.expired_button"))
		return bridge.ClickExpired
	}
	// Two agents may click one suggestion (the second before its button is
	// retired, or on another replica): the case, changed atomically, lets it
	// go once.
	sent := answerPrint(cc.Action)
	_, err := d.update(ctx, c.ID, func(c *bridge.Case) error {
		if slices.Contains(c.SentAnswers, sent) {
			return errSent
		}
		c.SentAnswers = append(c.SentAnswers, sent)
		return nil
	})
	switch {
	case errors.Is(err, errSent):
		d.toThread(ctx, c, d.agents.T("escalation.answer_already_sent"))
		return bridge.ClickDone
	case err != nil:
		d.log.Error("escalation: recording a sent answer failed", "case", c.ID, "err", err)
		d.reply(ctx, cc.Key, d.agents.T("bridge.internal_error"))
		return bridge.ClickFailed
	}
	msg := labelled(p.T("escalation.from_agent", agentName(cc.User.Name, p)), blocks)
	if _, err := d.sendUser(ctx, c, msg); err != nil {
		d.log.Error("escalation: a suggested answer could not reach the user", "case", c.ID, "err", err)
		// Not sent: a later click may try again.
		if _, err := d.update(ctx, c.ID, func(c *bridge.Case) error {
			c.SentAnswers = slices.DeleteFunc(c.SentAnswers, func(s string) bool { return s == sent })
			return nil
		}); err != nil {
			d.log.Warn("escalation: forgetting an unsent answer failed", "case", c.ID, "err", err)
		}
		d.toThread(ctx, c, d.agents.T("escalation.user_unreachable", caseRef(c.ID)))
		return bridge.ClickFailed
	}
	answer := bridge.Summary(formatting.Message{Blocks: blocks}, maxAnswerRunes)
	if _, err := d.update(ctx, c.ID, func(c *bridge.Case) error {
		c.Answer, c.RemindAt = answer, zeroTime
		return nil
	}); err != nil {
		d.log.Warn("escalation: recording the sent answer failed", "case", c.ID, "err", err)
	}
	d.toThread(ctx, c, d.agents.T("escalation.answer_sent", agentName(cc.User.Name, d.agents)))
	return bridge.ClickDone
}

// answerPrint tells a suggestion from another: a hash of what its button
// sends.
func answerPrint(a formatting.Action) string {
	h := sha256.New()
	h.Write([]byte(a.MsgType))
	h.Write([]byte{0})
	h.Write(a.Content)
	return hex.EncodeToString(h.Sum(nil)[:12])
}

// maxAnswerRunes bounds the agents' answer kept for "Save as FAQ".
const maxAnswerRunes = 4000

// rate records the user's rating of the session in KM (surveySession) and
// posts it into the case's thread. One rating per case.
func (d *Desk) rate(ctx context.Context, c *bridge.Case, option int) bridge.ClickStatus {
	p := d.user(c)
	if c.Rating != 0 {
		d.toUser(ctx, c, p.T("bridge.already_rated"))
		return bridge.ClickAlreadyRated
	}
	inKM := true
	if c.SessionID != 0 {
		kctx, cancel := context.WithTimeout(ctx, d.o.AssistTimeout)
		_, err := d.o.KM.SurveySession(kctx, kmclient.SurveySessionRequest{SessionID: kmclient.ID(c.SessionID), SessionSurveyOptionID: option})
		cancel()
		switch {
		case errors.Is(err, kmclient.ErrSessionExpired):
			// The hand-over outlived the KM session: the rating stays ours.
			inKM = false
		case err != nil:
			d.log.Warn("escalation: KM surveySession failed", "case", c.ID, "err", err)
			d.toUser(ctx, c, p.T("bridge.km_error"))
			return bridge.ClickFailed
		}
	} else {
		inKM = false
	}
	nc, err := d.update(ctx, c.ID, func(c *bridge.Case) error {
		if c.Rating != 0 {
			return errRated
		}
		c.Rating = option
		return nil
	})
	switch {
	case errors.Is(err, errRated):
		d.toUser(ctx, c, p.T("bridge.already_rated"))
		return bridge.ClickAlreadyRated
	case err != nil:
		d.log.Error("escalation: recording a rating failed", "case", c.ID, "err", err)
		d.toUser(ctx, c, p.T("bridge.internal_error"))
		return bridge.ClickFailed
	}
	d.toUser(ctx, &nc, p.T("bridge.session_rated_thanks"))
	who := clean(nc.UserInfo.Name, DefaultMaxFieldRunes)
	if who == "" {
		who = d.agents.T("escalation.the_user")
	}
	note := d.agents.T("escalation.rated", who, ratingName(option, d.agents))
	if !inKM {
		note = d.agents.T("escalation.rated_not_in_km", who, ratingName(option, d.agents))
	}
	d.toThread(ctx, &nc, note)
	return bridge.ClickDone
}
