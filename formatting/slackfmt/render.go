package slackfmt

import (
	"strconv"
	"strings"

	"github.com/slack-go/slack"

	"github.com/kmbridge/kmbridge/formatting"
)

// Msg is one Slack message: Text is the notification (fallback) text, short and
// mrkdwn-safe; Blocks are what the message shows.
type Msg struct {
	Text   string
	Blocks []slack.Block
}

// unit is one rendered block on its way into a message.
type unit struct {
	block slack.Block
	plain string // plain words for the notification text; "" when it has none
	// rich, when set, has the plain words instead of plain: worked out only for
	// the block whose words a message's notification text shows.
	rich formatting.Rich
	glue bool // a title: keep it in the same message as the next block
}

type renderer struct {
	units []unit
	sc    *scratch
	// first holds the units of most answers, so that r.units seldom grows.
	first [8]unit
}

// Render renders m as one or more Slack messages, in order. Each stays within
// Slack's limits; content that does not fit one message goes on in the next, and
// nothing is dropped. An empty Message renders as no messages.
func Render(m formatting.Message) []Msg {
	var r renderer
	r.units = r.first[:0]
	r.sc = scratches.Get().(*scratch)
	defer r.sc.release()
	for i, b := range m.Blocks {
		r.block(b, i == 0)
	}
	if len(m.InputHints) > 0 {
		r.buttons("", m.InputHints, "")
	}
	return r.messages()
}

func (r *renderer) add(b slack.Block, plain string, glue bool) {
	r.units = append(r.units, unit{block: b, plain: plain, glue: glue})
}

// addRich adds a block whose plain words are those of rich.
func (r *renderer) addRich(b slack.Block, rich formatting.Rich) {
	r.units = append(r.units, unit{block: b, rich: rich})
}

func (r *renderer) block(b formatting.Block, first bool) {
	switch b := b.(type) {
	case *formatting.Text:
		if b != nil {
			r.text(b, first)
		}
	case *formatting.Image:
		if b != nil {
			r.image(b)
		}
	case *formatting.Buttons:
		if b != nil {
			r.buttons(b.Title, b.Items, b.Placeholder)
		}
	case *formatting.Select:
		if b != nil {
			r.choices(b.Options, b.Placeholder)
		}
	case *formatting.Card:
		if b != nil {
			r.card(b, true)
		}
	case *formatting.Products:
		if b != nil {
			r.products(b)
		}
	case *formatting.Location:
		if b != nil {
			r.location(b)
		}
	case *formatting.Audio:
		if b != nil {
			r.audio(b)
		}
	case *formatting.File:
		if b != nil {
			r.file(b)
		}
	case *formatting.Divider:
		r.add(slack.NewDividerBlock(), "", false)
	}
}

// The constructors below put a block and the objects it points to in one
// allocation (slack-go's constructors make one for each), as most answers have a
// dozen of them. An object is never shared between blocks.

func mrkdwn(s string) *slack.TextBlockObject {
	return &slack.TextBlockObject{Type: slack.MarkdownType, Text: s, Verbatim: true}
}

// emojiText is a plain_text object with its emoji flag (slack-go wants a *bool).
type emojiText struct {
	text slack.TextBlockObject
	yes  bool
}

func (o *emojiText) set(s string) *slack.TextBlockObject {
	o.yes = true
	o.text = slack.TextBlockObject{Type: slack.PlainTextType, Text: s, Emoji: &o.yes}
	return &o.text
}

func plainText(s string) *slack.TextBlockObject { return new(emojiText).set(s) }

// section is slack.NewSectionBlock(mrkdwn(s), nil, nil).
func section(s string) *slack.SectionBlock {
	o := &struct {
		block slack.SectionBlock
		text  slack.TextBlockObject
	}{text: slack.TextBlockObject{Type: slack.MarkdownType, Text: s, Verbatim: true}}
	o.block = slack.SectionBlock{Type: slack.MBTSection, Text: &o.text}
	return &o.block
}

