package discordfmt

import (
	"strconv"

	"github.com/bwmarrin/discordgo"
	"github.com/kmbridge/kmbridge/formatting"
	"github.com/kmbridge/kmbridge/formatting/internal/arena"
)

// Render turns a message into Discord messages, in order. Within one Discord
// message content shows above embeds and embeds above buttons, so a block that
// would appear out of order starts the next message. Long text is split at
// paragraph, sentence or word boundaries; more than ten embeds, 6000 embed
// characters or five action rows spill into further messages; buttons beyond what
// the rows hold become select menus. A run of titled button groups shares
// messages (see run). Every message parses no mentions (allowed_mentions with an
// empty parse list) and passes Validate.
func Render(m formatting.Message) []*discordgo.MessageSend {
	b := &builder{spans: arena.Of[span]{Chunk: 64}} // a typical answer has about fifty spans
	b.lines = b.lineArray[:0]
	for i := 0; i < len(m.Blocks); {
		if run, next := titledRun(m.Blocks, i); len(run) > 1 {
			b.run(run)
			i = next
			continue
		}
		b.block(m.Blocks[i])
		i++
	}
	if len(m.InputHints) > 0 {
		b.buttons(&formatting.Buttons{Items: m.InputHints})
	}
	b.flush()
	return b.out
}

// builder accumulates the message being built (the draft) and the finished ones.
type builder struct {
	out []*discordgo.MessageSend

	lines   []line // content not yet split
	text    string // content already split off, when embeds or rows follow
	settled bool
	embeds  []*discordgo.MessageEmbed
	embedN  int
	rows    []row

	spans arena.Of[span]
	// lineArray is lines' first array: a typical answer is a few dozen lines.
	lineArray [32]line
}

func (b *builder) block(blk formatting.Block) {
	switch v := blk.(type) {
	case *formatting.Text:
		if v == nil {
			return
		}
		c := lctx{plainH: v.Context, spans: &b.spans}
		if b.phase() == 0 && !b.settled {
			// content's work, rendering straight into the pending lines
			n := len(b.lines)
			if n > 0 {
				b.lines = append(b.lines, line{kind: lkBlank})
			}
			m := len(b.lines)
			if b.lines = appendRich(b.lines, v.Rich, c); len(b.lines) == m {
				b.lines = b.lines[:n]
			} else if v.Context {
				subtext(b.lines[m:])
			}
			return
		}
		ls := appendRich(nil, v.Rich, c)
		if v.Context {
			ls = subtext(ls)
		}
		b.content(ls)
	case *formatting.Image:
		if v != nil {
			b.image(v)
		}
	case *formatting.Buttons:
		if v != nil {
			b.buttons(v)
		}
	case *formatting.Select:
		if v != nil {
			b.selects(v.Placeholder, v.Options)
		}
	case *formatting.Card:
		if v != nil {
			b.card(v, false)
		}
	case *formatting.Products:
		if v != nil {
			b.products(v)
		}
	case *formatting.Location:
		if v != nil {
			b.addEmbeds(cardEmbeds(locationCard(v), false))
		}
	case *formatting.Audio:
		if v != nil {
			b.audio(v)
		}
	case *formatting.File:
		if v != nil {
			b.file(v)
		}
	case *formatting.Divider:
		if v != nil {
			b.divider()
		}
	}
}

// phase is how far the draft has got: 0 content, 1 embeds, 2 components.
func (b *builder) phase() int {
	switch {
	case len(b.rows) > 0:
		return 2
	case len(b.embeds) > 0:
		return 1
	}
	return 0
}

func (b *builder) content(ls []line) {
	if len(ls) == 0 {
		return
	}
	if b.phase() > 0 || b.settled {
		b.flush()
	}
	if len(b.lines) > 0 {
		b.lines = append(b.lines, line{kind: lkBlank})
	}
	b.lines = append(b.lines, ls...)
}

// settle splits the pending content: every chunk but the last becomes a message
// of its own, the last stays with the embeds or rows that follow.
func (b *builder) settle() {
	if b.settled {
		return
	}
	b.settled = true
	chunks := splitLines(b.lines, MaxContent)
	b.lines = b.lines[:0] // splitLines keeps nothing of them
	for i, c := range chunks {
		if i == len(chunks)-1 {
			b.text = c
			break
		}
		b.emit(c, nil, nil)
	}
}

