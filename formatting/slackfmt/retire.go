package slackfmt

import (
	"github.com/slack-go/slack"

	"github.com/kmbridge/kmbridge/formatting"
)

// keepLinks appends an actions block's link buttons, in an actions block of
// their own, to out: what stays of a retired group.
func keepLinks(out []slack.Block, a *slack.ActionBlock) []slack.Block {
	var links []slack.BlockElement
	if a.Elements != nil {
		for _, e := range a.Elements.ElementSet {
			if b, ok := e.(*slack.ButtonBlockElement); ok && isLink(b) {
				links = append(links, b)
			}
		}
	}
	if len(links) > 0 {
		out = append(out, slack.NewActionBlock(a.BlockID, links...))
	}
	return out
}

// isLink reports a button that only opens a URL.
func isLink(b *slack.ButtonBlockElement) bool { return b.URL != "" && b.Value == "" }

// RetireGroup retires one group of buttons in a sent message's blocks, the
// one retirement policy (formatting.RetiredGroup): every actions block that
// holds one of g's tokens (a button's value, a menu option's value) loses its
// action elements, its link buttons staying in an actions block of their own,
// and a context block showing g.Shown follows the group, shortened or left
// out so that a message within Slack's limits stays within them. Every other
// block stays as it was, so the message's other groups stay usable. It
// reports false, returning blocks unchanged, when no block holds one of the
// tokens (already retired, or not this message). The input is not modified.
func RetireGroup(blocks []slack.Block, g formatting.RetiredGroup) ([]slack.Block, bool) {
	out := make([]slack.Block, 0, len(blocks)+1)
	last := -1 // where the group's last block went in out
	for _, b := range blocks {
		a := actionBlock(b)
		if a == nil || !holdsToken(a, g) {
			out = append(out, b)
			continue
		}
		out = keepLinks(out, a)
		last = len(out)
	}
	if last < 0 {
		return blocks, false
	}
	shown := cleanPlain(g.Shown)
	if shown == "" || len(out) >= maxBlocks {
		return out, true
	}
	room := maxMsgText
	for _, b := range out {
		room -= blockWeight(b)
	}
	if room = min(room, maxSectionText); room < 2 {
		return out, true
	}
	ctx := slack.NewContextBlock("", plainText(truncate(shown, room)))
	return append(out[:last], append([]slack.Block{ctx}, out[last:]...)...), true
}

// actionBlock returns b as an actions block, or nil.
func actionBlock(b slack.Block) *slack.ActionBlock {
	switch a := b.(type) {
	case *slack.ActionBlock:
		return a
	case slack.ActionBlock:
		return &a
	}
	return nil
}

// holdsToken reports whether an actions block has a button or menu option
// carrying one of g's tokens.
func holdsToken(a *slack.ActionBlock, g formatting.RetiredGroup) bool {
	if a.Elements == nil {
		return false
	}
	for _, e := range a.Elements.ElementSet {
		switch e := e.(type) {
		case *slack.ButtonBlockElement:
			if !isLink(e) && g.Holds(Token(e.Value)) {
				return true
			}
		case *slack.SelectBlockElement:
			for _, o := range e.Options {
				if o != nil && g.Holds(Token(o.Value)) {
					return true
				}
			}
			for _, og := range e.OptionGroups {
				for _, o := range og.Options {
					if o != nil && g.Holds(Token(o.Value)) {
						return true
					}
				}
			}
		case *slack.OverflowBlockElement:
			for _, o := range e.Options {
				if o != nil && g.Holds(Token(o.Value)) {
					return true
				}
			}
		}
	}
	return false
}
