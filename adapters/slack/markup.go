package slackadapter

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/kmbridge/kmbridge/formatting"
)

// Slack's markup as formatting.Rich, so what a person wrote keeps its
// formatting when the hand-over relays it to another platform. Two sources,
// both pure functions: a message's rich_text blocks (richtext.go), which the
// Slack clients send and which are exact, and otherwise its mrkdwn text
// (here): *bold*, _italic_, ~strike~, `code`, ``` blocks, <url|text> links,
// <@U…> mentions, "&gt;" quotes, "•" and "1." list lines, &amp; entities.

// markup is what parsing needs to know besides the text.
type markup struct {
	// names gives a user's display name for a mention; nil or !ok shows the id.
	names func(id string) (string, bool)
	// bot is the bot's user id: its mentions are dropped ("@bot what is…").
	bot string
}

// mention is how a user mention shows: "@Name" when known, else "@" and the
// label the markup carried, else "@" and the id. The bot's own is "".
func (mk markup) mention(id, label string) string {
	if id == "" || id == mk.bot {
		return ""
	}
	if mk.names != nil {
		if n, ok := mk.names(id); ok {
			return "@" + n
		}
	}
	if label = strings.TrimPrefix(strings.TrimSpace(label), "@"); label != "" {
		return "@" + label
	}
	return "@" + id
}

// mrkdwnEntities undoes Slack's three entities (Slack escapes only &, < and >).
var mrkdwnEntities = strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&")

// parseMrkdwn parses the text of a Slack message. It never fails: what is not
// markup is text. nil when nothing is left.
func (mk markup) parseMrkdwn(s string) formatting.Rich {
	s = strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
	var out formatting.Rich
	// ``` fences first: between a pair, nothing is markup (Slack shows them
	// as a code block even inside a line). An unpaired one is text.
	parts := strings.Split(s, "```")
	if n := len(parts); n%2 == 0 { // the last fence is unpaired: text
		parts[n-2] += "```" + parts[n-1]
		parts = parts[:n-1]
	}
	for i, part := range parts {
		if i%2 == 0 {
			out = append(out, mk.lines(part)...)
			continue
		}
		code := strings.TrimSuffix(strings.TrimPrefix(part, "\n"), "\n")
		if code = mrkdwnEntities.Replace(code); strings.TrimSpace(code) != "" {
			out = append(out, &formatting.CodeBlock{Code: code})
		}
	}
	return nilIfEmpty(out)
}

// lines parses text without code fences, line by line: blank lines end a
// paragraph, quote and list lines gather into their blocks.
func (mk markup) lines(s string) formatting.Rich {
	var (
		out   formatting.Rich
		para  []formatting.Span // the paragraph being gathered
		quote []string          // the quote's lines being gathered
		list  *formatting.List  // the list being gathered
	)
	flushPara := func() {
		if p := trimSpans(para); len(p) > 0 {
			out = append(out, &formatting.Para{Spans: p})
		}
		para = nil
	}
	flushQuote := func() {
		if len(quote) > 0 {
			if body := mk.lines(strings.Join(quote, "\n")); len(body) > 0 {
				out = append(out, &formatting.Quote{Body: body})
			}
		}
		quote = nil
	}
	flushList := func() {
		if list != nil && len(list.Items) > 0 {
			out = append(out, list)
		}
		list = nil
	}
	all := strings.Split(s, "\n")
	for n, line := range all {
		if rest, ok := quoteLine(line); ok {
			flushPara()
			flushList()
			if rest == ">>" { // ">>>": the rest of the message is quoted
				quote = append(quote, all[n+1:]...)
				break
			}
			quote = append(quote, rest)
			continue
		}
		flushQuote()
		if ordered, start, rest, ok := listLine(line); ok {
			flushPara()
			if list == nil || list.Ordered != ordered {
				flushList()
				list = &formatting.List{Ordered: ordered}
				if ordered && start != 1 {
					list.Start = start
				}
			}
			if item := trimSpans(mk.inline(rest, 0)); len(item) > 0 {
				list.Items = append(list.Items, formatting.Rich{&formatting.Para{Spans: item}})
			}
			continue
		}
		if strings.TrimSpace(line) == "" {
			flushPara()
			flushList()
			continue
		}
		flushList()
		if len(para) > 0 {
			para = append(para, formatting.Span{Text: "\n"})
		}
		para = append(para, mk.inline(line, 0)...)
	}
	flushPara()
	flushQuote()
	flushList()
	return out
}

