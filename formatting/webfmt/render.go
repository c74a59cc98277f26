package webfmt

import (
	"html"
	"reflect"
	"strconv"
	"strings"

	"github.com/kmbridge/kmbridge/formatting"
)

// Render converts a Message for the web chat. It is pure and never fails: a button
// whose URL is not safe is left out, an unsafe link keeps its text only.
func Render(m formatting.Message) Msg {
	var out Msg
	var all strings.Builder
	for _, blk := range m.Blocks {
		if isNil(blk) {
			continue
		}
		switch v := blk.(type) {
		case *formatting.Text:
			var b strings.Builder
			richHTML(&b, v.Rich)
			out.addHTML(b.String(), v.Context)
			all.WriteString(b.String())
		case *formatting.Image:
			var b strings.Builder
			imageHTML(&b, v)
			out.addHTML(b.String(), false)
			all.WriteString(b.String())
		case *formatting.Buttons:
			g := &Buttons{Title: v.Title, Columns: v.Columns, Placeholder: v.Placeholder, Items: buttons(v.Items)}
			if len(g.Items) == 0 {
				continue
			}
			out.Parts = append(out.Parts, Part{Kind: KindButtons, Buttons: g})
			buttonsHTML(&all, g.Title, g.Items)
		case *formatting.Select:
			s := &Select{Placeholder: v.Placeholder, Options: buttons(v.Options)}
			if len(s.Options) == 0 {
				continue
			}
			out.Parts = append(out.Parts, Part{Kind: KindSelect, Select: s})
			buttonsHTML(&all, s.Placeholder, s.Options)
		case *formatting.Card:
			c := card(v)
			out.Parts = append(out.Parts, Part{Kind: KindCard, Card: &c})
			cardHTML(&all, &c)
		case *formatting.Products:
			p := &Products{Title: v.Title, Page: v.Page, Pages: v.Pages, PageLabel: v.PageLabel, Items: []Card{}}
			for i := range v.Items {
				p.Items = append(p.Items, card(&v.Items[i]))
			}
			p.Prev, p.Next = optButton(v.Prev), optButton(v.Next)
			out.Parts = append(out.Parts, Part{Kind: KindProducts, Products: p})
			if p.Title != "" {
				all.WriteString("<p><b>" + html.EscapeString(p.Title) + "</b></p>")
			}
			for i := range p.Items {
				cardHTML(&all, &p.Items[i])
			}
			if p.PageLabel != "" {
				all.WriteString("<p><i>" + html.EscapeString(p.PageLabel) + "</i></p>")
			}
		case *formatting.Location:
			l := &Location{Name: v.Name, Address: v.Address, Lat: v.Lat, Lng: v.Lng, HasCoords: v.HasCoords}
			l.MapURL, _ = formatting.SafeImageURL(v.MapURL)
			out.Parts = append(out.Parts, Part{Kind: KindLocation, Location: l})
			locationHTML(&all, l)
		case *formatting.Audio:
			u, ok := formatting.SafeImageURL(v.URL)
			if !ok {
				if v.Caption != "" {
					out.addHTML("<p>"+html.EscapeString(v.Caption)+"</p>", false)
					all.WriteString("<p>" + html.EscapeString(v.Caption) + "</p>")
				}
				continue
			}
			a := &Audio{URL: u, Caption: v.Caption}
			out.Parts = append(out.Parts, Part{Kind: KindAudio, Audio: a})
			all.WriteString("<p>")
			if a.Caption != "" {
				all.WriteString(html.EscapeString(a.Caption) + "<br>")
			}
			linkHTML(&all, a.URL, "")
			all.WriteString("</p>")
		case *formatting.File:
			f := &File{Name: v.Name, Size: max(v.Size, 0)}
			f.URL, _ = formatting.SafeImageURL(v.URL)
			if f.Size > 0 {
				f.SizeText = formatting.HumanSize(f.Size)
			}
			if f.Name == "" {
				f.Name = f.URL
			}
			out.Parts = append(out.Parts, Part{Kind: KindFile, File: f})
			all.WriteString("<p>📎 ")
			linkHTML(&all, f.URL, f.Name)
			if f.SizeText != "" {
				all.WriteString(" (" + html.EscapeString(f.SizeText) + ")")
			}
			all.WriteString("</p>")
		case *formatting.Divider:
			out.Parts = append(out.Parts, Part{Kind: KindDivider})
			all.WriteString("<hr>")
		}
	}
	out.InputHints = buttons(m.InputHints)
	if len(out.InputHints) == 0 {
		out.InputHints = nil
	}
	if out.Parts == nil {
		out.Parts = []Part{}
	}
	out.HTML = all.String()
	return out
}

