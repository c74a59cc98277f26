package telegramadapter

import (
	"html"
	"strconv"
	"strings"

	"github.com/kmbridge/kmbridge/formatting"
	"github.com/kmbridge/kmbridge/formatting/tgfmt"
)

// plainText is what a rendered message says, without markup: the text or
// caption with tags removed (a link's address kept after its text), then the
// picture's or sound's address, or the place. It is the last resort when
// Telegram will not take the message as rendered.
func plainText(m tgfmt.Msg) string {
	var lines []string
	if t := stripHTML(m.Text); t != "" {
		lines = append(lines, t)
	}
	if t := stripHTML(m.Caption); t != "" {
		lines = append(lines, t)
	}
	for _, u := range []string{m.Photo, m.Audio} {
		if strings.Contains(u, "://") {
			lines = append(lines, u)
		}
	}
	if v := m.Venue; v != nil {
		for _, s := range []string{v.Title, v.Address} {
			if s = strings.TrimSpace(s); s != "" && (len(lines) == 0 || lines[len(lines)-1] != s) {
				lines = append(lines, s)
			}
		}
		lines = append(lines, strconv.FormatFloat(v.Lat, 'f', -1, 64)+", "+strconv.FormatFloat(v.Lng, 'f', -1, 64))
	}
	return strings.TrimSpace(strings.Join(lines, "\n"))
}

// plainMessage is text as a neutral message, its lines kept, for the renderer
// to escape and split.
func plainMessage(text string) formatting.Message {
	var spans []formatting.Span
	for _, l := range strings.Split(text, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			if len(spans) > 0 {
				spans = append(spans, formatting.Span{Text: "\n"})
			}
			spans = append(spans, formatting.Span{Text: l})
		}
	}
	if len(spans) == 0 {
		return formatting.Message{}
	}
	return formatting.Message{Blocks: []formatting.Block{&formatting.Text{Rich: formatting.Rich{&formatting.Para{Spans: spans}}}}}
}

// stripHTML removes the tags of Telegram HTML and decodes its entities. A link
// keeps its address in brackets when its text does not already show it.
func stripHTML(s string) string {
	if s == "" {
		return ""
	}
	var b strings.Builder
	var hrefs []string
	linkStart := 0
	for i := 0; i < len(s); {
		if !tagStart(s, i) {
			j := i + 1
			for j < len(s) && !tagStart(s, j) {
				j++
			}
			b.WriteString(html.UnescapeString(s[i:j]))
			i = j
			continue
		}
		end := tagEnd(s, i)
		bodyEnd := end
		if s[end-1] == '>' {
			bodyEnd = end - 1
		}
		tag := s[i+1 : max(bodyEnd, i+1)]
		i = end
		switch {
		case strings.HasPrefix(tag, "a ") || tag == "a":
			hrefs = append(hrefs, html.UnescapeString(attr(tag, "href")))
			linkStart = b.Len()
		case tag == "/a" && len(hrefs) > 0:
			href := hrefs[len(hrefs)-1]
			hrefs = hrefs[:len(hrefs)-1]
			if href != "" && !strings.Contains(b.String()[linkStart:], href) {
				b.WriteString(" (" + href + ")")
			}
		}
	}
	return strings.TrimSpace(b.String())
}

// tagStart reports whether a tag starts at i: '<' then a letter or '/'; any
// other '<' is text (the input may be the invalid HTML a bug produced).
func tagStart(s string, i int) bool {
	if s[i] != '<' || i+1 >= len(s) {
		return false
	}
	c := s[i+1]
	return c == '/' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// tagEnd returns the index after the '>' closing the tag at i, skipping quoted
// values; the end of s when there is none.
func tagEnd(s string, i int) int {
	quote := false
	for j := i + 1; j < len(s); j++ {
		switch s[j] {
		case '"':
			quote = !quote
		case '>':
			if !quote {
				return j + 1
			}
		}
	}
	return len(s)
}

// attr returns the double-quoted value of name in a tag's body.
func attr(tag, name string) string {
	i := strings.Index(tag, name+`="`)
	if i < 0 {
		return ""
	}
	v := tag[i+len(name)+2:]
	if j := strings.IndexByte(v, '"'); j >= 0 {
		return v[:j]
	}
	return v
}
