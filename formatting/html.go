package formatting

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// ParseHTML converts KM's HTML (rich answers, flow content, card content) into rich
// text, the way a browser would show it: whitespace collapsed (except in <pre>),
// entities decoded, scripts, styles, comments and hidden elements dropped, only
// http/https/mailto/tel links kept (the text of any other link stays). Images with
// an http(s) source are pulled out, in document order; audio and video become links
// to the media. Text without any markup keeps its line breaks, like msgType plain.
func ParseHTML(s string) (Rich, []Image) {
	r := parseHTML(s)
	var imgs []Image
	for _, im := range r.images {
		imgs = append(imgs, im.Image)
	}
	return r.rich, imgs
}

// placedImage is an image and the number of top-level rich blocks that precede it,
// so callers can interleave text and pictures as the author placed them.
type placedImage struct {
	Image
	after int
}

// clickable is an element of flow content with data-type and data-id; html is the
// element itself, rendered back from the parse (what a flow click sends to KM).
type clickable struct {
	typ, id, text, html string
}

// maxClickHTML bounds the element HTML kept for a click; a longer element is
// reduced to its tag, attributes and text.
const maxClickHTML = 2048

type htmlResult struct {
	rich   Rich
	images []placedImage
	clicks []clickable
}

// Limits that keep hostile or broken HTML from producing unbounded structures.
const (
	maxElemDepth  = 256 // deeper elements contribute their text only
	maxRichNest   = 8   // lists and quotes deeper than this are flattened
	maxImages     = 50
	maxClickables = 100
)

func parseHTML(s string) htmlResult {
	if !looksLikeHTML(s) {
		return htmlResult{rich: ParsePlain(html.UnescapeString(s))}
	}
	// streamHTML gives up on tables and flow clickables, the two things it does
	// not take that are common in KM content; those go straight to the tree,
	// not after a walk half done.
	if !strings.Contains(s, "<table") && !strings.Contains(s, "data-id") {
		if r, ok := streamHTML(s); ok {
			return r
		}
	}
	return treeHTML(s)
}

// treeHTML converts any HTML through html.Parse's tree; streamHTML gives the same
// result without the tree for the HTML it accepts.
func treeHTML(s string) htmlResult {
	p := &htmlParser{}
	doc, err := html.Parse(strings.NewReader(s))
	if err != nil { // nested deeper than the parser allows: keep the text
		b := &builder{p: p, top: true}
		p.tokens(s, b)
		b.flush()
		return htmlResult{rich: b.out}
	}
	b := &builder{p: p, top: true}
	p.children(doc, b, style{})
	b.flush()
	p.placePending(len(b.out))
	return htmlResult{rich: b.out, images: p.images, clicks: p.clicks}
}

// looksLikeHTML reports whether s has a tag, a comment or a doctype. KM sends plain
// sentences as "rich" too, and those keep their line breaks.
func looksLikeHTML(s string) bool {
	for i := strings.IndexByte(s, '<'); i >= 0 && i+1 < len(s); {
		c := s[i+1]
		if c == '/' || c == '!' || c == '?' || c < utf8.RuneSelf && unicode.IsLetter(rune(c)) {
			return true
		}
		j := strings.IndexByte(s[i+1:], '<')
		if j < 0 {
			break
		}
		i += 1 + j
	}
	return false
}

type htmlParser struct {
	chunks chunks

	images  []placedImage
	pending int // images[pending:] are not placed yet
	clicks  []clickable
	depth   int
	nest    int
}

func (p *htmlParser) placePending(after int) {
	for ; p.pending < len(p.images); p.pending++ {
		p.images[p.pending].after = after
	}
}

// style is the inline context inherited by descendants.
type style struct {
	marks Mark
	link  string
}

// builder accumulates one container's rich blocks and its open paragraph.
type builder struct {
	p     *htmlParser
	top   bool
	out   Rich
	spans []Span
}

func (b *builder) flush() {
	if pa := b.p.para(b.spans); pa != nil {
		b.out = append(b.out, pa)
	}
	b.spans = b.spans[:0] // para copied what it kept: the next paragraph reuses the room
	if b.top {
		b.p.placePending(len(b.out))
	}
}

