package kmsim

import (
	"io"
	"strings"

	"golang.org/x/net/html"
)

// plainText renders KM HTML as readable text: blocks on their own lines, list items
// prefixed "- ", table cells separated by " | ", a link's URL after its text when
// they differ. It is what contentType=text, streaming and transcripts use.
func plainText(s string) string {
	if !strings.ContainsAny(s, "<&") {
		return strings.TrimSpace(s)
	}
	z := html.NewTokenizer(strings.NewReader(s))
	var (
		out    strings.Builder
		line   strings.Builder
		skip   int    // inside script/style
		href   string // of the open <a>
		linkAt int    // line length when <a> opened
		cells  int    // cells written on the current table row
	)
	flush := func() {
		t := strings.Join(strings.Fields(line.String()), " ")
		line.Reset()
		if t == "" {
			return
		}
		if out.Len() > 0 {
			out.WriteByte('\n')
		}
		out.WriteString(t)
	}
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			if z.Err() != io.EOF {
				// The tokenizer only fails on read errors, never on bad markup.
				return strings.TrimSpace(s)
			}
			flush()
			return out.String()
		case html.TextToken:
			if skip == 0 {
				line.Write(z.Text())
			}
		case html.StartTagToken, html.SelfClosingTagToken, html.EndTagToken:
			name, hasAttr := z.TagName()
			tag := string(name)
			end := tt == html.EndTagToken
			switch tag {
			case "script", "style":
				if tt == html.StartTagToken {
					skip++
				} else if end && skip > 0 {
					skip--
				}
			case "br", "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "table",
				"blockquote", "pre", "section", "article", "hr", "header", "footer":
				flush()
			case "tr":
				flush()
				cells = 0
			case "li":
				flush()
				if !end {
					line.WriteString("- ")
				}
			case "td", "th":
				if !end {
					if cells > 0 {
						line.WriteString(" | ")
					}
					cells++
				}
			case "img":
				if alt := attr(z, hasAttr, "alt"); alt != "" {
					line.WriteString(" [" + alt + "] ")
				}
			case "a":
				if !end {
					href = attr(z, hasAttr, "href")
					linkAt = line.Len()
				} else {
					text := strings.TrimSpace(line.String()[min(linkAt, line.Len()):])
					if (strings.HasPrefix(href, "http://") || strings.HasPrefix(href, "https://")) && text != href {
						line.WriteString(" (" + href + ")")
					}
					href = ""
				}
			}
		}
	}
}

// attr returns the named attribute of the tokenizer's current tag. It consumes the
// attributes, so call it at most once per tag.
func attr(z *html.Tokenizer, more bool, name string) string {
	for more {
		var k, v []byte
		k, v, more = z.TagAttr()
		if string(k) == name {
			return string(v)
		}
	}
	return ""
}

// clickable is an element of flow HTML with data-type and data-id.
type clickable struct {
	kind string // "question" or "flow"
	id   string
	raw  string // data-type as written
	text string
}

// clickables lists the elements of flow HTML that carry data-type and data-id.
// data-type "1"/"question" is a question inside the flow, "2"/"flow" a flow step;
// other values are returned with kind "".
func clickables(s string) []clickable {
	z := html.NewTokenizer(strings.NewReader(s))
	var (
		out   []clickable
		open  = -1 // index in out of the element whose text is being collected
		depth int
	)
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return out
		case html.TextToken:
			if open >= 0 {
				out[open].text += string(z.Text())
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			_, more := z.TagName()
			var dt, di string
			for more {
				var k, v []byte
				k, v, more = z.TagAttr()
				switch string(k) {
				case "data-type":
					dt = string(v)
				case "data-id":
					di = string(v)
				}
			}
			if open >= 0 && tt == html.StartTagToken {
				depth++
			}
			if dt != "" && di != "" && open < 0 {
				out = append(out, clickable{kind: clickKind(dt), id: di, raw: dt})
				if tt == html.StartTagToken {
					open, depth = len(out)-1, 0
				}
			}
		case html.EndTagToken:
			if open >= 0 {
				if depth == 0 {
					out[open].text = strings.Join(strings.Fields(out[open].text), " ")
					open = -1
				} else {
					depth--
				}
			}
		}
	}
}

func clickKind(dataType string) string {
	switch strings.ToLower(strings.TrimSpace(dataType)) {
	case "1", "question":
		return "question"
	case "2", "flow":
		return "flow"
	}
	return ""
}
