package webfmt

import (
	"strconv"
	"strings"

	"github.com/kmbridge/kmbridge/formatting"
)

// writer writes HTML into b. Render's writers write the message's HTML in one
// builder, escaping and tags written piece by piece rather than built as
// strings first.
type writer struct {
	b     *strings.Builder
	links *linkMemo
}

// linkMemo remembers the last URL formatting.SafeLink was asked about: the spans of
// one <a> with formatting inside all carry its URL, and a link button's URL is
// checked again when its static HTML is written. SafeLink parses the URL twice.
type linkMemo struct {
	in, out string
	ok      bool
}

func (l *linkMemo) safe(u string) (string, bool) {
	if u == "" {
		return "", false
	}
	if u != l.in {
		l.in = u
		l.out, l.ok = formatting.SafeLink(u)
	}
	return l.out, l.ok
}

// to is a writer into b that shares w's memory of links.
func (w writer) to(b *strings.Builder) writer { return writer{b: b, links: w.links} }

func (w writer) str(s string) { w.b.WriteString(s) }

// esc writes html.EscapeString(s).
func (w writer) esc(s string) {
	for {
		i := strings.IndexAny(s, `&'<>"`)
		if i < 0 {
			w.b.WriteString(s)
			return
		}
		w.b.WriteString(s[:i])
		w.b.WriteString(entity(s[i]))
		s = s[i+1:]
	}
}

// escBreaks writes html.EscapeString(s) with newlines as <br>.
func (w writer) escBreaks(s string) {
	for {
		i := strings.IndexAny(s, "&'<>\"\n")
		if i < 0 {
			w.b.WriteString(s)
			return
		}
		w.b.WriteString(s[:i])
		if s[i] == '\n' {
			w.b.WriteString("<br>")
		} else {
			w.b.WriteString(entity(s[i]))
		}
		s = s[i+1:]
	}
}

// entity is what html.EscapeString makes of c.
func entity(c byte) string {
	switch c {
	case '&':
		return "&amp;"
	case '\'':
		return "&#39;"
	case '<':
		return "&lt;"
	case '>':
		return "&gt;"
	case '"':
		return "&#34;"
	}
	return string(c)
}

// rich renders rich text as safe HTML.
func (w writer) rich(r formatting.Rich) {
	for _, rb := range r {
		if isNil(rb) {
			continue
		}
		switch v := rb.(type) {
		case *formatting.Para:
			w.str("<p>")
			w.spans(v.Spans)
			w.str("</p>")
		case *formatting.Heading:
			// h1/h2 would shout inside a chat bubble: KM levels 1–6 become h3–h6.
			tag := headingTags[min(max(v.Level, 1)+2, 6)-3]
			w.str("<")
			w.str(tag)
			w.str(">")
			w.spans(v.Spans)
			w.str("</")
			w.str(tag)
			w.str(">")
		case *formatting.List:
			tag := "ul"
			if v.Ordered {
				tag = "ol"
			}
			w.str("<")
			w.str(tag)
			if v.Ordered && v.Start != 0 && v.Start != 1 {
				w.str(` start="`)
				w.str(strconv.Itoa(v.Start))
				w.str(`"`)
			}
			w.str(">")
			for _, it := range v.Items {
				w.str("<li>")
				if len(it) == 1 {
					if p, ok := it[0].(*formatting.Para); ok {
						w.spans(p.Spans)
						w.str("</li>")
						continue
					}
				}
				w.rich(it)
				w.str("</li>")
			}
			w.str("</")
			w.str(tag)
			w.str(">")
		case *formatting.CodeBlock:
			w.str("<pre><code>")
			w.esc(v.Code)
			w.str("</code></pre>")
		case *formatting.Quote:
			w.str("<blockquote>")
			w.rich(v.Body)
			w.str("</blockquote>")
		case *formatting.Table:
			w.table(v)
		case *formatting.Rule:
			w.str("<hr>")
		}
	}
}

var headingTags = [...]string{"h3", "h4", "h5", "h6"}

func (w writer) table(t *formatting.Table) {
	if len(t.Rows) == 0 {
		return
	}
	w.str("<table>")
	rows := t.Rows
	if t.Header {
		w.str("<thead><tr>")
		for _, c := range rows[0] {
			w.str("<th>")
			w.spans(c)
			w.str("</th>")
		}
		w.str("</tr></thead>")
		rows = rows[1:]
	}
	if len(rows) > 0 {
		w.str("<tbody>")
		for _, r := range rows {
			w.str("<tr>")
			for _, c := range r {
				w.str("<td>")
				w.spans(c)
				w.str("</td>")
			}
			w.str("</tr>")
		}
		w.str("</tbody>")
	}
	w.str("</table>")
}

// markTags are the inline tags in nesting order, outermost first.
var markTags = []struct {
	m          formatting.Mark
	open, shut string
}{
	{formatting.Bold, "<b>", "</b>"}, {formatting.Italic, "<i>", "</i>"}, {formatting.Underline, "<u>", "</u>"},
	{formatting.Strike, "<s>", "</s>"}, {formatting.Code, "<code>", "</code>"},
}

func (w writer) spans(spans []formatting.Span) {
	for _, sp := range spans {
		if sp.Text == "\n" {
			w.str("<br>")
			continue
		}
		link, _ := w.links.safe(sp.Link)
		if link != "" {
			w.linkOpen(link)
		}
		for _, t := range markTags {
			if sp.Marks&t.m != 0 {
				w.str(t.open)
			}
		}
		w.escBreaks(sp.Text)
		for i := len(markTags) - 1; i >= 0; i-- {
			if sp.Marks&markTags[i].m != 0 {
				w.str(markTags[i].shut)
			}
		}
		if link != "" {
			w.str("</a>")
		}
	}
}

func (w writer) linkOpen(u string) {
	w.str(`<a href="`)
	w.esc(u)
	w.str(`" rel="noopener noreferrer" target="_blank">`)
}

// image renders a picture as a figure; an unsafe URL renders the alt text only.
func (w writer) image(im *formatting.Image) {
	src, ok := formatting.SafeImageURL(im.URL)
	if !ok {
		if im.Alt != "" {
			w.str("<p>")
			w.esc(im.Alt)
			w.str("</p>")
		}
		return
	}
	w.str("<figure>")
	link, _ := w.links.safe(im.Link)
	if link != "" {
		w.linkOpen(link)
	}
	w.img(src, im.Alt)
	if link != "" {
		w.str("</a>")
	}
	if im.Alt != "" {
		w.str("<figcaption>")
		w.esc(im.Alt)
		w.str("</figcaption>")
	}
	w.str("</figure>")
}

func (w writer) img(src, alt string) {
	w.str(`<img src="`)
	w.esc(src)
	w.str(`" alt="`)
	w.esc(alt)
	w.str(`">`)
}

// link renders a link to u with text, or the text alone when u is not safe.
func (w writer) link(u, text string) {
	if text == "" {
		text = u
	}
	if l, ok := w.links.safe(u); ok {
		w.linkOpen(l)
		w.esc(text)
		w.str("</a>")
		return
	}
	w.esc(text)
}
