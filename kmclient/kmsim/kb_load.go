package kmsim

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kmbridge/kmbridge/kmclient"
	"gopkg.in/yaml.v3"
)

// Defaults of a knowledge base, the seeds' own texts where they give one.
const (
	defaultUnknownReply  = "Your questions inspire me to keep learning and improving. I look forward to providing you with better service next time."
	defaultWelcome       = "Hello, I'm glad to serve you!"
	defaultLeadingWord   = "Frequently Asked Questions (FAQs)"
	defaultModelName     = "Default frequently asked questions"
	defaultModelDesc     = "Common questions"
	defaultSuggestPrompt = "Do you mean…"
	defaultSensitive     = "Please keep our conversation respectful."
	defaultTransfer      = "Transferring you to a human agent, please wait…"
	defaultGreeting      = "Hello! How can I help you?"
	maxErrors            = 20
	maxContentRunes      = 200 // KM's limit on question and similar question text
	firstAutoAnswerID    = 4000
	firstAutoSimilarID   = 78000
)

// kbEpoch is the creation time of questions loaded from YAML: fixed, so answers and
// golden files are deterministic.
func kbEpoch() time.Time { return time.Date(2024, 1, 2, 9, 0, 0, 0, time.UTC) }

// LoadKB reads a knowledge base from YAML (see sample.yaml for every key). Errors
// name the line and the entry (question id, flow id, …) at fault; up to 20 problems
// are reported at once.
func LoadKB(r io.Reader) (*KB, error) {
	var y yamlKB
	if err := yaml.NewDecoder(r).Decode(&y); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("kmsim: kb: the YAML document is empty")
		}
		return nil, fmt.Errorf("kmsim: kb: %w", err)
	}
	b := &kbBuilder{kb: &KB{
		questions: map[int64]*question{},
		flows:     map[int64]*flow{},
		products:  map[int64]product{},
	}}
	b.build(&y)
	if len(b.errs) > 0 {
		return nil, fmt.Errorf("kmsim: kb: %w", errors.Join(b.errs...))
	}
	return b.kb, nil
}

type kbBuilder struct {
	kb   *KB
	errs []error
	// where each question and flow was declared, for cross-reference errors
	yq []*yamlQuestion
	yf []*yamlFlow
}

func (b *kbBuilder) fail(line int, format string, args ...any) {
	if len(b.errs) == maxErrors {
		b.errs = append(b.errs, errors.New("… more problems not shown"))
	}
	if len(b.errs) > maxErrors {
		return
	}
	b.errs = append(b.errs, fmt.Errorf("line %d: %s", line, fmt.Sprintf(format, args...)))
}

func (b *kbBuilder) build(y *yamlKB) {
	b.robot(&y.Robot)
	b.matching(&y.Matching)
	b.canned(y)
	b.shortcuts(y.Shortcuts)
	b.categories(y.Categories)
	b.flows(y.Flows)
	b.datumCategories(y.DatumCategories)
	b.crossRefs()
}

func (b *kbBuilder) datumCategories(in []yamlDatumCategory) {
	seen := map[int64]bool{}
	for i, c := range in {
		switch {
		case c.ID <= 0 || c.Name == "":
			b.fail(c.Line, "datumCategories %d: id (positive) and name are required", i+1)
		case seen[c.ID]:
			b.fail(c.Line, "datumCategories %d: id %d is used twice", i+1, c.ID)
		}
		seen[c.ID] = true
		b.kb.datumCategories = append(b.kb.datumCategories, kmclient.DatumCategory{
			ID: kmclient.ID(c.ID), Name: c.Name, RobotID: kmclient.ID(b.kb.robot.ID), ParentID: kmclient.ID(c.ParentID)})
	}
	for _, c := range in {
		if c.ParentID != 0 && !seen[c.ParentID] {
			b.fail(c.Line, "datumCategories: parentId %d is not a category", c.ParentID)
		}
	}
}

