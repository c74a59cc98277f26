package kmsim

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kmbridge/kmbridge/kmclient"
)

// Wire types of the knowledge-admin endpoints (kmclient has none yet), with the
// seeds' field names.

type adminQuestion struct {
	ID                int64          `json:"id"`
	RobotID           int64          `json:"robotId"`
	CategoryID        int64          `json:"categoryId"`
	Content           string         `json:"content"`
	Type              int            `json:"type"`
	Keyword           string         `json:"keyword"`
	SuggestType       int            `json:"suggestType"`
	AvailableTimeType int            `json:"availableTimeType"`
	StartTime         *string        `json:"startTime"`
	EndTime           *string        `json:"endTime"`
	CreateTime        string         `json:"createTime"`
	UpdateTime        string         `json:"updateTime"`
	NeedLearnCount    *int           `json:"needLearnCount,omitempty"`
	Answer            *adminAnswer   `json:"answer,omitempty"`
	SuggestList       []adminSuggest `json:"suggestList"`
	ChannelList       []adminChannel `json:"channelList,omitempty"`
}

type adminAnswer struct {
	ID             int64                 `json:"id"`
	Content        string                `json:"content"`
	Type           int                   `json:"type"`
	AttachmentList []kmclient.Attachment `json:"attachmentList,omitempty"`
}

type adminSuggest struct {
	ID      int64  `json:"id"`
	Content string `json:"content"`
	Type    int    `json:"type,omitempty"`
	Orders  int    `json:"orders,omitempty"`
}

type adminChannel struct {
	ID          int64  `json:"id"`
	RobotID     int64  `json:"robotId"`
	Name        string `json:"name"`
	Description string `json:"description"`
	Type        int    `json:"type"`
}

type adminModel struct {
	ID          int64  `json:"id"`
	RobotID     int64  `json:"robotId"`
	Name        string `json:"name"`
	Description string `json:"description"`
	ModelKey    string `json:"modelKey"`
}

type similarItem struct {
	ID      int64  `json:"id"`
	Content string `json:"content"`
}

type idRef struct {
	ID kmclient.ID `json:"id"`
}

type answerIn struct {
	ID             kmclient.ID           `json:"id"`
	Content        string                `json:"content"`
	Type           int                   `json:"type"`
	AttachmentList []kmclient.Attachment `json:"attachmentList"`
}

type questionIn struct {
	ID                  kmclient.ID `json:"id"`
	RobotID             kmclient.ID `json:"robotId"`
	CategoryID          kmclient.ID `json:"categoryId"`
	Content             string      `json:"content"`
	Type                int         `json:"type"`
	Answer              *answerIn   `json:"answer"`
	AnswerUpdateRequest *answerIn   `json:"answerUpdateRequest"`
	ChannelList         []idRef     `json:"channelList"`
	SimpleChannelList   []idRef     `json:"simpleChannelList"`
	AvailableTimeType   *int        `json:"availableTimeType"`
	StartTime           *string     `json:"startTime"`
	EndTime             *string     `json:"endTime"`
	Keyword             string      `json:"keyword"`
	SuggestType         int         `json:"suggestType"`
	SuggestsList        []idRef     `json:"suggestsList"`
	IsSwitchStaff       *int        `json:"isSwitchStaff"`
}

type searchIn struct {
	PageNum       int           `json:"pageNum"`
	PageSize      int           `json:"pageSize"`
	RobotID       kmclient.ID   `json:"robotId"`
	CategoryID    kmclient.ID   `json:"categoryId"`
	SearchWord    string        `json:"searchWord"`
	SearchType    int           `json:"searchType"`
	Type          int           `json:"type"`
	Order         int           `json:"order"`
	IsWorking     int           `json:"isWorking"`
	ChannelIDList []kmclient.ID `json:"channelIdList"`
}

func (c *reqCtx) fmtTime(t time.Time) string {
	return t.In(c.s.opts.Location).Format("2006-01-02 15:04:05")
}

