package webfmt

import (
	"html"
	"strconv"
	"strings"

	"github.com/kmbridge/kmbridge/formatting"
)

// richHTML renders rich text as safe HTML.
func richHTML(b *strings.Builder, r formatting.Rich) {
	for _, rb := range r {
		if isNil(rb) {
			continue
		}
		switch v := rb.(type) {
		case *formatting.Para:
			b.WriteString("<p>")
			spansHTML(b, v.Spans)
			b.WriteString("</p>")
		case *formatting.Heading:
			// h1/h2 would shout inside a chat bubble: KM levels 1–6 become h3–h6.
			tag := "h" + strconv.Itoa(min(max(v.Level, 1)+2, 6))
			b.WriteString("<" + tag + ">")
			spansHTML(b, v.Spans)
			b.WriteString("</" + tag + ">")
		case *formatting.List:
			tag := "ul"
			if v.Ordered {
				tag = "ol"
			}
			b.WriteString("<" + tag)
			if v.Ordered && v.Start != 0 && v.Start != 1 {
				b.WriteString(` start="` + strconv.Itoa(v.Start) + `"`)
			}
			b.WriteString(">")
			for _, it := range v.Items {
				b.WriteString("<li>")
				if len(it) == 1 {
					if p, ok := it[0].(*formatting.Para); ok {
						spansHTML(b, p.Spans)
						b.WriteString("</li>")
						continue
					}
				}
				richHTML(b, it)
				b.WriteString("</li>")
			}
			b.WriteString("</" + tag + ">")
		case *formatting.CodeBlock:
			b.WriteString("<pre><code>")
			b.WriteString(html.EscapeString(v.Code))
			b.WriteString("</code></pre>")
		case *formatting.Quote:
			b.WriteString("<blockquote>")
			richHTML(b, v.Body)
			b.WriteString("</blockquote>")
		case *formatting.Table:
			tableHTML(b, v)
		case *formatting.Rule:
			b.WriteString("<hr>")
		}
	}
}

func tableHTML(b *strings.Builder, t *formatting.Table) {
	if len(t.Rows) == 0 {
		return
	}
	b.WriteString("<table>")
	rows := t.Rows
	if t.Header {
		b.WriteString("<thead><tr>")
		for _, c := range rows[0] {
			b.WriteString("<th>")
			spansHTML(b, c)
			b.WriteString("</th>")
		}
		b.WriteString("</tr></thead>")
		rows = rows[1:]
	}
	if len(rows) > 0 {
		b.WriteString("<tbody>")
		for _, r := range rows {
			b.WriteString("<tr>")
			for _, c := range r {
				b.WriteString("<td>")
				spansHTML(b, c)
				b.WriteString("</td>")
			}
			b.WriteString("</tr>")
		}
		b.WriteString("</tbody>")
	}
	b.WriteString("</table>")
}

// markTags are the inline tags in nesting order, outermost first.
var markTags = []struct {
	m   formatting.Mark
	tag string
}{{formatting.Bold, "b"}, {formatting.Italic, "i"}, {formatting.Underline, "u"}, {formatting.Strike, "s"}, {formatting.Code, "code"}}

func spansHTML(b *strings.Builder, spans []formatting.Span) {
	for _, sp := range spans {
		if sp.Text == "\n" {
			b.WriteString("<br>")
			continue
		}
		link, _ := formatting.SafeLink(sp.Link)
		if link != "" {
			b.WriteString(linkOpen(link))
		}
		for _, t := range markTags {
			if sp.Marks&t.m != 0 {
				b.WriteString("<" + t.tag + ">")
			}
		}
		b.WriteString(strings.ReplaceAll(html.EscapeString(sp.Text), "\n", "<br>"))
		for i := len(markTags) - 1; i >= 0; i-- {
			if sp.Marks&markTags[i].m != 0 {
				b.WriteString("</" + markTags[i].tag + ">")
			}
		}
		if link != "" {
			b.WriteString("</a>")
		}
	}
}

func linkOpen(u string) string {
	return `<a href="` + html.EscapeString(u) + `" rel="noopener noreferrer" target="_blank">`
}

// imageHTML renders a picture as a figure; an unsafe URL renders the alt text only.
func imageHTML(b *strings.Builder, im *formatting.Image) {
	src, ok := formatting.SafeImageURL(im.URL)
	if !ok {
		if im.Alt != "" {
			b.WriteString("<p>" + html.EscapeString(im.Alt) + "</p>")
		}
		return
	}
	b.WriteString("<figure>")
	link, _ := formatting.SafeLink(im.Link)
	if link != "" {
		b.WriteString(linkOpen(link))
	}
	b.WriteString(`<img src="` + html.EscapeString(src) + `" alt="` + html.EscapeString(im.Alt) + `">`)
	if link != "" {
		b.WriteString("</a>")
	}
	if im.Alt != "" {
		b.WriteString("<figcaption>" + html.EscapeString(im.Alt) + "</figcaption>")
	}
	b.WriteString("</figure>")
}

// linkHTML renders a link to u with text, or the text alone when u is not safe.
func linkHTML(b *strings.Builder, u, text string) {
	if text == "" {
		text = u
	}
	if l, ok := formatting.SafeLink(u); ok {
		b.WriteString(linkOpen(l) + html.EscapeString(text) + "</a>")
		return
	}
	b.WriteString(html.EscapeString(text))
}
