package discordfmt

import (
	"strings"

	"github.com/bwmarrin/discordgo"

	"github.com/kmbridge/kmbridge/formatting"
)

// Retire returns a copy of a message's components with every action button and
// select menu disabled, so a stale choice cannot be made twice, and the chosen one
// marked: the first button labelled chosenLabel turns green (success), the first
// option with that label is shown selected. Link buttons stay usable: following a
// link is not an action. chosenLabel may be the full label; Render's "…"-shortened
// label matches it too. Both value and pointer components (as unmarshalled from
// Discord) are handled; the input is not modified. RetireRow retires only what
// belongs with one choice; Retire suits a message whose buttons all expired.
// RetireGroup is the one retirement policy the adapters move to; Retire and
// RetireRow remain for the adapter until it has.
func Retire(components []discordgo.MessageComponent, chosenLabel string) []discordgo.MessageComponent {
	if components == nil {
		return nil
	}
	r := retirer{labels: chosenLabels(chosenLabel)}
	return r.list(components)
}

func chosenLabels(chosen string) map[string]bool {
	labels := map[string]bool{}
	if chosen != "" {
		l := oneLine(chosen)
		labels[chosen] = true
		labels[l] = true
		labels[truncate(l, MaxButtonLabel)] = true
		labels[truncate(l, MaxOptionText)] = true
	}
	return labels
}

type retirer struct {
	labels map[string]bool
	marked bool
	// With token set (RetireRow), only the rows in rows are retired, and the
	// component marked is one holding the token, labelled chosen when one is.
	token string
	rows  map[int]bool
	named bool // a component holding the token has the chosen label
	keep  bool // copying a row that stays live
}

func (r *retirer) list(cs []discordgo.MessageComponent) []discordgo.MessageComponent {
	out := make([]discordgo.MessageComponent, len(cs))
	for i, c := range cs {
		out[i] = r.one(c)
	}
	return out
}

// rowList is list for the top level, where rows not chosen stay live.
func (r *retirer) rowList(cs []discordgo.MessageComponent) []discordgo.MessageComponent {
	out := make([]discordgo.MessageComponent, len(cs))
	for i, c := range cs {
		r.keep = !r.rows[i]
		out[i] = r.one(c)
	}
	r.keep = false
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
	if b.Style == discordgo.LinkButton || r.keep {
		return
	}
	b.Disabled = true
	if !r.marked && r.chosen(b.Label, buttonToken(b)) {
		b.Style = discordgo.SuccessButton
		r.marked = true
	}
}

func (r *retirer) selectMenu(m *discordgo.SelectMenu) {
	m.Options = append([]discordgo.SelectMenuOption(nil), m.Options...)
	if r.keep {
		return
	}
	m.Disabled = true
	for i := range m.Options {
		m.Options[i].Default = false
		if !r.marked && r.chosen(m.Options[i].Label, optionToken(m.Options[i])) {
			m.Options[i].Default = true
			r.marked = true
		}
	}
}

// chosen reports whether a component with this label and token is the one to
// mark.
func (r *retirer) chosen(label, token string) bool {
	if r.token == "" {
		return r.labels[label]
	}
	return token == r.token && (!r.named || r.labels[label])
}

func buttonToken(b *discordgo.Button) string {
	if b.Style == discordgo.LinkButton {
		return ""
	}
	return ClickToken(b.CustomID, nil)
}

func optionToken(o discordgo.SelectMenuOption) string {
	return ClickToken(SelectID, []string{o.Value})
}

