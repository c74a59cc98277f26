package discordfmt

import (
	"testing"

	"github.com/bwmarrin/discordgo"
	F "github.com/kmbridge/kmbridge/formatting"
)

// modelTokens counts the action tokens of a message's buttons, options and
// input hints: what a user must be able to click.
func modelTokens(m F.Message) map[string]int {
	n := map[string]int{}
	add := func(bs []F.Button) {
		for _, b := range bs {
			if b.Token != "" {
				n[b.Token]++
			}
		}
	}
	for _, blk := range m.Blocks {
		switch v := blk.(type) {
		case *F.Buttons:
			if v != nil {
				add(v.Items)
			}
		case *F.Select:
			if v != nil {
				add(v.Options)
			}
		case *F.Card:
			if v != nil {
				add(v.Buttons)
			}
		case *F.Products:
			if v == nil {
				continue
			}
			for _, c := range v.Items {
				add(c.Buttons)
			}
			for _, b := range []*F.Button{v.Prev, v.Next} {
				if b != nil {
					add([]F.Button{*b})
				}
			}
		}
	}
	add(m.InputHints)
	return n
}

// renderedTokens counts the tokens the rendered messages let a user click:
// enabled action buttons and select options, read as ClickToken reads them.
func renderedTokens(out []*discordgo.MessageSend) map[string]int {
	n := map[string]int{}
	var walk func(cs []discordgo.MessageComponent)
	walk = func(cs []discordgo.MessageComponent) {
		for _, c := range cs {
			switch x := c.(type) {
			case discordgo.ActionsRow:
				walk(x.Components)
			case discordgo.Button:
				if x.Style != discordgo.LinkButton && !x.Disabled {
					if tok := ClickToken(x.CustomID, nil); tok != "" {
						n[tok]++
					}
				}
			case discordgo.SelectMenu:
				if x.Disabled {
					continue
				}
				for _, o := range x.Options {
					if tok := ClickToken(SelectID, []string{o.Value}); tok != "" {
						n[tok]++
					}
				}
			}
		}
	}
	for _, s := range out {
		walk(s.Components)
	}
	return n
}

// checkReachable fails unless every action of m can be clicked exactly once in
// out. Tokens too long for Discord (over 100 characters, or too long for the
// "~n" a repeat needs) may lose their later repeats, never their first.
func checkReachable(t testing.TB, m F.Message, out []*discordgo.MessageSend) {
	t.Helper()
	want, got := modelTokens(m), renderedTokens(out)
	for tok, w := range want {
		g := got[tok]
		switch {
		case runes(tok) > MaxCustomID:
			if g != 0 {
				t.Errorf("token of %d characters clickable %d times", runes(tok), g)
			}
		case runes(tok)+len(dupSep)+len(itoa(w)) <= MaxCustomID:
			if g != w {
				t.Errorf("token %q: clickable %d times, want %d", truncate(tok, 20), g, w)
			}
		case g < 1 || g > w:
			t.Errorf("long token %q: clickable %d times, want 1–%d", truncate(tok, 20), g, w)
		}
	}
	for tok, g := range got {
		if want[tok] == 0 {
			t.Errorf("token %q (%d times) clickable but not in the message", truncate(tok, 20), g)
		}
	}
}
