package slackfmt

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/slack-go/slack"

	f "github.com/kmbridge/kmbridge/formatting"
)

var wordRE = regexp.MustCompile(`[A-Za-z0-9]+`)

// assertWords checks that every ASCII word of want appears, in order, in the
// rendered mrkdwn once our escaping is undone: splitting loses nothing.
func assertWords(t *testing.T, msgs []Msg, want string) {
	t.Helper()
	got := wordRE.FindAllString(unescape(strings.Join(func() []string { m, _ := texts(msgs); return m }(), " ")), -1)
	w := wordRE.FindAllString(want, -1)
	i := 0
	for _, g := range got {
		if i < len(w) && g == w[i] {
			i++
		}
	}
	if i != len(w) {
		t.Fatalf("word %d (%q) of %d missing from the output", i, w[i], len(w))
	}
}

func sentences(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "Sentence number %d says something useful about refunds. ", i)
	}
	return b.String()
}

func TestSplitLongParagraphAtSentences(t *testing.T) {
	text := sentences(200) // ~11 KB
	msgs := render(t, msg(txt(p(s(text)))))
	mrk, _ := texts(msgs)
	if len(mrk) < 4 {
		t.Fatalf("%d sections for %d characters", len(mrk), len(text))
	}
	for i, m := range mrk {
		if lenU(m) > maxSectionText {
			t.Errorf("section %d has %d characters", i, lenU(m))
		}
		if i < len(mrk)-1 && !strings.HasSuffix(m, "refunds.") {
			t.Errorf("section %d does not end at a sentence: …%q", i, m[len(m)-30:])
		}
	}
	assertWords(t, msgs, text)
}

func TestSplitKeepsLinksAndMarksWhole(t *testing.T) {
	var spans []f.Span
	for i := range 150 {
		spans = append(spans,
			s(fmt.Sprintf("Item %d is described ", i)),
			f.Span{Text: fmt.Sprintf("on page %d of the manual", i), Link: fmt.Sprintf("https://ex.com/manual?page=%d&x=<y>", i)},
			s(" and "),
			f.Span{Text: "this part matters a lot", Marks: f.Bold},
			s(" & more. "),
		)
	}
	msgs := render(t, msg(txt(p(spans...))))
	mrk, _ := texts(msgs)
	if len(mrk) < 3 {
		t.Fatalf("%d sections", len(mrk))
	}
	links := 0
	for _, m := range mrk {
		links += strings.Count(m, "<https://")
		if strings.Count(m, "*")%2 != 0 {
			t.Errorf("unbalanced bold in section: %q", m)
		}
	}
	if links != 150 {
		t.Errorf("%d links survived, want 150", links)
	}
	assertWords(t, msgs, func() string {
		var b strings.Builder
		for _, sp := range spans {
			b.WriteString(sp.Text + " ")
		}
		return b.String()
	}())
}

func TestSplitLongStyledSpanAndCJK(t *testing.T) {
	tests := []struct {
		name string
		span f.Span
	}{
		{"bold words", f.Span{Text: strings.Repeat("bold words here ", 500), Marks: f.Bold}},
		{"cjk", f.Span{Text: strings.Repeat("这是一个很长的中文句子，没有空格。", 400)}},
		{"bold cjk", f.Span{Text: strings.Repeat("粗体中文", 1000), Marks: f.Bold}},
		{"one long word", f.Span{Text: strings.Repeat("x", 7000)}},
		{"escapes in a long word", f.Span{Text: strings.Repeat("&<>", 3000)}},
		{"long code span", f.Span{Text: strings.Repeat("code ", 1500), Marks: f.Code}},
		{"emoji", f.Span{Text: strings.Repeat("😀", 4000)}},
		{"long bare url", f.Span{Text: "see https://ex.com/" + strings.Repeat("a", 5000) + " end"}},
		{"long link url", f.Span{Text: "label", Link: "https://ex.com/" + strings.Repeat("b", 2000)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msgs := render(t, msg(txt(p(tt.span))))
			mrk, _ := texts(msgs)
			total := 0
			for _, m := range mrk {
				total += lenU(unescape(m))
				if tt.span.Marks&f.Bold != 0 && !(strings.HasPrefix(m, "*") && strings.HasSuffix(m, "*")) {
					t.Errorf("a cut bold span must stay bold in each piece: %q…", m[:20])
				}
			}
			if total < lenU(strings.TrimSpace(tt.span.Text))-len(mrk)*2 {
				t.Errorf("rendered %d characters of %d", total, lenU(tt.span.Text))
			}
		})
	}
}

func TestSplitCodeBlock(t *testing.T) {
	var lines []string
	for i := range 400 {
		lines = append(lines, fmt.Sprintf("line %03d: x := a && b > c // ```", i))
	}
	lines = append(lines, strings.Repeat("yy ", 1500))
	msgs := render(t, msg(txt(&f.CodeBlock{Code: strings.Join(lines, "\n")})))
	mrk, _ := texts(msgs)
	if len(mrk) < 5 {
		t.Fatalf("%d sections", len(mrk))
	}
	for _, m := range mrk {
		if !strings.HasPrefix(m, "```\n") || !strings.HasSuffix(m, "\n```") || strings.Count(m, "```") != 2 {
			t.Errorf("each piece is one fenced block: %q … %q", m[:10], m[len(m)-10:])
		}
	}
	var got strings.Builder
	for _, m := range mrk {
		got.WriteString(strings.TrimSuffix(strings.TrimPrefix(m, "```\n"), "\n```"))
	}
	if g, w := strings.ReplaceAll(unescape(got.String()), "\n", ""), strings.Join(lines, ""); g != w {
		t.Errorf("code changed when cut: %d characters, want %d", len(g), len(w))
	}
}