// block adds a block-level node. Callers flush before walking the node's content,
// so that images met inside it are placed after it, not before.
func (b *builder) block(rb RichBlock) {
	if pa := b.p.para(b.spans); pa != nil {
		b.out = append(b.out, pa)
	}
	b.spans = b.spans[:0]
	b.out = append(b.out, rb)
	if b.top {
		b.p.placePending(len(b.out))
	}
}

func (b *builder) lastChar() rune {
	if len(b.spans) == 0 {
		return '\n'
	}
	r, _ := utf8.DecodeLastRuneInString(b.spans[len(b.spans)-1].Text)
	return r
}

// text adds collapsed text.
func (b *builder) text(s string, st style) {
	s = collapseSpace(s)
	if strings.HasPrefix(s, " ") {
		if c := b.lastChar(); c == ' ' || c == '\n' {
			s = s[1:]
		}
	}
	if s == "" {
		return
	}
	b.addSpan(Span{Text: s, Marks: st.marks, Link: st.link})
}

func (b *builder) addSpan(sp Span) {
	if n := len(b.spans); n > 0 {
		last := &b.spans[n-1]
		if last.Text != "\n" && sp.Text != "\n" && last.Marks == sp.Marks && last.Link == sp.Link {
			last.Text += sp.Text
			return
		}
	}
	b.spans = append(b.spans, sp)
}

func (b *builder) lineBreak() {
	// At most one empty line in a row, like most chat clients show it anyway.
	if n := len(b.spans); n >= 2 && b.spans[n-1].Text == "\n" && b.spans[n-2].Text == "\n" {
		return
	}
	if n := len(b.spans); n > 0 {
		b.spans[n-1].Text = strings.TrimRight(b.spans[n-1].Text, " ")
	}
	b.spans = append(b.spans, Span{Text: "\n"})
}

// The rich text of one conversion is cut from chunks (cut): an answer has
// dozens of paragraphs and list items, and allocating each one, its spans and
// its blocks on its own was a good part of converting it.
type chunks struct {
	paras []Para
	spans []Span
	rich  []RichBlock
	lists []List
	items []Rich
}

// cut returns n zero elements cut from *chunk, allocating a new chunk (twice the
// last, within 4..limit, or n) when it has no room. The result's capacity is n:
// appending to it never writes over a neighbour.
func cut[T any](chunk *[]T, n, limit int) []T {
	c := *chunk
	if cap(c)-len(c) < n {
		c = make([]T, 0, max(n, min(2*cap(c), limit), 4))
	}
	*chunk = c[:len(c)+n]
	return c[len(c) : len(c)+n : len(c)+n]
}

// para returns a paragraph of what trimSpans keeps of in, nil when nothing is
// visible.
func (p *htmlParser) para(in []Span) *Para {
	sp := trimSpansIn(in, &p.chunks.spans)
	if sp == nil {
		return nil
	}
	pa := &cut(&p.chunks.paras, 1, 16)[0]
	pa.Spans = sp
	return pa
}

// keep returns a copy of r, the content of a builder about to be reused.
func (p *htmlParser) keep(r Rich) Rich {
	if len(r) == 0 {
		return nil
	}
	out := cut(&p.chunks.rich, len(r), 16)
	copy(out, r)
	return out
}

// trimSpans drops leading and trailing space and line breaks and empty spans; it
// returns nil when nothing visible is left, else a new slice of exactly what is
// kept (in is not changed, so callers may reuse it).
func trimSpans(in []Span) []Span { return trimSpansIn(in, nil) }

// trimSpansIn is trimSpans with the result cut from *chunk (nil: allocated on
// its own).
func trimSpansIn(in []Span, chunk *[]Span) []Span {
	lo, hi := 0, len(in) // in[lo:hi] is what is left after trimming both ends
	for lo < hi && (in[lo].Text == "" || strings.TrimSpace(in[lo].Text) == "" && in[lo].Link == "") {
		lo++
	}
	for hi > lo && (in[hi-1].Text == "" || strings.TrimSpace(in[hi-1].Text) == "" && in[hi-1].Link == "") {
		hi--
	}
	visible, n := false, 0
	for _, sp := range in[lo:hi] {
		if sp.Text != "" {
			n++
			visible = visible || strings.TrimSpace(sp.Text) != ""
		}
	}
	if !visible {
		return nil
	}
	var out []Span
	if chunk == nil {
		out = make([]Span, 0, n)
	} else {
		out = cut(chunk, n, 64)[:0]
	}
	for _, sp := range in[lo:hi] {
		if sp.Text != "" {
			out = append(out, sp)
		}
	}
	out[0].Text = strings.TrimLeftFunc(out[0].Text, unicode.IsSpace)
	out[len(out)-1].Text = strings.TrimRightFunc(out[len(out)-1].Text, unicode.IsSpace)
	return out
}

