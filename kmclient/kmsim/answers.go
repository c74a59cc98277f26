package kmsim

import (
	"html"
	"strings"
	"time"

	"github.com/kmbridge/kmbridge/kmclient"
)

// turn is one robot reply being built.
type turn struct {
	ans        kmclient.Answer
	q          *question // the question answered, if any (hot counts)
	logText    string    // what the transcript records
	streamText string    // what streaming sends as text chunks ("" for structured content)
	suggested  []*question
}

// replyTo builds the robot's reply to the user's words; the caller holds kbMu.
func (kb *KB) replyTo(query, contentType string) turn {
	m := kb.match(query)
	switch m.kind {
	case matchSensitive:
		return kb.cannedTurn(kmclient.AnsTypeSensitive, kb.sensitive)
	case matchTransfer:
		return kb.cannedTurn(kmclient.AnsTypeTransferToHuman, kb.transfer)
	case matchGreeting:
		return kb.cannedTurn(kmclient.AnsTypeGreeting, kb.greeting)
	case matchAnswer:
		return kb.questionTurn(m.q, contentType)
	case matchSuggest:
		t := kb.cannedTurn(kmclient.AnsTypeSuggestions, canned{reply: kb.matching.suggestPrompt})
		t.suggested = m.suggestions
		for _, q := range m.suggestions {
			t.ans.SuggestQuestionList = append(t.ans.SuggestQuestionList, kb.listItem(q))
		}
		return t
	}
	return kb.cannedTurn(kmclient.AnsTypeUnknown, canned{reply: kb.unknown})
}

func (kb *KB) cannedTurn(ansType int, c canned) turn {
	return turn{
		ans: kmclient.Answer{
			AnsType:             ansType,
			MsgType:             kmclient.MsgPlain,
			AnsContent:          strContent(c.reply),
			SwitchStaffType:     c.switchStaffType,
			SwitchStaffAnswer:   c.switchStaffAnswer,
			SuggestQuestionList: []kmclient.Question{},
			AttachmentList:      []kmclient.Attachment{},
		},
		logText:    c.reply,
		streamText: c.reply,
	}
}

// questionTurn is the answer of a question: its content by msgType, or its flow;
// suggestions, attachments, switch-to-human and multipleMessage as configured.
func (kb *KB) questionTurn(q *question, contentType string) turn {
	a := q.answer
	t := turn{q: q, ans: kmclient.Answer{
		AnsType:             a.ansType,
		EnableAppraise:      a.enableAppraise,
		HitQuestion:         q.content,
		AID:                 kmclient.ID(a.id),
		SwitchStaffType:     a.switchStaffType,
		SwitchStaffAnswer:   a.switchStaffAnswer,
		Msgbox:              a.msgbox,
		SuggestQuestionList: []kmclient.Question{},
		AttachmentList:      append([]kmclient.Attachment{}, a.attachments...),
	}}
	for _, id := range q.suggest {
		if sq := kb.questions[id]; sq != nil {
			t.ans.SuggestQuestionList = append(t.ans.SuggestQuestionList, kb.listItem(sq))
		}
	}
	if f := kb.flows[q.flowID]; f != nil {
		t.ans.MsgType = kmclient.MsgRich
		t.ans.AnsContent = strContent("")
		t.ans.FlowID, t.ans.FlowTitle, t.ans.FlowContent = kmclient.ID(f.id), f.title, f.content
		t.logText, t.streamText = f.plain, f.plain
		return t
	}
	p := part{msgType: a.msgType, text: a.text, object: a.object, plain: a.plain}
	t.ans.MsgType, t.ans.AnsContent = p.encode(a.asString, contentType)
	t.logText = p.logText()
	if p.object == nil {
		t.streamText = p.plain
	}
	if len(a.multiple) > 0 {
		t.ans.MultipleMessageFlag = 1
		var logs []string
		for _, m := range a.multiple {
			mt, c := m.encode(a.asString, contentType)
			t.ans.MultipleMessage = append(t.ans.MultipleMessage, kmclient.MultiMessage{MessageType: mt, Message: c, AID: kmclient.ID(a.id)})
			logs = append(logs, m.logText())
		}
		t.logText = strings.Join(logs, "\n")
	}
	return t
}

// encode returns the msgType and ansContent of a part. Structured content is an
// object, or a JSON-encoded string of one when asString; contentType "text" turns
// rich HTML into plain text.
func (p part) encode(asString bool, contentType string) (string, kmclient.AnsContent) {
	switch {
	case p.object != nil && asString:
		return p.msgType, strContent(string(p.object))
	case p.object != nil:
		return p.msgType, kmclient.NewAnsContent(p.object)
	case p.msgType == kmclient.MsgRich && strings.EqualFold(contentType, "text"):
		return kmclient.MsgPlain, strContent(p.plain)
	}
	return p.msgType, strContent(p.text)
}

