package webfmt

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/kmbridge/kmbridge/formatting"
	"github.com/kmbridge/kmbridge/formatting/internal/where"
)

// allowedTags is all the markup webfmt produces.
var allowedTags = map[atom.Atom]bool{
	atom.P: true, atom.Br: true, atom.B: true, atom.I: true, atom.U: true, atom.S: true,
	atom.Code: true, atom.Pre: true, atom.Blockquote: true, atom.Ul: true, atom.Ol: true,
	atom.Li: true, atom.H3: true, atom.H4: true, atom.H5: true, atom.H6: true,
	atom.Table: true, atom.Thead: true, atom.Tbody: true, atom.Tr: true, atom.Th: true,
	atom.Td: true, atom.A: true, atom.Img: true, atom.Figure: true, atom.Figcaption: true,
	atom.Hr: true,
}

// Validate checks that every HTML field of m holds only webfmt's own markup (the
// tags above; href, rel and target on a, src and alt on img, start on ol; no
// comments) and that every URL in m is a safe link or an http(s) resource. It is
// the property the fuzz tests hold Render to.
//
// The web adapter validates every rendering it sends, so a valid message is
// checked without building anything: the place of a problem ("part 2 (card)
// field 0") is spelled out only when there is one, and HTML as webfmt writes
// it is recognised without parsing it (plainHTML).
func Validate(m Msg) error {
	var v validator
	v.html(place{}.At("html", -1), m.HTML)
	for i, p := range m.Parts {
		loc := place{}.At("part", i).Note(p.Kind)
		switch p.Kind {
		case KindHTML:
			v.html(loc, p.HTML)
		case KindButtons:
			if p.Buttons == nil {
				v.fail(loc, "no buttons")
				continue
			}
			v.buttons(loc, p.Buttons.Items)
		case KindSelect:
			if p.Select == nil {
				v.fail(loc, "no select")
				continue
			}
			v.buttons(loc, p.Select.Options)
		case KindCard:
			if p.Card == nil {
				v.fail(loc, "no card")
				continue
			}
			v.card(loc, p.Card)
		case KindProducts:
			if p.Products == nil {
				v.fail(loc, "no products")
				continue
			}
			for j := range p.Products.Items {
				v.card(loc.At("item", j), &p.Products.Items[j])
			}
			for _, b := range []*Button{p.Products.Prev, p.Products.Next} {
				if b != nil {
					v.link(loc.At("paging", -1), b.URL)
				}
			}
		case KindLocation:
			if p.Location == nil {
				v.fail(loc, "no location")
				continue
			}
			v.resource(loc.At("map", -1), p.Location.MapURL)
		case KindAudio:
			if p.Audio == nil || p.Audio.URL == "" {
				v.fail(loc, "no audio URL")
				continue
			}
			v.resource(loc, p.Audio.URL)
		case KindFile:
			if p.File == nil {
				v.fail(loc, "no file")
				continue
			}
			v.resource(loc, p.File.URL)
		case KindDivider:
		default:
			v.fail(loc, "unknown kind")
		}
	}
	v.buttons(place{}.At("input hints", -1), m.InputHints)
	return errors.Join(v.errs...)
}

type validator struct {
	errs []error
	// lastLink is the last URL formatting.SafeLink was asked about, and its
	// answer: one link is often in several places of a message.
	lastLink string
	lastOK   bool
}

// place is where in a message a problem is.
type place = where.Place

func (v *validator) fail(loc place, msg string) {
	v.errs = append(v.errs, fmt.Errorf("webfmt: %s: %s", loc, msg))
}

func (v *validator) html(loc place, s string) {
	if v.plainHTML(s) {
		return
	}
	if err := validateHTML(s); err != nil {
		v.errs = append(v.errs, fmt.Errorf("webfmt: %s: %w", loc, err))
	}
}

func (v *validator) safeLink(u string) bool {
	if u != v.lastLink || u == "" {
		v.lastLink = u
		_, v.lastOK = formatting.SafeLink(u)
	}
	return v.lastOK
}