// adminView renders a question for the admin API; detail adds what GET
// /v1/questions/:id shows (attachments, suggestion types, scenes).
func (c *reqCtx) adminView(kb *KB, q *question, detail bool) adminQuestion {
	v := adminQuestion{
		ID: q.id, RobotID: kb.robot.ID, CategoryID: q.categoryID, Content: q.content, Type: q.qtype,
		Keyword: strings.Join(q.keywords, ","), SuggestType: suggestType(q), AvailableTimeType: q.availType,
		CreateTime: c.fmtTime(q.created), UpdateTime: c.fmtTime(q.updated),
	}
	if q.startTime != "" {
		v.StartTime = &q.startTime
	}
	if q.endTime != "" {
		v.EndTime = &q.endTime
	}
	if a := q.answer; a != nil {
		v.Answer = &adminAnswer{ID: a.id, Content: a.listContent(), Type: answerTypeCode(a.msgType)}
		if f := kb.flows[q.flowID]; f != nil {
			v.Answer.Content = f.content
		}
		if detail {
			v.Answer.AttachmentList = append([]kmclient.Attachment{}, a.attachments...)
		}
	}
	for i, id := range q.suggest {
		if sq := kb.questions[id]; sq != nil {
			s := adminSuggest{ID: sq.id, Content: sq.content}
			if detail {
				s.Type, s.Orders = sq.qtype, i+1
			}
			v.SuggestList = append(v.SuggestList, s)
		}
	}
	if detail {
		v.ChannelList = []adminChannel{kb.channel()}
	}
	return v
}

func suggestType(q *question) int {
	if len(q.suggest) > 0 {
		return 3 // manual recommendation
	}
	return 1 // closed
}

func (kb *KB) channel() adminChannel {
	return adminChannel{ID: kb.robot.ChannelID, RobotID: kb.robot.ID, Name: kb.robot.ChannelName, Description: kb.robot.ChannelName, Type: 1}
}

// queryInt reads an optional integer query parameter.
func (c *reqCtx) queryInt(name string, def int) (int, bool) {
	v := c.r.URL.Query().Get(name)
	if v == "" {
		return def, true
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		c.failf(fmtIntConvert, v)
		return 0, false
	}
	return n, true
}

func page[T any](items []T, num, size int) []T {
	from := (num - 1) * size
	if from >= len(items) || from < 0 {
		return []T{}
	}
	return items[from:min(from+size, len(items))]
}

func (c *reqCtx) commonQuestionModels() {
	id, ok := c.intParam(0)
	if !ok {
		return
	}
	num, ok1 := c.queryInt("pageNum", 1)
	size, ok2 := c.queryInt("pageSize", 20)
	st, ok3 := c.queryInt("searchType", 1)
	if !ok1 || !ok2 || !ok3 {
		return
	}
	num, size = max(num, 1), max(size, 1)
	s := c.s
	s.kbMu.RLock()
	defer s.kbMu.RUnlock()
	kb := s.kb
	if id != kb.robot.ID {
		c.fail(MsgNoRobot)
		return
	}
	models := []adminModel{{ID: kb.robot.ModelID, RobotID: kb.robot.ID, Name: kb.robot.ModelName, Description: kb.robot.ModelDescription, ModelKey: kb.robot.ModelKey}}
	if w := strings.ToLower(c.r.URL.Query().Get("searchWord")); w != "" {
		field := strings.ToLower(models[0].Name)
		if st == 2 {
			field = strings.ToLower(models[0].ModelKey)
		}
		if !strings.Contains(field, w) {
			models = models[:0]
		}
	}
	c.ok(page(models, num, size), &paging{PageNum: num, PageSize: size, Total: len(models)})
}

