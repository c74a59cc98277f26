package discordfmt

import "strings"

// item is a line rendered, with what packing needs to know about it.
type item struct {
	kind   lineKind
	md     string
	n      int    // runes of md
	prefix string // fences: the code block's prefix, to reopen or close it
	lang   string
}

func (it item) inCode() bool { return it.kind == lkFenceOpen || it.kind == lkCode }

// fenceOpen and fenceClose are the synthetic fences that keep a code block
// closed at the end of one chunk and reopened at the start of the next.
func fenceOpen(it item) string  { return it.prefix + "```" + it.lang }
func fenceClose(it item) string { return it.prefix + "```" }

// splitLines packs lines into chunks of at most budget runes each, in order,
// losing nothing: it cuts at paragraph breaks when that leaves the chunk at least
// half full, else between lines, and cuts inside a line only when the line alone
// is too long. Code blocks cut across chunks are closed and reopened.
func splitLines(ls []line, budget int) []string {
	items := make([]item, 0, len(ls))
	var lang, prefix string // of the code block being read
	for _, l := range ls {
		if l.kind == lkFenceOpen {
			lang, prefix = l.text, l.prefix
		}
		fenceCost := 0
		if l.kind == lkCode {
			// a code line may need both synthetic fences around it
			fenceCost = runes(prefix+"```"+lang) + runes(prefix+"```") + 2
		}
		md := l.markdown()
		n := runes(md)
		switch {
		case l.kind == lkText && n > budget:
			for _, p := range splitTextLine(l, budget) {
				md := p.markdown()
				items = append(items, item{kind: lkText, md: md, n: runes(md)})
			}
			continue
		case l.kind == lkCode && n+fenceCost > budget:
			room := max(budget-fenceCost-runes(l.prefix), 1)
			for t := l.text; t != ""; {
				cut := runePrefix(t, room)
				if c := graphemeSafe(t, len(cut)); c > 0 {
					cut = t[:c]
				}
				t = t[len(cut):]
				md := l.prefix + cut
				items = append(items, item{kind: lkCode, md: md, n: runes(md), prefix: prefix, lang: lang})
			}
			continue
		case (l.kind == lkRaw || l.kind == lkFenceOpen || l.kind == lkFenceClose) && n > budget:
			md = truncate(md, budget) // only an absurd prefix gets here
			n = runes(md)
		}
		items = append(items, item{kind: l.kind, md: md, n: n, prefix: prefix, lang: lang})
	}
	return pack(items, budget)
}

// splitTextLine cuts a text line into lines that each render in at most max runes.
func splitTextLine(l line, max int) []line {
	var out []line
	prefix, rest := l.prefix, l.spans
	for len(rest) > 0 {
		head, tail := splitSpans(rest, max-runes(prefix))
		out = append(out, line{kind: lkText, prefix: prefix, cont: l.cont, spans: head})
		rest, prefix = tail, l.cont
	}
	return out
}

func pack(items []item, budget int) []string {
	var chunks []string
	for a := 0; a < len(items); {
		for a < len(items) && emptyItem(items[a]) {
			a++
		}
		if a == len(items) {
			break
		}
		n := 0
		if items[a].kind == lkCode || items[a].kind == lkFenceClose {
			n = runes(fenceOpen(items[a])) + 1
		}
		b, lastBlank, atBlank := a, -1, 0
		for ; b < len(items); b++ {
			it := items[b]
			sep := 0
			if b > a {
				sep = 1
			}
			closing := 0
			if it.inCode() {
				closing = 1 + runes(fenceClose(it))
			}
			if n+sep+it.n+closing > budget {
				break
			}
			if it.kind == lkBlank {
				lastBlank, atBlank = b, n
			}
			n += sep + it.n
		}
		end := b
		if b < len(items) {
			if lastBlank > a && atBlank >= budget/2 {
				end = lastBlank
			}
			if end > a+1 && items[end-1].kind == lkFenceOpen {
				end-- // do not leave an empty code block behind
			}
			if end == a {
				end = a + 1 // cannot happen after splitLines; never loop forever
			}
		}
		chunks = append(chunks, renderChunk(items[a:end]))
		a = end
	}
	return chunks
}

// emptyItem is a line that shows nothing at the edge of a chunk: a paragraph
// break, or a text line that is only a prefix ("> ", "- ", "-# ").
func emptyItem(it item) bool {
	switch it.kind {
	case lkBlank:
		return true
	case lkText:
		return strings.TrimSpace(strings.TrimLeft(it.md, "> -#")) == ""
	}
	return false
}

func renderChunk(its []item) string {
	for len(its) > 1 && emptyItem(its[len(its)-1]) {
		its = its[:len(its)-1]
	}
	var b strings.Builder
	if k := its[0].kind; k == lkCode || k == lkFenceClose {
		b.WriteString(fenceOpen(its[0]))
		b.WriteByte('\n')
	}
	for i, it := range its {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(it.md)
	}
	if last := its[len(its)-1]; last.inCode() {
		b.WriteByte('\n')
		b.WriteString(fenceClose(last))
	}
	// Trailing blanks show nothing; a chunk ending in code ends with its fence.
	return strings.TrimRight(b.String(), " \t\n")
}
