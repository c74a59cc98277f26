package slackfmt

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/slack-go/slack"

	f "github.com/kmbridge/kmbridge/formatting"
)

// fragments are the pieces fuzz text is built from: Slack control syntax, mrkdwn
// markers, CJK, emoji, URLs.
var fragments = []string{
	"<!channel>", "<!here>", "<!everyone>", "<@U123>", "<#C1|gen>", "<!subteam^S1|@t>", "@channel", "@here",
	"<", ">", "&", "&amp;", "*", "_", "~", "`", "```", "＊", "＿", "｀", "＞", "|",
	"word", "Word ", " ", "  ", "\n", "\n\n", "\t", ".", "!", "?", "。", "，", "中文", "日本語", "한국어",
	"😀", "👩‍💻", "👍🏽", ":smile:", "https://ex.com/a_b?x=1&y=2", "http://x.io/(p)", "snake_case", "2*3",
	"> quote", "\x00", "\r", "\u200b", "\xff",
}

type gen struct {
	b []byte
	i int
}

func (g *gen) next() int {
	if g.i >= len(g.b) {
		return 0
	}
	c := g.b[g.i]
	g.i++
	return int(c)
}

func (g *gen) n(max int) int { return g.next() % max }

func (g *gen) text() string {
	var s strings.Builder
	for range g.n(6) + 1 {
		switch k := g.n(10); {
		case k < 7:
			s.WriteString(fragments[g.n(len(fragments))])
		case k < 9: // raw input bytes
			l := g.n(12)
			end := min(g.i+l, len(g.b))
			s.Write(g.b[g.i:end])
			g.i = end
		default: // something long
			s.WriteString(strings.Repeat(fragments[g.n(len(fragments))]+fragments[g.n(len(fragments))], g.next()*4+1))
		}
	}
	return s.String()
}

func (g *gen) url() string {
	return []string{"https://ex.com/p.png", "http://ex.com/a?b=1&c=2", "", "javascript:alert(1)", "mailto:a@b.c",
		"tel:+1", "https://ex.com/" + g.text(), "data:x", "https://ex.com/" + strings.Repeat("a", 3100),
		"https://ex.com/" + strings.Repeat("b", 2900)}[g.n(10)]
}

func (g *gen) spans() []f.Span {
	var ss []f.Span
	for range g.n(5) + 1 {
		sp := f.Span{Text: g.text(), Marks: f.Mark(g.n(32))}
		if g.n(4) == 0 {
			sp.Link = g.url()
		}
		ss = append(ss, sp)
	}
	return ss
}

func (g *gen) rich(depth int) f.Rich {
	var r f.Rich
	for range g.n(4) + 1 {
		switch k := g.n(9); {
		case k < 3:
			r = append(r, p(g.spans()...))
		case k == 3:
			r = append(r, &f.Heading{Level: g.n(7), Spans: g.spans()})
		case k == 4 && depth < 4:
			l := &f.List{Ordered: g.n(2) == 0, Start: g.n(5) - 1}
			for range g.n(4) {
				l.Items = append(l.Items, g.rich(depth+1))
			}
			r = append(r, l)
		case k == 5:
			r = append(r, &f.CodeBlock{Code: g.text()})
		case k == 6 && depth < 4:
			r = append(r, &f.Quote{Body: g.rich(depth + 1)})
		case k == 7:
			t := &f.Table{Header: g.n(2) == 0}
			for range g.n(3) + 1 {
				var row [][]f.Span
				for range g.n(3) + 1 {
					row = append(row, g.spans())
				}
				t.Rows = append(t.Rows, row)
			}
			r = append(r, t)
		default:
			r = append(r, &f.Rule{})
		}
	}
	return r
}