func (b *kbBuilder) robot(r *yamlRobot) {
	line := max(r.Line, 1)
	if r.ID <= 0 {
		b.fail(line, "robot: id is required (the KM robot id, a positive number)")
	}
	if r.ChannelID <= 0 {
		b.fail(line, "robot: channelId is required (the KM scene id, a positive number)")
	}
	b.kb.robot = robotInfo{
		ID:               r.ID,
		Name:             or(r.Name, "KM robot"),
		ChannelID:        r.ChannelID,
		ChannelName:      or(r.ChannelName, "System Default Scene"),
		ModelID:          r.ModelID,
		ModelKey:         or(r.ModelKey, "0"),
		ModelName:        or(r.ModelName, defaultModelName),
		ModelDescription: or(r.ModelDescription, defaultModelDesc),
		Welcome:          or(r.Welcome, defaultWelcome),
		LeadingWord:      or(r.LeadingWord, defaultLeadingWord),
	}
	if b.kb.robot.ModelID == 0 {
		b.kb.robot.ModelID = 1
	}
}

func (b *kbBuilder) matching(m *yamlMatching) {
	line := max(m.Line, 1)
	mt := matching{answerAbove: 0.6, suggestAbove: 0.3, suggestPrompt: or(m.SuggestPrompt, defaultSuggestPrompt), maxSuggestions: 5}
	if m.AnswerAbove != nil {
		mt.answerAbove = *m.AnswerAbove
	}
	if m.SuggestAbove != nil {
		mt.suggestAbove = *m.SuggestAbove
	}
	if !(mt.suggestAbove > 0 && mt.suggestAbove <= mt.answerAbove && mt.answerAbove <= 1) {
		b.fail(line, "matching: want 0 < suggestAbove (%g) <= answerAbove (%g) <= 1", mt.suggestAbove, mt.answerAbove)
	}
	if m.MaxSuggestions != 0 {
		mt.maxSuggestions = m.MaxSuggestions
	}
	if mt.maxSuggestions < 1 || mt.maxSuggestions > 20 {
		b.fail(line, "matching: maxSuggestions must be between 1 and 20, got %d", mt.maxSuggestions)
	}
	b.kb.matching = mt
}

func (b *kbBuilder) canned(y *yamlKB) {
	phrases := func(what string, line int, in []string) []string {
		var out []string
		for i, p := range in {
			n := normalize(p)
			if n == "" {
				b.fail(line, "%s: entry %d is empty once punctuation is removed", what, i+1)
				continue
			}
			out = append(out, n)
		}
		return out
	}
	staff := func(what string, line, t int, answer string) {
		if t < 0 || t > 3 {
			b.fail(line, "%s: switchStaffType must be 0 (none), 1, 2 or 3, got %d", what, t)
		}
		if t == kmclient.SwitchStaffMessage && answer == "" {
			b.fail(line, "%s: switchStaffType 3 needs switchStaffAnswer (the message to send)", what)
		}
	}
	g, s, t := &y.Greeting, &y.Sensitive, &y.Transfer
	b.kb.greeting = canned{phrases: phrases("greeting.phrases", g.Line, g.Phrases), reply: or(g.Reply, defaultGreeting),
		switchStaffType: g.SwitchStaffType, switchStaffAnswer: g.SwitchStaffAnswer}
	staff("greeting", g.Line, g.SwitchStaffType, g.SwitchStaffAnswer)
	b.kb.sensitive = canned{phrases: phrases("sensitive.words", s.Line, s.Words), reply: or(s.Reply, defaultSensitive)}
	b.kb.transfer = canned{phrases: phrases("transfer.phrases", t.Line, t.Phrases), reply: or(t.Reply, defaultTransfer),
		switchStaffType: t.SwitchStaffType, switchStaffAnswer: t.SwitchStaffAnswer}
	staff("transfer", t.Line, t.SwitchStaffType, t.SwitchStaffAnswer)
	b.kb.unknown = or(y.Unknown.Reply, defaultUnknownReply)

	sv := y.Survey
	if sv.UnsatisfiedSwitchStaffType < 0 || sv.UnsatisfiedSwitchStaffType > 2 {
		b.fail(sv.Line, "survey: unsatisfiedSwitchStaffType must be 0 (none), 1 or 2, got %d", sv.UnsatisfiedSwitchStaffType)
	}
	b.kb.survey = surveyCfg{unsatisfiedType: sv.UnsatisfiedSwitchStaffType, unsatisfiedTips: sv.UnsatisfiedTips}

	q := y.Quota
	b.kb.quota = quotaCfg{used: q.Used, total: q.Total}
	if b.kb.quota.total == 0 {
		b.kb.quota.total = 1000000
	}
	if q.Used < 0 || b.kb.quota.total < 0 {
		b.fail(q.Line, "quota: used and total must not be negative")
	}
	b.kb.maxQ = y.Limits.MaxQuestions
	if b.kb.maxQ == 0 {
		b.kb.maxQ = 10000
	}
	if b.kb.maxQ < 0 {
		b.fail(y.Limits.Line, "limits: maxQuestions must not be negative")
	}
}