func (c *reqCtx) searchQuestions() {
	var req searchIn
	if !c.decode(&req, "robotId") {
		return
	}
	num, size := req.PageNum, req.PageSize
	if num <= 0 {
		num = 1
	}
	if size <= 0 {
		size = 20
	}
	s := c.s
	s.kbMu.RLock()
	defer s.kbMu.RUnlock()
	kb := s.kb
	if int64(req.RobotID) != kb.robot.ID {
		c.fail(MsgNoRobot)
		return
	}
	if len(req.ChannelIDList) > 0 && !slices.Contains(req.ChannelIDList, kmclient.ID(kb.robot.ChannelID)) {
		c.ok([]adminQuestion{}, &paging{PageNum: num, PageSize: size})
		return
	}
	word := normalize(req.SearchWord)
	var found []*question
	for _, id := range kb.order {
		q := kb.questions[id]
		switch {
		case req.CategoryID != 0 && q.categoryID != int64(req.CategoryID):
			continue
		case req.Type != 0 && q.qtype != req.Type:
			continue
		case req.IsWorking == 2 && q.availType == 0, req.IsWorking == 3 && q.availType != 0:
			continue
		case word != "" && !searchHit(kb, q, word, req.SearchType):
			continue
		}
		found = append(found, q)
	}
	slices.SortStableFunc(found, func(a, b *question) int {
		if req.Order == 2 {
			return b.updated.Compare(a.updated)
		}
		return a.updated.Compare(b.updated)
	})
	views := make([]adminQuestion, 0, len(found))
	for _, q := range page(found, num, size) {
		views = append(views, c.adminView(kb, q, false))
	}
	c.ok(views, &paging{PageNum: num, PageSize: size, Total: len(found)})
}

// searchHit applies searchType: 1 question and similar phrasings, 2 the standard
// question only, 3 the answer (default), 4 all of them.
func searchHit(kb *KB, q *question, word string, searchType int) bool {
	inQuestion := strings.Contains(q.phrases[0].norm, word)
	inSimilar := false
	for _, p := range q.phrases[1:] {
		inSimilar = inSimilar || strings.Contains(p.norm, word)
	}
	inAnswer := false
	if q.answer != nil {
		text := q.answer.logText()
		if f := kb.flows[q.flowID]; f != nil {
			text = f.plain
		}
		inAnswer = strings.Contains(normalize(text), word)
	}
	switch searchType {
	case 1:
		return inQuestion || inSimilar
	case 2:
		return inQuestion
	case 4:
		return inQuestion || inSimilar || inAnswer
	}
	return inAnswer
}

func (a *answer) logText() string {
	return part{msgType: a.msgType, text: a.text, object: a.object, plain: a.plain}.logText()
}

func (c *reqCtx) getQuestion() {
	id, ok := c.intParam(0)
	if !ok {
		return
	}
	s := c.s
	s.kbMu.RLock()
	defer s.kbMu.RUnlock()
	q := s.kb.questions[id]
	if q == nil {
		c.fail(MsgNoQuestion)
		return
	}
	v := c.adminView(s.kb, q, true)
	c.ok(&v, nil)
}

// answerFromAdmin builds an answer from the admin API's answer object: type 1 plain,
// 2 rich (default), 3 voice, 4 link, 5 image; 3–5 carry a URL.
func answerFromAdmin(in *answerIn, id int64, keep *answer) (*answer, string) {
	a := &answer{id: id, ansType: kmclient.AnsTypeAnswer, enableAppraise: true, attachments: in.AttachmentList}
	if keep != nil {
		a.enableAppraise, a.switchStaffType, a.switchStaffAnswer = keep.enableAppraise, keep.switchStaffType, keep.switchStaffAnswer
		if in.AttachmentList == nil {
			a.attachments = keep.attachments
		}
	}
	text := strings.TrimSpace(in.Content)
	switch in.Type {
	case 0:
		if keep != nil && in.Content == keep.listContent() {
			kept := *keep
			kept.attachments = a.attachments
			return &kept, ""
		}
		if keep != nil && keep.object == nil {
			a.msgType = keep.msgType
		} else {
			a.msgType = kmclient.MsgRich
		}
	case 1:
		a.msgType = kmclient.MsgPlain
	case 2:
		a.msgType = kmclient.MsgRich
	case 3:
		a.msgType = kmclient.MsgAudio
	case 4:
		a.msgType = kmclient.MsgLink
	case 5:
		a.msgType = kmclient.MsgImage
	default:
		return nil, fmt.Sprintf(fmtRange, "answer.type", "Range")
	}
	if a.msgType == kmclient.MsgLink {
		obj, err := kmclient.ObjectContent(kmclient.Link{Title: text, AnswerURL: text})
		if err != nil {
			return nil, fmt.Sprintf(fmtRange, "answer.content", "Pattern")
		}
		a.object = obj.Raw()
		return a, ""
	}
	a.text, a.plain = text, contentText(a.msgType, text, "")
	return a, ""
}

