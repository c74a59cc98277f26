package discordadapter

import (
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/kmbridge/kmbridge/formatting"
)

// Discord's markdown, as people write it, parsed into formatting.Rich so that
// what an agent or a user wrote keeps its bold, links, code and lists on
// another platform (the hand-over's relay). Only what Discord itself renders
// is read: **bold**, *italic* and _italic_, __underline__, ~~strike~~,
// `code` and ``code``, ```fenced code``` (with a language), [masked](links),
// <links> and bare http(s) links, > and >>> block quotes, - * and 1. lists
// (nested by indentation), # ## ### headings, -# subtext (as a paragraph) and
// ||spoilers|| (their text, plainly: no platform hides it). Backslash escapes
// are honoured. Mentions (<@id>, <@&id>, <#id>) read as the names given for
// them, as written when there is none; custom emoji read as :name:. Links go
// through formatting.SafeLink: an unsafe one stays text. It is pure and never
// fails: anything it does not read is text.

// Names resolves a mention: kind '@' a user, '&' a role, '#' a channel. ok
// false keeps the mention as written; a name "" drops it (the bot's own).
type Names func(kind byte, id string) (name string, ok bool)

// maxMarkdown bounds what is parsed; a longer text (Discord allows 4000
// characters) is taken as plain text.
const maxMarkdown = 16 << 10

// maxNesting bounds nested emphasis and lists.
const maxNesting = 12

// ParseMarkdown parses Discord markdown into rich text; names may be nil.
func ParseMarkdown(s string, names Names) formatting.Rich {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
	s = strings.ReplaceAll(s, "\x00", "")
	if len(s) > maxMarkdown {
		return formatting.ParsePlain(s)
	}
	p := &mdParser{names: names}
	return p.segments(s, false)
}

type mdParser struct {
	names Names
}

// segments splits s at ```fences``` (code blocks) and parses the text
// between them; quoted is set inside a block quote, where quotes do not
// nest.
func (p *mdParser) segments(s string, quoted bool) formatting.Rich {
	var out formatting.Rich
	for s != "" {
		open := fence(s, 0)
		if open < 0 {
			out = append(out, p.blocks(s, quoted)...)
			break
		}
		end := fence(s, open+3)
		if end < 0 {
			out = append(out, p.blocks(s, quoted)...)
			break
		}
		out = append(out, p.blocks(s[:open], quoted)...)
		if cb := codeBlock(s[open+3 : end]); cb != nil {
			out = append(out, cb)
		}
		s = s[end+3:]
	}
	return out
}

// fence is the index of the first unescaped ``` in s at or after from, or -1.
func fence(s string, from int) int {
	for i := from; i+3 <= len(s); i++ {
		if s[i] == '\\' {
			i++
			continue
		}
		if strings.HasPrefix(s[i:], "```") {
			return i
		}
	}
	return -1
}

var langRE = regexp.MustCompile(`^[A-Za-z0-9_+#.-]{1,32}\n`)

// codeBlock is the inside of a fence: a language on the first line when it
// is one word alone there, then the code.
func codeBlock(in string) *formatting.CodeBlock {
	cb := &formatting.CodeBlock{}
	if lang := langRE.FindString(in); lang != "" {
		cb.Lang = strings.TrimSuffix(lang, "\n")
		in = in[len(lang):]
	}
	in = strings.TrimPrefix(in, "\n")
	in = strings.TrimSuffix(in, "\n")
	if strings.TrimSpace(in) == "" {
		return nil
	}
	cb.Code = in
	return cb
}

var (
	headingRE = regexp.MustCompile(`^(#{1,3}) +(\S.*)$`)
	subtextRE = regexp.MustCompile(`^-# +(\S.*)$`)
	itemRE    = regexp.MustCompile(`^( *)([-*]|[0-9]{1,9}\.) +(\S.*)$`)
)