// collapseSpace turns every run of HTML white space into one space.
func collapseSpace(s string) string {
	if !needsCollapse(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case ' ', '\t', '\n', '\r', '\f':
			if !space {
				b.WriteByte(' ')
			}
			space = true
		default:
			b.WriteByte(c)
			space = false
		}
	}
	return b.String()
}

// needsCollapse reports whether s has white space other than single spaces.
func needsCollapse(s string) bool {
	space := false
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ' ':
			if space {
				return true
			}
			space = true
		case '\t', '\n', '\r', '\f':
			return true
		default:
			space = false
		}
	}
	return false
}

func (p *htmlParser) children(n *html.Node, b *builder, st style) {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		p.node(c, b, st)
	}
}

func (p *htmlParser) node(n *html.Node, b *builder, st style) {
	switch n.Type {
	case html.TextNode:
		b.text(n.Data, st)
		return
	case html.ElementNode:
	case html.DocumentNode:
		p.children(n, b, st)
		return
	default: // comments, doctypes
		return
	}
	if p.depth >= maxElemDepth {
		b.text(" "+textContent(n)+" ", st)
		return
	}
	p.depth++
	defer func() { p.depth-- }()
	p.element(n, b, st)
}

func (p *htmlParser) element(n *html.Node, b *builder, st style) {
	if dropped(n) {
		return
	}
	if hidden(n) && n.DataAtom != atom.Audio && n.DataAtom != atom.Video {
		return
	}
	if typ, id := strings.TrimSpace(attr(n, "data-type")), strings.TrimSpace(attr(n, "data-id")); typ != "" && id != "" && len(p.clicks) < maxClickables {
		p.clicks = append(p.clicks, clickable{typ: typ, id: id, text: strings.TrimSpace(collapseSpace(textContent(n))), html: outerHTML(n)})
	}
	st.marks |= styleMarks(attr(n, "style"))
	switch n.DataAtom {
	case atom.Br:
		b.lineBreak()
	case atom.B, atom.Strong:
		st.marks |= Bold
		p.children(n, b, st)
	case atom.I, atom.Em, atom.Cite, atom.Var, atom.Dfn:
		st.marks |= Italic
		p.children(n, b, st)
	case atom.U, atom.Ins:
		st.marks |= Underline
		p.children(n, b, st)
	case atom.S, atom.Strike, atom.Del:
		st.marks |= Strike
		p.children(n, b, st)
	case atom.Code, atom.Kbd, atom.Samp, atom.Tt:
		st.marks |= Code
		p.children(n, b, st)
	case atom.A:
		if u, ok := SafeLink(attr(n, "href")); ok {
			st.link = u
		}
		p.children(n, b, st)
	case atom.Img:
		p.image(n, b, st)
	case atom.Audio, atom.Video:
		p.media(n, b, st)
	case atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6:
		p.heading(n, b, st)
	case atom.Ul, atom.Ol:
		if p.nest >= maxRichNest {
			p.blockish(n, b, st)
			return
		}
		p.list(n, b, st)
	case atom.Blockquote:
		if p.nest >= maxRichNest {
			p.blockish(n, b, st)
			return
		}
		b.flush()
		p.nest++
		sub := &builder{p: p}
		p.children(n, sub, st)
		sub.flush()
		p.nest--
		if len(sub.out) > 0 {
			b.block(&Quote{Body: sub.out})
		} else {
			b.flush()
		}
	case atom.Pre:
		p.pre(n, b)
	case atom.Table:
		p.table(n, b, st)
	case atom.Hr:
		b.block(&Rule{})
	default:
		if isBlockAtom(n.DataAtom) {
			p.blockish(n, b, st)
			return
		}
		p.children(n, b, st)
	}
}

