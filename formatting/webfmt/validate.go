package webfmt

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/kmbridge/kmbridge/formatting"
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
func Validate(m Msg) error {
	var errs []error
	check := func(where, s string) {
		if err := validateHTML(s); err != nil {
			errs = append(errs, fmt.Errorf("webfmt: %s: %w", where, err))
		}
	}
	link := func(where, u string) {
		if u == "" {
			return
		}
		if _, ok := formatting.SafeLink(u); !ok {
			errs = append(errs, fmt.Errorf("webfmt: %s: unsafe link %q", where, u))
		}
	}
	resource := func(where, u string) {
		if u == "" {
			return
		}
		if _, ok := formatting.SafeImageURL(u); !ok {
			errs = append(errs, fmt.Errorf("webfmt: %s: unsafe URL %q", where, u))
		}
	}
	btns := func(where string, bs []Button) {
		for i, b := range bs {
			link(fmt.Sprintf("%s button %d", where, i), b.URL)
		}
	}
	cardCheck := func(where string, c *Card) {
		link(where+" url", c.URL)
		resource(where+" image", c.ImageURL)
		resource(where+" icon", c.IconURL)
		check(where+" body", c.BodyHTML)
		for i, f := range c.Fields {
			check(fmt.Sprintf("%s field %d", where, i), f.ValueHTML)
		}
		btns(where, c.Buttons)
	}
	check("html", m.HTML)
	for i, p := range m.Parts {
		where := "part " + strconv.Itoa(i) + " (" + p.Kind + ")"
		switch p.Kind {
		case KindHTML:
			check(where, p.HTML)
		case KindButtons:
			if p.Buttons == nil {
				errs = append(errs, fmt.Errorf("webfmt: %s: no buttons", where))
				continue
			}
			btns(where, p.Buttons.Items)
		case KindSelect:
			if p.Select == nil {
				errs = append(errs, fmt.Errorf("webfmt: %s: no select", where))
				continue
			}
			btns(where, p.Select.Options)
		case KindCard:
			if p.Card == nil {
				errs = append(errs, fmt.Errorf("webfmt: %s: no card", where))
				continue
			}
			cardCheck(where, p.Card)
		case KindProducts:
			if p.Products == nil {
				errs = append(errs, fmt.Errorf("webfmt: %s: no products", where))
				continue
			}
			for j := range p.Products.Items {
				cardCheck(fmt.Sprintf("%s item %d", where, j), &p.Products.Items[j])
			}
			for _, b := range []*Button{p.Products.Prev, p.Products.Next} {
				if b != nil {
					link(where+" paging", b.URL)
				}
			}
		case KindLocation:
			if p.Location == nil {
				errs = append(errs, fmt.Errorf("webfmt: %s: no location", where))
				continue
			}
			resource(where+" map", p.Location.MapURL)
		case KindAudio:
			if p.Audio == nil || p.Audio.URL == "" {
				errs = append(errs, fmt.Errorf("webfmt: %s: no audio URL", where))
				continue
			}
			resource(where, p.Audio.URL)
		case KindFile:
			if p.File == nil {
				errs = append(errs, fmt.Errorf("webfmt: %s: no file", where))
				continue
			}
			resource(where, p.File.URL)
		case KindDivider:
		default:
			errs = append(errs, fmt.Errorf("webfmt: %s: unknown kind", where))
		}
	}
	btns("input hints", m.InputHints)
	return errors.Join(errs...)
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