func (b *kbBuilder) shortcuts(in []yamlShortcut) {
	for i, s := range in {
		typ := kmclient.ShortcutText
		switch strings.ToLower(s.Type) {
		case "", "text", "1":
		case "link", "2":
			typ = kmclient.ShortcutLink
		default:
			b.fail(s.Line, "shortcut %d: type must be text or link, got %q", i+1, s.Type)
		}
		if s.Name == "" || s.Content == "" {
			b.fail(s.Line, "shortcut %d: name and content are required", i+1)
		}
		def := 0
		if s.Default {
			def = 1
		}
		b.kb.shortcuts = append(b.kb.shortcuts, kmclient.ShortcutEntry{
			ModelID: kmclient.ID(b.kb.robot.ModelID), Type: typ, Name: s.Name,
			Content: s.Content, Pic: s.Pic, Sorts: i + 1, IsDefault: def,
		})
	}
}

func (b *kbBuilder) categories(in []yamlCategory) {
	if len(in) == 0 {
		b.fail(1, "categories: at least one category with questions is required")
	}
	seenCat := map[int64]int{}
	nextAnswer := int64(firstAutoAnswerID)
	usedAnswer := map[int64]bool{}
	for ci := range in {
		for qi := range in[ci].Questions {
			if a := in[ci].Questions[qi].Answer; a != nil && a.ID > 0 {
				usedAnswer[a.ID] = true
			}
		}
	}
	similarID := int64(firstAutoSimilarID)
	for ci := range in {
		yc := &in[ci]
		if yc.ID <= 0 {
			b.fail(yc.Line, "category %d (%q): id is required (a positive number)", ci+1, yc.Name)
		} else if l, dup := seenCat[yc.ID]; dup {
			b.fail(yc.Line, "category %d: id is also used by the category on line %d", yc.ID, l)
		}
		seenCat[yc.ID] = yc.Line
		if yc.Name == "" {
			b.fail(yc.Line, "category %d: name is required", yc.ID)
		}
		cat := &category{id: yc.ID, name: yc.Name, sorts: ci + 1, hidden: yc.Hidden}
		for qi := range yc.Questions {
			yq := &yc.Questions[qi]
			q := b.question(yq, yc.ID, &nextAnswer, usedAnswer, &similarID)
			if q == nil {
				continue
			}
			if prev, dup := b.kb.questions[q.id]; dup {
				b.fail(yq.Line, "question %d: id is also used by the question on line %d", q.id, prev.line)
				continue
			}
			b.kb.questions[q.id] = q
			b.kb.order = append(b.kb.order, q.id)
			b.yq = append(b.yq, yq)
			cat.qids = append(cat.qids, q.id)
			b.kb.nextQuestionID = max(b.kb.nextQuestionID, q.id+1)
		}
		b.kb.categories = append(b.kb.categories, cat)
	}
	b.kb.nextAnswerID = nextAnswer
	b.kb.nextSimilarID = similarID
}