// blocks parses the lines of text without fences.
func (p *mdParser) blocks(s string, quoted bool) formatting.Rich {
	var out formatting.Rich
	lines := strings.Split(s, "\n")
	var para []string
	flush := func() {
		if len(para) > 0 {
			if sp := trimSpans(p.inline(strings.Join(para, "\n"), 0, 0)); len(sp) > 0 {
				out = append(out, &formatting.Para{Spans: sp})
			}
			para = nil
		}
	}
	for i := 0; i < len(lines); i++ {
		line := strings.TrimRight(lines[i], " \t")
		switch {
		case !quoted && (line == ">>>" || strings.HasPrefix(line, ">>> ")):
			// The rest of the message is quoted.
			flush()
			rest := strings.Join(append([]string{strings.TrimPrefix(strings.TrimPrefix(line, ">>>"), " ")}, lines[i+1:]...), "\n")
			if body := p.segments(rest, true); len(body) > 0 {
				out = append(out, &formatting.Quote{Body: body})
			}
			return out
		case !quoted && (line == ">" || strings.HasPrefix(line, "> ")):
			flush()
			var q []string
			for ; i < len(lines); i++ {
				l := strings.TrimRight(lines[i], " \t")
				if l != ">" && !strings.HasPrefix(l, "> ") {
					break
				}
				q = append(q, strings.TrimPrefix(strings.TrimPrefix(l, ">"), " "))
			}
			i--
			if body := p.blocks(strings.Join(q, "\n"), true); len(body) > 0 {
				out = append(out, &formatting.Quote{Body: body})
			}
		case headingRE.MatchString(line):
			flush()
			m := headingRE.FindStringSubmatch(line)
			if sp := trimSpans(p.inline(m[2], 0, 0)); len(sp) > 0 {
				out = append(out, &formatting.Heading{Level: len(m[1]), Spans: sp})
			}
		case subtextRE.MatchString(line):
			flush()
			if sp := trimSpans(p.inline(subtextRE.FindStringSubmatch(line)[1], 0, 0)); len(sp) > 0 {
				out = append(out, &formatting.Para{Spans: sp})
			}
		case itemRE.MatchString(line):
			flush()
			var items []string
			for ; i < len(lines) && itemRE.MatchString(strings.TrimRight(lines[i], " \t")); i++ {
				items = append(items, strings.TrimRight(lines[i], " \t"))
			}
			i--
			out = append(out, p.list(items, 0)...)
		case strings.TrimSpace(line) == "":
			flush()
		default:
			para = append(para, line)
		}
	}
	flush()
	return out
}

// listItem is one line of a list.
type listItem struct {
	indent  int
	ordered bool
	num     int
	text    string
}

func parseItem(line string) listItem {
	m := itemRE.FindStringSubmatch(line)
	it := listItem{indent: len(m[1]), text: m[3]}
	if strings.HasSuffix(m[2], ".") {
		it.ordered = true
		it.num, _ = strconv.Atoi(strings.TrimSuffix(m[2], "."))
	}
	return it
}

// list builds lists from consecutive item lines: a line indented deeper than
// the item before it starts a list nested in that item; a change between
// bullets and numbers at one depth starts a new list.
func (p *mdParser) list(lines []string, depth int) formatting.Rich {
	var out formatting.Rich
	var cur *formatting.List
	base := -1
	for i := 0; i < len(lines); i++ {
		it := parseItem(lines[i])
		if base < 0 {
			base = it.indent
		}
		if it.indent > base && cur != nil && len(cur.Items) > 0 && depth < maxNesting {
			j := i
			for j < len(lines) && parseItem(lines[j]).indent > base {
				j++
			}
			last := len(cur.Items) - 1
			cur.Items[last] = append(cur.Items[last], p.list(lines[i:j], depth+1)...)
			i = j - 1
			continue
		}
		if cur == nil || cur.Ordered != it.ordered {
			cur = &formatting.List{Ordered: it.ordered}
			if it.ordered && it.num != 1 {
				cur.Start = it.num
			}
			out = append(out, cur)
		}
		var item formatting.Rich
		if sp := trimSpans(p.inline(it.text, 0, 0)); len(sp) > 0 {
			item = formatting.Rich{&formatting.Para{Spans: sp}}
		}
		cur.Items = append(cur.Items, item)
	}
	return out
}

// inline parses inline markdown in s (which may hold line breaks) under the
// marks of the enclosing emphasis.
func (p *mdParser) inline(s string, marks formatting.Mark, depth int) []formatting.Span {
	var b spanBuf
	// unclosed[d] is where a search for delimiter d's closing found none:
	// none opening later can close either, so "_a _a _a…" stays linear.
	unclosed := map[string]int{}
	var text strings.Builder
	flushText := func() {
		if text.Len() > 0 {
			b.text(text.String(), marks)
			text.Reset()
		}
	}
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s) && isMarkdownPunct(s[i+1]):
			text.WriteByte(s[i+1])
			i += 2
			continue
		case c == '`':
			if code, n := codeSpan(s[i:]); n > 0 {
				flushText()
				b.add(formatting.Span{Text: code, Marks: marks | formatting.Code})
				i += n
				continue
			}
		case c == '*' || c == '_' || c == '~' || c == '|':
			if depth < maxNesting {
				if inner, m, n := emphasis(s, i, unclosed); n > 0 {
					flushText()
					b.addAll(p.inline(inner, marks|m, depth+1))
					i += n
					continue
				}
			}
		case c == '[':
			if label, link, n := maskedLink(s[i:]); n > 0 {
				if u, ok := formatting.SafeLink(link); ok && depth < maxNesting {
					flushText()
					for _, sp := range p.inline(label, marks, depth+1) {
						if sp.Text != "\n" {
							sp.Link = u
						}
						b.add(sp)
					}
					i += n
					continue
				}
			}
		case c == '<':
			if sp, n, ok := p.angle(s[i:], marks); ok {
				flushText()
				if sp.Text != "" {
					b.add(sp)
				}
				i += n
				continue
			}
		case c == 'h' && (i == 0 || !isWordByte(s[i-1])):
			if u, n := bareURL(s[i:]); n > 0 {
				flushText()
				b.add(formatting.Span{Text: s[i : i+n], Marks: marks, Link: u})
				i += n
				continue
			}
		}
		_, size := utf8.DecodeRuneInString(s[i:])
		text.WriteString(s[i : i+size])
		i += size
	}
	flushText()
	return b.spans
}

