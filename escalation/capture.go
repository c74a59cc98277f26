package escalation

import (
	"context"
	"errors"
	"strings"

	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/kmclient"
)

// maxQuestionRunes is KM's bound on a question's content (POST /v1/questions,
// similar questions alike).
const maxQuestionRunes = 200

// saveFAQ creates a KM FAQ question from a resolved case: the user's question,
// the agents' last answer, in escalation.kb_category_id and the scenes of
// escalation.kb_channel_ids. The thread shows KM's result.
func (d *Desk) saveFAQ(ctx context.Context, c *bridge.Case) bridge.ClickStatus {
	p := d.agents
	switch {
	case c.State != bridge.CaseResolved:
		d.toThread(ctx, c, p.T("escalation.capture_after_resolve"))
		return bridge.ClickDone
	case c.SavedFAQ != 0:
		d.toThread(ctx, c, p.T("escalation.faq_already", c.SavedFAQ))
		return bridge.ClickDone
	case c.Question == "" || c.Answer == "":
		d.toThread(ctx, c, p.T("escalation.faq_nothing"))
		return bridge.ClickDone
	case d.o.KBCategoryID == 0:
		d.toThread(ctx, c, p.T("escalation.faq_no_category"))
		return bridge.ClickDone
	}
	q := clean(c.Question, maxQuestionRunes)
	scenes := make([]kmclient.IDRef, 0, len(d.o.KBChannelIDs))
	for _, id := range d.o.KBChannelIDs {
		scenes = append(scenes, kmclient.IDRef{ID: kmclient.ID(id)})
	}
	kctx, cancel := context.WithTimeout(ctx, d.o.Card.SendTimeout)
	faq, err := d.o.KM.CreateQuestion(kctx, kmclient.CreateQuestionRequest{
		RobotID: kmclient.ID(d.o.RobotID), CategoryID: kmclient.ID(d.o.KBCategoryID), Content: q, Type: 1,
		Answer:      kmclient.FAQAnswer{Content: c.Answer, Type: kmclient.FAQAnswerPlain},
		ChannelList: scenes, SuggestType: 1,
	})
	cancel()
	if err != nil {
		return d.kmFailed(ctx, c, "create_question", err)
	}
	nc, err := d.update(ctx, c.ID, func(c *bridge.Case) error {
		c.SavedFAQ = int64(faq.ID)
		return nil
	})
	if err != nil {
		d.log.Warn("escalation: recording the saved FAQ failed", "case", c.ID, "err", err)
		nc = *c
		nc.SavedFAQ = int64(faq.ID)
	}
	d.log.Info("escalation: case saved as FAQ", "case", c.ID, "question", int64(faq.ID))
	d.toThread(ctx, &nc, p.T("escalation.faq_saved", int64(faq.ID), q))
	d.redraw(ctx, &nc)
	return bridge.ClickDone
}

// addSimilar adds the user's wording, as a similar question, to the FAQ
// question KM had matched before the hand-over. KM answers with the matched
// question's text; its id is looked up once (POST /v1/questions/search).
func (d *Desk) addSimilar(ctx context.Context, c *bridge.Case) bridge.ClickStatus {
	p := d.agents
	switch {
	case c.State != bridge.CaseResolved:
		d.toThread(ctx, c, p.T("escalation.capture_after_resolve"))
		return bridge.ClickDone
	case c.AddedToFAQ != 0:
		d.toThread(ctx, c, p.T("escalation.similar_already", c.AddedToFAQ))
		return bridge.ClickDone
	case c.Matched == "" || c.Question == "":
		d.toThread(ctx, c, p.T("escalation.similar_no_match"))
		return bridge.ClickDone
	}
	kctx, cancel := context.WithTimeout(ctx, d.o.Card.SendTimeout)
	defer cancel()
	id := kmclient.ID(c.MatchedID)
	if id == 0 {
		found, err := d.findQuestion(kctx, c.Matched)
		if err != nil {
			return d.kmFailed(ctx, c, "search_questions", err)
		}
		if found == 0 {
			d.toThread(ctx, c, p.T("escalation.similar_not_found", clean(c.Matched, maxQuestionRunes)))
			return bridge.ClickDone
		}
		id = found
	}
	q := clean(c.Question, maxQuestionRunes)
	if _, err := d.o.KM.AddSimilar(kctx, id, q); err != nil {
		return d.kmFailed(ctx, c, "add_similar", err)
	}
	nc, err := d.update(ctx, c.ID, func(c *bridge.Case) error {
		c.MatchedID, c.AddedToFAQ = int64(id), int64(id)
		return nil
	})
	if err != nil {
		d.log.Warn("escalation: recording the similar question failed", "case", c.ID, "err", err)
		nc = *c
		nc.MatchedID, nc.AddedToFAQ = int64(id), int64(id)
	}
	d.log.Info("escalation: user's wording added as a similar question", "case", c.ID, "question", int64(id))
	d.toThread(ctx, &nc, p.T("escalation.similar_added", q, clean(c.Matched, maxQuestionRunes), int64(id)))
	d.redraw(ctx, &nc)
	return bridge.ClickDone
}

// findQuestion returns the id of the FAQ question whose text is text; 0 when
// KM has none.
func (d *Desk) findQuestion(ctx context.Context, text string) (kmclient.ID, error) {
	faqs, _, err := d.o.KM.SearchQuestions(ctx, kmclient.SearchQuestionsRequest{
		RobotID: kmclient.ID(d.o.RobotID), SearchWord: text, SearchType: 2, PageSize: 50,
	})
	if err != nil {
		return 0, err
	}
	want := strings.TrimSpace(text)
	for _, f := range faqs {
		if strings.EqualFold(strings.TrimSpace(f.Content), want) {
			return f.ID, nil
		}
	}
	return 0, nil
}

// kmFailed shows KM's refusal (its own message) or failure in the thread.
func (d *Desk) kmFailed(ctx context.Context, c *bridge.Case, op string, err error) bridge.ClickStatus {
	d.log.Warn("escalation: knowledge capture failed", "case", c.ID, "op", op, "err", err)
	var apiErr *kmclient.APIError
	if errors.As(err, &apiErr) && strings.TrimSpace(apiErr.Message) != "" {
		d.toThread(ctx, c, d.agents.T("escalation.km_refused", clean(apiErr.Message, 300)))
		return bridge.ClickFailed
	}
	d.toThread(ctx, c, d.agents.T("escalation.km_failed"))
	return bridge.ClickFailed
}