// checkQuestion validates a created or edited question; it returns KM's message.
func checkQuestion(kb *KB, req *questionIn, channels []idRef, ans *answerIn, self int64) string {
	switch {
	case len(channels) == 0:
		return MsgChannelEmpty
	case kb.category(int64(req.CategoryID)) == nil:
		return MsgCategoryNotOurs
	case strings.TrimSpace(ans.Content) == "":
		return MsgAnswerEmpty
	case strings.TrimSpace(req.Content) == "", utf8.RuneCountInString(req.Content) > maxContentRunes:
		return fmt.Sprintf(fmtRange, "content", "Size")
	case req.Type != 0 && req.Type != qtypeNormal && req.Type != qtypeChat:
		return fmt.Sprintf(fmtRange, "type", "Range")
	case req.AvailableTimeType != nil && *req.AvailableTimeType >= 2 && (req.StartTime == nil || *req.StartTime == ""):
		return MsgStartTimeEmpty
	}
	for _, ch := range channels {
		if int64(ch.ID) != kb.robot.ChannelID {
			return fmt.Sprintf(fmtSceneMissing, ch.ID)
		}
	}
	if owner, dup := kb.owner(req.Content); dup && owner != self {
		return fmt.Sprintf(fmtDuplicate, owner)
	}
	return ""
}

// owner returns the question that has text as its content or a similar phrasing.
func (kb *KB) owner(text string) (int64, bool) { return kb.FindQuestion(text) }