func (b *kbBuilder) question(yq *yamlQuestion, catID int64, nextAnswer *int64, usedAnswer map[int64]bool, similarID *int64) *question {
	if yq.ID <= 0 {
		b.fail(yq.Line, "question %q: id is required (a positive number)", yq.Content)
		return nil
	}
	who := fmt.Sprintf("question %d", yq.ID)
	if strings.TrimSpace(yq.Content) == "" {
		b.fail(yq.Line, "%s: content (the question text) is required", who)
	} else if utf8.RuneCountInString(yq.Content) > maxContentRunes {
		b.fail(yq.Line, "%s: content is longer than KM's %d characters", who, maxContentRunes)
	}
	q := &question{
		id: yq.ID, categoryID: catID, content: strings.TrimSpace(yq.Content), qtype: qtypeNormal,
		keywords: yq.Keywords, suggest: yq.Suggest, hot: yq.Hot, flowID: yq.Flow,
		created: kbEpoch(), updated: kbEpoch(), availType: 1, line: yq.Line,
	}
	switch strings.ToLower(yq.Type) {
	case "", "question":
	case "chat":
		q.qtype = qtypeChat
	default:
		b.fail(yq.Line, "%s: type must be question or chat, got %q", who, yq.Type)
	}
	if yq.Hot < 0 {
		b.fail(yq.Line, "%s: hot must not be negative", who)
	}
	for i, s := range yq.Similar {
		if strings.TrimSpace(s) == "" || utf8.RuneCountInString(s) > maxContentRunes {
			b.fail(yq.Line, "%s: similar %d must be 1 to %d characters", who, i+1, maxContentRunes)
			continue
		}
		q.similar = append(q.similar, similarQ{id: *similarID, content: strings.TrimSpace(s)})
		*similarID++
	}
	for i, k := range yq.Keywords {
		if normalize(k) == "" {
			b.fail(yq.Line, "%s: keyword %d is empty once punctuation is removed", who, i+1)
		}
	}
	switch {
	case yq.Flow != 0 && yq.Answer != nil:
		b.fail(yq.Line, "%s: give either answer or flow, not both", who)
	case yq.Flow != 0:
		q.qtype = qtypeFlow
		q.answer = &answer{id: nextID(nextAnswer, usedAnswer), msgType: kmclient.MsgRich, ansType: kmclient.AnsTypeAnswer, enableAppraise: true}
	case yq.Answer == nil:
		b.fail(yq.Line, "%s: answer (or flow) is required", who)
	default:
		q.answer = b.answer(yq.Answer, who)
		if q.answer != nil && q.answer.id == 0 {
			q.answer.id = nextID(nextAnswer, usedAnswer)
		}
	}
	q.index()
	return q
}

func nextID(next *int64, used map[int64]bool) int64 {
	for used[*next] {
		*next++
	}
	id := *next
	*next++
	return id
}

func (b *kbBuilder) answer(ya *yamlAnswer, who string) *answer {
	a := &answer{
		id: ya.ID, msgbox: ya.Msgbox, switchStaffType: ya.SwitchStaffType,
		switchStaffAnswer: ya.SwitchStaffAnswer, ansType: ya.AnsType, enableAppraise: true,
		asString: ya.EncodeAsString,
	}
	if ya.EnableAppraise != nil {
		a.enableAppraise = *ya.EnableAppraise
	}
	if ya.ID < 0 {
		b.fail(ya.Line, "%s: answer id must be positive", who)
	}
	if a.ansType == 0 {
		a.ansType = kmclient.AnsTypeAnswer
	}
	if a.ansType < 0 || a.ansType > 25 {
		b.fail(ya.Line, "%s: ansType must be one of KM's 1–25, got %d", who, a.ansType)
	}
	if a.switchStaffType < 0 || a.switchStaffType > 3 {
		b.fail(ya.Line, "%s: switchStaffType must be 0 (none), 1, 2 or 3, got %d", who, a.switchStaffType)
	}
	if a.switchStaffType == kmclient.SwitchStaffMessage && a.switchStaffAnswer == "" {
		b.fail(ya.Line, "%s: switchStaffType 3 needs switchStaffAnswer (the message to send)", who)
	}
	for i, at := range ya.Attachments {
		if at.Name == "" || at.Address == "" || at.Size < 0 {
			b.fail(at.Line, "%s: attachment %d needs a name, an address and a size ≥ 0", who, i+1)
			continue
		}
		a.attachments = append(a.attachments, kmclient.Attachment{Name: at.Name, Address: at.Address, Size: at.Size})
	}
	for i := range ya.MultipleMessage {
		yp := &ya.MultipleMessage[i]
		p, ok := b.content(yp.MsgType, &yp.Content, ya.Msgbox, fmt.Sprintf("%s: multipleMessage %d", who, i+1), yp.Line)
		if ok {
			a.multiple = append(a.multiple, p)
		}
	}
	if ya.Content.Kind == 0 && len(a.multiple) > 0 {
		// The first message stands for the answer in clients that ignore multipleMessage.
		first := a.multiple[0]
		a.msgType, a.text, a.object, a.plain = first.msgType, first.text, first.object, first.plain
	} else if p, ok := b.content(ya.MsgType, &ya.Content, ya.Msgbox, who+": answer", ya.Line); ok {
		a.msgType, a.text, a.object, a.plain = p.msgType, p.text, p.object, p.plain
	}
	if a.asString && a.object == nil {
		b.fail(ya.Line, "%s: encodeAsString applies to structured msgTypes only", who)
	}
	if ya.Msgbox != "" && a.msgType != kmclient.MsgAudio {
		b.fail(ya.Line, "%s: msgbox goes with msgType audio only", who)
	}
	for _, p := range a.multiple {
		if p.object != nil {
			b.collectProducts(p.msgType, p.object)
		}
	}
	if a.object != nil {
		b.collectProducts(a.msgType, a.object)
	}
	return a
}