// isMarkdownPunct reports the characters a backslash escapes in Discord.
func isMarkdownPunct(c byte) bool {
	return strings.IndexByte("\\*_~`|>#-+[]()<@:!.", c) >= 0
}

// isWordByte is an ASCII word character, as Discord's markdown (JavaScript's
// \b) sees them: underscores between letters are not emphasis, but after
// other scripts' letters they are.
func isWordByte(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// codeSpan reads `code` or “code“ at the start of s: the code and the bytes
// taken, 0 when there is none.
func codeSpan(s string) (string, int) {
	n := 0
	for n < len(s) && n < 2 && s[n] == '`' {
		n++
	}
	if n == 2 && strings.HasPrefix(s, "``") && !strings.HasPrefix(s[2:], "`") {
		if end := strings.Index(s[2:], "``"); end > 0 {
			code := s[2 : 2+end]
			if len(code) >= 2 && code[0] == ' ' && code[len(code)-1] == ' ' {
				code = code[1 : len(code)-1]
			}
			return code, end + 4
		}
	}
	if end := strings.IndexByte(s[1:], '`'); end > 0 {
		return s[1 : 1+end], end + 2
	}
	return "", 0
}

// delimiters, longest first: what each marks.
var delimiters = []struct {
	d    string
	mark formatting.Mark
}{
	{"***", formatting.Bold | formatting.Italic},
	{"**", formatting.Bold},
	{"__", formatting.Underline},
	{"~~", formatting.Strike},
	{"||", 0}, // a spoiler: its text, plainly
	{"*", formatting.Italic},
	{"_", formatting.Italic},
}

// emphasis reads emphasis opening at s[i]: the inner text, its mark and the
// bytes taken (0: none; the delimiter is text).
func emphasis(s string, i int, unclosed map[string]int) (string, formatting.Mark, int) {
	for _, d := range delimiters {
		if !strings.HasPrefix(s[i:], d.d) {
			continue
		}
		start := i + len(d.d)
		if start >= len(s) || isSpaceByte(s[start]) {
			continue // "** not bold"
		}
		if d.d == "_" && i > 0 && isWordByte(s[i-1]) {
			continue // snake_case
		}
		if from, ok := unclosed[d.d]; ok && start >= from {
			continue
		}
		end := closing(s, start, d.d)
		if end > start {
			return s[start:end], d.mark, end + len(d.d) - i
		}
		if end < 0 {
			unclosed[d.d] = start
		}
	}
	return "", 0, 0
}

// closing finds the delimiter d closing emphasis whose text starts at from:
// not escaped, not inside code, after text that does not end in a space; a
// single * or _ skips doubled ones, and _ must not be followed by a letter.
func closing(s string, from int, d string) int {
	for j := from; j+len(d) <= len(s); j++ {
		switch s[j] {
		case '\\':
			j++
			continue
		case '`':
			if _, n := codeSpan(s[j:]); n > 0 {
				j += n - 1
				continue
			}
		}
		if !strings.HasPrefix(s[j:], d) {
			continue
		}
		if len(d) == 1 && j+1 < len(s) && s[j+1] == d[0] {
			j++ // a doubled delimiter belongs to other emphasis
			continue
		}
		if j == from || isSpaceByte(s[j-1]) {
			continue
		}
		if d == "_" && j+1 < len(s) && isWordByte(s[j+1]) {
			continue
		}
		return j
	}
	return -1
}

func isSpaceByte(c byte) bool { return c == ' ' || c == '\t' || c == '\n' }

// maskedLink reads [label](url) at the start of s (the url may be in angle
// brackets): label, url and the bytes taken, 0 when there is none.
func maskedLink(s string) (label, link string, n int) {
	close := -1
	depth := 0
	for j := 1; j < len(s) && j < maxLabel; j++ {
		switch s[j] {
		case '\\':
			j++
		case '[':
			depth++
		case ']':
			if depth == 0 {
				close = j
			}
			depth--
		case '\n':
			return "", "", 0
		}
		if close >= 0 {
			break
		}
	}
	if close <= 1 || close+1 >= len(s) || s[close+1] != '(' {
		return "", "", 0
	}
	rest := s[close+2:]
	if len(rest) > maxLink {
		rest = rest[:maxLink]
	}
	end := strings.IndexByte(rest, ')')
	if end < 0 {
		return "", "", 0
	}
	link = strings.TrimSpace(s[close+2 : close+2+end])
	link = strings.TrimSuffix(strings.TrimPrefix(link, "<"), ">")
	if link == "" || strings.ContainsAny(link, " \n") {
		return "", "", 0
	}
	return s[1:close], link, close + 3 + end
}

// Bounds of what a link may be, so that unclosed brackets in a long text
// cost no more than a line each.
const (
	maxLabel = 1024
	maxLink  = 4096
)

var (
	mentionRE = regexp.MustCompile(`^<(@!?|@&|#)([0-9]{1,20})>`)
	emojiRE   = regexp.MustCompile(`^<a?:([A-Za-z0-9_~]{1,32}):[0-9]{1,20}>`)
	autoRE    = regexp.MustCompile(`^<(https?://[^\s<>]+)>`)
)

// angle reads what Discord puts in angle brackets at the start of s: a
// mention (its name), a custom emoji (:name:) or a link without preview.
func (p *mdParser) angle(s string, marks formatting.Mark) (formatting.Span, int, bool) {
	if m := mentionRE.FindStringSubmatch(s); m != nil {
		kind := m[1][0]
		if m[1] == "@&" {
			kind = '&'
		}
		if p.names != nil {
			if name, ok := p.names(kind, m[2]); ok {
				return formatting.Span{Text: name, Marks: marks}, len(m[0]), true
			}
		}
		return formatting.Span{}, 0, false
	}
	if m := emojiRE.FindStringSubmatch(s); m != nil {
		return formatting.Span{Text: ":" + m[1] + ":", Marks: marks}, len(m[0]), true
	}
	if m := autoRE.FindStringSubmatch(s); m != nil {
		if u, ok := formatting.SafeLink(m[1]); ok {
			return formatting.Span{Text: m[1], Marks: marks, Link: u}, len(m[0]), true
		}
	}
	return formatting.Span{}, 0, false
}

// bareURL reads an http(s) link at the start of s, without the punctuation
// that ends a sentence: the link and the bytes taken, 0 when there is none.
func bareURL(s string) (string, int) {
	if !strings.HasPrefix(s, "http://") && !strings.HasPrefix(s, "https://") {
		return "", 0
	}
	if len(s) > maxLink {
		s = s[:maxLink]
	}
	n := strings.IndexFunc(s, func(r rune) bool { return unicode.IsSpace(r) || r == '<' || r == '>' })
	if n < 0 {
		n = len(s)
	}
	for n > 0 && strings.IndexByte(".,:;!?'\"*_~|", s[n-1]) >= 0 {
		n--
	}
	if n > 0 && s[n-1] == ')' && strings.Count(s[:n], "(") < strings.Count(s[:n], ")") {
		n--
	}
	u, ok := formatting.SafeLink(s[:n])
	if !ok {
		return "", 0
	}
	return u, n
}

// spanBuf collects spans, merging neighbours that look the same.
type spanBuf struct{ spans []formatting.Span }

// text adds plain text under marks, line breaks as spans of their own.
func (b *spanBuf) text(s string, marks formatting.Mark) {
	for {
		line, rest, found := strings.Cut(s, "\n")
		if line != "" {
			b.add(formatting.Span{Text: line, Marks: marks})
		}
		if !found {
			return
		}
		b.add(formatting.Span{Text: "\n"})
		s = rest
	}
}

func (b *spanBuf) add(sp formatting.Span) {
	if sp.Text == "" {
		return
	}
	if n := len(b.spans); n > 0 && sp.Text != "\n" {
		last := &b.spans[n-1]
		if last.Text != "\n" && last.Marks == sp.Marks && last.Link == sp.Link {
			last.Text += sp.Text
			return
		}
	}
	b.spans = append(b.spans, sp)
}

func (b *spanBuf) addAll(sps []formatting.Span) {
	for _, sp := range sps {
		b.add(sp)
	}
}

// trimSpans drops white space and line breaks at both ends.
func trimSpans(sp []formatting.Span) []formatting.Span {
	for len(sp) > 0 && strings.TrimSpace(sp[0].Text) == "" {
		sp = sp[1:]
	}
	for len(sp) > 0 && strings.TrimSpace(sp[len(sp)-1].Text) == "" {
		sp = sp[:len(sp)-1]
	}
	if len(sp) == 0 {
		return nil
	}
	out := append([]formatting.Span(nil), sp...)
	out[0].Text = strings.TrimLeft(out[0].Text, " \t")
	out[len(out)-1].Text = strings.TrimRight(out[len(out)-1].Text, " \t")
	return out
}