// contextBlock is slack.NewContextBlock("", mrkdwn(s)).
func contextBlock(s string) *slack.ContextBlock {
	o := &struct {
		block slack.ContextBlock
		text  slack.TextBlockObject
		els   [1]slack.MixedElement
	}{text: slack.TextBlockObject{Type: slack.MarkdownType, Text: s, Verbatim: true}}
	o.els[0] = &o.text
	o.block = slack.ContextBlock{Type: slack.MBTContext, ContextElements: slack.ContextElements{Elements: o.els[:]}}
	return &o.block
}

// header is slack.NewHeaderBlock(plainText(s)).
func header(s string) *slack.HeaderBlock {
	o := &struct {
		block slack.HeaderBlock
		text  emojiText
	}{}
	o.block = slack.HeaderBlock{Type: slack.MBTHeader, Text: o.text.set(s)}
	return &o.block
}

// actionsBlock is slack.NewActionBlock("", elems...).
func actionsBlock(elems []slack.BlockElement) *slack.ActionBlock {
	o := &struct {
		block slack.ActionBlock
		els   slack.BlockElements
	}{els: slack.BlockElements{ElementSet: elems}}
	o.block = slack.ActionBlock{Type: slack.MBTAction, Elements: &o.els}
	return &o.block
}

// sections adds chunks as section blocks (dividers for rules).
func (r *renderer) sections(chunks []chunk, plain string, glue bool) {
	for _, c := range chunks {
		if c.rule {
			r.add(slack.NewDividerBlock(), "", false)
			continue
		}
		r.add(section(c.text), plain, glue)
		plain = ""
	}
}

// richSections is sections with the plain words of rich, worked out when needed.
func (r *renderer) richSections(chunks []chunk, rich formatting.Rich) {
	for i, c := range chunks {
		switch {
		case c.rule:
			r.add(slack.NewDividerBlock(), "", false)
			continue
		case i == firstText(chunks):
			r.addRich(section(c.text), rich)
		default:
			r.add(section(c.text), "", false)
		}
	}
}

// firstText is the index of the first chunk that is not a rule.
func firstText(chunks []chunk) int {
	for i, c := range chunks {
		if !c.rule {
			return i
		}
	}
	return -1
}

// contexts adds chunks as context blocks of one element each (elements of one
// context block sit side by side, not one under the other).
func (r *renderer) contexts(chunks []chunk, plain string) {
	for _, c := range chunks {
		if c.rule {
			r.add(slack.NewDividerBlock(), "", false)
			continue
		}
		r.add(contextBlock(c.text), plain, false)
		plain = ""
	}
}

func (r *renderer) text(t *formatting.Text, first bool) {
	rich := t.Rich
	if first && !t.Context && len(rich) > 0 {
		if h, ok := rich[0].(*formatting.Heading); ok && h != nil {
			if s, ok := headerText(h.Spans); ok {
				r.add(header(s), s, true)
				rich = rich[1:]
			}
		}
	}
	chunks := r.sc.richChunks(rich, maxSectionText)
	if t.Context {
		r.contexts(chunks, plainRich(rich))
		return
	}
	r.richSections(chunks, rich)
}

// headerText is the text of a heading that can be a header block: plain (no links),
// short enough.
func headerText(spans []formatting.Span) (string, bool) {
	if len(spans) == 1 && spans[0].Link == "" { // most headings: no copy to make
		t := cleanPlain(spans[0].Text)
		return t, t != "" && lenU(t) <= maxHeaderText
	}
	var b strings.Builder
	for _, s := range spans {
		if s.Link != "" {
			return "", false
		}
		b.WriteString(s.Text)
	}
	t := cleanPlain(b.String())
	return t, t != "" && lenU(t) <= maxHeaderText
}

