package webfmt

import (
	"reflect"
	"strconv"
	"strings"

	"github.com/kmbridge/kmbridge/formatting"
)

// Render converts a Message for the web chat. It is pure and never fails: a button
// whose URL is not safe is left out, an unsafe link keeps its text only.
func Render(m formatting.Message) Msg {
	var all strings.Builder
	all.Grow(htmlSize(m))
	var memo linkMemo
	w := writer{b: &all, links: &memo}
	r := render{out: Msg{Parts: make([]Part, 0, len(m.Blocks))}, htmlFrom: -1}
	for _, blk := range m.Blocks {
		if isNil(blk) {
			continue
		}
		start := all.Len()
		switch v := blk.(type) {
		case *formatting.Text:
			w.rich(v.Rich)
			r.addHTML(all.String(), start, v.Context)
		case *formatting.Image:
			w.image(v)
			r.addHTML(all.String(), start, false)
		case *formatting.Buttons:
			g := &Buttons{Title: v.Title, Columns: v.Columns, Placeholder: v.Placeholder, Items: buttons(v.Items)}
			if len(g.Items) == 0 {
				continue
			}
			r.add(Part{Kind: KindButtons, Buttons: g})
			w.buttons(g.Title, g.Items)
		case *formatting.Select:
			s := &Select{Placeholder: v.Placeholder, Options: buttons(v.Options)}
			if len(s.Options) == 0 {
				continue
			}
			r.add(Part{Kind: KindSelect, Select: s})
			w.buttons(s.Placeholder, s.Options)
		case *formatting.Card:
			c := w.card(v)
			r.add(Part{Kind: KindCard, Card: &c})
			w.cardHTML(&c)
		case *formatting.Products:
			p := &Products{Title: v.Title, Page: v.Page, Pages: v.Pages, PageLabel: v.PageLabel, Items: make([]Card, 0, len(v.Items))}
			for i := range v.Items {
				p.Items = append(p.Items, w.card(&v.Items[i]))
			}
			p.Prev, p.Next = optButton(v.Prev), optButton(v.Next)
			r.add(Part{Kind: KindProducts, Products: p})
			if p.Title != "" {
				w.str("<p><b>")
				w.esc(p.Title)
				w.str("</b></p>")
			}
			for i := range p.Items {
				w.cardHTML(&p.Items[i])
			}
			if p.PageLabel != "" {
				w.str("<p><i>")
				w.esc(p.PageLabel)
				w.str("</i></p>")
			}
		case *formatting.Location:
			l := &Location{Name: v.Name, Address: v.Address, Lat: v.Lat, Lng: v.Lng, HasCoords: v.HasCoords}
			l.MapURL, _ = formatting.SafeImageURL(v.MapURL)
			r.add(Part{Kind: KindLocation, Location: l})
			w.location(l)
		case *formatting.Audio:
			u, ok := formatting.SafeImageURL(v.URL)
			if !ok {
				if v.Caption != "" {
					w.str("<p>")
					w.esc(v.Caption)
					w.str("</p>")
					r.addHTML(all.String(), start, false)
				}
				continue
			}
			a := &Audio{URL: u, Caption: v.Caption}
			r.add(Part{Kind: KindAudio, Audio: a})
			w.str("<p>")
			if a.Caption != "" {
				w.esc(a.Caption)
				w.str("<br>")
			}
			w.link(a.URL, "")
			w.str("</p>")
		case *formatting.File:
			f := &File{Name: v.Name, Size: max(v.Size, 0)}
			f.URL, _ = formatting.SafeImageURL(v.URL)
			if f.Size > 0 {
				f.SizeText = formatting.HumanSize(f.Size)
			}
			if f.Name == "" {
				f.Name = f.URL
			}
			r.add(Part{Kind: KindFile, File: f})
			w.str("<p>📎 ")
			w.link(f.URL, f.Name)
			if f.SizeText != "" {
				w.str(" (")
				w.esc(f.SizeText)
				w.str(")")
			}
			w.str("</p>")
		case *formatting.Divider:
			r.add(Part{Kind: KindDivider})
			w.str("<hr>")
		}
	}
	out := r.out
	out.InputHints = buttons(m.InputHints)
	if len(out.InputHints) == 0 {
		out.InputHints = nil
	}
	out.HTML = all.String()
	return out
}

// render is a Render in progress. An html part's HTML is a piece of the
// message's HTML, which holds it: one copy of the text, not two.
type render struct {
	out Msg
	// htmlFrom is where the last part's HTML starts in the message's HTML when
	// that part is an html part, else -1.
	htmlFrom int
}

func (r *render) add(p Part) {
	r.out.Parts = append(r.out.Parts, p)
	r.htmlFrom = -1
}

// addHTML makes all[start:], what was written since start, an html part,
// merged into the previous part when that is an html part of the same kind
// (which then ends where start is: every block that writes HTML adds a part).
func (r *render) addHTML(all string, start int, context bool) {
	if len(all) == start {
		return
	}
	if n := len(r.out.Parts); n > 0 && r.out.Parts[n-1].Kind == KindHTML && r.out.Parts[n-1].Context == context {
		if prev := &r.out.Parts[n-1]; r.htmlFrom >= 0 && r.htmlFrom+len(prev.HTML) == start {
			prev.HTML = all[r.htmlFrom:]
		} else {
			prev.HTML += all[start:]
			r.htmlFrom = -1
		}
		return
	}
	r.out.Parts = append(r.out.Parts, Part{Kind: KindHTML, HTML: all[start:], Context: context})
	r.htmlFrom = start
}

