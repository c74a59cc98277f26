package formatting

import "slices"

// The one retirement policy, renderer side. After a click the bridge decides
// whether the clicked group of buttons is retired and what shows in its place
// (bridge.Retirement); the platform's renderer then replaces that group, and
// only that group, in the message it sent: the group's action buttons give way
// to Shown, its link buttons stay (following a link is not an action), every
// other group stays as usable as it was. A group is what one choice belongs
// with: a Buttons block, a Select, a Card's buttons, one item's buttons in a
// Products list or its Prev/Next pair, or the input hints.
//
// Renderers (slackfmt, tgfmt, discordfmt) retire from the message as the
// platform holds it, where the group's tokens are all there is to tell its rows
// apart from the next group's: Retiring finds them in the neutral message when
// the adapter still has it, else the clicked token stands alone and only the
// row or block holding it is retired.

// RetiredGroup is how to retire one group of buttons of a sent message.
type RetiredGroup struct {
	// Tokens are the group's action tokens; rendered rows or blocks holding
	// any of them belong to the group.
	Tokens []string
	// Shown replaces the group's action buttons ("✓ label", or the words for
	// an expired button); "" shows nothing in their place.
	Shown string
	// Expired: the click was on an expired button (renderers may style it
	// apart from a choice).
	Expired bool
}

// Holds reports whether token is one of the group's.
func (g RetiredGroup) Holds(token string) bool {
	return token != "" && slices.Contains(g.Tokens, token)
}

// Retiring is the RetiredGroup for a click on token: the action tokens of the
// group holding it in m (the message as the adapter sent it, when it still
// has it), or token alone when m does not hold it (a zero m: sent before a
// restart).
func Retiring(m Message, token, shown string, expired bool) RetiredGroup {
	return RetiringAmong(TokenGroups(m), token, shown, expired)
}

// RetiringAmong is Retiring for a message known by its TokenGroups, which is
// all an adapter needs to keep of a sent message for its clicks.
func RetiringAmong(groups [][]string, token, shown string, expired bool) RetiredGroup {
	g := RetiredGroup{Shown: shown, Expired: expired}
	if token == "" {
		return g
	}
	for _, ts := range groups {
		if slices.Contains(ts, token) {
			g.Tokens = slices.Clone(ts)
			return g
		}
	}
	g.Tokens = []string{token}
	return g
}

// TokenGroups returns the action tokens of each group of buttons in m, in
// order, each once; a group of links only has none and is left out.
func TokenGroups(m Message) [][]string {
	var out [][]string
	eachGroup(m, func(_ groupAt, bs []Button) bool {
		var ts []string
		for _, b := range bs {
			if b.Token != "" && !slices.Contains(ts, b.Token) {
				ts = append(ts, b.Token)
			}
		}
		if len(ts) > 0 {
			out = append(out, ts)
		}
		return false
	})
	return out
}

// Retire returns m with the first group holding one of g's tokens retired: its
// action buttons removed, its links kept, g.Shown (when set) as a line of
// context text right after where the group was. A Buttons block's title stays,
// as text. It reports false, and returns m unchanged, when no group holds one
// of g's tokens. m is not modified.
func Retire(m Message, g RetiredGroup) (Message, bool) {
	var at groupAt
	found := false
	eachGroup(m, func(where groupAt, bs []Button) bool {
		for _, b := range bs {
			if g.Holds(b.Token) {
				at, found = where, true
				return true
			}
		}
		return false
	})
	if !found {
		return m, false
	}
	var shown []Block
	if g.Shown != "" {
		shown = []Block{&Text{Context: true, Rich: Rich{&Para{Spans: []Span{{Text: g.Shown}}}}}}
	}
	out := Message{InputHints: m.InputHints}
	if at.block < 0 { // the input hints
		out.Blocks = append(slices.Clone(m.Blocks), shown...)
		out.InputHints = links(m.InputHints)
		if len(out.InputHints) == 0 {
			out.InputHints = nil
		}
		return out, true
	}
	out.Blocks = slices.Clone(m.Blocks[:at.block])
	switch b := m.Blocks[at.block].(type) {
	case *Buttons:
		if b.Title != "" {
			out.Blocks = append(out.Blocks, &Text{Rich: Rich{&Para{Spans: []Span{{Text: b.Title, Marks: Bold}}}}})
		}
		if ls := links(b.Items); len(ls) > 0 {
			out.Blocks = append(out.Blocks, &Buttons{Items: ls, Columns: b.Columns})
		}
	case *Select:
		if ls := links(b.Options); len(ls) > 0 {
			out.Blocks = append(out.Blocks, &Buttons{Items: ls})
		}
	case *Card:
		c := *b
		c.Buttons = links(b.Buttons)
		out.Blocks = append(out.Blocks, &c)
	case *Products:
		p := *b
		if at.item < 0 {
			p.Prev, p.Next = nil, nil
		} else {
			p.Items = slices.Clone(b.Items)
			p.Items[at.item].Buttons = links(b.Items[at.item].Buttons)
		}
		out.Blocks = append(out.Blocks, &p)
	}
	out.Blocks = append(out.Blocks, shown...)
	out.Blocks = append(out.Blocks, m.Blocks[at.block+1:]...)
	return out, true
}

// groupAt locates a group: the block (-1: the input hints) and, in a Products
// block, the item (-1: its Prev/Next pair).
type groupAt struct{ block, item int }

// eachGroup calls fn with every group of buttons of m in order until fn
// returns true.
func eachGroup(m Message, fn func(groupAt, []Button) bool) {
	for i, b := range m.Blocks {
		switch x := b.(type) {
		case *Buttons:
			if x != nil && fn(groupAt{i, -1}, x.Items) {
				return
			}
		case *Select:
			if x != nil && fn(groupAt{i, -1}, x.Options) {
				return
			}
		case *Card:
			if x != nil && fn(groupAt{i, -1}, x.Buttons) {
				return
			}
		case *Products:
			if x == nil {
				continue
			}
			for j, it := range x.Items {
				if fn(groupAt{i, j}, it.Buttons) {
					return
				}
			}
			var nav []Button
			for _, p := range []*Button{x.Prev, x.Next} {
				if p != nil {
					nav = append(nav, *p)
				}
			}
			if fn(groupAt{i, -1}, nav) {
				return
			}
		}
	}
	fn(groupAt{-1, -1}, m.InputHints)
}

func holds(bs []Button, token string) bool {
	for _, b := range bs {
		if b.Token == token {
			return true
		}
	}
	return false
}

// links returns the link buttons of bs.
func links(bs []Button) []Button {
	var out []Button
	for _, b := range bs {
		if b.Token == "" && b.URL != "" {
			out = append(out, b)
		}
	}
	return out
}
