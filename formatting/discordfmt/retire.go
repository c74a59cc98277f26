package discordfmt

import (
	"github.com/bwmarrin/discordgo"

	"github.com/kmbridge/kmbridge/formatting"
)

// buttonToken is the action token a button carries; "" for a link.
func buttonToken(b *discordgo.Button) string {
	if b.Style == discordgo.LinkButton {
		return ""
	}
	return ClickToken(b.CustomID, nil)
}

// optionToken is the action token a select menu option carries.
func optionToken(o discordgo.SelectMenuOption) string {
	return ClickToken(SelectID, []string{o.Value})
}

// eachComponent calls fn with every button and select menu in the action rows
// of components (values or pointers; nil pointers skipped). fn must not keep
// or modify what it is given.
func eachComponent(components []discordgo.MessageComponent, fn func(*discordgo.Button, *discordgo.SelectMenu)) {
	for _, c := range components {
		var inner []discordgo.MessageComponent
		switch r := c.(type) {
		case discordgo.ActionsRow:
			inner = r.Components
		case *discordgo.ActionsRow:
			if r != nil {
				inner = r.Components
			}
		}
		for _, ic := range inner {
			switch x := ic.(type) {
			case discordgo.Button:
				fn(&x, nil)
			case *discordgo.Button:
				if x != nil {
					fn(x, nil)
				}
			case discordgo.SelectMenu:
				fn(nil, &x)
			case *discordgo.SelectMenu:
				if x != nil {
					fn(nil, x)
				}
			}
		}
	}
}

// RetireGroup retires one group of components in a sent message, the one
// retirement policy (formatting.RetiredGroup): every action row holding one
// of g's tokens (a button whose custom_id is one, a menu with an option of
// that value, as ClickToken reads them) gives way to one row, or more when its
// links need them, of the group's link buttons followed by a disabled button
// labelled g.Shown (green for a choice, grey for an expired click; custom_id
// NoopID, numbered when taken). Every other row stays as it was, so the
// message's other groups stay usable. It reports false, returning components
// unchanged, when no row holds one of the tokens (already retired, or not this
// message). Both value and pointer components are handled; the input is not
// modified.
func RetireGroup(components []discordgo.MessageComponent, g formatting.RetiredGroup) ([]discordgo.MessageComponent, bool) {
	ids := idSet{}
	eachComponent(components, func(b *discordgo.Button, m *discordgo.SelectMenu) {
		switch {
		case b != nil && b.CustomID != "":
			ids[b.CustomID] = true
		case m != nil:
			ids[m.CustomID] = true
		}
	})
	out := make([]discordgo.MessageComponent, 0, len(components))
	var links []discordgo.MessageComponent
	last := -1 // where the group's rows went in out
	for _, c := range components {
		if !rowHoldsAny(c, g) {
			out = append(out, c)
			continue
		}
		eachComponent([]discordgo.MessageComponent{c}, func(b *discordgo.Button, _ *discordgo.SelectMenu) {
			if b != nil && b.Style == discordgo.LinkButton {
				links = append(links, *b)
			}
		})
		last = len(out)
	}
	if last < 0 {
		return components, false
	}
	items := links
	if shown := truncate(oneLine(g.Shown), MaxButtonLabel); shown != "" {
		style := discordgo.SuccessButton
		if g.Expired {
			style = discordgo.SecondaryButton
		}
		if id, ok := ids.take(NoopID); ok {
			items = append(items, discordgo.Button{Label: shown, Style: style, CustomID: id, Disabled: true})
		}
	}
	var rows []discordgo.MessageComponent
	for len(items) > 0 {
		n := min(len(items), MaxRowButtons)
		rows = append(rows, discordgo.ActionsRow{Components: items[:n:n]})
		items = items[n:]
	}
	return append(out[:last], append(rows, out[last:]...)...), true
}

// rowHoldsAny reports whether an action row has a button or menu option
// carrying one of g's tokens.
func rowHoldsAny(c discordgo.MessageComponent, g formatting.RetiredGroup) bool {
	holds := false
	eachComponent([]discordgo.MessageComponent{c}, func(b *discordgo.Button, m *discordgo.SelectMenu) {
		switch {
		case holds:
		case b != nil:
			holds = g.Holds(buttonToken(b))
		default:
			for _, o := range m.Options {
				holds = holds || g.Holds(optionToken(o))
			}
		}
	})
	return holds
}