// plainRich is the words of rich text, for the notification text.
func plainRich(rich formatting.Rich) string {
	var b strings.Builder
	var walk func(formatting.Rich)
	spans := func(ss []formatting.Span) {
		for _, s := range ss {
			b.WriteString(s.Text)
		}
		b.WriteByte(' ')
	}
	walk = func(rr formatting.Rich) {
		for _, rb := range rr {
			if b.Len() > 4*fallbackLen {
				return
			}
			switch x := rb.(type) {
			case *formatting.Para:
				if x != nil {
					spans(x.Spans)
				}
			case *formatting.Heading:
				if x != nil {
					spans(x.Spans)
				}
			case *formatting.List:
				if x != nil {
					for _, it := range x.Items {
						walk(it)
					}
				}
			case *formatting.CodeBlock:
				if x != nil {
					b.WriteString(x.Code + " ")
				}
			case *formatting.Quote:
				if x != nil {
					walk(x.Body)
				}
			case *formatting.Table:
				if x != nil {
					for _, row := range x.Rows {
						for _, cell := range row {
							spans(cell)
						}
					}
				}
			}
		}
	}
	walk(rich)
	return cleanPlain(b.String())
}

func para(spans ...formatting.Span) formatting.Rich {
	return formatting.Rich{&formatting.Para{Spans: spans}}
}

func (r *renderer) image(im *formatting.Image) {
	alt := cleanPlain(im.Alt)
	if !webURL(im.URL) {
		// Slack cannot show it: say what it was, in the model's words.
		if alt == "" && linkURL(im.URL) {
			r.contexts(r.sc.spanChunks(maxSectionText, formatting.Span{Link: im.URL}), im.URL)
		} else if alt != "" {
			r.contexts(r.sc.spanChunks(maxSectionText, formatting.Span{Text: alt}), alt)
		}
		return
	}
	if alt == "" {
		alt = fileName(im.URL)
	}
	alt = truncate(alt, maxAltText)
	r.add(slack.NewImageBlock(im.URL, alt, "", nil), alt, false)
	if im.Link != "" && linkURL(im.Link) {
		r.contexts(r.sc.spanChunks(maxSectionText, formatting.Span{Link: im.Link}), "")
	}
}

// accessory is a card's thumbnail: its image, else its icon.
func accessory(c *formatting.Card) *slack.Accessory {
	for _, u := range []string{c.ImageURL, c.IconURL} {
		if webURL(u) {
			alt := cleanPlain(c.Title)
			if alt == "" {
				alt = fileName(u)
			}
			return slack.NewAccessory(slack.NewImageBlockElement(u, truncate(alt, maxAltText)))
		}
	}
	return nil
}

// card renders a card: a header (or a bold, linked title), subtitle and body in
// sections with the image as accessory, fields, then buttons. Product items never
// use a header block (allowHeader false).
func (r *renderer) card(c *formatting.Card, allowHeader bool) {
	var w richWriter
	r.sc.initWriter(&w, maxSectionText, len(c.Title)+len(c.URL)+len(c.Subtitle)+richSize(c.Body)+32)
	title := cleanPlain(c.Title)
	plain := title
	switch {
	case allowHeader && title != "" && lenU(title) <= maxHeaderText && !linkURL(c.URL):
		r.add(header(title), title, true)
		plain = ""
	case title != "" || linkURL(c.URL):
		w.spans([]formatting.Span{{Text: c.Title, Marks: formatting.Bold, Link: c.URL}}, rctx{}, "")
	}
	if strings.TrimSpace(c.Subtitle) != "" {
		w.spans([]formatting.Span{{Text: c.Subtitle}}, rctx{}, "\n")
		if plain == "" {
			plain = cleanPlain(c.Subtitle)
		}
	}
	w.rich(c.Body, rctx{}, "\n")
	if plain == "" {
		plain = plainRich(c.Body)
	}
	r.withFields(w.pack(maxSectionText), accessory(c), r.sc.fieldTexts(c.Fields), plain)
	if len(c.Buttons) > 0 {
		r.buttons("", c.Buttons, "")
	}
}

