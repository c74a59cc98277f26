package slackfmt

import (
	"strconv"
	"strings"

	"github.com/slack-go/slack"

	"github.com/kmbridge/kmbridge/formatting"
)

// buttons renders a group of buttons: the title as a section, then actions blocks.
// Up to 25 action buttons stay buttons (Slack wraps them); beyond that the action
// buttons become select menus of up to 100 options (more menus when needed) while
// link buttons stay buttons. A button that can neither act nor open an http(s) link
// is shown as text, so its label is not lost.
func (r *renderer) buttons(title string, items []formatting.Button, placeholder string) {
	if strings.TrimSpace(title) != "" {
		r.sections(r.sc.spanChunks(maxSectionText, formatting.Span{Text: title}), cleanPlain(title), true)
	}
	tokens := 0
	for _, b := range items {
		if b.Token != "" {
			tokens++
		}
	}
	useSelect := tokens > maxActionElems
	elems := make([]slack.BlockElement, 0, len(items))
	var opts, dead []formatting.Button
	optAt := -1
	// The group's buttons, in one allocation: most groups are a few buttons, and
	// none of them is ever shared with another group.
	var els []buttonElem
	if !useSelect {
		els = make([]buttonElem, 0, len(items))
	}
	for _, b := range items {
		switch {
		case b.Token != "" && useSelect:
			if optAt < 0 {
				optAt = len(elems)
			}
			opts = append(opts, b)
		case b.Token != "" || webURL(b.URL):
			if len(els) == cap(els) {
				els = make([]buttonElem, 0, len(items))
			}
			els = els[:len(els)+1]
			elems = append(elems, els[len(els)-1].set(b))
		default:
			dead = append(dead, b)
		}
	}
	if optAt >= 0 {
		sel := selects(opts, placeholder)
		elems = append(elems[:optAt], append(sel, elems[optAt:]...)...)
	}
	r.actions(elems, firstLabel(items))
	r.deadButtons(dead)
}

// choices renders an explicit select: action options in menus, link options as
// buttons, the rest as text.
func (r *renderer) choices(options []formatting.Button, placeholder string) {
	var elems []slack.BlockElement
	var opts, dead []formatting.Button
	for _, b := range options {
		switch {
		case b.Token != "":
			opts = append(opts, b)
		case webURL(b.URL):
			elems = append(elems, new(buttonElem).set(b))
		default:
			dead = append(dead, b)
		}
	}
	if len(opts) > 0 {
		elems = append(selects(opts, placeholder), elems...)
	}
	plain := cleanPlain(placeholder)
	if plain == "" {
		plain = firstLabel(options)
	}
	r.actions(elems, plain)
	r.deadButtons(dead)
}

func firstLabel(items []formatting.Button) string {
	for _, b := range items {
		if l := cleanPlain(b.Label); l != "" {
			return l
		}
	}
	return ""
}

// label is a button or option label: one line, at most max characters, never empty.
func label(s string, max int) string {
	if l := cleanPlain(s); l != "" {
		return truncate(l, max)
	}
	return ellipsis
}

// buttonElem is a button element with its text object.
type buttonElem struct {
	el   slack.ButtonBlockElement
	text emojiText
}

// set renders an action button (action_id and value = the token; action_ids are
// made unique per message later) or a link button into e.
func (e *buttonElem) set(b formatting.Button) *slack.ButtonBlockElement {
	e.el = slack.ButtonBlockElement{Type: slack.METButton, Text: e.text.set(label(b.Label, maxButtonText))}
	el := &e.el
	if b.Token != "" {
		el.ActionID, el.Value = b.Token, b.Token
	}
	if webURL(b.URL) {
		el.URL = b.URL
	}
	switch b.Style {
	case formatting.StylePrimary:
		el.Style = slack.StylePrimary
	case formatting.StyleDanger:
		el.Style = slack.StyleDanger
	}
	return el
}