func TestSplitParagraphsAndLists(t *testing.T) {
	var rich f.Rich
	var want strings.Builder
	for i := range 60 {
		line := fmt.Sprintf("Paragraph %d %s", i, strings.Repeat("text ", 30))
		rich = append(rich, p(s(line)))
		want.WriteString(line)
	}
	var items []f.Rich
	for i := range 80 {
		line := fmt.Sprintf("Item %d %s", i, strings.Repeat("word ", 20))
		items = append(items, f.Rich{p(s(line)), &f.List{Items: []f.Rich{{p(s("nested " + fmt.Sprint(i)))}}}})
		want.WriteString(line + " nested " + fmt.Sprint(i) + " ")
	}
	rich = append(rich, &f.List{Ordered: true, Items: items})
	msgs := render(t, msg(&f.Text{Rich: rich}))
	mrk, _ := texts(msgs)
	for i, m := range mrk {
		if strings.HasPrefix(m, "\n") || strings.HasSuffix(m, "\n") {
			t.Errorf("section %d starts or ends with a newline", i)
		}
		if i > 0 && !(strings.HasPrefix(m, "Paragraph") || regexp.MustCompile(`^(\d+\. |\s+◦ )`).MatchString(m)) {
			t.Errorf("section %d does not start at a paragraph or an item: %q", i, m[:20])
		}
	}
	assertWords(t, msgs, want.String())
}

func TestLimitsSplitIntoMessages(t *testing.T) {
	tests := []struct {
		name string
		m    f.Message
	}{
		{"60 short blocks", func() f.Message {
			var bs []f.Block
			for i := range 60 {
				bs = append(bs, txt(p(s(fmt.Sprint("block ", i)))))
			}
			return f.Message{Blocks: bs}
		}()},
		{"40 KB of text", msg(txt(p(s(sentences(700)))))},
		{"many button groups", func() f.Message {
			var bs []f.Block
			for i := range 30 {
				bs = append(bs, &f.Buttons{Title: fmt.Sprint("Group ", i), Items: tokButtons(25)})
			}
			return f.Message{Blocks: bs}
		}()},
		{"1000 options", msg(&f.Buttons{Items: tokButtons(1000), Placeholder: "Pick"})},
		{"many long options", msg(&f.Select{Options: func() []f.Button {
			bs := tokButtons(300)
			for i := range bs {
				bs[i].Label = strings.Repeat("long label ", 10)
			}
			return bs
		}()})},
		{"products", func() f.Message {
			var items []f.Card
			for i := range 40 {
				items = append(items, f.Card{Title: fmt.Sprint("P", i), URL: "https://ex.com", ImageURL: "https://ex.com/i.png",
					Body: f.Rich{p(s(sentences(5)))}, Buttons: []f.Button{{Label: "Buy", Token: fmt.Sprint("b", i)}}})
			}
			return msg(&f.Products{Title: "Catalogue", Items: items, Page: 1, Pages: 2, Next: &f.Button{Label: "›", Token: "n"}})
		}()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msgs := render(t, tt.m)
			if len(msgs) < 2 {
				t.Fatalf("expected several messages, got %d (%s)", len(msgs), blockTypes(msgs))
			}
			for i, m := range msgs {
				if len(m.Blocks) > maxBlocks {
					t.Errorf("message %d has %d blocks", i, len(m.Blocks))
				}
				if last := m.Blocks[len(m.Blocks)-1]; last.BlockType() == slack.MBTHeader && i < len(msgs)-1 {
					t.Errorf("message %d ends with its title; the title belongs with the next message", i)
				}
			}
		})
	}
}

func TestTitleMovesWithItsButtons(t *testing.T) {
	var bs []f.Block
	for i := range 49 {
		bs = append(bs, txt(p(s(fmt.Sprint("b", i)))))
	}
	bs = append(bs, &f.Buttons{Title: "Related", Items: tokButtons(3)})
	msgs := render(t, f.Message{Blocks: bs})
	if len(msgs) != 2 || len(msgs[0].Blocks) != 49 || blockTypes(msgs[1:]) != "section actions" {
		t.Fatalf("got %s", blockTypes(msgs))
	}
}

// A title too long to move on with its block stays in the message it began
// in: moved, it would take the next message past Slack's text limit (a fuzz
// find, testdata/fuzz/FuzzRender/long-title-carried-over).
func TestLongTitleStaysWhenItCannotMoveWithItsBlock(t *testing.T) {
	long := func(n int) []f.Button {
		bs := tokButtons(n)
		for i := range bs {
			bs[i].Label = strings.Repeat("x", 70) + fmt.Sprint(i)
		}
		return bs
	}
	m := f.Message{Blocks: []f.Block{
		txt(p(s(sentences(20)))),                           // ~1200 characters
		&f.Buttons{Title: sentences(180), Items: long(25)}, // a title of ~10500, buttons of ~1900
		&f.Buttons{Title: "More", Items: long(25)},
	}}
	msgs := render(t, m) // fails on a message over the limit
	assertWords(t, msgs, sentences(20)+sentences(180))
}