// withFields adds text chunks as sections, the accessory on the first and the
// fields after the text (on the last text section while they fit, then in
// sections of their own).
func (r *renderer) withFields(chunks []chunk, acc *slack.Accessory, fields []*slack.TextBlockObject, plain string) {
	var secs []*slack.SectionBlock
	for _, c := range chunks {
		if c.rule {
			r.add(slack.NewDividerBlock(), "", false)
			continue
		}
		s := section(c.text)
		if acc != nil {
			s.Accessory, acc = acc, nil
		}
		secs = append(secs, s)
		r.add(s, plain, false)
		plain = ""
	}
	var last *slack.SectionBlock
	if len(secs) > 0 {
		last = secs[len(secs)-1]
	}
	for len(fields) > 0 {
		fresh := last == nil
		if fresh {
			last = slack.NewSectionBlock(nil, nil, nil)
			if acc != nil {
				last.Accessory, acc = acc, nil
			}
			r.add(last, plain, false)
			plain = ""
		}
		// A new section takes at least one field, so it is never empty.
		for len(fields) > 0 && len(last.Fields) < maxFields &&
			(fresh && len(last.Fields) == 0 || blockWeight(last)+lenU(fields[0].Text) <= blockBudget) {
			last.Fields = append(last.Fields, fields[0])
			fields = fields[1:]
		}
		last = nil
	}
	if acc != nil { // an image with no text to sit beside
		im := acc.ImageElement
		r.add(slack.NewImageBlock(*im.ImageURL, im.AltText, "", nil), im.AltText, false)
	}
}

// fieldTexts renders card fields as "*label*\nvalue" texts of at most 2000
// characters; a long value goes on in further fields.
func (sc *scratch) fieldTexts(fields []formatting.Field) []*slack.TextBlockObject {
	var out []*slack.TextBlockObject
	for _, f := range fields {
		label := ""
		if l := cleanPlain(f.Label); l != "" {
			label = lineBody(lineRuns([]formatting.Span{{Text: truncate(l, 200), Marks: formatting.Bold}}))
		}
		limit := maxFieldText
		if label != "" {
			limit -= lenU(label) + 1
		}
		n := 0
		for _, c := range sc.richChunks(f.Value, limit) {
			if c.rule {
				continue
			}
			t := c.text
			if n == 0 && label != "" {
				t = label + "\n" + t
			}
			out = append(out, mrkdwn(t))
			n++
		}
		if n == 0 && label != "" {
			out = append(out, mrkdwn(label))
		}
	}
	return out
}

func (r *renderer) products(p *formatting.Products) {
	if t := cleanPlain(p.Title); t != "" {
		if lenU(t) <= maxHeaderText {
			r.add(header(t), t, true)
		} else {
			r.sections(r.sc.spanChunks(maxSectionText, formatting.Span{Text: p.Title, Marks: formatting.Bold}), t, true)
		}
	}
	for i := range p.Items {
		r.card(&p.Items[i], false)
	}
	if p.Pages > 1 && p.Page >= 1 {
		s := strconv.Itoa(p.Page) + "/" + strconv.Itoa(p.Pages)
		r.add(contextBlock(s), s, false)
	}
	var paging []formatting.Button
	for _, b := range []*formatting.Button{p.Prev, p.Next} {
		if b != nil {
			paging = append(paging, *b)
		}
	}
	if len(paging) > 0 {
		r.buttons("", paging, "")
	}
}

func (r *renderer) location(l *formatting.Location) {
	var w richWriter
	r.sc.initWriter(&w, maxSectionText, len(l.Name)+len(l.Address)+len(l.MapURL)+64)
	sep := ""
	if strings.TrimSpace(l.Name) != "" {
		w.spans([]formatting.Span{{Text: l.Name, Marks: formatting.Bold}}, rctx{}, sep)
		sep = "\n"
	}
	if strings.TrimSpace(l.Address) != "" {
		w.spans([]formatting.Span{{Text: l.Address}}, rctx{}, sep)
		sep = "\n"
	}
	mapOK := webURL(l.MapURL)
	if l.HasCoords && !mapOK {
		s := strconv.FormatFloat(l.Lat, 'f', -1, 64) + ", " + strconv.FormatFloat(l.Lng, 'f', -1, 64)
		w.spans([]formatting.Span{{Text: s}}, rctx{}, sep)
	}
	if len(w.items) == 0 && mapOK {
		w.spans([]formatting.Span{{Link: l.MapURL}}, rctx{}, "")
	}
	chunks := w.pack(maxSectionText)
	if len(chunks) == 0 {
		return
	}
	plain := cleanPlain(l.Name + " " + l.Address)
	var acc *slack.Accessory
	if mapOK {
		acc = slack.NewAccessory(&slack.ButtonBlockElement{Type: slack.METButton, Text: plainText("🗺️"), URL: l.MapURL})
	}
	r.withFields(chunks, acc, nil, plain)
}