// htmlSize is about the size of m's HTML, so that its builder seldom grows.
func htmlSize(m formatting.Message) int {
	n := 0
	for _, blk := range m.Blocks {
		switch v := blk.(type) {
		case *formatting.Text:
			if v != nil {
				n += richSize(v.Rich)
			}
		default:
			n += 256
		}
	}
	return n
}

// richSize is about the size of r in HTML: text, links and tags.
func richSize(r formatting.Rich) int {
	n := 0
	for _, rb := range r {
		switch v := rb.(type) {
		case *formatting.Para:
			if v != nil {
				n += spansSize(v.Spans) + 7
			}
		case *formatting.Heading:
			if v != nil {
				n += spansSize(v.Spans) + 9
			}
		case *formatting.List:
			if v != nil {
				for _, it := range v.Items {
					n += richSize(it) + 9
				}
				n += 9
			}
		case *formatting.CodeBlock:
			if v != nil {
				n += len(v.Code) + len(v.Code)/8 + 24
			}
		case *formatting.Quote:
			if v != nil {
				n += richSize(v.Body) + 25
			}
		case *formatting.Table:
			if v != nil {
				for _, row := range v.Rows {
					for _, c := range row {
						n += spansSize(c) + 9
					}
					n += 9
				}
				n += 32
			}
		default:
			n += 4
		}
	}
	return n
}

func spansSize(spans []formatting.Span) int {
	n := 0
	for _, sp := range spans {
		n += len(sp.Text) + len(sp.Text)/16
		if sp.Link != "" {
			n += len(sp.Link) + 56
		}
		if sp.Marks != 0 {
			n += 16
		}
	}
	return n
}

func button(b formatting.Button) (Button, bool) {
	out := Button{Label: b.Label, Token: b.Token}
	switch b.Style {
	case formatting.StylePrimary:
		out.Style = "primary"
	case formatting.StyleDanger:
		out.Style = "danger"
	}
	if b.URL != "" {
		u, ok := formatting.SafeLink(b.URL)
		if !ok {
			return Button{}, false
		}
		out.URL, out.Token = u, ""
	}
	if out.Label == "" {
		out.Label = out.URL
	}
	return out, out.Label != ""
}

func buttons(in []formatting.Button) []Button {
	out := make([]Button, 0, len(in))
	for _, b := range in {
		if wb, ok := button(b); ok {
			out = append(out, wb)
		}
	}
	return out
}

func optButton(b *formatting.Button) *Button {
	if b == nil {
		return nil
	}
	if wb, ok := button(*b); ok {
		return &wb
	}
	return nil
}

func (w writer) card(v *formatting.Card) Card {
	c := Card{Title: v.Title, Subtitle: v.Subtitle, Buttons: buttons(v.Buttons)}
	c.URL, _ = formatting.SafeLink(v.URL)
	c.ImageURL, _ = formatting.SafeImageURL(v.ImageURL)
	c.IconURL, _ = formatting.SafeImageURL(v.IconURL)
	var b strings.Builder
	w.to(&b).rich(v.Body)
	c.BodyHTML = b.String()
	for _, f := range v.Fields {
		var fb strings.Builder
		w.to(&fb).rich(f.Value)
		c.Fields = append(c.Fields, Field{Label: f.Label, ValueHTML: fb.String()})
	}
	if len(c.Buttons) == 0 {
		c.Buttons = nil
	}
	return c
}

// buttons is the static form of a button group: its title and its links.
func (w writer) buttons(title string, items []Button) {
	nlinks := 0
	for _, it := range items {
		if it.URL != "" {
			nlinks++
		}
	}
	if title == "" && nlinks == 0 {
		return
	}
	if title != "" {
		w.str("<p>")
		w.esc(title)
		w.str("</p>")
	}
	if nlinks > 0 {
		w.str("<ul>")
		for _, l := range items {
			if l.URL != "" {
				w.str("<li>")
				w.link(l.URL, l.Label)
				w.str("</li>")
			}
		}
		w.str("</ul>")
	}
}

func (w writer) cardHTML(c *Card) {
	w.str("<blockquote>")
	if c.ImageURL != "" {
		w.str("<figure>")
		w.img(c.ImageURL, c.Title)
		w.str("</figure>")
	}
	if c.Title != "" {
		w.str("<p><b>")
		w.link(c.URL, c.Title)
		w.str("</b></p>")
	} else if c.URL != "" {
		w.str("<p>")
		w.link(c.URL, "")
		w.str("</p>")
	}
	if c.Subtitle != "" {
		w.str("<p><i>")
		w.esc(c.Subtitle)
		w.str("</i></p>")
	}
	w.str(c.BodyHTML)
	for _, f := range c.Fields {
		w.str("<p><b>")
		w.esc(f.Label)
		w.str("</b></p>")
		w.str(f.ValueHTML)
	}
	w.buttons("", c.Buttons)
	w.str("</blockquote>")
}

func (w writer) location(l *Location) {
	w.str("<p>📍 ")
	name := l.Name
	if name == "" {
		name = l.Address
	}
	if name == "" && l.HasCoords {
		name = strconv.FormatFloat(l.Lat, 'f', -1, 64) + ", " + strconv.FormatFloat(l.Lng, 'f', -1, 64)
	}
	w.str("<b>")
	w.link(l.MapURL, name)
	w.str("</b>")
	if l.Address != "" && l.Address != name {
		w.str("<br>")
		w.esc(l.Address)
	}
	w.str("</p>")
}

// isNil reports a nil interface or a typed nil pointer left in a hand-built Message.
func isNil(x any) bool {
	if x == nil {
		return true
	}
	v := reflect.ValueOf(x)
	return v.Kind() == reflect.Pointer && v.IsNil()
}
