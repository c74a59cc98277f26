package formatting

import (
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/kmbridge/kmbridge/kmclient"
)

// flow adds a flow: its title as a heading, its content as text (clickable
// elements stay in the text) and one button per clickable element.
//
// Only elements with both data-type and data-id are clickable (001 seed). What a
// click sends is kmclient's to decide (clicks.go, reasons in its doc.go): an
// element whose data-type is "question" or "1" is a hit of queryType 8 on its
// data-id; any other is a /v1/flow call with the answer's flowId (flowID, or the
// element's data-id when KM gave none) and the element's HTML as flowContent. The
// element's text is the button label. An element whose ids cannot be sent gets no
// button.
func (c *conv) flow(flowID int64, title, content string) {
	if strings.TrimSpace(title) != "" {
		c.heading(title)
	}
	res := parseHTML(content)
	c.add(htmlBlocks(res)...)
	type key struct {
		kind  ActionKind
		id    string
		label string
	}
	seen := map[key]bool{}
	var items []Button
	log := kmclient.ID(c.log)
	src := sourceElements(content)
	for i, cl := range res.clicks {
		if i < len(src) && src[i].typ == cl.typ && src[i].id == cl.id && len(src[i].raw) <= maxClickHTML {
			cl.html = src[i].raw // the element exactly as KM wrote it
		}
		label := cleanLabel(cl.text)
		if label == "" {
			continue
		}
		var a Action
		if kmclient.IsFlowQuestion(cl.typ) {
			req, ok := kmclient.FlowQuestionClick(cl.id, label, log)
			if !ok {
				continue
			}
			a = HitAction(req, "")
		} else {
			req, ok := kmclient.FlowElementClick(kmclient.ID(flowID), cl.id, cl.html, log)
			if !ok {
				continue
			}
			a = FlowAction(req, "")
		}
		k := key{a.Kind, cl.id, label}
		if seen[k] {
			continue
		}
		seen[k] = true
		items = append(items, c.action(label, a))
	}
	if len(items) > 0 {
		c.add(&Buttons{Items: items, Placeholder: c.p.T("formatting.choose_placeholder")})
	}
}

// sourceElem is an element of KM's HTML with data-type and data-id, as written.
type sourceElem struct{ typ, id, raw string }

// sourceElements returns the elements of s that have data-type and data-id, in
// document order (the order parseHTML finds them), each as its source text from
// its start tag to its matching end tag. Parsing normalises HTML (attribute order,
// entities); a flow click sends KM its own markup instead.
func sourceElements(s string) []sourceElem {
	type open struct {
		i     int // index in out
		depth int
		raw   strings.Builder
	}
	var out []sourceElem
	var stack []*open
	z := html.NewTokenizer(strings.NewReader(s))
	for len(out) < maxClickables {
		tt := z.Next()
		if tt == html.ErrorToken {
			break
		}
		raw := string(z.Raw())
		for _, o := range stack {
			if o.raw.Len() <= maxClickHTML {
				o.raw.WriteString(raw)
			}
		}
		switch tt {
		case html.StartTagToken, html.SelfClosingTagToken:
			name, more := z.TagName()
			var typ, id string
			for more {
				var k, v []byte
				k, v, more = z.TagAttr()
				switch string(k) {
				case "data-type":
					typ = strings.TrimSpace(string(v))
				case "data-id":
					id = strings.TrimSpace(string(v))
				}
			}
			void := tt == html.SelfClosingTagToken || isVoid(atom.Lookup(name))
			if !void {
				for _, o := range stack {
					o.depth++
				}
			}
			if typ == "" || id == "" {
				continue
			}
			out = append(out, sourceElem{typ: typ, id: id})
			if void {
				out[len(out)-1].raw = raw
				continue
			}
			o := &open{i: len(out) - 1, depth: 1}
			o.raw.WriteString(raw)
			stack = append(stack, o)
		case html.EndTagToken:
			kept := stack[:0]
			for _, o := range stack {
				if o.depth--; o.depth == 0 {
					out[o.i].raw = o.raw.String()
					continue
				}
				kept = append(kept, o)
			}
			stack = kept
		}
	}
	for _, o := range stack { // unclosed at the end: what there is
		out[o.i].raw = o.raw.String()
	}
	return out
}

func isVoid(a atom.Atom) bool {
	switch a {
	case atom.Area, atom.Base, atom.Br, atom.Col, atom.Embed, atom.Hr, atom.Img, atom.Input,
		atom.Link, atom.Meta, atom.Source, atom.Track, atom.Wbr:
		return true
	}
	return false
}