func (r *renderer) audio(a *formatting.Audio) {
	caption := strings.TrimSpace(a.Caption)
	var rich formatting.Rich
	switch {
	case !linkURL(a.URL):
		rich = para(formatting.Span{Text: a.Caption})
		if strings.TrimSpace(a.URL) != "" {
			rich = append(rich, para(formatting.Span{Text: a.URL})...)
		}
	case caption != "" && lenU(caption) <= 200 && !strings.Contains(caption, "\n"):
		rich = para(formatting.Span{Text: "🔊 "}, formatting.Span{Text: caption, Link: a.URL})
	default:
		rich = append(para(formatting.Span{Text: a.Caption}), para(formatting.Span{Text: "🔊 "}, formatting.Span{Link: a.URL})...)
	}
	plain := cleanPlain(a.Caption)
	if plain == "" {
		plain = fileName(a.URL)
	}
	r.sections(r.sc.richChunks(rich, maxSectionText), plain, false)
}

func (r *renderer) file(f *formatting.File) {
	name := cleanPlain(f.Name)
	if name == "" {
		name = fileName(f.URL)
	}
	spans := []formatting.Span{{Text: "📎 "}, {Text: name}}
	if linkURL(f.URL) {
		spans[1].Link = f.URL
	} else if strings.TrimSpace(f.URL) != "" && f.Name != "" {
		spans = append(spans, formatting.Span{Text: " " + f.URL})
	}
	if f.Size > 0 {
		spans = append(spans, formatting.Span{Text: " (" + sizeString(f.Size) + ")"})
	}
	r.contexts(r.sc.spanChunks(maxSectionText, spans...), name)
}

// sizeString formats a byte count with binary units.
func sizeString(n int64) string {
	if n < 1024 {
		return strconv.FormatInt(n, 10) + " B"
	}
	v := float64(n)
	for _, u := range []string{"KB", "MB", "GB", "TB"} {
		v /= 1024
		if v < 1024 || u == "TB" {
			return strconv.FormatFloat(v, 'f', 1, 64) + " " + u
		}
	}
	return ""
}

// messages packs the units into messages within the block and text limits. A
// title at the end of a full message moves on with the block it belongs to.
// A message is a range of units, and its blocks a range of one array.
func (r *renderer) messages() []Msg {
	var starts []int // where each message but the first starts in r.units
	start, w := 0, 0
	for i, u := range r.units {
		uw := blockWeight(u.block)
		if n := i - start; n > 0 && (n >= maxBlocks || w+uw > maxMsgText) {
			k, cw := i, 0
			for k > start && r.units[k-1].glue {
				k--
				cw += blockWeight(r.units[k].block)
			}
			// The titles move on only when they fit the next message with
			// their block: a title longer than that stays where it is.
			if k == start || cw+uw > maxMsgText || i-k+1 > maxBlocks {
				k, cw = i, 0
			}
			starts = append(starts, k)
			start, w = k, cw
		}
		w += uw
	}
	if len(r.units) == 0 {
		return make([]Msg, 0)
	}
	msgs := make([]Msg, 0, len(starts)+1)
	blocks := make([]slack.Block, len(r.units))
	for i, u := range r.units {
		blocks[i] = u.block
	}
	from := 0
	for i := 0; i <= len(starts); i++ {
		to := len(r.units)
		if i < len(starts) {
			to = starts[i]
		}
		m := Msg{Text: ellipsis, Blocks: blocks[from:to:to]}
		for _, u := range r.units[from:to] {
			p := u.plain
			if u.rich != nil {
				p = plainRich(u.rich)
			}
			if p = cleanPlain(p); p != "" {
				m.Text = escapeText(truncate(p, fallbackLen))
				break
			}
		}
		dedupeIDs(m.Blocks)
		msgs = append(msgs, m)
		from = to
	}
	return msgs
}