// content validates one msgType + content pair.
func (b *kbBuilder) content(msgType string, n *yaml.Node, msgbox, who string, line int) (part, bool) {
	if n.Line > 0 {
		line = n.Line
	}
	if msgType == "" {
		msgType = kmclient.MsgRich
	}
	known, structured := msgTypeKind(msgType)
	switch {
	case !known:
		b.fail(line, "%s: unknown msgType %q (want one of %s)", who, msgType, msgTypeNames())
		return part{}, false
	case n.Kind == 0:
		b.fail(line, "%s: content is required", who)
		return part{}, false
	case structured:
		raw, err := nodeJSON(n)
		if err == nil {
			err = validateStructured(msgType, raw)
		}
		if err != nil {
			b.fail(line, "%s: msgType %s: %v", who, msgType, err)
			return part{}, false
		}
		return part{msgType: msgType, object: raw}, true
	case n.Kind != yaml.ScalarNode:
		b.fail(line, "%s: msgType %s wants text content, got %s", who, msgType, nodeKind(n))
		return part{}, false
	}
	text := strings.TrimSpace(n.Value)
	if text == "" {
		b.fail(line, "%s: content is empty", who)
		return part{}, false
	}
	if (msgType == kmclient.MsgImage || msgType == kmclient.MsgAudio) && !isURL(text) {
		b.fail(line, "%s: msgType %s wants a URL as content, got %q", who, msgType, text)
		return part{}, false
	}
	return part{msgType: msgType, text: text, plain: contentText(msgType, text, msgbox)}, true
}

func (b *kbBuilder) collectProducts(msgType string, raw json.RawMessage) {
	if mt := kmclient.NormalizeMsgType(msgType); mt != kmclient.MsgShowProduct && mt != kmclient.MsgSelectiveProduct {
		return
	}
	var pl kmclient.ProductList
	if json.Unmarshal(raw, &pl) != nil {
		return
	}
	for _, p := range pl.ProductList {
		if _, dup := b.kb.products[int64(p.ID)]; dup {
			continue
		}
		var info []string
		for _, i := range p.InfoList {
			info = append(info, i.Info)
		}
		b.kb.products[int64(p.ID)] = product{id: int64(p.ID), name: p.Name, url: p.URL, info: info}
	}
}

func (b *kbBuilder) flows(in []yamlFlow) {
	for i := range in {
		yf := &in[i]
		switch {
		case yf.ID <= 0:
			b.fail(yf.Line, "flow %q: id is required (a positive number)", yf.Title)
			continue
		case b.kb.flows[yf.ID] != nil:
			b.fail(yf.Line, "flow %d: id is also used by the flow on line %d", yf.ID, b.kb.flows[yf.ID].line)
			continue
		}
		if yf.Title == "" || strings.TrimSpace(yf.Content) == "" {
			b.fail(yf.Line, "flow %d: title and content are required", yf.ID)
		}
		f := &flow{id: yf.ID, title: yf.Title, content: strings.TrimSpace(yf.Content), plain: plainText(yf.Content), line: yf.Line}
		for text, next := range yf.Choices {
			if f.choices == nil {
				f.choices = map[string]int64{}
			}
			f.choices[normalize(text)] = next
		}
		b.kb.flows[yf.ID] = f
		b.yf = append(b.yf, yf)
	}
}

