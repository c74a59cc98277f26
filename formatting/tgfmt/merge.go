package tgfmt

import "github.com/kmbridge/kmbridge/formatting"

// NoopData is the callback_data of a header row: a press does nothing but stop
// the button's spinner. Its ':' keeps it apart from every action token (the
// bridge's are base64url).
const NoopData = "kmb:noop"

// headerMark leads a group's title on its header row (an emoji, not a word).
const headerMark = "📂 "

// A Telegram message carries one inline keyboard. Giving every titled button
// group (an FAQ category) a message of its own made a welcome half a dozen
// messages, slow under per-chat pacing and costly against a group's 20 a
// minute; so a run of groups shares one keyboard where each title is a header row.

// buttonsRun returns the Buttons blocks that follow each other from blocks[i]
// (nil blocks, which render as nothing, do not end a run), appended to run, and
// the index after them; no run when blocks[i] is not a Buttons block.
func buttonsRun(run []*formatting.Buttons, blocks []formatting.Block, i int) ([]*formatting.Buttons, int) {
	start := i
	for ; i < len(blocks); i++ {
		if blocks[i] == nil {
			continue
		}
		b, ok := blocks[i].(*formatting.Buttons)
		if !ok {
			break
		}
		if b != nil {
			run = append(run, b)
		}
	}
	if len(run) == 0 {
		return nil, start
	}
	return run, i
}

// group is a Buttons block ready for a keyboard.
type group struct {
	title   string // one line; "" when untitled
	carrier string // the text of a message made only to carry its buttons
	rows    [][]btn
	n       int    // buttons in rows
	text    []line // buttons Telegram cannot carry
}

func newGroup(title string, items []formatting.Button, columns int, placeholder string) group {
	g := group{title: oneLine(title)}
	if isBlank(g.title) {
		g.title = ""
	}
	g.carrier = oneLine(placeholder)
	if isBlank(g.carrier) {
		g.carrier = g.title
	}
	g.carrier = carrierOf(g.carrier)
	ok, text := buttonGroup(items)
	g.rows, g.n, g.text = layout(ok, btnLabel, columns, MaxInlineRow), len(ok), text
	return g
}

// titleLine is a group's title as a bold line.
func (r *renderer) titleLine(t string) line {
	return line{runs: append(r.sc.takeRuns(1), run{text: t, tags: markTags[formatting.Bold]})}
}

// group renders one group on its own: its title in the text (Telegram has no
// select menus, so a placeholder only shows when the buttons need a message of
// their own), the buttons Telegram cannot carry as lines, then its keyboard.
func (r *renderer) group(g group) {
	if g.title != "" {
		r.add([]line{r.titleLine(g.title)}, false)
	}
	r.add(g.text, false)
	r.attach(g.rows, g.carrier)
}

// buttonRun renders a run of Buttons blocks. With fewer than two titled groups
// that have buttons each block renders as before (title in the text, buttons on
// that message). Otherwise the run is one message: its text is the pending text
// (or, without any, the first group's title, whose header row is then left out)
// and its keyboard holds every group in order, each titled one introduced by a
// full-width header row (headerMark + title, callback_data NoopData). Past
// MaxInlineButtons the keyboard continues on a new message at a group boundary,
// that message starting the same way; only a group too big for a message of its
// own is cut, its rest on messages carrying its placeholder or title.
func (r *renderer) buttonRun(run []*formatting.Buttons) {
	var small [4]group // a run is rarely longer
	gs := small[:0]
	if len(run) > len(small) {
		gs = make([]group, 0, len(run))
	}
	gs = gs[:len(run)]
	titled := 0
	for i, b := range run {
		gs[i] = newGroup(b.Title, b.Items, b.Columns, b.Placeholder)
		if gs[i].title != "" && gs[i].n > 0 {
			titled++
		}
	}
	if titled < 2 {
		for _, g := range gs {
			r.group(g)
		}
		return
	}
	k := merger{r: r, open: len(r.buf) > 0}
	for _, g := range gs {
		k.add(g)
	}
	k.close()
}

// merger builds the messages of a merged run one at a time: the open message's
// text is r.buf, its keyboard rows.
type merger struct {
	r       *renderer
	open    bool
	rows    [][]btn
	n       int
	carrier string
}

func (k *merger) add(g group) {
	header := g.title != ""
	if g.n == 0 {
		// Nothing for the keyboard: the group is text, as it would be alone.
		ls := g.text
		if header {
			ls = append([]line{k.r.titleLine(g.title)}, ls...)
		}
		if len(ls) > 0 {
			k.r.add(ls, false)
			k.open = true
		}
		return
	}
	need := g.n
	if header {
		need++
	}
	if k.open && k.n > 0 && k.n+need > MaxInlineButtons {
		k.close()
	}
	if !k.open {
		k.open = true
		if header {
			k.r.add([]line{k.r.titleLine(g.title)}, false)
			header = false
		}
	}
	if k.n == 0 {
		k.carrier = g.carrier
	}
	if len(g.text) > 0 {
		ls := g.text
		if header {
			// The title is on a header row, but these lines are in the text.
			ls = append([]line{k.r.titleLine(g.title)}, ls...)
		}
		k.r.add(ls, false)
	}
	if header {
		k.rows = append(k.rows, []btn{{label: headerMark + g.title, data: NoopData}})
		k.n++
	}
	k.rows = append(k.rows, g.rows...)
	k.n += g.n
}

// close sends the open message: its text, then its keyboard.
func (k *merger) close() {
	if !k.open {
		return
	}
	rows, carrier := k.rows, k.carrier
	k.open, k.rows, k.n, k.carrier = false, nil, 0, ""
	sent := len(k.r.out)
	k.r.flush()
	if len(rows) == 0 {
		return
	}
	if len(k.r.out) == sent { // no text (or only blank text) to carry the keyboard
		k.r.out = append(k.r.out, Msg{Method: MethodSendMessage, Text: escapeHTML(carrier)})
	}
	k.r.attach(rows, carrier)
}
