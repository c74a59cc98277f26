package formatting

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/kmbridge/kmbridge/i18n"
	"github.com/kmbridge/kmbridge/kmclient"
)

// Bounds on what one KM answer can turn into. Beyond them a note says how many
// items were left out, so nothing disappears silently and no one answer can flood
// the action store with tokens.
const (
	maxButtons     = 100 // buttons per group
	maxMulti       = 50  // elements of multipleMessage
	maxAttachments = 100
	maxCategories  = 50
	maxPageSize    = 25 // products or cards per page
	defaultPage    = 5
	maxLabelRunes  = 200 // longer labels are cut; renderers cut further to fit
)

// conv accumulates one Message.
type conv struct {
	o   Options
	p   i18n.Printer
	log int64
	m   Message
}

func newConv(o Options, logID int64) *conv {
	return &conv{o: o, p: o.P, log: logID}
}

func (c *conv) add(bs ...Block) { c.m.Blocks = append(c.m.Blocks, bs...) }

func (c *conv) pageSize(km int) int {
	size := km
	if size <= 0 {
		size = c.o.PageSize
	}
	if size <= 0 {
		size = defaultPage
	}
	return min(size, maxPageSize)
}

func (c *conv) token(a Action) string {
	if c.o.Tokens == nil {
		return ""
	}
	return c.o.Tokens(a)
}

// action makes a button that dispatches a; the label is cleaned and kept in the
// action for echoing the click.
func (c *conv) action(label string, a Action) Button {
	label = cleanLabel(label)
	if a.Label == "" {
		a.Label = label
	}
	return Button{Label: label, Token: c.token(a)}
}

// link makes a URL button; ok is false when the URL is not a safe link.
func (c *conv) link(label, raw string) (Button, bool) {
	u, ok := SafeLink(raw)
	if !ok {
		return Button{}, false
	}
	if label = cleanLabel(label); label == "" {
		label = c.p.T("formatting.open_link")
	}
	return Button{Label: label, URL: u}, true
}

// group adds a Buttons block of at most maxButtons items built by mk (which returns
// false for an item it skips), followed by a "…and N more" note when cut.
func (c *conv) group(title string, n int, mk func(i int) (Button, bool)) *Buttons {
	g := &Buttons{Title: cleanLabel(title), Placeholder: c.p.T("formatting.choose_placeholder")}
	g.Items = make([]Button, 0, min(n, maxButtons))
	shown := 0
	for i := 0; i < n; i++ {
		if len(g.Items) == maxButtons {
			break
		}
		shown = i + 1
		if b, ok := mk(i); ok {
			g.Items = append(g.Items, b)
		}
	}
	if len(g.Items) == 0 {
		return nil
	}
	c.add(g)
	if shown < n {
		c.more(n - shown)
	}
	return g
}

func (c *conv) more(n int) {
	c.add(&Text{Context: true, Rich: Rich{&Para{Spans: []Span{{Text: c.p.T("formatting.more_items", n)}}}}})
}

// html adds KM HTML as text blocks with its images where the author put them.
func (c *conv) html(s string) {
	c.add(htmlBlocks(parseHTML(s))...)
}

func htmlBlocks(r htmlResult) []Block {
	var out []Block
	start := 0
	for i := range r.images {
		im := r.images[i]
		if im.after > start && im.after <= len(r.rich) {
			out = append(out, &Text{Rich: r.rich[start:im.after:im.after]})
			start = im.after
		}
		img := im.Image
		out = append(out, &img)
	}
	if start < len(r.rich) {
		out = append(out, &Text{Rich: r.rich[start:len(r.rich):len(r.rich)]})
	}
	return out
}

// heading adds a one-line heading (KM titles may carry markup).
func (c *conv) heading(s string) {
	if spans := inlineOf(richOf(s)); len(spans) > 0 {
		c.add(&Text{Rich: Rich{&Heading{Level: 3, Spans: spans}}})
	}
}

// richOf parses KM text that may or may not be HTML, dropping images.
func richOf(s string) Rich {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	return parseHTML(s).rich
}

// cleanLabel makes KM text fit for a button label or title: markup removed, white
// space collapsed, cut at maxLabelRunes.
func cleanLabel(s string) string {
	if looksLikeHTML(s) {
		s = plainText(Rich{&Para{Spans: inlineOf(parseHTML(s).rich)}})
	}
	s = joinFields(s)
	if utf8.RuneCountInString(s) > maxLabelRunes {
		r := []rune(s)
		s = string(r[:maxLabelRunes-1]) + "…"
	}
	return s
}

// joinFields is strings.Join(strings.Fields(s), " "), without the copies when s
// is that already (single spaces between words, none around): most labels are.
func joinFields(s string) string {
	space := true // a space here would be leading or doubled
	for _, r := range s {
		switch {
		case r == ' ' && !space:
			space = true
		case unicode.IsSpace(r):
			return strings.Join(strings.Fields(s), " ")
		default:
			space = false
		}
	}
	if space && s != "" { // trailing
		return strings.Join(strings.Fields(s), " ")
	}
	return s
}

// hit makes a button for a listed question: a KM hit of queryType, or for a
// question without an id (and for type 5, "a message") the text asked as is.
func (c *conv) hit(q kmclient.Question, queryType int) (Button, bool) {
	content := strings.TrimSpace(string(q.Content))
	label := cleanLabel(content)
	if label == "" {
		return Button{}, false
	}
	if q.ID == 0 || q.Type == 5 {
		return c.action(label, Action{Kind: ActSendText, Text: content}), true
	}
	return c.action(label, Action{
		Kind: ActHit, QueryType: queryType, QuestionID: int64(q.ID),
		QuestionContent: content, LogID: c.log, HitSource: 2,
	}), true
}

// questions adds a group of question buttons.
func (c *conv) questions(title string, qs []kmclient.Question, queryType int) {
	c.group(title, len(qs), func(i int) (Button, bool) { return c.hit(qs[i], queryType) })
}
