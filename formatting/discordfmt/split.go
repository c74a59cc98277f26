package discordfmt

import (
	"strings"
	"unicode/utf8"
)

// item is a line rendered, with what packing needs to know about it.
type item struct {
	kind   lineKind
	md     string
	at     int    // where md starts in the markdown of all the lines
	n      int    // runes of md
	prefix string // fences: the code block's prefix, to reopen or close it
	lang   string
}

func (it item) inCode() bool { return it.kind == lkFenceOpen || it.kind == lkCode }

// fenceOpen and fenceClose are the synthetic fences that keep a code block
// closed at the end of one chunk and reopened at the start of the next.
func fenceOpen(it item) string  { return it.prefix + "```" + it.lang }
func fenceClose(it item) string { return it.prefix + "```" }

// fenceOpenLen and fenceCloseLen are the runes of fenceOpen and fenceClose.
func fenceOpenLen(it item) int  { return runes(it.prefix) + len("```") + runes(it.lang) }
func fenceCloseLen(it item) int { return runes(it.prefix) + len("```") }

// splitLines packs lines into chunks of at most budget runes each, in order,
// losing nothing: it cuts at paragraph breaks when that leaves the chunk at least
// half full, else between lines, and cuts inside a line only when the line alone
// is too long. Code blocks cut across chunks are closed and reopened. The lines
// are rendered into one buffer, one after another with a newline after each,
// so a chunk that needs no synthetic fence is a slice of it.
func splitLines(ls []line, budget int) []string {
	buf := make([]byte, 0, mdSize(ls))
	items := make([]item, 0, len(ls))
	add := func(it item, at int) {
		it.at = at
		it.n = runeCount(buf[at:])
		items = append(items, it)
		buf = append(buf, '\n')
	}
	var lang, prefix string // of the code block being read
	for _, l := range ls {
		if l.kind == lkFenceOpen {
			lang, prefix = l.text, l.prefix
		}
		fenceCost := 0
		if l.kind == lkCode {
			// a code line may need both synthetic fences around it
			fenceCost = 2*runes(prefix) + 2*len("```") + runes(lang) + 2
		}
		at := len(buf)
		buf = l.appendMarkdown(buf)
		n := runeCount(buf[at:])
		switch {
		case l.kind == lkText && n > budget:
			buf = buf[:at]
			for _, p := range splitTextLine(l, budget) {
				at := len(buf)
				buf = p.appendMarkdown(buf)
				add(item{kind: lkText}, at)
			}
			continue
		case l.kind == lkCode && n+fenceCost > budget:
			buf = buf[:at]
			room := max(budget-fenceCost-runes(l.prefix), 1)
			for t := l.text; t != ""; {
				cut := runePrefix(t, room)
				if c := graphemeSafe(t, len(cut)); c > 0 {
					cut = t[:c]
				}
				t = t[len(cut):]
				at := len(buf)
				buf = append(append(buf, l.prefix...), cut...)
				add(item{kind: lkCode, prefix: prefix, lang: lang}, at)
			}
			continue
		case (l.kind == lkRaw || l.kind == lkFenceOpen || l.kind == lkFenceClose) && n > budget:
			md := truncate(string(buf[at:]), budget) // only an absurd prefix gets here
			buf = append(buf[:at], md...)
		}
		add(item{kind: l.kind, prefix: prefix, lang: lang}, at)
	}
	all := string(buf)
	for i := range items {
		it := &items[i]
		end := len(all) // the newline after it
		if i+1 < len(items) {
			end = items[i+1].at
		}
		it.md = all[it.at : end-1]
	}
	return pack(items, budget, all)
}

// runeCount is utf8.RuneCount, which in this Go copies non-ASCII text into a
// string to count it.
func runeCount(p []byte) int {
	n := 0
	for i := 0; i < len(p); n++ {
		if p[i] < utf8.RuneSelf {
			i++
			continue
		}
		_, w := utf8.DecodeRune(p[i:])
		i += w
	}
	return n
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

// pack cuts items into chunks; all is the markdown they are slices of.
func pack(items []item, budget int, all string) []string {
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
			n = fenceOpenLen(items[a]) + 1
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
				closing = 1 + fenceCloseLen(it)
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
		chunks = append(chunks, renderChunk(items[a:end], all))
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

func renderChunk(its []item, all string) string {
	for len(its) > 1 && emptyItem(its[len(its)-1]) {
		its = its[:len(its)-1]
	}
	first, last := its[0], its[len(its)-1]
	if first.kind != lkCode && first.kind != lkFenceClose && !last.inCode() {
		// No synthetic fence: the items joined by newlines, as they are in all.
		return strings.TrimRight(all[first.at:last.at+len(last.md)], " \t\n")
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