func (v *validator) link(loc place, u string) {
	if u != "" && !v.safeLink(u) {
		v.errs = append(v.errs, fmt.Errorf("webfmt: %s: unsafe link %q", loc, u))
	}
}

func (v *validator) resource(loc place, u string) {
	if u == "" {
		return
	}
	if _, ok := formatting.SafeImageURL(u); !ok {
		v.errs = append(v.errs, fmt.Errorf("webfmt: %s: unsafe URL %q", loc, u))
	}
}

func (v *validator) buttons(loc place, bs []Button) {
	for i, b := range bs {
		v.link(loc.At("button", i), b.URL)
	}
}

func (v *validator) card(loc place, c *Card) {
	v.link(loc.At("url", -1), c.URL)
	v.resource(loc.At("image", -1), c.ImageURL)
	v.resource(loc.At("icon", -1), c.IconURL)
	v.html(loc.At("body", -1), c.BodyHTML)
	for i, f := range c.Fields {
		v.html(loc.At("field", i), f.ValueHTML)
	}
	v.buttons(loc, c.Buttons)
}

// plainHTML reports whether s is text and tags exactly as webfmt writes them:
// each tag one of allowedTags with no attribute, or <a href="…" rel="noopener
// noreferrer" target="_blank">, <img src="…" alt="…">, <ol start="…"> with
// values validateElement takes, and no other "<". Such HTML passes
// validateHTML: the parser makes text and elements from these tags, and of
// its own only elements webfmt writes too (an implied <tbody>, <tr> or <p>, a
// <br> for a stray </br>, copies of <a>, <b>, <i>, <u>, <s> and <code> with
// their attributes); no comment, no foreign content. So it is checked with
// one scan, no parse; anything else is parsed. The parser refuses HTML nested
// more than 512 elements deep: a start tag puts at most three elements on its
// stack (itself, an implied <tbody> and <tr>; a copy of a formatting element
// takes the place of the one it copies), so plainHTML takes at most
// maxPlainStarts of them, and leaves more to the parser.
func (v *validator) plainHTML(s string) bool {
	starts := 0
	for {
		i := strings.IndexByte(s, '<')
		if i < 0 {
			return true
		}
		n := v.tag(s[i:])
		if n == 0 {
			return false
		}
		if s[i+1] != '/' {
			if starts++; starts > maxPlainStarts {
				return false
			}
		}
		s = s[i+n:]
	}
}

// maxPlainStarts keeps the parser's stack (the root, three elements per start
// tag, one more for a moment) within its 512.
const maxPlainStarts = (512 - 2) / 3

// tag returns the length of the tag plainHTML accepts at the start of s, or 0.
func (v *validator) tag(s string) int {
	end := strings.IndexByte(s, '>')
	if end < 0 {
		return 0
	}
	if name, ok := strings.CutPrefix(s[:end], "</"); ok {
		if simpleTags[name] && name != "br" && name != "hr" && name != "img" {
			return end + 1
		}
		return 0
	}
	if simpleTags[s[1:end]] {
		return end + 1
	}
	switch {
	case strings.HasPrefix(s, `<a href="`):
		u, rest, ok := attrValue(s[len(`<a href="`):])
		if !ok || !strings.HasPrefix(rest, `" rel="noopener noreferrer" target="_blank">`) || !v.safeLink(u) {
			return 0
		}
		return len(s) - len(rest) + len(`" rel="noopener noreferrer" target="_blank">`)
	case strings.HasPrefix(s, `<img src="`):
		u, rest, ok := attrValue(s[len(`<img src="`):])
		if !ok || !strings.HasPrefix(rest, `" alt="`) {
			return 0
		}
		if _, ok := formatting.SafeImageURL(u); !ok {
			return 0
		}
		rest = rest[len(`" alt="`):]
		q := strings.IndexByte(rest, '"')
		if q < 0 || !strings.HasPrefix(rest[q:], `">`) {
			return 0
		}
		return len(s) - len(rest) + q + len(`">`)
	case strings.HasPrefix(s, `<ol start="`):
		n, rest, ok := attrValue(s[len(`<ol start="`):])
		if !ok || !strings.HasPrefix(rest, `">`) {
			return 0
		}
		if _, err := strconv.Atoi(n); err != nil {
			return 0
		}
		return len(s) - len(rest) + len(`">`)
	}
	return 0
}