// addHTML appends HTML, merging it into the previous html part of the same kind.
func (m *Msg) addHTML(s string, context bool) {
	if s == "" {
		return
	}
	if n := len(m.Parts); n > 0 && m.Parts[n-1].Kind == KindHTML && m.Parts[n-1].Context == context {
		m.Parts[n-1].HTML += s
		return
	}
	m.Parts = append(m.Parts, Part{Kind: KindHTML, HTML: s, Context: context})
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

func card(v *formatting.Card) Card {
	c := Card{Title: v.Title, Subtitle: v.Subtitle, Buttons: buttons(v.Buttons)}
	c.URL, _ = formatting.SafeLink(v.URL)
	c.ImageURL, _ = formatting.SafeImageURL(v.ImageURL)
	c.IconURL, _ = formatting.SafeImageURL(v.IconURL)
	var b strings.Builder
	richHTML(&b, v.Body)
	c.BodyHTML = b.String()
	for _, f := range v.Fields {
		var fb strings.Builder
		richHTML(&fb, f.Value)
		c.Fields = append(c.Fields, Field{Label: f.Label, ValueHTML: fb.String()})
	}
	if len(c.Buttons) == 0 {
		c.Buttons = nil
	}
	return c
}

// buttonsHTML is the static form of a button group: its title and its links.
func buttonsHTML(b *strings.Builder, title string, items []Button) {
	var links []Button
	for _, it := range items {
		if it.URL != "" {
			links = append(links, it)
		}
	}
	if title == "" && len(links) == 0 {
		return
	}
	if title != "" {
		b.WriteString("<p>" + html.EscapeString(title) + "</p>")
	}
	if len(links) > 0 {
		b.WriteString("<ul>")
		for _, l := range links {
			b.WriteString("<li>")
			linkHTML(b, l.URL, l.Label)
			b.WriteString("</li>")
		}
		b.WriteString("</ul>")
	}
}

func cardHTML(b *strings.Builder, c *Card) {
	b.WriteString("<blockquote>")
	if c.ImageURL != "" {
		b.WriteString(`<figure><img src="` + html.EscapeString(c.ImageURL) + `" alt="` + html.EscapeString(c.Title) + `"></figure>`)
	}
	if c.Title != "" {
		b.WriteString("<p><b>")
		linkHTML(b, c.URL, c.Title)
		b.WriteString("</b></p>")
	} else if c.URL != "" {
		b.WriteString("<p>")
		linkHTML(b, c.URL, "")
		b.WriteString("</p>")
	}
	if c.Subtitle != "" {
		b.WriteString("<p><i>" + html.EscapeString(c.Subtitle) + "</i></p>")
	}
	b.WriteString(c.BodyHTML)
	for _, f := range c.Fields {
		b.WriteString("<p><b>" + html.EscapeString(f.Label) + "</b></p>" + f.ValueHTML)
	}
	buttonsHTML(b, "", c.Buttons)
	b.WriteString("</blockquote>")
}

func locationHTML(b *strings.Builder, l *Location) {
	b.WriteString("<p>📍 ")
	name := l.Name
	if name == "" {
		name = l.Address
	}
	if name == "" && l.HasCoords {
		name = strconv.FormatFloat(l.Lat, 'f', -1, 64) + ", " + strconv.FormatFloat(l.Lng, 'f', -1, 64)
	}
	b.WriteString("<b>")
	linkHTML(b, l.MapURL, name)
	b.WriteString("</b>")
	if l.Address != "" && l.Address != name {
		b.WriteString("<br>" + html.EscapeString(l.Address))
	}
	b.WriteString("</p>")
}

// isNil reports a nil interface or a typed nil pointer left in a hand-built Message.
func isNil(x any) bool {
	if x == nil {
		return true
	}
	v := reflect.ValueOf(x)
	return v.Kind() == reflect.Pointer && v.IsNil()
}