// quoteLine reports a quoted line ("&gt; text", as Slack escapes it, or
// "> text") and returns the text. A line of "&gt;&gt;&gt;" returns ">>".
func quoteLine(line string) (string, bool) {
	var rest string
	switch {
	case strings.HasPrefix(line, "&gt;"):
		rest = line[len("&gt;"):]
	case strings.HasPrefix(line, ">"):
		rest = line[1:]
	default:
		return "", false
	}
	if strings.HasPrefix(rest, "&gt;&gt;") && strings.TrimSpace(rest[len("&gt;&gt;"):]) == "" ||
		strings.HasPrefix(rest, ">>") && strings.TrimSpace(rest[2:]) == "" {
		return ">>", true
	}
	return strings.TrimPrefix(rest, " "), true
}

// listLine reports a list item: "• item", "◦ item", "- item" (unordered) or
// "1. item" (ordered, with its number).
func listLine(line string) (ordered bool, n int, rest string, ok bool) {
	t := strings.TrimLeft(line, " \t")
	for _, b := range []string{"• ", "◦ ", "▪ ", "- "} {
		if strings.HasPrefix(t, b) {
			return false, 0, t[len(b):], true
		}
	}
	i := 0
	for i < len(t) && i < 9 && t[i] >= '0' && t[i] <= '9' {
		i++
	}
	if i == 0 || !strings.HasPrefix(t[i:], ". ") {
		return false, 0, "", false
	}
	n, err := strconv.Atoi(t[:i])
	if err != nil {
		return false, 0, "", false
	}
	return true, n, t[i+2:], true
}

// markOf is the style a marker character opens.
func markOf(c byte) formatting.Mark {
	switch c {
	case '*':
		return formatting.Bold
	case '_':
		return formatting.Italic
	case '~':
		return formatting.Strike
	}
	return 0
}

// inline parses one line: <…> entities, `code`, and *bold*, _italic_,
// ~strike~ (nested) as Slack pairs them: a marker opens after a space or
// punctuation and before a non-space, and closes after a non-space and
// before a space, punctuation or the end.
func (mk markup) inline(s string, marks formatting.Mark) []formatting.Span {
	var (
		spans []formatting.Span
		text  strings.Builder
	)
	flush := func() {
		if text.Len() > 0 {
			spans = append(spans, formatting.Span{Text: mrkdwnEntities.Replace(text.String()), Marks: marks})
			text.Reset()
		}
	}
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '<':
			if j := entityEnd(s, i); j > 0 {
				flush()
				if sp, ok := mk.entity(s[i+1:j], marks); ok {
					spans = append(spans, sp)
				}
				i = j + 1
				continue
			}
		case c == '`':
			if j := strings.IndexByte(s[i+1:], '`'); j > 0 {
				flush()
				spans = append(spans, formatting.Span{Text: mrkdwnEntities.Replace(s[i+1 : i+1+j]), Marks: marks | formatting.Code})
				i += j + 2
				continue
			}
		case markOf(c) != 0 && marks&markOf(c) == 0 && canOpen(s, i):
			if j := closer(s, i); j > 0 {
				flush()
				spans = append(spans, mk.inline(s[i+1:j], marks|markOf(c))...)
				i = j + 1
				continue
			}
		}
		text.WriteByte(c)
		i++
	}
	flush()
	return spans
}

// entityEnd returns the index of the '>' closing the entity that opens at i,
// or -1 when there is none on the line, or a space follows the '<' (a stray
// '<' is text: Slack escapes those, but be lenient).
func entityEnd(s string, i int) int {
	if i+1 < len(s) && isSpaceByte(s, i+1) {
		return -1
	}
	for j := i + 1; j < len(s); j++ {
		switch s[j] {
		case '>':
			if j == i+1 {
				return -1
			}
			return j
		case '<', '\n':
			return -1
		}
	}
	return -1
}