// selects renders action buttons as static selects of at most 100 options each.
// An option's value is its token; a token repeated within one menu gets "#n"
// appended (Token strips it).
func selects(opts []formatting.Button, placeholder string) []slack.BlockElement {
	ph := label(placeholder, maxPlaceholder)
	var out []slack.BlockElement
	var cur *slack.SelectBlockElement
	var seen map[string]int
	w := 0
	for _, b := range opts {
		o := &slack.OptionBlockObject{Text: plainText(label(b.Label, maxOptionText)), Value: b.Token}
		ow := lenU(o.Text.Text) + lenU(o.Value) + 2
		if cur == nil || len(cur.Options) >= maxOptions || w+ow > blockBudget {
			cur = &slack.SelectBlockElement{Type: slack.OptTypeStatic, Placeholder: plainText(ph), ActionID: "select"}
			out = append(out, cur)
			seen, w = map[string]int{}, lenU(ph)
		}
		seen[b.Token]++
		if n := seen[b.Token]; n > 1 {
			o.Value = b.Token + "#" + strconv.Itoa(n)
		}
		cur.Options = append(cur.Options, o)
		w += ow
	}
	return out
}

// Token returns the action token carried by a clicked button's value or a chosen
// option's value (a token repeated within one menu carries a "#n" suffix).
func Token(value string) string {
	i := strings.LastIndexByte(value, '#')
	if i <= 0 || i == len(value)-1 {
		return value
	}
	for _, c := range value[i+1:] {
		if c < '0' || c > '9' {
			return value
		}
	}
	return value[:i]
}

// actions adds elements as actions blocks of at most 25 elements and blockBudget
// characters. A block's elements are a piece of elems, which is the caller's to
// give away.
func (r *renderer) actions(elems []slack.BlockElement, plain string) {
	from, w := 0, 0 // the block so far: elems[from:i]
	flush := func(to int) {
		if to > from {
			r.add(actionsBlock(elems[from:to:to]), plain, false)
			plain = ""
		}
		from, w = to, 0
	}
	for i, e := range elems {
		ew := elementWeight(e)
		if n := i - from; n >= maxActionElems || n > 0 && w+ew > blockBudget {
			flush(i)
		}
		w += ew
	}
	flush(len(elems))
}

// deadButtons shows buttons that cannot be clicked as text: the label, linked when
// the URL is a mailto:/tel: link.
func (r *renderer) deadButtons(dead []formatting.Button) {
	var els []slack.MixedElement
	plain, w := "", 0
	flush := func() {
		if len(els) > 0 {
			r.add(slack.NewContextBlock("", els...), plain, false)
			plain = ""
		}
		els, w = nil, 0
	}
	for _, b := range dead {
		sp := formatting.Span{Text: b.Label}
		if linkURL(b.URL) {
			sp.Link = b.URL
		} else if strings.TrimSpace(b.Label) == "" {
			sp.Text = b.URL
		}
		for _, c := range r.sc.spanChunks(maxSectionText, sp) {
			if c.rule {
				continue
			}
			if len(els) == maxContextElems || w+lenU(c.text) > blockBudget {
				flush()
			}
			els = append(els, mrkdwn(c.text))
			w += lenU(c.text)
			if plain == "" {
				plain = cleanPlain(b.Label)
			}
		}
	}
	flush()
}

// dedupeIDs makes the action_ids of one message unique: a repeat gets "#2", "#3", …
// (the token stays in the value).
func dedupeIDs(blocks []slack.Block) {
	used := map[string]bool{}
	fix := func(id *string) {
		if *id == "" {
			return
		}
		base := *id
		for n := 2; used[*id]; n++ {
			*id = base + "#" + strconv.Itoa(n)
		}
		used[*id] = true
	}
	fixEl := func(e slack.BlockElement) {
		switch e := e.(type) {
		case *slack.ButtonBlockElement:
			fix(&e.ActionID)
		case *slack.SelectBlockElement:
			fix(&e.ActionID)
		}
	}
	for _, b := range blocks {
		switch b := b.(type) {
		case *slack.ActionBlock:
			if b.Elements != nil {
				for _, e := range b.Elements.ElementSet {
					fixEl(e)
				}
			}
		case *slack.SectionBlock:
			if b.Accessory != nil {
				if b.Accessory.ButtonElement != nil {
					fixEl(b.Accessory.ButtonElement)
				}
				if b.Accessory.SelectElement != nil {
					fixEl(b.Accessory.SelectElement)
				}
			}
		}
	}
}