func (p part) logText() string {
	if p.object != nil {
		return string(p.object)
	}
	return p.plain
}

// productTurn answers a click on a product of a product list (hitSource 3).
func productTurn(p product) turn {
	var b strings.Builder
	b.WriteString("<p><strong>" + html.EscapeString(p.name) + "</strong></p>")
	if len(p.info) > 0 {
		b.WriteString("<ul>")
		for _, i := range p.info {
			b.WriteString("<li>" + html.EscapeString(i) + "</li>")
		}
		b.WriteString("</ul>")
	}
	if p.url != "" {
		b.WriteString(`<p><a href="` + html.EscapeString(p.url) + `">Order ` + html.EscapeString(p.name) + `</a></p>`)
	}
	text := b.String()
	return turn{
		ans: kmclient.Answer{
			AnsType:             kmclient.AnsTypeAnswer,
			MsgType:             kmclient.MsgRich,
			AnsContent:          strContent(text),
			HitQuestion:         p.name,
			EnableAppraise:      true,
			SuggestQuestionList: []kmclient.Question{},
			AttachmentList:      []kmclient.Attachment{},
		},
		logText:    plainText(text),
		streamText: plainText(text),
	}
}

// flowTurn is the answer of /v1/flow: the flow's title and HTML.
func flowTurn(f *flow) turn {
	return turn{
		ans: kmclient.Answer{
			FlowID:              kmclient.ID(f.id),
			FlowTitle:           f.title,
			FlowContent:         f.content,
			SuggestQuestionList: []kmclient.Question{},
		},
		logText:    f.plain,
		streamText: f.plain,
	}
}

// listItem is a question as KM lists it (suggestions, FAQ, hot questions, hints).
func (kb *KB) listItem(q *question) kmclient.Question {
	item := kmclient.Question{ID: kmclient.ID(q.id), Content: kmclient.Text(q.content), Type: q.qtype}
	if a := q.answer; a != nil {
		content := a.listContent()
		if f := kb.flows[q.flowID]; f != nil {
			content = f.content
		}
		item.Answer = &kmclient.QuestionAnswer{
			ID: kmclient.ID(a.id), QuestionID: kmclient.ID(q.id),
			Content: content, Type: answerTypeCode(a.msgType),
		}
	}
	return item
}

// categories are the FAQ categories KM lists, hidden ones left out.
func (kb *KB) commonCategories() []kmclient.QuestionCategory {
	out := []kmclient.QuestionCategory{}
	for _, c := range kb.categories {
		if c.hidden {
			continue
		}
		qc := kmclient.QuestionCategory{ID: kmclient.ID(c.id), ModelID: kmclient.ID(kb.robot.ModelID), Name: c.name, Sorts: c.sorts, QuestionList: []kmclient.Question{}}
		for _, id := range c.qids {
			if q := kb.questions[id]; q != nil {
				qc.QuestionList = append(qc.QuestionList, kb.listItem(q))
			}
		}
		out = append(out, qc)
	}
	return out
}

func (kb *KB) model() *kmclient.CommonQuestionModel {
	r := kb.robot
	return &kmclient.CommonQuestionModel{
		ID: kmclient.ID(r.ModelID), RobotID: kmclient.ID(r.ID), Name: r.ModelName,
		ChannelID: kmclient.ID(r.ChannelID), Description: r.ModelDescription, ModelKey: r.ModelKey,
		CommonQuestionCategoryList: kb.commonCategories(),
		ShortcutEntryList:          append([]kmclient.ShortcutEntry{}, kb.shortcuts...),
	}
}

// interact counts one interaction against the quota and returns the state.
func (s *Sim) interact() *kmclient.RestrictionState {
	used := s.quotaUsed.Add(1)
	total := s.quotaTotal.Load()
	st := &kmclient.RestrictionState{UsedCount: int(used), TotalCount: int(total)}
	if used > total {
		st.ExceededFlag = 1
	}
	return st
}

// finish gives the turn its ids and quota state and writes it to the session's
// transcript and statistics.
func (s *Sim) finish(sess *session, t *turn, userText string, now time.Time) {
	userLog := s.newLogID()
	t.ans.SessionID = kmclient.ID(sess.id)
	t.ans.LogID = kmclient.ID(s.newLogID())
	t.ans.RestrictionState = s.interact()
	sess.mu.Lock()
	s.appendLog(sess, logEntry{id: userLog, userType: userUser, content: userText, at: now, source: 1, queryResult: t.ans.AnsType})
	s.appendLog(sess, logEntry{id: int64(t.ans.LogID), userType: userRobot, content: t.logText, at: now, suggestions: t.suggested})
	sess.countAnswer(t.ans.AnsType)
	sess.mu.Unlock()
	if t.q != nil && t.ans.AnsType == kmclient.AnsTypeAnswer {
		s.hot.add(t.q.id, now)
	}
}