func (g *gen) buttons(max int) []f.Button {
	var bs []f.Button
	count := g.n(max)
	if g.n(8) == 0 {
		count = g.next() * 2 // many buttons
	}
	for i := range count {
		b := f.Button{Label: g.text(), Style: f.Style(g.n(3))}
		switch g.n(4) {
		case 0:
			b.URL = g.url()
		case 1:
			b.Token = fmt.Sprint("t", g.n(4)) // repeated tokens
		default:
			b.Token = fmt.Sprint("tok", i)
		}
		bs = append(bs, b)
	}
	return bs
}

func (g *gen) card() f.Card {
	c := f.Card{Title: g.text(), Subtitle: g.text(), URL: g.url(), ImageURL: g.url(), IconURL: g.url()}
	if g.n(2) == 0 {
		c.Body = g.rich(2)
	}
	for range g.n(14) {
		c.Fields = append(c.Fields, f.Field{Label: g.text(), Value: g.rich(3)})
	}
	c.Buttons = g.buttons(4)
	return c
}

// message builds a Message from fuzz bytes.
func (g *gen) message() f.Message {
	var m f.Message
	for range g.n(8) + 1 {
		switch g.n(11) {
		case 0, 1:
			m.Blocks = append(m.Blocks, &f.Text{Rich: g.rich(0), Context: g.n(4) == 0})
		case 2:
			m.Blocks = append(m.Blocks, &f.Image{URL: g.url(), Alt: g.text(), Link: g.url()})
		case 3:
			m.Blocks = append(m.Blocks, &f.Buttons{Title: g.text(), Items: g.buttons(30), Placeholder: g.text()})
		case 4:
			m.Blocks = append(m.Blocks, &f.Select{Placeholder: g.text(), Options: g.buttons(120)})
		case 5:
			c := g.card()
			m.Blocks = append(m.Blocks, &c)
		case 6:
			pr := &f.Products{Title: g.text(), Page: g.n(4), Pages: g.n(4)}
			for range g.n(4) {
				pr.Items = append(pr.Items, g.card())
			}
			if g.n(2) == 0 {
				pr.Next = &f.Button{Label: g.text(), Token: "next"}
			}
			m.Blocks = append(m.Blocks, pr)
		case 7:
			m.Blocks = append(m.Blocks, &f.Location{Name: g.text(), Address: g.text(), HasCoords: g.n(2) == 0, Lat: float64(g.next()), MapURL: g.url()})
		case 8:
			m.Blocks = append(m.Blocks, &f.Audio{URL: g.url(), Caption: g.text()})
		case 9:
			m.Blocks = append(m.Blocks, &f.File{Name: g.text(), URL: g.url(), Size: int64(g.next() * 1000)})
		default:
			m.Blocks = append(m.Blocks, &f.Divider{}, nil)
		}
	}
	if g.n(3) == 0 {
		m.InputHints = g.buttons(6)
	}
	return m
}

var mentionRE = regexp.MustCompile(`<[!@#]`)

// textWords are the ASCII words of the message's text blocks that must survive
// rendering. Adjacent spans of one style render as one run, so their texts are
// joined; a change of style, a link or a line break separates words. Runs with a
// URL in them are left out (a URL inside a word becomes a link), and so are runs of
// letters long enough to be cut where a section must end.
func textWords(m f.Message) []string {
	clean := strings.NewReplacer(zwsp, "", wordJoin, "", softHyph, "")
	var words []string
	flush := func(t string) {
		if strings.Contains(strings.ToLower(t), "http") {
			return
		}
		t = strings.Map(func(r rune) rune {
			if dropRune(r) || r == '\r' {
				return -1
			}
			return r
		}, clean.Replace(strings.ToValidUTF8(t, "\uFFFD")))
		for _, w := range wordRE.FindAllString(t, -1) {
			if len(w) < 48 {
				words = append(words, w)
			}
		}
	}
	// spans adds the words of one line group; all=true joins every span (a header).
	spans := func(ss []f.Span, add f.Mark, all bool) {
		var cur strings.Builder
		var style f.Mark
		for _, sp := range ss {
			st := (sp.Marks | add) & styleMarks
			if sp.Link != "" || !all && st != style {
				flush(cur.String())
				cur.Reset()
				style = st
			}
			if sp.Link == "" {
				cur.WriteString(sp.Text)
			}
		}
		flush(cur.String())
	}
	var rich func(r f.Rich, header bool)
	rich = func(r f.Rich, header bool) {
		for i, rb := range r {
			switch x := rb.(type) {
			case *f.Para:
				spans(x.Spans, 0, false)
			case *f.Heading:
				_, isHeader := headerText(x.Spans)
				spans(x.Spans, f.Bold, header && i == 0 && isHeader)
			case *f.List:
				for _, it := range x.Items {
					rich(it, false)
				}
			case *f.Quote:
				rich(x.Body, false)
			case *f.Table:
				for ri, row := range x.Rows {
					var add f.Mark
					if x.Header && ri == 0 {
						add = f.Bold
					}
					for _, c := range row {
						spans(c, add, false)
					}
				}
			}
		}
	}
	for bi, b := range m.Blocks {
		if t, ok := b.(*f.Text); ok && t != nil {
			rich(t.Rich, bi == 0 && !t.Context)
		}
	}
	return words
}

