package kmsim

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/kmbridge/kmbridge/kmclient"
)

// session answers KM's "please reinitialize" and returns nil when the session is
// unknown or expired.
func (c *reqCtx) session(id kmclient.ID) *session {
	sess, forced := c.s.liveSession(int64(id), c.now)
	if sess == nil {
		if forced {
			c.fault = "expire"
		}
		c.fail(MsgSessionExpired)
	}
	return sess
}

// robotOK checks the robot and, when channelID is non-nil, the scene.
func (c *reqCtx) robotOK(kb *KB, robotID kmclient.ID, channelID *kmclient.ID) bool {
	if int64(robotID) != kb.robot.ID {
		c.fail(MsgNoRobot)
		return false
	}
	if channelID != nil && int64(*channelID) != kb.robot.ChannelID {
		c.fail(MsgNoScene)
		return false
	}
	return true
}

func (c *reqCtx) initClient() {
	var req kmclient.InitClientRequest
	if !c.decode(&req, "robotId", "channelId") {
		return
	}
	if cu := req.Customer; cu != nil && strings.TrimSpace(cu.ID) != "" {
		// customer.id is a Long (001 seed): Jackson reads a number or a numeric
		// string and refuses anything else, with the whole request.
		if _, err := strconv.ParseInt(strings.TrimSpace(cu.ID), 10, 64); err != nil {
			c.failf(fmtJSONParse, fmt.Sprintf(fmtNotLong, cu.ID))
			return
		}
	}
	s := c.s
	s.kbMu.RLock()
	defer s.kbMu.RUnlock()
	kb := s.kb
	if !c.robotOK(kb, req.RobotID, &req.ChannelID) {
		return
	}
	sess := s.newSession(&req, c.now)
	logID := s.newLogID()
	sess.mu.Lock()
	s.appendLog(sess, logEntry{id: logID, userType: userRobot, content: kb.robot.Welcome, at: c.now, leadingWord: kb.robot.LeadingWord})
	sess.mu.Unlock()
	c.ok(&kmclient.InitClientResponse{
		SessionID:           kmclient.ID(sess.id),
		LogID:               kmclient.ID(logID),
		WelcomeMessage:      kb.robot.Welcome,
		LeadingWord:         kb.robot.LeadingWord,
		CommonQuestionList:  []kmclient.Question{},
		CommonQuestionModel: kb.model(),
	}, nil)
}

// ask is chat and newChat: validation, matching, transcript. It returns nil after
// answering a failure.
func (c *reqCtx) ask(sessionID, robotID kmclient.ID, query, contentType string) *turn {
	if strings.TrimSpace(query) == "" {
		c.fail(MsgEmptyQuestion)
		return nil
	}
	sess := c.session(sessionID)
	if sess == nil {
		return nil
	}
	s := c.s
	s.kbMu.RLock()
	if !c.robotOK(s.kb, robotID, nil) {
		s.kbMu.RUnlock()
		return nil
	}
	t := s.kb.replyTo(query, contentType)
	s.kbMu.RUnlock()
	s.finish(sess, &t, query, c.now)
	return &t
}

func (c *reqCtx) chat() {
	var req kmclient.ChatRequest
	if !c.decode(&req, "sessionId", "robotId") {
		return
	}
	if t := c.ask(req.SessionID, req.RobotID, req.QueryContent, req.ContentType); t != nil {
		c.ok(&t.ans, nil)
	}
}

func (c *reqCtx) newChat() {
	var req kmclient.NewChatRequest
	if !c.decode(&req, "sessionId", "robotId") {
		return
	}
	t := c.ask(req.SessionID, req.RobotID, req.QueryContent, req.ContentType)
	if t == nil {
		return
	}
	if strings.EqualFold(req.ResponseMode, kmclient.ModeStreaming) {
		c.stream(t)
		return
	}
	c.ok(&t.ans, nil)
}