// isBlockAtom reports block-level elements that only separate paragraphs.
func isBlockAtom(a atom.Atom) bool {
	switch a {
	case atom.P, atom.Div, atom.Section, atom.Article, atom.Header, atom.Footer, atom.Main,
		atom.Nav, atom.Aside, atom.Address, atom.Center, atom.Figure, atom.Figcaption,
		atom.Dl, atom.Dt, atom.Dd, atom.Details, atom.Summary, atom.Form, atom.Fieldset,
		atom.Legend, atom.Li, atom.Caption, atom.Tr, atom.Td, atom.Th, atom.Thead,
		atom.Tbody, atom.Tfoot, atom.Body, atom.Html, atom.Hgroup, atom.Ul, atom.Ol,
		atom.Blockquote, atom.Pre, atom.Table, atom.Hr, atom.H1, atom.H2, atom.H3,
		atom.H4, atom.H5, atom.H6:
		return true
	}
	return false
}

// blockish is a block container that adds no structure of its own.
func (p *htmlParser) blockish(n *html.Node, b *builder, st style) {
	b.flush()
	p.children(n, b, st)
	b.flush()
}

// dropped reports elements whose content is never shown.
func dropped(n *html.Node) bool {
	switch n.DataAtom {
	case atom.Script, atom.Style, atom.Head, atom.Template, atom.Title, atom.Noscript,
		atom.Iframe, atom.Object, atom.Embed, atom.Svg, atom.Math, atom.Select,
		atom.Textarea, atom.Input, atom.Canvas, atom.Meta, atom.Link, atom.Base,
		atom.Noembed, atom.Noframes, atom.Frameset, atom.Xmp, atom.Plaintext:
		return true
	}
	return n.Data == "svg" || n.Data == "math" // foreign elements keep no atom match
}

// hidden reports elements a browser would not show.
func hidden(n *html.Node) bool {
	for _, a := range n.Attr {
		if a.Namespace == "" && a.Key == "hidden" {
			return true
		}
	}
	return displayNone(attr(n, "style"))
}

// displayNone reports whether an inline style hides its element.
func displayNone(style string) bool {
	for rest := style; rest != ""; {
		var decl string
		decl, rest, _ = strings.Cut(rest, ";")
		k, v, _ := strings.Cut(decl, ":")
		if strings.EqualFold(strings.TrimSpace(k), "display") && strings.EqualFold(strings.TrimSpace(v), "none") {
			return true
		}
	}
	return false
}

// styleMarks reads the inline styles that KM's editor uses instead of tags.
func styleMarks(s string) Mark {
	var m Mark
	if s == "" {
		return 0
	}
	for rest, more := s, true; more; { // strings.Split without its slice
		var decl string
		decl, rest, more = strings.Cut(rest, ";")
		k, v, _ := strings.Cut(decl, ":")
		k = strings.ToLower(strings.TrimSpace(k))
		v = strings.ToLower(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "!important")))
		switch k {
		case "font-weight":
			if v == "bold" || v == "bolder" {
				m |= Bold
			} else if w, err := strconv.Atoi(v); err == nil && w >= 600 {
				m |= Bold
			}
		case "font-style":
			if v == "italic" || v == "oblique" {
				m |= Italic
			}
		case "text-decoration", "text-decoration-line":
			if strings.Contains(v, "underline") {
				m |= Underline
			}
			if strings.Contains(v, "line-through") {
				m |= Strike
			}
		}
	}
	return m
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Namespace == "" && a.Key == key {
			return a.Val
		}
	}
	return ""
}

// textContent is the text of n's subtree (without dropped elements), collected
// without recursion so that absurd nesting cannot exhaust the stack.
func textContent(n *html.Node) string {
	var b strings.Builder
	stack := []*html.Node{n}
	for len(stack) > 0 {
		c := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		switch c.Type {
		case html.TextNode:
			b.WriteString(c.Data)
			continue
		case html.ElementNode:
			if dropped(c) {
				continue
			}
			if c.DataAtom == atom.Br {
				b.WriteByte('\n')
			}
		case html.DocumentNode:
		default:
			continue
		}
		for k := c.LastChild; k != nil; k = k.PrevSibling {
			stack = append(stack, k)
		}
	}
	return b.String()
}

func (p *htmlParser) image(n *html.Node, b *builder, st style) {
	p.addImage(attr(n, "src"), attr(n, "alt"), b, st)
}

