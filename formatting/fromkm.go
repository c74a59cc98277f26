package formatting

import (
	"errors"
	"fmt"
	"strings"

	"github.com/kmbridge/kmbridge/i18n"
	"github.com/kmbridge/kmbridge/kmclient"
)

// Options are what FromKM and friends need from the bridge.
type Options struct {
	// Tokens gives each button its action token. Required for any clickable output.
	Tokens Tokens
	// P renders the bridge's own words (button labels, headings) in the user's language.
	P i18n.Printer
	// PageSize is the product/card page size when KM gives none (default 5).
	PageSize int
}

// FromKM converts a KM answer (chat, newChat, hit, flow, assist) into a Message:
// the content by msgType (or multipleMessage), flow content with its clickable
// elements, attachments, suggested questions, switch-to-human offer (switchStaffType
// 1 and 3) and rating buttons (enableAppraise). Malformed content never panics: the
// returned Message shows what could be shown and err says what was wrong.
//
// The parts come in this order: content, flow (title, text, a button per clickable
// element), the matched question (ansType 3 only, as context text), attachments,
// suggested questions ("Did you mean:" for ansType 3), switchStaffAnswer (types 1,
// 2 and 3) with a "talk to a human" button for type 1, rating buttons. With
// multipleMessageFlag 1 ansContent is shown only when the list is empty. A group
// longer than 100 buttons is cut, with a "…and N more" note. A nil o.Tokens leaves
// action buttons without tokens.
func FromKM(a *kmclient.Answer, o Options) (Message, error) {
	if a == nil {
		return Message{}, errors.New("formatting: no answer")
	}
	c := newConv(o, int64(a.LogID))
	var errs []error
	if a.MultipleMessageFlag == 1 || len(a.MultipleMessage) > 0 {
		// With the flag set, ansContent repeats what the list says; without it
		// (or with an empty list) it is content of its own.
		if !a.AnsContent.IsZero() && (a.MultipleMessageFlag != 1 || len(a.MultipleMessage) == 0) {
			errs = append(errs, c.content(a.MsgType, a.AnsContent, a.Msgbox, 0))
		}
		for i := range a.MultipleMessage {
			if i == maxMulti {
				c.more(len(a.MultipleMessage) - i)
				break
			}
			mm := a.MultipleMessage[i]
			if err := c.content(mm.MessageType, mm.Message, "", 0); err != nil {
				errs = append(errs, fmt.Errorf("multipleMessage[%d]: %w", i, err))
			}
		}
	} else if !a.AnsContent.IsZero() {
		errs = append(errs, c.content(a.MsgType, a.AnsContent, a.Msgbox, 0))
	}
	if a.FlowTitle != "" || a.FlowContent != "" {
		c.flow(int64(a.FlowID), a.FlowTitle, a.FlowContent)
	}
	if a.AnsType == kmclient.AnsTypeSuggestions {
		if q := strings.TrimSpace(a.HitQuestion); q != "" {
			c.add(&Text{Context: true, Rich: ParsePlain(q)})
		}
	}
	c.attachments(a.AttachmentList)
	if len(a.SuggestQuestionList) > 0 {
		title := c.p.T("formatting.related_questions")
		if a.AnsType == kmclient.AnsTypeSuggestions {
			title = c.p.T("formatting.did_you_mean")
		}
		c.questions(title, a.SuggestQuestionList, 7)
	}
	c.switchStaff(a.SwitchStaffType, a.SwitchStaffAnswer)
	if a.EnableAppraise {
		c.appraise()
	}
	return c.m, errors.Join(errs...)
}

// Page re-renders page a.Page of the paged content stored in an ActPage action.
func Page(a Action, o Options) (Message, error) {
	if a.Kind != ActPage {
		return Message{}, fmt.Errorf("formatting: page: action is %q, not %q", a.Kind, ActPage)
	}
	c := newConv(o, a.LogID)
	err := c.content(a.MsgType, kmclient.NewAnsContent(a.Content), "", max(a.Page, 1))
	return c.m, err
}

// Plain is a message of plain text (bridge notices, apologies).
func Plain(s string) Message {
	return Message{Blocks: []Block{&Text{Rich: Rich{&Para{Spans: []Span{{Text: s}}}}}}}
}