func (c *reqCtx) hit() {
	var req kmclient.HitRequest
	if !c.decode(&req, "sessionId") {
		return
	}
	if req.QueryType != 0 && (req.QueryType < kmclient.QueryFAQ || req.QueryType > kmclient.QuerySmartHint) {
		c.failf(fmtRange, "queryType", "Range")
		return
	}
	if req.QuestionID == 0 && strings.TrimSpace(req.QuestionContent) == "" {
		c.fail(NotNullMessage("questionId"))
		return
	}
	sess := c.session(req.SessionID)
	if sess == nil {
		return
	}
	s := c.s
	s.kbMu.RLock()
	kb := s.kb
	q := kb.questions[int64(req.QuestionID)]
	if q == nil && req.QuestionID == 0 {
		if id, ok := kb.FindQuestion(req.QuestionContent); ok {
			q = kb.questions[id]
		}
	}
	var t turn
	switch p, isProduct := kb.products[int64(req.QuestionID)]; {
	case q != nil:
		t = kb.questionTurn(q, req.ContentType)
	case isProduct && req.HitSource == kmclient.HitProduct:
		t = productTurn(p)
	case req.HitSource == kmclient.HitShortcut && req.QuestionID == 0:
		// "A message from a shortcut entry" (hitSource 1) is a message: answered
		// as the chat would answer its text.
		t = kb.replyTo(req.QuestionContent, req.ContentType)
	default:
		s.kbMu.RUnlock()
		c.fail(MsgNoQuestion)
		return
	}
	s.kbMu.RUnlock()
	userText := req.QuestionContent
	if userText == "" {
		userText = t.ans.HitQuestion
	}
	s.finish(sess, &t, userText, c.now)
	c.ok(&t.ans, nil)
}

func (c *reqCtx) flow() {
	var req kmclient.FlowRequest
	if !c.decode(&req, "sessionId") {
		return
	}
	sess := c.session(req.SessionID)
	if sess == nil {
		return
	}
	s := c.s
	s.kbMu.RLock()
	f := s.kb.nextFlow(int64(req.FlowID), req.FlowContent)
	s.kbMu.RUnlock()
	if f == nil {
		c.fail(MsgNoFlow)
		return
	}
	t := flowTurn(f)
	userText := plainText(req.FlowContent)
	if userText == "" {
		userText = f.title
	}
	s.finish(sess, &t, userText, c.now)
	c.ok(&t.ans, nil)
}

func (c *reqCtx) commonQuestions() {
	var req kmclient.CommonQuestionsRequest
	if !c.decode(&req, "robotId", "channelId", "modelKey") {
		return
	}
	s := c.s
	s.kbMu.RLock()
	defer s.kbMu.RUnlock()
	if !c.robotOK(s.kb, req.RobotID, &req.ChannelID) {
		return
	}
	cats := []kmclient.QuestionCategory{}
	if req.ModelKey == s.kb.robot.ModelKey {
		cats = s.kb.commonCategories()
	}
	c.ok(cats, &paging{PageNum: 1, PageSize: len(cats), Total: len(cats)})
}

func (c *reqCtx) hotQuestions() {
	var req kmclient.HotQuestionsRequest
	if !c.decode(&req, "limitDayNum", "limitResultNum", "robotId") {
		return
	}
	switch {
	case req.LimitDayNum < 1:
		c.failf(fmtRange, "limitDayNum", "Min")
		return
	case req.LimitDayNum > hotDays:
		c.failf(fmtRange, "limitDayNum", "Max")
		return
	case req.LimitResultNum < 1:
		c.failf(fmtRange, "limitResultNum", "Min")
		return
	case req.LimitResultNum > 50:
		c.failf(fmtRange, "limitResultNum", "Max")
		return
	}
	s := c.s
	s.kbMu.RLock()
	defer s.kbMu.RUnlock()
	if !c.robotOK(s.kb, req.RobotID, nil) {
		return
	}
	out := []kmclient.Question{}
	for _, e := range s.hotQuestions(s.kb, req.LimitDayNum, req.LimitResultNum, c.now) {
		item := s.kb.listItem(e.q)
		item.MatchCount = e.count
		out = append(out, item)
	}
	c.ok(out, &paging{PageNum: 1, PageSize: req.LimitResultNum, Total: len(out)})
}

func (c *reqCtx) surveyQuestion() {
	var req kmclient.SurveyQuestionRequest
	if !c.decode(&req, "sessionId", "questionSurveyOptionId") {
		return
	}
	if req.QuestionSurveyOptionID != kmclient.AnswerSatisfied && req.QuestionSurveyOptionID != kmclient.AnswerUnsatisfied {
		c.failf(fmtRange, "questionSurveyOptionId", "Range")
		return
	}
	sess := c.session(req.SessionID)
	if sess == nil {
		return
	}
	sess.mu.Lock()
	logID := int64(req.LogID)
	if logID == 0 {
		logID = sess.lastRobotLog()
	}
	var msg string
	switch _, rated := sess.rated[logID]; {
	case !sess.robotLog[logID]:
		msg = MsgNoRelation
	case rated:
		msg = MsgEvaluated
	default:
		sess.rated[logID] = req.QuestionSurveyOptionID
		if req.QuestionSurveyOptionID == kmclient.AnswerSatisfied {
			sess.stats.useful++
		} else {
			sess.stats.useless++
		}
	}
	sess.mu.Unlock()
	if msg != "" {
		c.fail(msg)
		return
	}
	c.ok(nil, nil)
}