func (b *builder) flush() {
	b.settle()
	b.emit(b.text, b.embeds, b.rows)
	b.text, b.settled, b.embeds, b.embedN, b.rows = "", false, nil, 0, nil
}

func (b *builder) emit(content string, embeds []*discordgo.MessageEmbed, rows []row) {
	if content == "" && len(embeds) == 0 && len(rows) == 0 {
		return
	}
	b.out = append(b.out, &discordgo.MessageSend{
		Content:         content,
		Embeds:          embeds,
		Components:      finishRows(rows),
		AllowedMentions: &discordgo.MessageAllowedMentions{Parse: []discordgo.AllowedMentionType{}},
	})
}

// embeds1 adds embeds in order, starting new messages as limits require.
func (b *builder) addEmbeds(es []*discordgo.MessageEmbed) {
	for _, e := range es {
		n := embedChars(e)
		if b.phase() == 2 || len(b.embeds) == MaxEmbeds || b.embedN+n > MaxEmbedTotal {
			b.flush()
		}
		b.settle()
		b.embeds = append(b.embeds, e)
		b.embedN += n
	}
}

// addRows adds rows that belong together; they start a new message when the
// draft has no room for all of them.
func (b *builder) addRows(rs ...row) {
	if len(rs) == 0 {
		return
	}
	if len(b.rows)+len(rs) > MaxRows {
		b.flush()
	}
	b.settle()
	b.rows = append(b.rows, rs...)
}

func (b *builder) freeRows() int { return MaxRows - len(b.rows) }

func (b *builder) card(c *formatting.Card, thumb bool) {
	b.addEmbeds(cardEmbeds(c, thumb))
	if len(c.Buttons) > 0 {
		b.buttons(&formatting.Buttons{Items: c.Buttons})
	}
}

// titleLine is a bold lead-in (button group titles, product list titles).
func titleLine(s string) []line {
	return spansLine(formatting.Span{Text: oneLine(s), Marks: formatting.Bold})
}

// buttons lays a group out as rows of buttons when they fit in the draft's free
// rows (at most 25), else as select menus with the link buttons in rows after
// them. A title goes in the content above.
func (b *builder) buttons(g *formatting.Buttons) {
	b.content(titleLine(g.Title))
	b.buttonRows(g)
}

// buttonRows is buttons without the title.
func (b *builder) buttonRows(g *formatting.Buttons) {
	items := g.Items
	if len(items) == 0 {
		return
	}
	cols := g.Columns
	if cols < 1 || cols > MaxRowButtons {
		cols = MaxRowButtons
	}
	need := func(c int) int { return (len(items) + c - 1) / c }
	if b.freeRows() == 0 {
		b.flush()
	}
	if len(items) <= MaxRows*MaxRowButtons && need(cols) > b.freeRows() && need(MaxRowButtons) <= b.freeRows() {
		cols = MaxRowButtons // the width was a suggestion; fitting matters more
	}
	if len(items) <= MaxRows*MaxRowButtons && need(cols) <= b.freeRows() {
		rs := make([]row, 0, need(cols))
		for i := 0; i < len(items); i += cols {
			r := row{buttons: make([]discordgo.Button, 0, min(cols, len(items)-i))}
			for _, it := range items[i:min(i+cols, len(items))] {
				r.buttons = append(r.buttons, button(it))
			}
			rs = append(rs, r)
		}
		b.addRows(rs...)
		return
	}
	b.selects(g.Placeholder, items)
}

// selects renders choices as select menus (one per row); choices that are links
// cannot be options and become link buttons after the menus.
func (b *builder) selects(placeholder string, items []formatting.Button) {
	var acts, links []formatting.Button
	for _, it := range items {
		if it.Token == "" && it.URL != "" {
			links = append(links, it)
		} else {
			acts = append(acts, it)
		}
	}
	for _, m := range selectMenus(acts, placeholder) {
		b.addRows(row{sel: m})
	}
	for i := 0; i < len(links); i += MaxRowButtons {
		var r row
		for _, it := range links[i:min(i+MaxRowButtons, len(links))] {
			r.buttons = append(r.buttons, button(it))
		}
		b.addRows(r)
	}
}

