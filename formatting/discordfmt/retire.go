package discordfmt

import "github.com/bwmarrin/discordgo"

// Retire returns a copy of a message's components with every action button and
// select menu disabled, so a stale choice cannot be made twice, and the chosen one
// marked: the first button labelled chosenLabel turns green (success), the first
// option with that label is shown selected. Link buttons stay usable: following a
// link is not an action. chosenLabel may be the full label; Render's "…"-shortened
// label matches it too. Both value and pointer components (as unmarshalled from
// Discord) are handled; the input is not modified.
func Retire(components []discordgo.MessageComponent, chosenLabel string) []discordgo.MessageComponent {
	if components == nil {
		return nil
	}
	r := retirer{labels: map[string]bool{}}
	if chosenLabel != "" {
		l := oneLine(chosenLabel)
		r.labels[chosenLabel] = true
		r.labels[l] = true
		r.labels[truncate(l, MaxButtonLabel)] = true
		r.labels[truncate(l, MaxOptionText)] = true
	}
	return r.list(components)
}

type retirer struct {
	labels map[string]bool
	marked bool
}

func (r *retirer) list(cs []discordgo.MessageComponent) []discordgo.MessageComponent {
	out := make([]discordgo.MessageComponent, len(cs))
	for i, c := range cs {
		out[i] = r.one(c)
	}
	return out
}

func (r *retirer) one(c discordgo.MessageComponent) discordgo.MessageComponent {
	switch x := c.(type) {
	case discordgo.ActionsRow:
		x.Components = r.list(x.Components)
		return x
	case *discordgo.ActionsRow:
		if x == nil {
			return c
		}
		y := *x
		y.Components = r.list(x.Components)
		return &y
	case discordgo.Button:
		r.button(&x)
		return x
	case *discordgo.Button:
		if x == nil {
			return c
		}
		y := *x
		r.button(&y)
		return &y
	case discordgo.SelectMenu:
		r.selectMenu(&x)
		return x
	case *discordgo.SelectMenu:
		if x == nil {
			return c
		}
		y := *x
		r.selectMenu(&y)
		return &y
	}
	return c
}

func (r *retirer) button(b *discordgo.Button) {
	if b.Style == discordgo.LinkButton {
		return
	}
	b.Disabled = true
	if !r.marked && r.labels[b.Label] {
		b.Style = discordgo.SuccessButton
		r.marked = true
	}
}

func (r *retirer) selectMenu(m *discordgo.SelectMenu) {
	m.Disabled = true
	m.Options = append([]discordgo.SelectMenuOption(nil), m.Options...)
	for i := range m.Options {
		m.Options[i].Default = false
		if !r.marked && r.labels[m.Options[i].Label] {
			m.Options[i].Default = true
			r.marked = true
		}
	}
}
