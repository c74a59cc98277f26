package discordfmt

import (
	"strconv"

	"github.com/kmbridge/kmbridge/formatting"
)

// A group's title is content, and content shows above every component of a
// message, so each titled button group used to open a message of its own: the
// welcome's six FAQ categories were six messages (Discord lets a bot post about
// five per five seconds in a channel) and a rated answer with related questions
// two. A run of titled groups now shares messages instead: every group but the
// last becomes select menus whose placeholder is its title; the last keeps its
// buttons, under its title in the content, when they fit the rows left, else it
// becomes menus too. A group with link buttons keeps its buttons as well (a link
// cannot be an option), its title in the content. Since the content can tell
// only one group of buttons apart, a message holds at most one such group, the
// last of its rows; more rows than a message holds continue on the next message
// at a group boundary.

// titledRun returns the titled Buttons blocks with buttons that follow each
// other from blocks[i] (nil blocks, which render as nothing, do not end a run)
// and the index after them.
func titledRun(blocks []formatting.Block, i int) ([]*formatting.Buttons, int) {
	var run []*formatting.Buttons
	next := i
	for j := i; j < len(blocks); j++ {
		if blocks[j] == nil {
			continue
		}
		g, ok := blocks[j].(*formatting.Buttons)
		if !ok {
			break
		}
		if g == nil {
			continue
		}
		if len(g.Items) == 0 || oneLine(g.Title) == "" {
			break
		}
		run = append(run, g)
		next = j + 1
	}
	return run, next
}

// placement is how a group of a run is shown: as select menus, or as buttons
// under its title.
type placement struct {
	g   *formatting.Buttons
	sel bool
}

// planRun cuts a run into messages. Each message starts with all five rows
// free; a group kept as buttons ends its message.
func planRun(run []*formatting.Buttons) [][]placement {
	var out [][]placement
	var cur []placement
	free := MaxRows
	next := func() {
		if len(cur) > 0 {
			out = append(out, cur)
		}
		cur, free = nil, MaxRows
	}
	for i := 0; i < len(run); {
		g := run[i]
		links := hasLinks(g)
		if (links || i == len(run)-1) && fitsButtons(g, free) {
			cur = append(cur, placement{g: g})
			next()
			i++
			continue
		}
		if (links || menuCount(g) > free) && len(cur) > 0 {
			next() // try again on a message of its own
			continue
		}
		// Too big for a message of its own (links: more than 25 buttons, laid
		// out as a single group is; menus: more than 125 choices), or menus
		// that fit.
		cur = append(cur, placement{g: g, sel: !links})
		free -= menuCount(g)
		i++
		if links || free <= 0 {
			next()
		}
	}
	next()
	return out
}

// hasLinks reports a group with link buttons, which a select menu cannot hold.
func hasLinks(g *formatting.Buttons) bool {
	for _, it := range g.Items {
		if it.Token == "" && it.URL != "" {
			return true
		}
	}
	return false
}

// fitsButtons reports whether a group's buttons fit in free rows (the width a
// group suggests yields to fitting, as in buttonRows).
func fitsButtons(g *formatting.Buttons, free int) bool {
	n := len(g.Items)
	return n <= MaxRows*MaxRowButtons && (n+MaxRowButtons-1)/MaxRowButtons <= free
}

// menuCount is the number of select menus (rows) a group's choices take.
func menuCount(g *formatting.Buttons) int {
	return (len(g.Items) + MaxSelectOptions - 1) / MaxSelectOptions
}

// run renders a run of titled groups (see above). After a run the draft stays
// open, so untitled buttons that follow (shortcuts, input hints) join its rows
// as they would a single group's.
func (b *builder) run(run []*formatting.Buttons) {
	for i, msg := range planRun(run) {
		if i > 0 || b.phase() > 0 {
			b.flush()
		}
		for _, p := range msg {
			if !p.sel {
				b.content(titleLine(p.g.Title))
			}
		}
		for _, p := range msg {
			if p.sel {
				b.titledMenus(p.g)
			} else {
				b.buttonRows(p.g)
			}
		}
	}
}

// titledMenus shows a group as select menus whose placeholder is its title;
// a group of more than 25 choices numbers its menus: "title (1/2)", "title (2/2)".
func (b *builder) titledMenus(g *formatting.Buttons) {
	title := oneLine(g.Title)
	ms := selectMenus(g.Items, title)
	for k, m := range ms {
		if len(ms) > 1 {
			suffix := " (" + strconv.Itoa(k+1) + "/" + strconv.Itoa(len(ms)) + ")"
			m.Placeholder = truncate(title, MaxSelectHolder-runes(suffix)) + suffix
		}
		b.addRows(row{sel: m})
	}
}
