package webfmt

import (
	"html"
	"slices"
	"strings"

	"github.com/kmbridge/kmbridge/formatting"
)

// RetireGroup retires one group of buttons in a rendered message, the one
// retirement policy (formatting.RetiredGroup). A rendered message keeps its
// groups apart (a buttons or select part, a card's buttons, one product's
// buttons, the pager, the input hints), so the group is found whole from any
// of g's tokens: the first group holding one loses its action buttons, its
// links staying, and g.Shown follows it as a line of context text. A buttons
// part left without items keeps its title as text. Every other group stays as
// it was. It reports false, returning m unchanged, when no group holds one of
// the tokens (already retired, or not this message). m is not modified.
func RetireGroup(m Msg, g formatting.RetiredGroup) (Msg, bool) {
	out := Msg{HTML: m.HTML, InputHints: m.InputHints, Parts: make([]Part, 0, len(m.Parts)+1)}
	found := false
	for _, p := range m.Parts {
		if found {
			out.Parts = append(out.Parts, p)
			continue
		}
		var ok bool
		var rest []Part
		if p, rest, ok = retirePart(p, g); !ok {
			out.Parts = append(out.Parts, p)
			continue
		}
		found = true
		out.Parts = append(out.Parts, rest...)
		out.Parts = append(out.Parts, shownParts(g.Shown)...)
	}
	if !found && holdsAny(m.InputHints, g) {
		found = true
		out.InputHints = links(m.InputHints)
		out.Parts = append(out.Parts, shownParts(g.Shown)...)
	}
	if !found {
		return m, false
	}
	if len(out.InputHints) == 0 {
		out.InputHints = nil
	}
	if s := strings.TrimSpace(g.Shown); s != "" {
		out.HTML += "<p><i>" + html.EscapeString(s) + "</i></p>"
	}
	return out, true
}

// retirePart retires the group of p holding one of g's tokens, if it has one:
// rest is what stands in p's place.
func retirePart(p Part, g formatting.RetiredGroup) (_ Part, rest []Part, ok bool) {
	switch p.Kind {
	case KindButtons:
		if p.Buttons == nil || !holdsAny(p.Buttons.Items, g) {
			return p, nil, false
		}
		b := *p.Buttons
		b.Items = links(b.Items)
		if len(b.Items) > 0 {
			return p, []Part{{Kind: KindButtons, Buttons: &b}}, true
		}
		if b.Title != "" {
			return p, []Part{{Kind: KindHTML, HTML: "<p><b>" + html.EscapeString(b.Title) + "</b></p>"}}, true
		}
		return p, nil, true
	case KindSelect:
		if p.Select == nil || !holdsAny(p.Select.Options, g) {
			return p, nil, false
		}
		if ls := links(p.Select.Options); len(ls) > 0 {
			return p, []Part{{Kind: KindButtons, Buttons: &Buttons{Items: ls}}}, true
		}
		return p, nil, true
	case KindCard:
		if p.Card == nil || !holdsAny(p.Card.Buttons, g) {
			return p, nil, false
		}
		c := *p.Card
		c.Buttons = links(c.Buttons)
		if len(c.Buttons) == 0 {
			c.Buttons = nil
		}
		return p, []Part{{Kind: KindCard, Card: &c}}, true
	case KindProducts:
		if p.Products == nil {
			return p, nil, false
		}
		pr := *p.Products
		for i, it := range pr.Items {
			if holdsAny(it.Buttons, g) {
				pr.Items = slices.Clone(pr.Items)
				pr.Items[i].Buttons = links(it.Buttons)
				if len(pr.Items[i].Buttons) == 0 {
					pr.Items[i].Buttons = nil
				}
				return p, []Part{{Kind: KindProducts, Products: &pr}}, true
			}
		}
		var nav []Button
		for _, b := range []*Button{pr.Prev, pr.Next} {
			if b != nil {
				nav = append(nav, *b)
			}
		}
		if !holdsAny(nav, g) {
			return p, nil, false
		}
		pr.Prev, pr.Next = linkOrNil(pr.Prev), linkOrNil(pr.Next)
		return p, []Part{{Kind: KindProducts, Products: &pr}}, true
	}
	return p, nil, false
}

func shownParts(shown string) []Part {
	s := strings.TrimSpace(shown)
	if s == "" {
		return nil
	}
	return []Part{{Kind: KindHTML, Context: true, HTML: "<p>" + html.EscapeString(s) + "</p>"}}
}

func holdsAny(bs []Button, g formatting.RetiredGroup) bool {
	return slices.ContainsFunc(bs, func(b Button) bool { return b.URL == "" && g.Holds(b.Token) })
}

// links returns the link buttons of bs.
func links(bs []Button) []Button {
	var out []Button
	for _, b := range bs {
		if b.URL != "" {
			out = append(out, b)
		}
	}
	return out
}

func linkOrNil(b *Button) *Button {
	if b == nil || b.URL == "" {
		return nil
	}
	return b
}