func (c *reqCtx) surveySession() {
	var req kmclient.SurveySessionRequest
	if !c.decode(&req, "sessionId") {
		return
	}
	if req.SessionSurveyOptionID != 0 && (req.SessionSurveyOptionID < kmclient.SessionNotRated || req.SessionSurveyOptionID > kmclient.SessionUnsatisfied) {
		c.failf(fmtRange, "sessionSurveyOptionId", "Range")
		return
	}
	sess := c.session(req.SessionID)
	if sess == nil {
		return
	}
	sess.mu.Lock()
	if req.SessionSurveyOptionID != 0 {
		sess.survey = req.SessionSurveyOptionID
	}
	sess.comment = req.SurveyContent
	sess.mu.Unlock()
	s := c.s
	s.kbMu.RLock()
	sv := s.kb.survey
	s.kbMu.RUnlock()
	if req.SessionSurveyOptionID == kmclient.SessionUnsatisfied && sv.unsatisfiedType != 0 {
		c.ok(&kmclient.SurveySessionResult{SwitchStaffType: sv.unsatisfiedType, SwitchStaffTips: sv.unsatisfiedTips}, nil)
		return
	}
	c.ok(nil, nil)
}

func (c *reqCtx) assist() {
	var req kmclient.AssistRequest
	if !c.decode(&req, "robotId", "channelId") {
		return
	}
	s := c.s
	s.kbMu.RLock()
	if !c.robotOK(s.kb, req.RobotID, &req.ChannelID) {
		s.kbMu.RUnlock()
		return
	}
	if strings.TrimSpace(req.QueryContent) == "" {
		s.kbMu.RUnlock()
		c.fail(MsgEmptyQuestion)
		return
	}
	t := s.kb.replyTo(req.QueryContent, "")
	s.kbMu.RUnlock()
	t.ans.LogID = kmclient.ID(s.newLogID())
	t.ans.RestrictionState = s.interact()
	t.ans.SwitchStaffTips = t.ans.SwitchStaffAnswer
	c.ok(&t.ans, nil)
}

func (c *reqCtx) smartHint() {
	var req kmclient.SmartHintRequest
	if !c.decode(&req, "sessionId") {
		return
	}
	if c.session(req.SessionID) == nil {
		return
	}
	s := c.s
	s.kbMu.RLock()
	out := kmclient.SmartHintResult{SmartTipList: []kmclient.Question{}}
	for _, q := range s.kb.hints(req.Keyword, 10) {
		out.SmartTipList = append(out.SmartTipList, s.kb.listItem(q))
	}
	s.kbMu.RUnlock()
	c.ok(&out, nil)
}

func (c *reqCtx) switchStaff() {
	id, ok := c.intParam(0)
	if !ok {
		return
	}
	sess := c.session(kmclient.ID(id))
	if sess == nil {
		return
	}
	sess.mu.Lock()
	sess.switched = true
	sess.mu.Unlock()
	c.ok(nil, nil)
}

// intParam parses path parameter i as KM's Spring controllers do.
func (c *reqCtx) intParam(i int) (int64, bool) {
	v := c.params[i]
	n, err := strconv.ParseInt(v, 10, 32)
	if err != nil {
		c.fail(fmt.Sprintf(fmtIntConvert, v))
		return 0, false
	}
	return n, true
}

// nextFlow is where a /v1/flow call leads; the caller holds kbMu. flowID is the
// flow the click came from (the answer's flowId). A flowContent holding one of
// that flow's clickable elements leads to the flow the element names (data-type
// flow/2); a flowContent that reads as one of its choices (a task button's name)
// leads to that choice's flow; anything else shows the flow again. nil when the
// flow does not exist, or the element is not one of the flow's.
func (kb *KB) nextFlow(flowID int64, flowContent string) *flow {
	f := kb.flows[flowID]
	if f == nil {
		return nil
	}
	if cl := clickables(flowContent); len(cl) > 0 {
		if !slices.ContainsFunc(clickables(f.content), func(x clickable) bool { return x.id == cl[0].id && x.kind == cl[0].kind }) {
			return nil
		}
		if id, err := strconv.ParseInt(cl[0].id, 10, 64); err == nil && cl[0].kind == "flow" {
			return kb.flows[id]
		}
		return f
	}
	if next, ok := f.choices[normalize(plainText(flowContent))]; ok {
		return kb.flows[next]
	}
	return f
}