// fill sets the editable fields of q from an admin request.
func fill(q *question, req *questionIn, now time.Time) {
	q.categoryID = int64(req.CategoryID)
	q.content = strings.TrimSpace(req.Content)
	if req.Type == qtypeChat {
		q.qtype = qtypeChat
	} else if q.qtype != qtypeFlow {
		q.qtype = qtypeNormal
	}
	if req.AvailableTimeType != nil {
		q.availType = *req.AvailableTimeType
	}
	q.startTime, q.endTime = deref(req.StartTime), deref(req.EndTime)
	if req.Keyword != "" || q.keywords != nil {
		q.keywords = nil
		for _, k := range strings.FieldsFunc(req.Keyword, func(r rune) bool { return r == ',' || r == '，' }) {
			if k = strings.TrimSpace(k); k != "" {
				q.keywords = append(q.keywords, k)
			}
		}
	}
	if req.SuggestsList != nil || req.SuggestType == 1 {
		q.suggest = nil
		for _, s := range req.SuggestsList {
			if int64(s.ID) != q.id {
				q.suggest = append(q.suggest, int64(s.ID))
			}
		}
	}
	q.updated = now
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func (c *reqCtx) createQuestion() {
	var req questionIn
	if !c.decode(&req, "robotId", "categoryId", "content", "type", "answer", "suggestType") {
		return
	}
	s := c.s
	s.kbMu.Lock()
	defer s.kbMu.Unlock()
	kb := s.kb
	if int64(req.RobotID) != kb.robot.ID {
		c.fail(MsgNoRobot)
		return
	}
	if msg := checkQuestion(kb, &req, req.ChannelList, req.Answer, 0); msg != "" {
		c.fail(msg)
		return
	}
	if len(kb.questions) >= kb.maxQ {
		c.fail(MsgKBFull)
		return
	}
	a, msg := answerFromAdmin(req.Answer, kb.nextAnswerID, nil)
	if msg != "" {
		c.fail(msg)
		return
	}
	if req.IsSwitchStaff != nil && *req.IsSwitchStaff == 1 {
		a.switchStaffType = kmclient.SwitchStaffRecommend
	}
	kb.nextAnswerID++
	q := &question{id: kb.nextQuestionID, answer: a, created: c.now, availType: 1}
	kb.nextQuestionID++
	fill(q, &req, c.now)
	q.index()
	kb.questions[q.id] = q
	kb.order = append(kb.order, q.id)
	cat := kb.category(q.categoryID)
	cat.qids = append(cat.qids, q.id)
	v := c.adminView(kb, q, true)
	c.ok(&v, nil)
}

func (c *reqCtx) updateQuestion() {
	id, ok := c.intParam(0)
	if !ok {
		return
	}
	var req questionIn
	if !c.decode(&req, "categoryId", "content", "answerUpdateRequest", "simpleChannelList") {
		return
	}
	s := c.s
	s.kbMu.Lock()
	defer s.kbMu.Unlock()
	kb := s.kb
	old := kb.questions[id]
	if old == nil {
		c.fail(MsgNoQuestion)
		return
	}
	if msg := checkQuestion(kb, &req, req.SimpleChannelList, req.AnswerUpdateRequest, id); msg != "" {
		c.fail(msg)
		return
	}
	q := old.copy()
	a, msg := answerFromAdmin(req.AnswerUpdateRequest, old.answer.id, old.answer)
	if msg != "" {
		c.fail(msg)
		return
	}
	if q.flowID != 0 && a != old.answer {
		q.flowID, q.qtype = 0, qtypeNormal // an edited answer replaces the flow
	}
	q.answer = a
	if req.IsSwitchStaff != nil {
		a.switchStaffType = 0
		if *req.IsSwitchStaff == 1 {
			a.switchStaffType = kmclient.SwitchStaffRecommend
		}
	}
	fill(q, &req, c.now)
	q.index()
	kb.questions[id] = q
	if q.categoryID != old.categoryID {
		if from := kb.category(old.categoryID); from != nil {
			from.qids = slices.DeleteFunc(from.qids, func(x int64) bool { return x == id })
		}
		to := kb.category(q.categoryID)
		to.qids = append(to.qids, id)
	}
	c.ok(nil, nil)
}

func (c *reqCtx) deleteQuestion() {
	id, ok := c.intParam(0)
	if !ok {
		return
	}
	s := c.s
	s.kbMu.Lock()
	defer s.kbMu.Unlock()
	kb := s.kb
	q := kb.questions[id]
	if q == nil {
		c.fail(MsgNoQuestion)
		return
	}
	delete(kb.questions, id)
	kb.order = slices.DeleteFunc(kb.order, func(x int64) bool { return x == id })
	if cat := kb.category(q.categoryID); cat != nil {
		cat.qids = slices.DeleteFunc(cat.qids, func(x int64) bool { return x == id })
	}
	for qid, other := range kb.questions {
		if slices.Contains(other.suggest, id) {
			n := other.copy()
			n.suggest = slices.DeleteFunc(n.suggest, func(x int64) bool { return x == id })
			kb.questions[qid] = n
		}
	}
	c.noContent()
}

// copy returns a question that can be changed without touching q.
func (q *question) copy() *question {
	n := *q
	n.similar = slices.Clone(q.similar)
	n.keywords = slices.Clone(q.keywords)
	n.suggest = slices.Clone(q.suggest)
	return &n
}

func (c *reqCtx) listSimilar() {
	id, ok := c.intParam(0)
	if !ok {
		return
	}
	num, ok1 := c.queryInt("pageNum", 1)
	size, ok2 := c.queryInt("pageSize", 10)
	if !ok1 || !ok2 {
		return
	}
	num, size = max(num, 1), max(size, 1)
	s := c.s
	s.kbMu.RLock()
	defer s.kbMu.RUnlock()
	q := s.kb.questions[id]
	if q == nil {
		c.fail(MsgNoQuestion)
		return
	}
	items := make([]similarItem, 0, len(q.similar))
	for _, sm := range q.similar {
		items = append(items, similarItem{ID: sm.id, Content: sm.content})
	}
	c.ok(page(items, num, size), &paging{PageNum: num, PageSize: size, Total: len(items)})
}

type similarIn struct {
	ID      kmclient.ID `json:"id"`
	Content string      `json:"content"`
}

// similarOK validates similar question text; it returns KM's message.
func similarOK(kb *KB, text string, self int64) string {
	if strings.TrimSpace(text) == "" || utf8.RuneCountInString(text) > maxContentRunes {
		return MsgSimilarInvalid
	}
	if owner, dup := kb.owner(text); dup && owner != self {
		return fmt.Sprintf(fmtDuplicate, owner)
	}
	return ""
}

func (c *reqCtx) addSimilar() {
	id, ok := c.intParam(0)
	if !ok {
		return
	}
	var req similarIn
	if !c.decode(&req, "content") {
		return
	}
	s := c.s
	s.kbMu.Lock()
	defer s.kbMu.Unlock()
	kb := s.kb
	old := kb.questions[id]
	if old == nil {
		c.fail(MsgNoQuestion)
		return
	}
	if msg := similarOK(kb, req.Content, -1); msg != "" {
		c.fail(msg)
		return
	}
	q := old.copy()
	item := similarQ{id: kb.nextSimilarID, content: strings.TrimSpace(req.Content)}
	kb.nextSimilarID++
	q.similar = append(q.similar, item)
	q.updated = c.now
	q.index()
	kb.questions[id] = q
	c.ok(&similarItem{ID: item.id, Content: item.content}, nil)
}

func (c *reqCtx) editSimilar() {
	id, ok := c.intParam(0)
	if !ok {
		return
	}
	var req similarIn
	if !c.decode(&req, "id", "content") {
		return
	}
	s := c.s
	s.kbMu.Lock()
	defer s.kbMu.Unlock()
	kb := s.kb
	old := kb.questions[id]
	if old == nil {
		c.fail(MsgNoQuestion)
		return
	}
	i := slices.IndexFunc(old.similar, func(sm similarQ) bool { return sm.id == int64(req.ID) })
	if i < 0 {
		c.fail(MsgNoQuestion)
		return
	}
	if msg := similarOK(kb, req.Content, id); msg != "" {
		c.fail(msg)
		return
	}
	q := old.copy()
	q.similar[i].content = strings.TrimSpace(req.Content)
	q.updated = c.now
	q.index()
	kb.questions[id] = q
	c.ok(&similarItem{ID: q.similar[i].id, Content: q.similar[i].content}, nil)
}

func (c *reqCtx) deleteSimilar() {
	id, ok := c.intParam(0)
	if !ok {
		return
	}
	qs := c.r.URL.Query()
	v := cmp.Or(qs.Get("similarId"), qs.Get("similar"))
	if v == "" {
		c.failf(fmtMissingParam, "similarId")
		return
	}
	sid, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		c.failf(fmtIntConvert, v)
		return
	}
	s := c.s
	s.kbMu.Lock()
	defer s.kbMu.Unlock()
	kb := s.kb
	old := kb.questions[id]
	if old == nil || !slices.ContainsFunc(old.similar, func(sm similarQ) bool { return sm.id == sid }) {
		c.fail(MsgNoQuestion)
		return
	}
	q := old.copy()
	q.similar = slices.DeleteFunc(q.similar, func(sm similarQ) bool { return sm.id == sid })
	q.updated = c.now
	q.index()
	kb.questions[id] = q
	c.ok(nil, nil)
}
