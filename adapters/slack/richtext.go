package slackadapter

import (
	"strconv"
	"strings"

	"github.com/slack-go/slack"

	"github.com/kmbridge/kmbridge/formatting"
)

// parse is what a person wrote as rich text: the message's rich_text blocks
// when it has them, else its mrkdwn text.
func (mk markup) parse(blocks []slack.Block, text string) formatting.Rich {
	if r, ok := mk.parseBlocks(blocks); ok {
		return r
	}
	return mk.parseMrkdwn(text)
}

// parseBlocks parses the rich_text blocks of a message (what Slack's clients
// send with every message a person writes: exact, unlike the mrkdwn text).
// ok is false when there are none: parse the text instead.
func (mk markup) parseBlocks(blocks []slack.Block) (r formatting.Rich, ok bool) {
	for _, b := range blocks {
		var rt *slack.RichTextBlock
		switch b := b.(type) {
		case *slack.RichTextBlock:
			rt = b
		case slack.RichTextBlock:
			rt = &b
		}
		if rt == nil {
			continue
		}
		ok = true
		r = append(r, mk.richElements(rt.Elements)...)
	}
	return nilIfEmpty(r), ok
}

// richElements turns a rich_text block's elements into rich blocks. Slack
// nests lists by indent: a list with a deeper indent than the one before it
// belongs to that list's last item.
func (mk markup) richElements(elems []slack.RichTextElement) formatting.Rich {
	var (
		out   formatting.Rich
		lists []*formatting.List // the open lists, outermost first
		depth []int              // their indents
	)
	for _, e := range elems {
		if _, isList := e.(*slack.RichTextList); !isList {
			lists, depth = nil, nil
		}
		switch e := e.(type) {
		case *slack.RichTextSection:
			out = append(out, paras(mk.sectionSpans(e.Elements))...)
		case *slack.RichTextQuote:
			if body := paras(mk.sectionSpans(e.Elements)); len(body) > 0 {
				out = append(out, &formatting.Quote{Body: body})
			}
		case *slack.RichTextPreformatted:
			var b strings.Builder
			for _, sp := range mk.sectionSpans(e.Elements) {
				b.WriteString(sp.Text)
			}
			if code := strings.Trim(b.String(), "\n"); strings.TrimSpace(code) != "" {
				out = append(out, &formatting.CodeBlock{Lang: e.Language, Code: code})
			}
		case *slack.RichTextList:
			list := &formatting.List{Ordered: e.Style == slack.RTEListOrdered}
			if list.Ordered && e.Offset > 0 {
				list.Start = e.Offset + 1
			}
			for _, item := range e.Elements {
				var spans []formatting.Span
				if s, ok := item.(*slack.RichTextSection); ok {
					spans = mk.sectionSpans(s.Elements)
				}
				if body := paras(spans); len(body) > 0 {
					list.Items = append(list.Items, body)
				}
			}
			if len(list.Items) == 0 {
				continue
			}
			for len(depth) > 0 && depth[len(depth)-1] >= e.Indent {
				lists, depth = lists[:len(lists)-1], depth[:len(depth)-1]
			}
			if n := len(lists); n > 0 {
				parent := lists[n-1]
				last := len(parent.Items) - 1
				parent.Items[last] = append(parent.Items[last], list)
			} else {
				out = append(out, list)
			}
			lists, depth = append(lists, list), append(depth, e.Indent)
		}
	}
	return out
}

// sectionSpans turns a section's elements into spans.
func (mk markup) sectionSpans(elems []slack.RichTextSectionElement) []formatting.Span {
	var spans []formatting.Span
	add := func(text string, st *slack.RichTextSectionTextStyle) {
		if text != "" {
			spans = append(spans, formatting.Span{Text: text, Marks: marksOf(st)})
		}
	}
	for _, e := range elems {
		switch e := e.(type) {
		case *slack.RichTextSectionTextElement:
			add(e.Text, e.Style)
		case *slack.RichTextSectionLinkElement:
			text := firstNonEmpty(e.Text, strings.TrimPrefix(e.URL, "mailto:"))
			if link, ok := formatting.SafeLink(e.URL); ok && text != "" {
				spans = append(spans, formatting.Span{Text: text, Marks: marksOf(e.Style) &^ formatting.Code, Link: link})
				continue
			}
			add(text, e.Style)
		case *slack.RichTextSectionUserElement:
			add(mk.mention(e.UserID, ""), e.Style)
		case *slack.RichTextSectionUserGroupElement:
			add("@"+e.UsergroupID, e.Style)
		case *slack.RichTextSectionChannelElement:
			add("#"+e.ChannelID, e.Style)
		case *slack.RichTextSectionBroadcastElement:
			add("@"+e.Range, e.Style)
		case *slack.RichTextSectionEmojiElement:
			add(emoji(e), e.Style)
		case *slack.RichTextSectionDateElement:
			if e.Fallback != nil {
				add(*e.Fallback, e.Style)
			}
		case *slack.RichTextSectionColorElement:
			add(e.Value, e.Style)
		}
	}
	return spans
}

// marksOf is a rich text style as marks.
func marksOf(st *slack.RichTextSectionTextStyle) formatting.Mark {
	if st == nil {
		return 0
	}
	var m formatting.Mark
	for _, x := range []struct {
		on bool
		m  formatting.Mark
	}{{st.Bold, formatting.Bold}, {st.Italic, formatting.Italic}, {st.Strike, formatting.Strike},
		{st.Code, formatting.Code}, {st.Underline, formatting.Underline}} {
		if x.on {
			m |= x.m
		}
	}
	return m
}

// emoji is an emoji element as its character (unicode is its code points in
// hex, "1f44d" or "1f469-200d-1f4bb"), else as ":name:".
func emoji(e *slack.RichTextSectionEmojiElement) string {
	var b strings.Builder
	for _, h := range strings.Split(e.Unicode, "-") {
		n, err := strconv.ParseUint(h, 16, 32)
		if err != nil || n == 0 || n > 0x10FFFF || n >= 0xD800 && n <= 0xDFFF {
			b.Reset()
			break
		}
		b.WriteRune(rune(n))
	}
	if b.Len() > 0 {
		return b.String()
	}
	if e.Name == "" {
		return ""
	}
	return ":" + e.Name + ":"
}

// paras splits spans into paragraphs at blank lines; single newlines become
// line breaks.
func paras(spans []formatting.Span) formatting.Rich {
	var (
		out  formatting.Rich
		cur  []formatting.Span
		nl   int // newlines in a row at the end of cur
		flat []formatting.Span
	)
	// One span per line piece, "\n" spans between lines.
	for _, sp := range spans {
		for i, piece := range strings.Split(sp.Text, "\n") {
			if i > 0 {
				flat = append(flat, formatting.Span{Text: "\n"})
			}
			if piece != "" {
				p := sp
				p.Text = piece
				flat = append(flat, p)
			}
		}
	}
	flush := func() {
		if p := trimSpans(cur); len(p) > 0 {
			out = append(out, &formatting.Para{Spans: p})
		}
		cur, nl = nil, 0
	}
	for _, sp := range flat {
		if sp.Text == "\n" {
			nl++
			if nl == 2 {
				flush()
			}
			continue
		}
		if nl == 1 {
			cur = append(cur, formatting.Span{Text: "\n"})
		}
		nl = 0
		cur = append(cur, sp)
	}
	flush()
	return out
}