// RetireRow returns a copy of a message's components where only what belongs
// with one choice is retired, as Retire would (disabled, the choice marked,
// links kept), so the other choices a message offers (the menus of a run of
// titled groups, the rating under related questions) stay live. What belongs
// with it: the row holding token (a button whose custom_id is the token, as
// ClickToken reads it, or a menu with an option of that value) together with
// its group's other rows: the button rows next to it, or the menus next to it
// sharing its placeholder (a group's numbered "(1/2)", "(2/2)" menus too). Of
// the components holding the token, the first labelled chosenLabel is marked,
// else the first. Components that do not hold token at all (or an empty token)
// are all retired, as by Retire. live reports whether an action button or menu
// is still enabled. The input is not modified.
func RetireRow(components []discordgo.MessageComponent, token, chosenLabel string) (out []discordgo.MessageComponent, live bool) {
	if components == nil {
		return nil, false
	}
	labels := chosenLabels(chosenLabel)
	infos := make([]rowInfo, len(components))
	hit, named := false, false
	for i, c := range components {
		infos[i] = inspectRow(c, token, labels)
		hit = hit || infos[i].holds
		named = named || infos[i].named
	}
	if token == "" || !hit {
		return Retire(components, chosenLabel), false
	}
	rows := map[int]bool{}
	for i, ri := range infos {
		if !ri.holds {
			continue
		}
		lo, hi := i, i
		for lo > 0 && sameGroup(infos[lo-1], ri) {
			lo--
		}
		for hi < len(infos)-1 && sameGroup(infos[hi+1], ri) {
			hi++
		}
		for k := lo; k <= hi; k++ {
			rows[k] = true
		}
	}
	r := retirer{labels: labels, token: token, rows: rows, named: named}
	out = r.rowList(components)
	return out, liveIn(out)
}

// Retired reports whether the button or select menu with customID is disabled
// in components: a click on it comes from a client that has not seen its
// retirement yet. An unknown customID is not retired.
func Retired(components []discordgo.MessageComponent, customID string) bool {
	disabled, found := false, false
	eachComponent(components, func(b *discordgo.Button, m *discordgo.SelectMenu) {
		switch {
		case found:
		case b != nil && b.CustomID == customID:
			disabled, found = b.Disabled, true
		case m != nil && m.CustomID == customID:
			disabled, found = m.Disabled, true
		}
	})
	return disabled
}

// rowKind tells the rows of a message apart for RetireRow.
type rowKind int

const (
	rowOther rowKind = iota
	rowButtons
	rowMenu
)

type rowInfo struct {
	kind  rowKind
	group string // a menu's placeholder without its "(k/n)"
	holds bool   // the row holds the token
	named bool   // … on a component labelled as chosen
}

func inspectRow(c discordgo.MessageComponent, token string, labels map[string]bool) rowInfo {
	var ri rowInfo
	eachComponent([]discordgo.MessageComponent{c}, func(b *discordgo.Button, m *discordgo.SelectMenu) {
		if m != nil {
			ri.kind, ri.group = rowMenu, menuGroup(m.Placeholder)
			for _, o := range m.Options {
				if token != "" && optionToken(o) == token {
					ri.holds = true
					ri.named = ri.named || labels[o.Label]
				}
			}
			return
		}
		if ri.kind == rowOther {
			ri.kind = rowButtons
		}
		if token != "" && buttonToken(b) == token {
			ri.holds = true
			ri.named = ri.named || labels[b.Label]
		}
	})
	return ri
}

func sameGroup(a, b rowInfo) bool {
	return a.kind == b.kind && a.kind != rowOther && (a.kind == rowButtons || a.group == b.group)
}

// menuGroup strips the " (k/n)" titledMenus numbers a group's menus with.
func menuGroup(placeholder string) string {
	s, ok := strings.CutSuffix(placeholder, ")")
	i := strings.LastIndex(s, " (")
	if !ok || i < 0 {
		return placeholder
	}
	k, n, ok := strings.Cut(s[i+2:], "/")
	if !ok || !digits(k) || !digits(n) {
		return placeholder
	}
	return s[:i]
}

func digits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}

// liveIn reports whether an action button or a select menu is enabled.
func liveIn(components []discordgo.MessageComponent) bool {
	live := false
	eachComponent(components, func(b *discordgo.Button, m *discordgo.SelectMenu) {
		switch {
		case m != nil:
			live = live || !m.Disabled
		case b.Style != discordgo.LinkButton:
			live = live || !b.Disabled
		}
	})
	return live
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
