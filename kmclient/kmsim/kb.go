package kmsim

import (
	"encoding/json"
	"slices"
	"time"

	"github.com/kmbridge/kmbridge/kmclient"
)

// KB is a knowledge base: one robot with its FAQ categories and questions, flows,
// canned replies (greeting, sensitive words, transfer to human, unknown) and quota.
// Build one with LoadKB or SampleKB. A KB is never modified after loading: New
// copies it, and the admin endpoints change the Sim's copy only.
type KB struct {
	robot      robotInfo
	matching   matching
	greeting   canned
	sensitive  canned
	transfer   canned
	unknown    string
	survey     surveyCfg
	quota      quotaCfg
	maxQ       int
	shortcuts  []kmclient.ShortcutEntry
	categories []*category
	questions  map[int64]*question
	order      []int64 // question ids in YAML order
	flows      map[int64]*flow
	products   map[int64]product
	// datumCategories seed the datum endpoints' category list.
	datumCategories []kmclient.DatumCategory
	// Counters for ids the admin endpoints assign.
	nextQuestionID, nextAnswerID, nextSimilarID int64
}

type robotInfo struct {
	ID               int64
	Name             string
	ChannelID        int64
	ChannelName      string
	ModelID          int64
	ModelKey         string
	ModelName        string
	ModelDescription string
	Welcome          string
	LeadingWord      string
}

type matching struct {
	answerAbove    float64
	suggestAbove   float64
	suggestPrompt  string
	maxSuggestions int
}

// canned is a reply triggered by phrases (greeting, transfer) or words (sensitive).
type canned struct {
	phrases           []string // normalised
	reply             string
	switchStaffType   int
	switchStaffAnswer string
}

type surveyCfg struct {
	unsatisfiedType int
	unsatisfiedTips string
}

type quotaCfg struct{ used, total int64 }

type category struct {
	id     int64
	name   string
	sorts  int
	hidden bool // matchable, but not listed as a common question category
	qids   []int64
}

// Question types, as KM's admin API numbers them.
const (
	qtypeNormal = 1
	qtypeFlow   = 3
	qtypeChat   = 4
)

// question is immutable once built; changes replace the whole value.
type question struct {
	id         int64
	categoryID int64
	content    string
	qtype      int
	similar    []similarQ
	keywords   []string // as written
	suggest    []int64
	hot        int
	flowID     int64
	answer     *answer
	created    time.Time
	updated    time.Time
	availType  int // 0 never, 1 always, 2 custom period
	startTime  string
	endTime    string
	line       int

	phrases []phrase  // content then similar, normalised and tokenised
	kws     []keyword // normalised keywords
}

type similarQ struct {
	id      int64
	content string
}

type phrase struct {
	norm   string
	tokens []string // sorted, unique
}

type keyword struct {
	norm string
	cjk  bool
}

// answer is a question's answer. Exactly one of text (rich, plain, image, audio)
// and object (structured msgTypes) is set.
type answer struct {
	id                int64
	msgType           string
	text              string
	object            json.RawMessage
	plain             string // text form, for logs, streaming and contentType=text
	asString          bool   // send object as a JSON-encoded string
	msgbox            string
	attachments       []kmclient.Attachment
	switchStaffType   int
	switchStaffAnswer string
	ansType           int
	enableAppraise    bool
	multiple          []part
}

// part is one element of multipleMessage.
type part struct {
	msgType string
	text    string
	object  json.RawMessage
	plain   string
}

type flow struct {
	id      int64
	title   string
	content string
	plain   string
	choices map[string]int64 // normalised text → flow id
	line    int
}

type product struct {
	id   int64
	name string
	url  string
	info []string
}

// RobotID is the robot's id (initClient robotId).
func (kb *KB) RobotID() int64 { return kb.robot.ID }

// ChannelID is the robot's scene id (initClient channelId).
func (kb *KB) ChannelID() int64 { return kb.robot.ChannelID }

// ModelKey is the FAQ template key (initClient modelKey).
func (kb *KB) ModelKey() string { return kb.robot.ModelKey }

// FindQuestion returns the id of the question whose content or a similar phrasing
// equals text once normalised (case, width, punctuation).
func (kb *KB) FindQuestion(text string) (int64, bool) {
	n := normalize(text)
	for _, id := range kb.order {
		q := kb.questions[id]
		for _, p := range q.phrases {
			if p.norm == n {
				return id, true
			}
		}
	}
	return 0, false
}

// FlowIDs returns the ids of the flows in ascending order.
func (kb *KB) FlowIDs() []int64 {
	ids := make([]int64, 0, len(kb.flows))
	for id := range kb.flows {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// clone copies the KB's containers; questions, flows and answers are immutable and
// shared.
func (kb *KB) clone() *KB {
	c := *kb
	c.shortcuts = append([]kmclient.ShortcutEntry(nil), kb.shortcuts...)
	c.categories = make([]*category, len(kb.categories))
	for i, cat := range kb.categories {
		cc := *cat
		cc.qids = append([]int64(nil), cat.qids...)
		c.categories[i] = &cc
	}
	c.questions = make(map[int64]*question, len(kb.questions))
	for id, q := range kb.questions {
		c.questions[id] = q
	}
	c.order = append([]int64(nil), kb.order...)
	c.flows = make(map[int64]*flow, len(kb.flows))
	for id, f := range kb.flows {
		c.flows[id] = f
	}
	c.products = make(map[int64]product, len(kb.products))
	for id, p := range kb.products {
		c.products[id] = p
	}
	c.datumCategories = slices.Clone(kb.datumCategories)
	return &c
}

func (kb *KB) category(id int64) *category {
	for _, c := range kb.categories {
		if c.id == id {
			return c
		}
	}
	return nil
}

// answerTypeCode is the admin API's answer.type for a msgType: 1 plain, 2 rich,
// 3 voice, 4 link, 5 image. Structured answers are listed as rich.
func answerTypeCode(msgType string) int {
	switch msgType {
	case kmclient.MsgPlain:
		return 1
	case kmclient.MsgAudio:
		return 3
	case kmclient.MsgLink:
		return 4
	case kmclient.MsgImage:
		return 5
	default:
		return 2
	}
}

// listContent is the answer content shown in question lists: the text, or the JSON
// of a structured answer.
func (a *answer) listContent() string {
	if a == nil {
		return ""
	}
	if a.object != nil {
		return string(a.object)
	}
	return a.text
}