// canOpen reports whether the marker at i may open: at the start or after a
// space or punctuation, and before something that is not a space.
func canOpen(s string, i int) bool {
	if i+1 >= len(s) || isSpaceByte(s, i+1) {
		return false
	}
	if i == 0 {
		return true
	}
	r, _ := utf8.DecodeLastRuneInString(s[:i])
	return unicode.IsSpace(r) || unicode.IsPunct(r) && r != rune(s[i])
}

// canClose reports whether the marker at j may close: after a non-space, and
// at the end or before a space or punctuation.
func canClose(s string, j int) bool {
	if j == 0 || isSpaceByte(s, j-1) {
		return false
	}
	if j+1 == len(s) {
		return true
	}
	r, _ := utf8.DecodeRuneInString(s[j+1:])
	return unicode.IsSpace(r) || unicode.IsPunct(r) && r != rune(s[j])
}

func isSpaceByte(s string, i int) bool {
	r, _ := utf8.DecodeRuneInString(s[i:])
	return unicode.IsSpace(r)
}

// closer finds the marker closing the one at i, skipping entities and code:
// -1 when there is none (the marker is text).
func closer(s string, i int) int {
	c := s[i]
	for j := i + 2; j < len(s); j++ {
		switch s[j] {
		case '<':
			if k := entityEnd(s, j); k > 0 {
				j = k
			}
		case '`':
			if k := strings.IndexByte(s[j+1:], '`'); k > 0 {
				j += k + 1
			}
		case c:
			if canClose(s, j) {
				return j
			}
		}
	}
	return -1
}

// entity turns one <…> entity into a span: a link, a mention, a channel, a
// special mention (@here), or its label. ok is false when it shows nothing
// (the bot's own mention).
func (mk markup) entity(inner string, marks formatting.Mark) (formatting.Span, bool) {
	target, label, _ := strings.Cut(inner, "|")
	label = mrkdwnEntities.Replace(strings.TrimSpace(label))
	var text string
	switch {
	case strings.HasPrefix(target, "@"):
		text = mk.mention(target[1:], label)
	case strings.HasPrefix(target, "#"):
		text = "#" + firstNonEmpty(strings.TrimPrefix(label, "#"), target[1:])
	case strings.HasPrefix(target, "!"):
		name, _, _ := strings.Cut(target[1:], "^")
		switch name {
		case "here", "channel", "everyone":
			text = "@" + name
		default:
			text = label // a user group, a date: their fallback text
		}
	default:
		u := mrkdwnEntities.Replace(target)
		text = firstNonEmpty(label, strings.TrimPrefix(u, "mailto:"))
		if link, ok := formatting.SafeLink(u); ok {
			return formatting.Span{Text: text, Marks: marks &^ formatting.Code, Link: link}, text != ""
		}
	}
	return formatting.Span{Text: text, Marks: marks}, text != ""
}

// trimSpans drops white space at the ends of a paragraph (and the line breaks
// there), and the spans left empty.
func trimSpans(spans []formatting.Span) []formatting.Span {
	for len(spans) > 0 && strings.TrimSpace(spans[0].Text) == "" {
		spans = spans[1:]
	}
	for len(spans) > 0 && strings.TrimSpace(spans[len(spans)-1].Text) == "" {
		spans = spans[:len(spans)-1]
	}
	if len(spans) == 0 {
		return nil
	}
	out := make([]formatting.Span, 0, len(spans))
	for i, sp := range spans {
		if i == 0 {
			sp.Text = strings.TrimLeftFunc(sp.Text, unicode.IsSpace)
		}
		if i == len(spans)-1 {
			sp.Text = strings.TrimRightFunc(sp.Text, unicode.IsSpace)
		}
		if sp.Text != "" {
			out = append(out, sp)
		}
	}
	return out
}

func nilIfEmpty(r formatting.Rich) formatting.Rich {
	if len(r) == 0 {
		return nil
	}
	return r
}