// addImage adds the image of an <img> with these attributes.
func (p *htmlParser) addImage(src, alt string, b *builder, st style) {
	alt = strings.TrimSpace(collapseSpace(alt))
	u, ok := SafeImageURL(src)
	if !ok || len(p.images) >= maxImages {
		if alt != "" { // what a browser shows for a picture it cannot load
			b.text(alt, st)
		}
		return
	}
	p.images = append(p.images, placedImage{Image: Image{URL: u, Alt: alt, Link: st.link}})
}

func (p *htmlParser) media(n *html.Node, b *builder, st style) {
	src := attr(n, "src")
	if _, ok := SafeImageURL(src); !ok {
		src = ""
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type == html.ElementNode && c.DataAtom == atom.Source {
				if _, ok := SafeImageURL(attr(c, "src")); ok {
					src = attr(c, "src")
					break
				}
			}
		}
	}
	b.media(src, st)
}

// media adds a link to the audio or video at src, when src is a safe URL.
func (b *builder) media(src string, st style) {
	u, ok := SafeImageURL(src)
	if !ok {
		return
	}
	if c := b.lastChar(); c != ' ' && c != '\n' {
		b.addSpan(Span{Text: " ", Marks: st.marks, Link: st.link})
	}
	b.addSpan(Span{Text: u, Link: u})
}

func (p *htmlParser) heading(n *html.Node, b *builder, st style) {
	b.flush()
	sub := &builder{p: p}
	p.children(n, sub, st)
	sub.flush()
	spans := inlineOf(sub.out)
	if len(spans) == 0 {
		b.flush()
		return
	}
	level := int(n.Data[1] - '0')
	b.block(&Heading{Level: level, Spans: spans})
}

// inlineOf flattens rich text into one line of spans (headings and table cells hold
// inline content only); blocks are separated by line breaks.
func inlineOf(r Rich) []Span {
	var out []Span
	for _, rb := range r {
		if isNil(rb) {
			continue
		}
		if len(out) > 0 {
			out = append(out, Span{Text: "\n"})
		}
		switch v := rb.(type) {
		case *Para:
			out = append(out, v.Spans...)
		case *Heading:
			out = append(out, v.Spans...)
		default:
			if t := strings.TrimSpace(plainText(Rich{rb})); t != "" {
				out = append(out, Span{Text: t})
			}
		}
	}
	return trimSpans(out)
}

func (p *htmlParser) list(n *html.Node, b *builder, st style) {
	b.flush()
	l := &List{Ordered: n.DataAtom == atom.Ol}
	l.Start = listStart(l.Ordered, attr(n, "start"))
	p.nest++
	var items []*builder
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode && c.DataAtom == atom.Li {
			item := &builder{p: p}
			items = append(items, item)
			if p.depth < maxElemDepth {
				p.depth++
				p.children(c, item, st)
				p.depth--
			} else {
				item.text(textContent(c), st)
			}
			item.flush()
			continue
		}
		if c.Type == html.TextNode && strings.TrimSpace(c.Data) == "" {
			continue
		}
		// Stray content between items (a nested list written as a sibling of
		// its <li>) belongs to the previous item, as browsers show it.
		if len(items) == 0 {
			items = append(items, &builder{p: p})
		}
		last := items[len(items)-1]
		p.node(c, last, st)
		last.flush()
	}
	p.nest--
	for _, it := range items {
		if len(it.out) > 0 {
			l.Items = append(l.Items, it.out)
		}
	}
	if len(l.Items) == 0 {
		b.flush()
		return
	}
	b.block(l)
}

// listStart is List.Start for an ordered list whose start attribute is start.
func listStart(ordered bool, start string) int {
	start = strings.TrimSpace(start)
	if !ordered || start == "" { // Atoi would say so with an allocated error
		return 0
	}
	if v, err := strconv.Atoi(start); err == nil && v != 1 && v > -1e6 && v < 1e6 {
		return v
	}
	return 0
}

func (p *htmlParser) pre(n *html.Node, b *builder) {
	code := strings.TrimRight(textContent(n), " \t\r\n")
	code = strings.TrimLeft(code, "\r\n")
	if strings.TrimSpace(code) == "" {
		b.flush()
		return
	}
	lang := langOf(attr(n, "class"))
	if lang == "" {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type == html.ElementNode && c.DataAtom == atom.Code {
				lang = langOf(attr(c, "class"))
				break
			}
		}
	}
	b.block(&CodeBlock{Lang: lang, Code: code})
}

