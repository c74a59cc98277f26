package escalation

import (
	"strconv"
	"time"

	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/formatting"
	"github.com/kmbridge/kmbridge/i18n"
	"github.com/kmbridge/kmbridge/kmclient"
)

// layoutStamp is how the card dates what happened to a case.
const layoutStamp = "2006-01-02 15:04 MST"

// CaseCard is the card of a case: Card's content for the conversation handed
// over, headed by the case number, with the case's state (who claimed or ended
// it, and when), KM's hand-over details, and the buttons the state allows:
// Claim, Resolve and Back to the robot while it is open; Save as FAQ and Add as
// similar question once it is resolved and there is something to save. Like
// Card it is pure, in p's language, and never shows a web-chat id.
func CaseCard(c bridge.Case, p i18n.Printer, o CardOptions, tokens formatting.Tokens) formatting.Message {
	o = o.withDefaults()
	m := Card(escalationOf(c), p, o)
	card := m.Blocks[0].(*formatting.Card)
	card.Title = p.T("escalation.case_title", c.ID)
	head := []formatting.Field{
		{Label: p.T("escalation.field_case"), Value: para(formatting.Span{Text: "#" + c.ID, Marks: formatting.Bold})},
		{Label: p.T("escalation.field_status"), Value: para(formatting.Span{Text: status(c, p, o.Location)})},
	}
	card.Fields = append(head, card.Fields...)
	if id := clean(c.KMServiceID, o.MaxFieldRunes); id != "" {
		v := []formatting.Span{{Text: id, Marks: formatting.Code}}
		if c.KMServiceStatus != nil {
			v = append(v, formatting.Span{Text: " " + p.T("escalation.km_service_status", *c.KMServiceStatus)})
		}
		card.Fields = append(card.Fields, formatting.Field{Label: p.T("escalation.field_km_service"), Value: para(v...)})
	}
	if tips := cleanLines(c.KMTips, o.MaxTurnRunes, lineSep); tips != "" {
		card.Fields = append(card.Fields, formatting.Field{Label: p.T("escalation.field_km_tips"), Value: para(formatting.Span{Text: tips})})
	}
	card.Buttons = caseButtons(c, p, tokens)
	return m
}

// CaseStatus is the case's number, state and buttons alone: what the thread
// gets when the card itself cannot be edited.
func CaseStatus(c bridge.Case, p i18n.Printer, o CardOptions, tokens formatting.Tokens) formatting.Message {
	o = o.withDefaults()
	return formatting.Message{Blocks: []formatting.Block{&formatting.Card{
		Title:   p.T("escalation.case_title", c.ID),
		Fields:  []formatting.Field{{Label: p.T("escalation.field_status"), Value: para(formatting.Span{Text: status(c, p, o.Location)})}},
		Buttons: caseButtons(c, p, tokens),
	}}}
}

// escalationOf is the hand-over a case was opened for.
func escalationOf(c bridge.Case) bridge.Escalation {
	return bridge.Escalation{Key: c.User, User: c.UserInfo, Reason: c.Reason, Transcript: c.Transcript, SessionID: c.SessionID}
}

// status says where the case stands, in words.
func status(c bridge.Case, p i18n.Printer, loc *time.Location) string {
	at := func(t time.Time) string { return t.In(loc).Format(layoutStamp) }
	switch {
	case c.State == bridge.CaseResolved && c.Ended == bridge.EndRobot:
		return p.T("escalation.status_robot", agentName(c.EndedByName, p), at(c.EndedAt))
	case c.State == bridge.CaseResolved && c.Ended == bridge.EndResolved:
		return p.T("escalation.status_resolved", agentName(c.EndedByName, p), at(c.EndedAt))
	case c.State == bridge.CaseResolved:
		return p.T("escalation.status_closed")
	case c.State == bridge.CaseClaimed:
		return p.T("escalation.status_claimed", agentName(c.ClaimedByName, p), at(c.Claimed))
	}
	return p.T("escalation.status_open", at(c.Opened))
}

// agentName is how a person is named: cleaned, or "an agent" without a name.
func agentName(name string, p i18n.Printer) string {
	if n := clean(name, DefaultMaxFieldRunes); n != "" {
		return n
	}
	return p.T("escalation.an_agent")
}

// caseButtons are the buttons of a case's state.
func caseButtons(c bridge.Case, p i18n.Printer, tokens formatting.Tokens) []formatting.Button {
	if tokens == nil {
		return nil
	}
	b := func(id i18n.MsgID, kind formatting.ActionKind, style formatting.Style) formatting.Button {
		label := p.T(id)
		return formatting.Button{Label: label, Style: style, Token: tokens(formatting.Action{Kind: kind, Case: c.ID, Label: label})}
	}
	switch c.State {
	case bridge.CaseOpen:
		return []formatting.Button{
			b("escalation.button_claim", formatting.ActCaseClaim, formatting.StylePrimary),
			b("escalation.button_resolve", formatting.ActCaseResolve, formatting.StyleDefault),
			b("escalation.button_robot", formatting.ActCaseRobot, formatting.StyleDefault),
		}
	case bridge.CaseClaimed:
		return []formatting.Button{
			b("escalation.button_resolve", formatting.ActCaseResolve, formatting.StylePrimary),
			b("escalation.button_robot", formatting.ActCaseRobot, formatting.StyleDefault),
		}
	}
	var out []formatting.Button
	if c.Ended != "" && c.Question != "" && c.Answer != "" && c.SavedFAQ == 0 {
		out = append(out, b("escalation.button_save_faq", formatting.ActCaseSaveFAQ, formatting.StylePrimary))
	}
	if c.Ended != "" && c.Question != "" && c.Matched != "" && c.AddedToFAQ == 0 && c.Question != c.Matched {
		out = append(out, b("escalation.button_add_similar", formatting.ActCaseAddSimilar, formatting.StyleDefault))
	}
	return out
}

// caseRef is "#1042", how a case is named in running text.
func caseRef(id string) string { return "#" + id }

// ratingButtons are the user's one-click session rating (KM surveySession:
// 2 satisfied, 3 neutral, 4 unsatisfied), minted for the user.
func ratingButtons(caseID string, p i18n.Printer, tokens formatting.Tokens) formatting.Message {
	opts := []struct {
		id     i18n.MsgID
		option int
	}{
		{"escalation.rate_satisfied", kmclient.SessionSatisfied},
		{"escalation.rate_neutral", kmclient.SessionNeutral},
		{"escalation.rate_unsatisfied", kmclient.SessionUnsatisfied},
	}
	bs := make([]formatting.Button, 0, len(opts))
	for _, x := range opts {
		label := p.T(x.id)
		bs = append(bs, formatting.Button{Label: label, Token: tokens(formatting.Action{
			Kind: formatting.ActCaseRate, Case: caseID, Option: x.option, Label: label,
		})})
	}
	return formatting.Message{Blocks: []formatting.Block{&formatting.Buttons{Title: p.T("escalation.rate_prompt"), Items: bs}}}
}

// ratingName is a rating option in words.
func ratingName(option int, p i18n.Printer) string {
	switch option {
	case kmclient.SessionSatisfied:
		return p.T("escalation.rate_satisfied")
	case kmclient.SessionNeutral:
		return p.T("escalation.rate_neutral")
	case kmclient.SessionUnsatisfied:
		return p.T("escalation.rate_unsatisfied")
	}
	return strconv.Itoa(option)
}