// simpleTags are the names of allowedTags, as they are written.
var simpleTags = map[string]bool{
	"p": true, "br": true, "b": true, "i": true, "u": true, "s": true, "code": true, "pre": true,
	"blockquote": true, "ul": true, "ol": true, "li": true, "h3": true, "h4": true, "h5": true, "h6": true,
	"table": true, "thead": true, "tbody": true, "tr": true, "th": true, "td": true, "a": true, "img": true,
	"figure": true, "figcaption": true, "hr": true,
}

// entities are the character references webfmt writes (html.EscapeString's).
var entities = [...]struct {
	ref string
	c   byte
}{{"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&#34;", '"'}, {"&#39;", '\''}}

// attrValue returns the double-quoted attribute value at the start of s as the
// parser reads it, and what follows it (from the closing quote); false when the
// value has a character reference other than the five webfmt writes, which
// are read the same in and out of attributes.
func attrValue(s string) (val, rest string, ok bool) {
	q := strings.IndexByte(s, '"')
	if q < 0 {
		return "", "", false
	}
	val, rest = s[:q], s[q:]
	if !strings.Contains(val, "&") {
		return val, rest, true
	}
	var b strings.Builder
	for v := val; v != ""; {
		i := strings.IndexByte(v, '&')
		if i < 0 {
			b.WriteString(v)
			break
		}
		b.WriteString(v[:i])
		v = v[i:]
		n := 0
		for _, e := range entities {
			if strings.HasPrefix(v, e.ref) {
				b.WriteByte(e.c)
				n = len(e.ref)
				break
			}
		}
		if n == 0 {
			return "", "", false
		}
		v = v[n:]
	}
	return b.String(), rest, true
}

// validateHTML parses s as a fragment of a <div> and rejects anything webfmt would
// not have written.
func validateHTML(s string) error {
	if s == "" {
		return nil
	}
	ctx := &html.Node{Type: html.ElementNode, Data: "div", DataAtom: atom.Div}
	nodes, err := html.ParseFragment(strings.NewReader(s), ctx)
	if err != nil {
		return err
	}
	stack := nodes
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		switch n.Type {
		case html.TextNode:
			continue
		case html.ElementNode:
			if err := validateElement(n); err != nil {
				return err
			}
		default:
			return fmt.Errorf("unexpected node type %d", n.Type)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			stack = append(stack, c)
		}
	}
	return nil
}

func validateElement(n *html.Node) error {
	if n.Namespace != "" || !allowedTags[n.DataAtom] {
		return fmt.Errorf("tag <%s> not allowed", n.Data)
	}
	for _, a := range n.Attr {
		ok := false
		switch {
		case a.Namespace != "":
		case n.DataAtom == atom.A && a.Key == "href":
			_, ok = formatting.SafeLink(a.Val)
		case n.DataAtom == atom.A && a.Key == "rel":
			ok = a.Val == "noopener noreferrer"
		case n.DataAtom == atom.A && a.Key == "target":
			ok = a.Val == "_blank"
		case n.DataAtom == atom.Img && a.Key == "src":
			_, ok = formatting.SafeImageURL(a.Val)
		case n.DataAtom == atom.Img && a.Key == "alt":
			ok = true
		case n.DataAtom == atom.Ol && a.Key == "start":
			_, err := strconv.Atoi(a.Val)
			ok = err == nil
		}
		if !ok {
			return fmt.Errorf("attribute %s=%q not allowed on <%s>", a.Key, a.Val, n.Data)
		}
	}
	return nil
}