func FuzzRender(fz *testing.F) {
	fz.Add([]byte("hello"))
	fz.Add([]byte{0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12})
	fz.Add([]byte("\x03\x07\xff\xff\x10 many buttons \x00\x01"))
	fz.Add([]byte("\x00\x02\x00\x09\x09\x09\x09\x09\x09\x09\x09\x09<!channel>"))
	fz.Add([]byte(strings.Repeat("\x05\x00\x01\x02", 40)))
	fz.Fuzz(func(t *testing.T, data []byte) {
		g := &gen{b: data}
		m := g.message()
		msgs := Render(m)
		var all []string
		for i, msg := range msgs {
			if err := Validate(msg); err != nil {
				t.Fatalf("message %d does not validate: %v\n%s", i, err, payload(msg))
			}
			if loc := mentionRE.FindStringIndex(allMrkdwn([]Msg{msg})); loc != nil {
				t.Fatalf("mention syntax in mrkdwn output: %q", allMrkdwn([]Msg{msg}))
			}
			mrk, plain := texts([]Msg{msg})
			all = append(append(all, plain...), mrk...)
		}
		// Nothing from the text blocks is dropped (header text is plain, the rest mrkdwn).
		got := wordRE.FindAllString(unescape(strings.Join(all, " ")), -1)
		want := textWords(m)
		have := map[string]int{}
		for _, w := range got {
			have[w]++
		}
		for _, w := range want {
			if have[w] == 0 {
				t.Fatalf("word %q of the text blocks is missing from the output", w)
			}
			have[w]--
		}
		// Retiring the group of its first action, again and again, retires
		// that action each time, keeps the message valid, and in the end
		// leaves nothing clickable.
		for _, msg := range msgs {
			blocks := msg.Blocks
			for range 1000 {
				toks := liveTokens([]Msg{{Blocks: blocks}})
				if len(toks) == 0 {
					break
				}
				out, ok := RetireGroup(blocks, f.RetiredGroup{Tokens: toks[:1], Shown: "✓ chosen <!here>"})
				if !ok || slices.Contains(liveTokens([]Msg{{Blocks: out}}), toks[0]) {
					t.Fatalf("RetireGroup(%q) = %v, the token still live", toks[0], ok)
				}
				if err := Validate(Msg{Text: msg.Text, Blocks: out}); err != nil {
					t.Fatalf("message with a retired group does not validate: %v", err)
				}
				blocks = out
			}
			for _, b := range blocks {
				if a, ok := b.(*slack.ActionBlock); ok {
					for _, e := range a.Elements.ElementSet {
						if bt, ok := e.(*slack.ButtonBlockElement); !ok || bt.Value != "" {
							t.Fatalf("every group retired, still an action: %+v", e)
						}
					}
				}
			}
		}
	})
}
