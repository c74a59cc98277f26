package formatting

import (
	"errors"

	"github.com/kmbridge/kmbridge/i18n"
	"github.com/kmbridge/kmbridge/kmclient"
)

var errNotImplemented = errors.New("formatting: not implemented yet")

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
func FromKM(a *kmclient.Answer, o Options) (Message, error) {
	return Message{}, errNotImplemented
}

// Welcome converts an initClient answer: welcome message, leading word, FAQ
// categories with their questions (hit queryType 6) and shortcut entries.
func Welcome(r *kmclient.InitClientResponse, o Options) Message {
	return Message{}
}

// Categories renders FAQ categories (the faq command).
func Categories(title string, cats []kmclient.QuestionCategory, o Options) Message {
	return Message{}
}

// Questions renders a question list whose clicks become hits of queryType
// (hot questions: 6; smart hints: 9).
func Questions(title string, qs []kmclient.Question, queryType int, o Options) Message {
	return Message{}
}

// Page re-renders page a.Page of the paged content stored in an ActPage action.
func Page(a Action, o Options) (Message, error) {
	return Message{}, errNotImplemented
}

// Plain is a message of plain text (bridge notices, apologies).
func Plain(s string) Message {
	return Message{Blocks: []Block{&Text{Rich: Rich{&Para{Spans: []Span{{Text: s}}}}}}}
}
