package formatting

import (
	"io"
	"strings"
	"sync"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// streamHTML converts s in one pass over html.Tokenizer, without the tree that
// html.Parse builds: a node per element and per text, each token's strings and
// attributes were most of what converting an answer allocated.
//
// It makes the builder calls treeHTML's recursive walk makes, in the same order,
// so it has to see the tree html.Parse would build. It therefore accepts only
// HTML whose tree follows from its tags with a stack of open elements: elements
// from a short list, closed by their end tags or by the implied ends the HTML5
// tree builder gives <p>, <li> and headings, but never a formatting element
// (<b>, <a>...) closed other than by its own end tag as the innermost element,
// which the tree builder reopens or moves. ok is false as soon as s leaves that
// subset (tables, dropped and foreign elements, clickable flow elements,
// misnested formatting, stray end tags, doctypes); the caller then converts s
// through the tree. What KM's editor writes stays inside, and so does most
// hand-written HTML. FuzzStreamMatchesTree checks that both agree wherever this
// accepts.
func streamHTML(s string) (htmlResult, bool) {
	p := &htmlParser{}
	w := streamers.Get().(*streamer)
	defer w.release()
	w.p = p
	top := &w.topBuf
	top.p, top.top = p, true
	w.stack = append(w.stackBuf[:0], openElem{b: top}) // <html><body>
	z := html.NewTokenizer(strings.NewReader(s))
	for off, lastText := 0, false; ; {
		tt := z.Next()
		// The tokens' raw bytes tile s; text that decoding left unchanged is
		// then taken from s itself rather than copied.
		raw := z.Raw()
		if len(raw) > len(s)-off || string(raw) != s[off:off+len(raw)] {
			return htmlResult{}, false
		}
		src := s[off : off+len(raw)]
		off += len(raw)
		ok := false
		switch tt {
		case html.ErrorToken:
			if z.Err() != io.EOF {
				return htmlResult{}, false
			}
			for len(w.stack) > 1 {
				w.end()
			}
			top.flush()
			p.placePending(len(top.out))
			var rich Rich
			if len(top.out) > 0 { // top.out is the pooled streamer's
				rich = append(make(Rich, 0, len(top.out)), top.out...)
			}
			return htmlResult{rich: rich, images: p.images}, true
		case html.TextToken:
			// Two texts in a row would be one text node in the tree, and
			// collapsing them apart is not always the same; the tokenizer does
			// not do that, but it costs nothing to make sure.
			ok = !lastText && w.text(z.Text(), src)
		case html.StartTagToken, html.SelfClosingTagToken:
			ok = w.startTag(z)
		case html.EndTagToken:
			ok = w.endTag(z, src)
		case html.CommentToken:
			ok = w.comment()
		}
		if !ok {
			return htmlResult{}, false
		}
		lastText = tt == html.TextToken
	}
}

// streamers keeps streamHTML's scratch between conversions: the stack of open
// elements, the builders of headings, quotes and list items and of the top
// level with their room for spans and blocks. Every answer needs them again, at
// about the same sizes; growing them anew took a dozen allocations and a few KB
// per answer on the bridge's hot path.
var streamers = sync.Pool{New: func() any { return new(streamer) }}

// maxPooledRoom bounds what a pooled streamer keeps of one huge answer.
const maxPooledRoom = 1024

// release clears w of everything that belongs to the conversion just done, so
// that the pool holds on to no answer, and puts it back in the pool.
func (w *streamer) release() {
	for _, b := range w.free {
		b.reset()
	}
	w.topBuf.reset()
	clear(w.stack[:cap(w.stack)])
	clear(w.items[:cap(w.items)]) // builders still open when the walk gave up
	*w = streamer{topBuf: w.topBuf, items: w.items[:0], free: w.free, preText: w.preText[:0]}
	if cap(w.free) > maxPooledRoom || cap(w.items) > maxPooledRoom {
		w.free, w.items = nil, nil
	}
	if cap(w.preText) > 16*maxPooledRoom {
		w.preText = nil
	}
	streamers.Put(w)
}

// reset empties a pooled builder, keeping its room unless a huge answer grew it.
func (b *builder) reset() {
	clear(b.spans[:cap(b.spans)])
	clear(b.out[:cap(b.out)])
	b.p, b.spans, b.out = nil, b.spans[:0], b.out[:0]
	if cap(b.spans) > maxPooledRoom || cap(b.out) > maxPooledRoom {
		b.spans, b.out = nil, nil
	}
}

// streamer is the state of one streamHTML walk.
type streamer struct {
	p      *htmlParser
	topBuf builder // the top level's
	// stack is the tree builder's stack of open elements; stack[0] stands for
	// <html> and <body>.
	stack    []openElem
	stackBuf [8]openElem
	// inertAt is the index in stack of the <pre>, hidden element or <audio> or
	// <video> whose content adds nothing of its own (0: none), as in treeHTML's
	// pre (only text), hidden (nothing) and media (only a <source>).
	inertAt  int
	preText  []byte
	preLang  string // from the <pre>'s class
	codeLang string // from the class of its first <code> child
	preCode  bool   // it had a <code> child
	mediaSrc string // the src of the <audio> or <video>
	source   string // the first usable src of a <source> in it
	// items are the items of the open lists, each list's from its itemsAt on
	// (an inner list ends before its outer one gets another item).
	items []*builder
	// free are builders of ended headings, quotes and list items, whose
	// content was handed on: reused with their room for spans.
	free []*builder
}

// builder returns an empty builder for a heading, quote or list item.
func (w *streamer) builder() *builder {
	if n := len(w.free); n > 0 {
		b := w.free[n-1]
		w.free = w.free[:n-1]
		b.p = w.p
		return b
	}
	return &builder{p: w.p}
}

// recycle takes back a builder nothing refers to any more, its content copied
// (htmlParser.keep) or flattened already.
func (w *streamer) recycle(b *builder) {
	b.out, b.spans = b.out[:0], b.spans[:0]
	w.free = append(w.free, b)
}

// elemKind is what an open element does to the rich text when it ends.
type elemKind uint8

const (
	kInline  elemKind = iota // marks, links, <html><body>, anything without structure
	kBlock                   // a paragraph break before and after
	kHeading                 // a Heading of its content
	kList                    // a List; its children are items or stray content
	kItem                    // an <li> directly in a list: one item
	kQuote                   // a Quote of its content
	kPre                     // a CodeBlock of its text
	kMedia                   // a link to its audio or video
	kSkip                    // hidden, with everything in it
	kInert                   // inside any of the three above
)

// openElem is an open element and what the conversion does with it.
type openElem struct {
	a        atom.Atom
	name     string // when a is 0 (an element not in package atom)
	kind     elemKind
	hasChild bool     // the tree has a node in it already (for <pre>'s first newline)
	b        *builder // where its content goes
	st       style    // the style of its content
	out      *builder // where its own block goes (heading, list, quote, code)
	after    *builder // flushed after it: it is stray content of a list, in this item
	list     *List
	itemsAt  int // where its items start in streamer.items
}

// maxStreamDepth keeps streamHTML far from treeHTML's depth limits
// (maxElemDepth, html.Parse's 512), which it does not reproduce.
const maxStreamDepth = 100

func (w *streamer) push(e openElem) { w.stack = append(w.stack, e) }

func (w *streamer) top() *openElem { return &w.stack[len(w.stack)-1] }

func (w *streamer) text(t []byte, src string) bool {
	d := src
	if string(t) != src { // entities, NULs or carriage returns
		d = string(t)
	}
	e := w.top()
	// The tree builder drops a newline right at the start of a <pre>, and NULs.
	if e.a == atom.Pre && !e.hasChild {
		d = strings.TrimPrefix(d, "\r")
		d = strings.TrimPrefix(d, "\n")
	}
	if strings.IndexByte(d, 0) >= 0 {
		d = strings.ReplaceAll(d, "\x00", "")
	}
	if d == "" {
		return true
	}
	e.hasChild = true
	switch {
	case w.inertAt > 0:
		if w.stack[w.inertAt].kind == kPre {
			w.preText = append(w.preText, d...)
		}
	case e.kind == kList:
		if strings.TrimSpace(d) != "" {
			it := w.stray(e)
			it.text(d, e.st)
			it.flush()
		}
	default:
		e.b.text(d, e.st)
	}
	return true
}

func (w *streamer) comment() bool {
	e := w.top()
	e.hasChild = true
	if w.inertAt == 0 && e.kind == kList {
		w.stray(e).flush() // a node between items, like any other
	}
	return true
}

// stray returns the item that content between a list's items goes to: the last
// one, or a new one (treeHTML's list).
func (w *streamer) stray(list *openElem) *builder {
	if len(w.items) == list.itemsAt {
		w.items = append(w.items, w.builder())
	}
	return w.items[len(w.items)-1]
}

// endTag closes what end tag raw closes. Most end tags are the innermost
// element's name written plainly ("</p>"); that is checked on the raw bytes,
// since the tokenizer's TagName allocates a copy of the name every time.
func (w *streamer) endTag(z *html.Tokenizer, raw string) bool {
	if e := w.top(); len(w.stack) > 1 {
		name := e.name
		if e.a != 0 {
			name = e.a.String()
		}
		if len(raw) == len(name)+3 && raw[:2] == "</" && raw[len(raw)-1] == '>' && raw[2:len(raw)-1] == name {
			w.end()
			return true
		}
	}
	name, _ := z.TagName()
	i, ok := w.closes(atom.Lookup(name), name)
	return ok && w.closeTo(i)
}

// end closes the innermost open element.
func (w *streamer) end() {
	e := w.stack[len(w.stack)-1]
	w.stack = w.stack[:len(w.stack)-1]
	switch e.kind {
	case kBlock, kItem:
		e.b.flush()
	case kHeading:
		e.b.flush()
		if spans := inlineOf(e.b.out); len(spans) > 0 {
			e.out.block(&Heading{Level: int(e.a.String()[1] - '0'), Spans: spans})
		} else {
			e.out.flush()
		}
		w.recycle(e.b)
	case kList:
		w.p.nest--
		items, n := w.items[e.itemsAt:], 0
		for _, it := range items {
			if len(it.out) > 0 {
				n++
			}
		}
		if n > 0 {
			e.list.Items = cut(&w.p.chunks.items, n, 16)[:0]
		}
		for _, it := range items {
			if len(it.out) > 0 {
				e.list.Items = append(e.list.Items, w.p.keep(it.out))
			}
			w.recycle(it)
		}
		w.items = w.items[:e.itemsAt]
		if n > 0 {
			e.out.block(e.list)
		} else {
			e.out.flush()
		}
	case kQuote:
		e.b.flush()
		w.p.nest--
		if len(e.b.out) > 0 {
			e.out.block(&Quote{Body: w.p.keep(e.b.out)})
		} else {
			e.out.flush()
		}
		w.recycle(e.b)
	case kMedia:
		src := w.mediaSrc
		if _, ok := SafeImageURL(src); !ok {
			src = w.source
		}
		e.out.media(src, e.st)
	case kPre:
		code := strings.TrimLeft(strings.TrimRight(string(w.preText), " \t\r\n"), "\r\n")
		if strings.TrimSpace(code) == "" {
			e.out.flush()
			break
		}
		lang := w.preLang
		if lang == "" {
			lang = w.codeLang
		}
		e.out.block(&CodeBlock{Lang: lang, Code: code})
	}
	if len(w.stack) == w.inertAt {
		w.inertAt = 0
	}
	if e.after != nil {
		e.after.flush()
	}
}

// Attributes streamHTML reads, as bits.
const (
	attrStyle = 1 << iota
	attrHref
	attrSrc
	attrAlt
	attrStart
	attrClass
)

type tagAttrs struct {
	hidden                              bool
	style, href, src, alt, start, class string
}

// readAttrs reads the attributes in need (the first of each name, like attr);
// ok is false for an element with data-type or data-id, which flow content makes
// clickable: that takes the tree (its text and HTML).
func readAttrs(z *html.Tokenizer, more bool, need int) (t tagAttrs, ok bool) {
	seen := 0
	for more {
		var k, v []byte
		k, v, more = z.TagAttr()
		bit, dst := 0, (*string)(nil)
		switch string(k) {
		case "data-type", "data-id":
			return t, false
		case "hidden":
			t.hidden = true
		case "style":
			bit, dst = attrStyle, &t.style
		case "href":
			bit, dst = attrHref, &t.href
		case "src":
			bit, dst = attrSrc, &t.src
		case "alt":
			bit, dst = attrAlt, &t.alt
		case "start":
			bit, dst = attrStart, &t.start
		case "class":
			bit, dst = attrClass, &t.class
		}
		if need&bit != 0 && seen&bit == 0 {
			*dst = string(v)
		}
		seen |= bit
	}
	return t, true
}

func (w *streamer) startTag(z *html.Tokenizer) bool {
	name, more := z.TagName()
	a := atom.Lookup(name)
	if !w.opens(a, name) {
		return false
	}
	void := a == atom.Br || a == atom.Img || a == atom.Hr || a == atom.Wbr || a == atom.Source
	parent := w.top()
	parent.hasChild = true
	direct := len(w.stack)-1 == w.inertAt // a child of the inert element
	need := 0
	switch {
	case w.inertAt > 0:
		switch w.stack[w.inertAt].kind {
		case kPre:
			need = attrClass // of a <code>
		case kMedia:
			need = attrSrc // of a <source>
		}
	case parent.kind == kList && a == atom.Li: // treeHTML's list reads no attribute of its items
	default:
		need = attrStyle
		switch a {
		case atom.A:
			need |= attrHref
		case atom.Img:
			need |= attrSrc | attrAlt
		case atom.Audio, atom.Video:
			need |= attrSrc
		case atom.Ol:
			need |= attrStart
		case atom.Pre:
			need |= attrClass
		}
	}
	at, ok := readAttrs(z, more, need)
	if !ok {
		return false
	}
	if w.inertAt > 0 {
		switch w.stack[w.inertAt].kind {
		case kPre:
			if a == atom.Br {
				w.preText = append(w.preText, '\n') // as textContent has it
			}
			if a == atom.Code && direct && !w.preCode {
				w.preCode, w.codeLang = true, langOf(at.class)
			}
		case kMedia:
			if a == atom.Source && direct && w.source == "" {
				if _, ok := SafeImageURL(at.src); ok {
					w.source = at.src
				}
			}
		}
		if !void {
			w.push(openElem{a: a, name: nameOf(a, name), kind: kInert})
		}
		return true
	}
	b, st := parent.b, parent.st
	var after *builder
	if parent.kind == kList {
		if a == atom.Li {
			it := w.builder()
			w.items = append(w.items, it)
			w.push(openElem{a: a, kind: kItem, b: it, st: parent.st})
			return true
		}
		b = w.stray(parent)
		after = b
	}
	return w.element(a, nameOf(a, name), void, at, b, st, after)
}

// nameOf is the name kept for an element to match its end tag: none when the
// atom says it.
func nameOf(a atom.Atom, name []byte) string {
	if a != 0 {
		return ""
	}
	return string(name)
}

// element opens (or for a void element, adds) an element whose content goes to b
// with style st, as treeHTML's element does.
func (w *streamer) element(a atom.Atom, name string, void bool, at tagAttrs, b *builder, st style, after *builder) bool {
	e := openElem{a: a, name: name, kind: kInline, b: b, out: b, after: after}
	if (at.hidden || displayNone(at.style)) && a != atom.Audio && a != atom.Video {
		e.kind = kSkip
	} else {
		st.marks |= styleMarks(at.style)
		switch a {
		case atom.Br:
			b.lineBreak()
		case atom.B, atom.Strong:
			st.marks |= Bold
		case atom.I, atom.Em, atom.Cite, atom.Var, atom.Dfn:
			st.marks |= Italic
		case atom.U, atom.Ins:
			st.marks |= Underline
		case atom.S, atom.Strike, atom.Del:
			st.marks |= Strike
		case atom.Code, atom.Kbd, atom.Samp, atom.Tt:
			st.marks |= Code
		case atom.A:
			if u, ok := SafeLink(at.href); ok {
				st.link = u
			}
		case atom.Img:
			w.p.addImage(at.src, at.alt, b, st)
		case atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6:
			b.flush()
			e.kind, e.b = kHeading, w.builder()
		case atom.Ul, atom.Ol:
			if w.p.nest >= maxRichNest {
				return false // treeHTML flattens it
			}
			b.flush()
			e.kind, e.list, e.itemsAt = kList, &cut(&w.p.chunks.lists, 1, 8)[0], len(w.items)
			e.list.Ordered = a == atom.Ol
			e.list.Start = listStart(e.list.Ordered, at.start)
			w.p.nest++
		case atom.Blockquote:
			if w.p.nest >= maxRichNest {
				return false
			}
			b.flush()
			w.p.nest++
			e.kind, e.b = kQuote, w.builder()
		case atom.Audio, atom.Video:
			e.kind, w.mediaSrc, w.source = kMedia, at.src, ""
		case atom.Pre:
			e.kind = kPre
			w.preText, w.preLang, w.codeLang, w.preCode = w.preText[:0], langOf(at.class), "", false
		case atom.Hr:
			b.block(&Rule{})
		default:
			if isBlockAtom(a) {
				b.flush()
				e.kind = kBlock
			}
		}
	}
	e.st = st
	if void {
		if after != nil {
			after.flush()
		}
		return true
	}
	if e.kind == kSkip || e.kind == kPre || e.kind == kMedia {
		w.inertAt = len(w.stack)
	}
	w.push(e)
	return true
}

// opens does what the tree builder does before it adds the element of start
// tag a, when that is closing open elements (the implied ends of <p>, <li>, a
// heading), and reports whether it then just adds a child to the innermost open
// element: a is in streamHTML's list, and nothing is reopened or moved.
func (w *streamer) opens(a atom.Atom, name []byte) bool {
	if len(w.stack) > maxStreamDepth {
		return false
	}
	switch {
	case a == 0:
		// Not in package atom, so nothing special to the tree builder (Word's
		// <o:p>); matched by name at its end tag.
		return len(name) > 0
	case isFormatting(a):
		if a == atom.A && w.nearest(atom.A) > 0 {
			return false // a link in a link is closed and reopened
		}
		return true
	case a == atom.Span, a == atom.Sub, a == atom.Sup, a == atom.Cite, a == atom.Var, a == atom.Dfn,
		a == atom.Ins, a == atom.Del, a == atom.Kbd, a == atom.Samp, a == atom.Mark, a == atom.Abbr,
		a == atom.Q, a == atom.Time, a == atom.Audio, a == atom.Video,
		a == atom.Br, a == atom.Img, a == atom.Wbr, a == atom.Source:
		return true
	case !isSpecialStream(a):
		return false // not in the list
	}
	// An <li> closes the <li> it is in, looking down past <address>, <div>,
	// <p> and non-special elements; <dd> and <dt> likewise.
	if a == atom.Li || a == atom.Dd || a == atom.Dt {
	find:
		for i := len(w.stack) - 1; i > 0; i-- {
			switch e := w.stack[i].a; {
			case e == a || (e == atom.Dd || e == atom.Dt) && (a == atom.Dd || a == atom.Dt):
				if !w.closeTo(i) {
					return false
				}
				break find
			case e == atom.Address || e == atom.Div || e == atom.P:
			case isSpecialStream(e):
				break find
			}
		}
	}
	// All of them close an open <p>. Nothing in the list is a boundary of the
	// tree builder's button scope, so any open <p> is in it.
	if i := w.nearest(atom.P); i > 0 && !w.closeTo(i) {
		return false
	}
	if isHeading(a) && isHeading(w.top().a) {
		w.end()
	}
	return true
}

// nearest returns the index in w.stack of the innermost open element a, 0 if none.
func (w *streamer) nearest(a atom.Atom) int {
	for i := len(w.stack) - 1; i > 0; i-- {
		if w.stack[i].a == a {
			return i
		}
	}
	return 0
}

// closeTo ends stack[i] and the elements in it, as the tree builder's implied
// end tags do, unless one in it is a formatting element: the tree builder would
// reopen that one at the next text.
func (w *streamer) closeTo(i int) bool {
	for _, e := range w.stack[i+1:] {
		if isFormatting(e.a) {
			return false
		}
	}
	for len(w.stack) > i {
		w.end()
	}
	return true
}

// closes finds the element the end tag a closes and whether the tree builder
// would close it plainly (closeTo). A formatting element has to be the innermost
// one (else the adoption agency algorithm moves elements); others follow the tree
// builder's scopes, none of whose boundaries is in streamHTML's list.
func (w *streamer) closes(a atom.Atom, name []byte) (int, bool) {
	n := len(w.stack) - 1
	switch {
	case a == atom.Br || n == 0 || a == 0 && len(name) == 0:
		return 0, false
	case isFormatting(a):
		return n, w.stack[n].a == a
	case isHeading(a):
		for i := n; i > 0; i-- {
			if isHeading(w.stack[i].a) {
				return i, true
			}
		}
	case a == atom.Li:
		for i := n; i > 0; i-- {
			switch w.stack[i].a {
			case atom.Li:
				return i, true
			case atom.Ul, atom.Ol: // list item scope
				return 0, false
			}
		}
	case isSpecialStream(a):
		if i := w.nearest(a); i > 0 {
			return i, true
		}
	default:
		for i := n; i > 0; i-- {
			if e := w.stack[i]; e.a == a && (a != 0 || e.name == string(name)) {
				return i, true
			} else if isSpecialStream(e.a) {
				return 0, false
			}
		}
	}
	return 0, false // ignored, or a <p> made up
}

// isFormatting reports the HTML5 formatting elements in streamHTML's list (the
// tree builder remembers them, to reopen them when closed too early).
func isFormatting(a atom.Atom) bool {
	switch a {
	case atom.A, atom.B, atom.Big, atom.Code, atom.Em, atom.Font, atom.I, atom.S, atom.Small,
		atom.Strike, atom.Strong, atom.Tt, atom.U:
		return true
	}
	return false
}

func isHeading(a atom.Atom) bool {
	switch a {
	case atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6:
		return true
	}
	return false
}

// isSpecialStream reports the elements of streamHTML's list that the HTML5 spec
// calls special, but for the void <br> and <img>: all of them close an open <p>.
func isSpecialStream(a atom.Atom) bool {
	switch a {
	case atom.Address, atom.Article, atom.Aside, atom.Blockquote, atom.Center, atom.Details,
		atom.Div, atom.Dl, atom.Fieldset, atom.Figcaption, atom.Figure, atom.Footer, atom.Header,
		atom.Hgroup, atom.Main, atom.Nav, atom.Ol, atom.P, atom.Section, atom.Summary, atom.Ul,
		atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6, atom.Pre, atom.Li, atom.Dd,
		atom.Dt, atom.Hr:
		return true
	}
	return false
}
