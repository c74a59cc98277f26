package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/kmbridge/kmbridge/formatting"
)

// textActions collects the actions behind the buttons of a Message rendered for
// the terminal, so the renderer can tell questions (numbered) from other buttons.
type textActions struct {
	byToken map[string]formatting.Action
}

func newTextActions() *textActions {
	return &textActions{byToken: map[string]formatting.Action{}}
}

// token is a formatting.Tokens: a counter, the action kept here.
func (t *textActions) token(a formatting.Action) string {
	tok := "t" + strconv.Itoa(len(t.byToken)+1)
	t.byToken[tok] = a
	return tok
}

// isQuestion reports whether a button asks one of KM's questions (a hit of a
// queryType: suggested questions, FAQ lists, questions in a flow): those are
// listed numbered. Product choices and shortcuts are hits without one.
func (t *textActions) isQuestion(b formatting.Button) bool {
	if t == nil || b.Token == "" {
		return false
	}
	a, ok := t.byToken[b.Token]
	return ok && a.Kind == formatting.ActHit && a.QueryType != 0
}

// renderText renders a Message as plain text for a terminal: headings and text as
// PlainText, buttons as "[label]" lines (link buttons with their URL), question
// buttons numbered, cards and products as indented blocks. Blocks are separated by
// blank lines. acts may be nil.
func renderText(m formatting.Message, acts *textActions) string {
	r := &textRenderer{acts: acts}
	for _, b := range m.Blocks {
		r.block(b)
	}
	if len(m.InputHints) > 0 {
		r.start()
		r.buttons(m.InputHints, "")
	}
	out := r.b.String()
	if out != "" && !strings.HasSuffix(out, "\n") {
		out += "\n"
	}
	return out
}

type textRenderer struct {
	b    strings.Builder
	acts *textActions
}

// start begins a new block, separated from the previous one by a blank line.
func (r *textRenderer) start() {
	if r.b.Len() > 0 {
		r.b.WriteString("\n")
	}
}

func (r *textRenderer) line(indent, s string) {
	if s == "" {
		return
	}
	for _, l := range strings.Split(s, "\n") {
		if l == "" {
			r.b.WriteString("\n")
			continue
		}
		r.b.WriteString(indent)
		r.b.WriteString(l)
		r.b.WriteString("\n")
	}
}

func (r *textRenderer) block(b formatting.Block) {
	switch v := b.(type) {
	case *formatting.Text:
		if v == nil {
			return
		}
		if s := v.Rich.PlainText(); s != "" {
			r.start()
			r.line("", s)
		}
	case *formatting.Image:
		if v == nil || v.URL == "" {
			return
		}
		r.start()
		r.line("", labelled("Image", v.Alt, v.URL))
		if v.Link != "" && v.Link != v.URL {
			r.line("  ", "→ "+v.Link)
		}
	case *formatting.Buttons:
		if v == nil || len(v.Items) == 0 {
			return
		}
		r.start()
		r.line("", v.Title)
		r.buttons(v.Items, "")
	case *formatting.Select:
		if v == nil || len(v.Options) == 0 {
			return
		}
		r.start()
		r.line("", v.Placeholder)
		r.buttons(v.Options, "")
	case *formatting.Card:
		if v == nil {
			return
		}
		r.start()
		r.card(v, "")
	case *formatting.Products:
		if v == nil {
			return
		}
		r.start()
		r.line("", v.Title)
		for i := range v.Items {
			if i > 0 {
				r.b.WriteString("\n")
			}
			r.card(&v.Items[i], "  ")
		}
		var nav []formatting.Button
		for _, p := range []*formatting.Button{v.Prev, v.Next} {
			if p != nil {
				nav = append(nav, *p)
			}
		}
		if v.PageLabel != "" || len(nav) > 0 {
			r.b.WriteString("\n")
			r.line("", v.PageLabel)
			r.buttons(nav, "")
		}
	case *formatting.Location:
		if v == nil {
			return
		}
		r.start()
		r.line("", v.Name)
		r.line("", v.Address)
		if v.HasCoords {
			r.line("", fmt.Sprintf("%.6f, %.6f", v.Lat, v.Lng))
		}
		r.line("", v.MapURL)
	case *formatting.Audio:
		if v == nil {
			return
		}
		r.start()
		r.line("", v.Caption)
		r.line("", labelled("Audio", "", v.URL))
	case *formatting.File:
		if v == nil {
			return
		}
		r.start()
		name := v.Name
		if v.Size > 0 {
			name += " (" + byteSize(v.Size) + ")"
		}
		r.line("", labelled("File", name, v.URL))
	case *formatting.Divider:
		r.start()
		r.line("", "----")
	}
}

func (r *textRenderer) card(c *formatting.Card, indent string) {
	title := c.Title
	if c.URL != "" {
		title = strings.TrimSpace(title + " <" + c.URL + ">")
	}
	r.line(indent, title)
	r.line(indent, c.Subtitle)
	if c.ImageURL != "" {
		r.line(indent, labelled("Image", "", c.ImageURL))
	}
	r.line(indent, c.Body.PlainText())
	for _, f := range c.Fields {
		r.line(indent, strings.TrimSpace(f.Label+": "+f.Value.PlainText()))
	}
	r.buttons(c.Buttons, indent)
}

// buttons lists buttons one per line: questions numbered, links with their URL,
// anything else as [label].
func (r *textRenderer) buttons(bs []formatting.Button, indent string) {
	n := 0
	for _, b := range bs {
		switch {
		case r.acts.isQuestion(b):
			n++
			r.line(indent, strconv.Itoa(n)+". "+b.Label)
		case b.URL != "":
			r.line(indent, "["+b.Label+"] "+b.URL)
		default:
			r.line(indent, "["+b.Label+"]")
		}
	}
}

// labelled is "Kind: label <url>" or "Kind: url".
func labelled(kind, label, url string) string {
	if label == "" {
		return kind + ": " + url
	}
	return kind + ": " + label + " <" + url + ">"
}

func byteSize(n int64) string {
	switch {
	case n >= 1<<20:
		return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + " MB"
	case n >= 1<<10:
		return strconv.FormatFloat(float64(n)/(1<<10), 'f', 1, 64) + " KB"
	}
	return strconv.FormatInt(n, 10) + " B"
}