func langOf(class string) string {
	for _, f := range strings.Fields(class) {
		for _, pre := range []string{"language-", "lang-"} {
			if l, ok := strings.CutPrefix(f, pre); ok && l != "" {
				return l
			}
		}
	}
	return ""
}

func (p *htmlParser) table(n *html.Node, b *builder, st style) {
	var head, body [][][]Span
	firstAllTh := false
	var caption Rich
	var rows func(sec *html.Node, inHead bool)
	rows = func(sec *html.Node, inHead bool) {
		for c := sec.FirstChild; c != nil; c = c.NextSibling {
			if c.Type != html.ElementNode {
				continue
			}
			switch c.DataAtom {
			case atom.Thead:
				rows(c, true)
			case atom.Tbody, atom.Tfoot:
				rows(c, inHead)
			case atom.Caption:
				sub := &builder{p: p}
				p.children(c, sub, st)
				sub.flush()
				caption = append(caption, sub.out...)
			case atom.Tr:
				row, allTh := p.row(c, st)
				if row == nil {
					continue
				}
				if inHead {
					head = append(head, row)
					continue
				}
				if len(head) == 0 && len(body) == 0 {
					firstAllTh = allTh
				}
				body = append(body, row)
			}
		}
	}
	b.flush()
	rows(n, false)
	for _, c := range caption {
		b.block(c)
	}
	if len(head)+len(body) == 0 {
		return
	}
	t := &Table{Header: len(head) > 0 || firstAllTh, Rows: append(head, body...)}
	b.block(t)
}

// row returns a row's cells, nil when all are empty, and whether all are <th>.
func (p *htmlParser) row(tr *html.Node, st style) ([][]Span, bool) {
	var cells [][]Span
	allTh, any := true, false
	for c := tr.FirstChild; c != nil; c = c.NextSibling {
		if c.Type != html.ElementNode || (c.DataAtom != atom.Td && c.DataAtom != atom.Th) {
			continue
		}
		if c.DataAtom != atom.Th {
			allTh = false
		}
		sub := &builder{p: p}
		p.children(c, sub, st)
		sub.flush()
		cell := inlineOf(sub.out)
		if len(cell) > 0 {
			any = true
		}
		cells = append(cells, cell)
	}
	if !any {
		return nil, false
	}
	return cells, allTh
}

// tokens is the fallback for HTML too deeply nested for the tree parser: text in
// document order, block elements breaking paragraphs, nothing else.
func (p *htmlParser) tokens(s string, b *builder) {
	z := html.NewTokenizer(strings.NewReader(s))
	skip := 0 // inside script, style and the like
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return
		case html.TextToken:
			if skip == 0 {
				b.text(string(z.Text()), style{})
			}
		case html.StartTagToken, html.EndTagToken, html.SelfClosingTagToken:
			name, _ := z.TagName()
			n := &html.Node{Type: html.ElementNode, DataAtom: atom.Lookup(name), Data: string(name)}
			switch {
			case n.DataAtom == atom.Input || n.DataAtom == atom.Meta || n.DataAtom == atom.Link ||
				n.DataAtom == atom.Base || n.DataAtom == atom.Embed || n.DataAtom == atom.Head:
				// void or harmless: nothing to skip
			case dropped(n):
				if tt == html.StartTagToken {
					skip++
				} else if tt == html.EndTagToken && skip > 0 {
					skip--
				}
			case n.DataAtom == atom.Br:
				b.lineBreak()
			case isBlockAtom(n.DataAtom):
				b.flush()
			}
		}
	}
}

// outerHTML renders element n as HTML, or when that is longer than maxClickHTML,
// the element with its attributes around its collapsed text.
func outerHTML(n *html.Node) string {
	var b strings.Builder
	if html.Render(&b, n) == nil && b.Len() <= maxClickHTML {
		return b.String()
	}
	short := &html.Node{Type: html.ElementNode, Data: n.Data, DataAtom: n.DataAtom, Attr: n.Attr}
	text := []rune(strings.TrimSpace(collapseSpace(textContent(n))))
	if len(text) > maxClickHTML/4 {
		text = text[:maxClickHTML/4]
	}
	short.AppendChild(&html.Node{Type: html.TextNode, Data: string(text)})
	b.Reset()
	_ = html.Render(&b, short)
	return b.String()
}