// crossRefs checks that suggestions, flow entries and clickable flow elements point
// at things that exist, and that no phrasing belongs to two questions.
func (b *kbBuilder) crossRefs() {
	owner := map[string]int64{}
	for _, id := range b.kb.order {
		q := b.kb.questions[id]
		for _, s := range q.suggest {
			switch {
			case s == q.id:
				b.fail(q.line, "question %d: suggests itself", q.id)
			case b.kb.questions[s] == nil:
				b.fail(q.line, "question %d: suggests question %d, which does not exist", q.id, s)
			}
		}
		if q.flowID != 0 && b.kb.flows[q.flowID] == nil {
			b.fail(q.line, "question %d: flow %d does not exist", q.id, q.flowID)
		}
		for _, p := range q.phrases {
			if other, dup := owner[p.norm]; dup && other != q.id {
				b.fail(q.line, "question %d: %q is also a phrasing of question %d", q.id, p.norm, other)
			}
			owner[p.norm] = q.id
		}
		b.checkOptionIDs(q)
	}
	for _, yf := range b.yf {
		for text, next := range yf.Choices {
			if b.kb.flows[next] == nil {
				b.fail(yf.Line, "flow %d: choice %q leads to flow %d, which does not exist", yf.ID, text, next)
			}
		}
		for _, c := range clickables(yf.Content) {
			id, err := strconv.ParseInt(c.id, 10, 64)
			switch {
			case c.kind == "":
				b.fail(yf.Line, "flow %d: element %q has data-type %q (want question/1 or flow/2)", yf.ID, c.text, c.raw)
			case err != nil:
				b.fail(yf.Line, "flow %d: element %q has data-id %q, not a number", yf.ID, c.text, c.id)
			case c.kind == "question" && b.kb.questions[id] == nil:
				b.fail(yf.Line, "flow %d: element %q points at question %d, which does not exist", yf.ID, c.text, id)
			case c.kind == "flow" && b.kb.flows[id] == nil:
				b.fail(yf.Line, "flow %d: element %q points at flow %d, which does not exist", yf.ID, c.text, id)
			}
		}
	}
}

// checkOptionIDs checks that the question ids inside selective lists and tables and
// FAQ-list cards exist: clients send them back in /v1/hit.
func (b *kbBuilder) checkOptionIDs(q *question) {
	if q.answer == nil {
		return
	}
	check := func(msgType string, raw json.RawMessage) {
		var ids []int64
		switch kmclient.NormalizeMsgType(msgType) {
		case kmclient.MsgSelectiveList, kmclient.MsgSelectiveTable:
			var l kmclient.SelectiveTable
			_ = json.Unmarshal(raw, &l)
			for _, o := range l.OptionList {
				ids = append(ids, int64(o.ID))
			}
		case kmclient.MsgCustomCard:
			var c kmclient.CustomCard
			_ = json.Unmarshal(raw, &c)
			for _, card := range c.CardList {
				for _, s := range card.SuggestList {
					ids = append(ids, int64(s.ID))
				}
			}
		}
		for _, id := range ids {
			if b.kb.questions[id] == nil {
				b.fail(q.line, "question %d: %s option points at question %d, which does not exist", q.id, msgType, id)
			}
		}
	}
	check(q.answer.msgType, q.answer.object)
	for _, p := range q.answer.multiple {
		check(p.msgType, p.object)
	}
}

// index precomputes the normalised phrasings and keywords used by matching.
func (q *question) index() {
	q.phrases = q.phrases[:0:0]
	q.phrases = append(q.phrases, newPhrase(q.content))
	for _, s := range q.similar {
		q.phrases = append(q.phrases, newPhrase(s.content))
	}
	q.kws = nil
	for _, k := range q.keywords {
		if n := normalize(k); n != "" {
			q.kws = append(q.kws, keyword{norm: n, cjk: hasCJK(n)})
		}
	}
}

func isURL(s string) bool {
	return strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "http://")
}

func or(s, def string) string {
	if strings.TrimSpace(s) == "" {
		return def
	}
	return s
}