// products shows a title, one embed per product (thumbnail image) with its
// buttons, and after the last product the paging row: Prev, a disabled button
// showing PageLabel (or "n/N"), Next.
func (b *builder) products(p *formatting.Products) {
	b.content(titleLine(p.Title))
	for i := range p.Items {
		b.card(&p.Items[i], true)
	}
	var r row
	if p.Prev != nil {
		r.buttons = append(r.buttons, button(*p.Prev))
	}
	if p.Pages > 1 || p.PageLabel != "" {
		label := oneLine(p.PageLabel)
		if label == "" { // digits only: renderers add no words of their own
			label = strconv.Itoa(p.Page) + "/" + strconv.Itoa(p.Pages)
		}
		r.buttons = append(r.buttons, discordgo.Button{
			Label: truncate(label, MaxButtonLabel), Style: discordgo.SecondaryButton,
			CustomID: NoopID, Disabled: true,
		})
	}
	if p.Next != nil {
		r.buttons = append(r.buttons, button(*p.Next))
	}
	if len(r.buttons) > 0 {
		b.addRows(r)
	}
}

// image shows a picture as an embed; one Discord cannot load (not http/https)
// leaves its description and address as text.
func (b *builder) image(im *formatting.Image) {
	if _, ok := safeURL(im.URL); ok {
		b.addEmbeds(cardEmbeds(&formatting.Card{Title: im.Alt, URL: im.Link, ImageURL: im.URL}, false))
		return
	}
	spans := []formatting.Span{{Text: "🖼️ " + oneLine(im.Alt)}}
	if u := shownURL(im.URL); u != "" {
		spans = append(spans, formatting.Span{Text: " " + u})
	}
	if im.Link != "" {
		spans = append(spans, formatting.Span{Text: " "}, formatting.Span{Text: im.Link, Link: im.Link})
	}
	b.content(spansLine(spans...))
}

// audio is a line with a speaker and the link, the caption as text above it.
func (b *builder) audio(a *formatting.Audio) {
	var ls []line
	if c := sanitize(a.Caption); c != "" {
		ls = spansLine(formatting.Span{Text: c})
	}
	if l := linkSpan("", a.URL); l.Text != "" {
		ls = append(ls, spansLine(formatting.Span{Text: "🔊 "}, l)...)
	}
	b.content(ls)
}

// file is a line with a paper clip, the linked name and the size.
func (b *builder) file(f *formatting.File) {
	spans := []formatting.Span{{Text: "📎 "}, linkSpan(oneLine(f.Name), f.URL)}
	if spans[1].Text == "" {
		spans[1].Text = ellipsis
	}
	if f.Size > 0 {
		spans = append(spans, formatting.Span{Text: " (" + humanSize(f.Size) + ")"})
	}
	b.content(spansLine(spans...))
}

// linkSpan links text to u; without text the address itself is shown, unless it
// is not worth showing (see shownURL).
func linkSpan(text, u string) formatting.Span {
	if text == "" {
		text = shownURL(u)
	}
	return formatting.Span{Text: text, Link: u}
}

// shownURL is u as text, or "" for addresses that would only be noise in a chat:
// inline data (data: URIs can be megabytes) and anything longer than a link
// button takes.
func shownURL(u string) string {
	u = oneLine(u)
	if hasPrefixFold(u, "data:") || runes(u) > MaxLinkURL {
		return ""
	}
	return u
}

// humanSize formats a byte count with binary units (symbols, not words).
func humanSize(n int64) string {
	const unit = 1024
	if n < unit {
		return strconv.FormatInt(n, 10) + " B"
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit && exp < 4; m /= unit {
		div *= unit
		exp++
	}
	return strconv.FormatFloat(float64(n)/float64(div), 'f', 1, 64) + " " + string("KMGTP"[exp]) + "B"
}

// divider draws a rule between pieces of text; after embeds or buttons the next
// message is separation enough.
func (b *builder) divider() {
	if b.phase() > 0 || b.settled {
		b.flush()
		return
	}
	if len(b.lines) > 0 {
		b.content([]line{{kind: lkRaw, text: ruleText}})
	}
}
