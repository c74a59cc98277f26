package tgfmt

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/kmbridge/kmbridge/formatting"
)

// visible decodes the text of a Telegram HTML string (what the user sees).
func visible(t testing.TB, h string) string {
	t.Helper()
	var b strings.Builder
	for i := 0; i < len(h); {
		switch h[i] {
		case '<':
			end, err := tagEnd(h, i)
			if err != nil {
				t.Fatal(err)
			}
			i = end
		case '&':
			r, n, err := entity(h[i:])
			if err != nil {
				t.Fatal(err)
			}
			b.WriteRune(r)
			i += n
		default:
			r, n := utf8.DecodeRuneInString(h[i:])
			b.WriteRune(r)
			i += n
		}
	}
	return b.String()
}

func texts(t testing.TB, msgs []Msg) []string {
	var out []string
	for _, m := range msgs {
		if m.Method != MethodSendMessage {
			t.Fatalf("unexpected %s", m.Method)
		}
		out = append(out, m.Text)
	}
	return out
}

// noLoss checks that the parts, joined, hold all the text of want in order
// (whitespace aside: cuts consume the space or newline they fall on).
func noLoss(t *testing.T, parts []string, want string) {
	t.Helper()
	var got []string
	for _, p := range parts {
		got = append(got, strings.Fields(visible(t, p))...)
	}
	w := strings.Fields(want)
	if strings.Join(got, "") != strings.Join(w, "") {
		g, ww := strings.Join(got, ""), strings.Join(w, "")
		i := 0
		for i < len(g) && i < len(ww) && g[i] == ww[i] {
			i++
		}
		t.Fatalf("text lost or changed at byte %d: got …%q… want …%q…", i, g[i:min(i+60, len(g))], ww[i:min(i+60, len(ww))])
	}
}

func TestSplitParagraphs(t *testing.T) {
	p := strings.Repeat("word ", 300) // 1500 units
	var blocks []formatting.RichBlock
	for i := 0; i < 5; i++ {
		blocks = append(blocks, para(s(strings.TrimSpace(p))))
	}
	parts := texts(t, render(t, msg(rich(blocks...))))
	if len(parts) != 3 {
		t.Fatalf("want 3 parts, got %d", len(parts))
	}
	for _, part := range parts {
		if strings.HasPrefix(part, "\n") || strings.HasSuffix(part, "\n") || strings.HasSuffix(part, " ") {
			t.Errorf("part not cut at a paragraph boundary: %q…%q", part[:20], part[len(part)-20:])
		}
	}
	noLoss(t, parts, strings.Repeat(p, 5))
}

func TestSplitSentences(t *testing.T) {
	sentence := "This is a sentence with several words in it. "
	long := strings.Repeat(sentence, 200) // ~9000 units, one paragraph
	parts := texts(t, render(t, msg(txt(s(long)))))
	if len(parts) != 3 {
		t.Fatalf("want 3 parts, got %d", len(parts))
	}
	for _, part := range parts[:2] {
		if !strings.HasSuffix(part, ".") {
			t.Errorf("part does not end a sentence: …%q", part[len(part)-30:])
		}
	}
	noLoss(t, parts, long)
}

func TestSplitWordsAndHard(t *testing.T) {
	words := strings.Repeat("abcdefghij ", 1000)
	parts := texts(t, render(t, msg(txt(s(words)))))
	for _, part := range parts[:len(parts)-1] {
		if !strings.HasSuffix(part, "abcdefghij") {
			t.Errorf("word split inside a word: …%q", part[len(part)-20:])
		}
	}
	noLoss(t, parts, words)

	hard := strings.Repeat("x", 10000)
	parts = texts(t, render(t, msg(txt(sm(hard, formatting.Bold)))))
	if len(parts) != 3 || utf16Len(visible(t, parts[0])) != MaxTextLen {
		t.Fatalf("hard split: %d parts, first %d units", len(parts), utf16Len(visible(t, parts[0])))
	}
	for _, part := range parts {
		if !strings.HasPrefix(part, "<b>") || !strings.HasSuffix(part, "</b>") {
			t.Errorf("bold not closed and reopened: %q…%q", part[:10], part[len(part)-10:])
		}
	}
	noLoss(t, parts, hard)
}

func TestSplitCJK(t *testing.T) {
	// No spaces and no sentence ends: cuts fall between CJK characters.
	cjk := strings.Repeat("知识库机器人回答问题", 1000) // 10000 BMP runes
	parts := texts(t, render(t, msg(txt(s(cjk)))))
	if len(parts) != 3 {
		t.Fatalf("want 3 parts, got %d", len(parts))
	}
	noLoss(t, parts, cjk)

	// With sentence ends, cuts come after 。
	sent := strings.Repeat("这是一个很长的句子，用来测试拆分。", 600)
	parts = texts(t, render(t, msg(txt(s(sent)))))
	for _, part := range parts[:len(parts)-1] {
		if !strings.HasSuffix(part, "。") {
			t.Errorf("CJK part does not end a sentence: …%q", part[len(part)-12:])
		}
	}
	noLoss(t, parts, sent)
}

func TestSplitEmoji(t *testing.T) {
	// Every emoji is a surrogate pair: 3000 of them are 6000 units.
	emoji := strings.Repeat("😀", 3000)
	parts := texts(t, render(t, msg(txt(s(emoji)))))
	if len(parts) != 2 {
		t.Fatalf("want 2 parts, got %d", len(parts))
	}
	if n := utf16Len(visible(t, parts[0])); n != MaxTextLen {
		t.Errorf("first part %d units, want %d", n, MaxTextLen)
	}
	noLoss(t, parts, emoji)

	// ZWJ families and skin tones stay whole.
	family := "👨‍👩‍👧‍👦" // 11 units
	seq := strings.Repeat(family+"👍🏽", 500)
	parts = texts(t, render(t, msg(txt(s(seq)))))
	for _, part := range parts {
		v := visible(t, part)
		if !strings.HasPrefix(v, "👨") && !strings.HasPrefix(v, "👍") {
			t.Errorf("part starts inside an emoji sequence: %q", []rune(v)[:3])
		}
		r, _ := utf8.DecodeLastRuneInString(v)
		if r == 0x200D {
			t.Errorf("part ends with a joiner")
		}
	}
	noLoss(t, parts, seq)

	// Flags (regional-indicator pairs) stay whole, even at an odd offset.
	flags := "x" + strings.Repeat("🇯🇵", 1500)
	parts = texts(t, render(t, msg(txt(s(flags)))))
	if len(parts) != 2 {
		t.Fatalf("want 2 parts, got %d", len(parts))
	}
	for _, part := range parts {
		if n := strings.Count(visible(t, part), "🇯")*2 - strings.Count(visible(t, part), "🇵")*2; n != 0 || strings.HasPrefix(visible(t, part), "🇵") {
			t.Errorf("flag split across parts")
		}
	}
	noLoss(t, parts, flags)
}

func TestSplitLinkAcrossBoundary(t *testing.T) {
	// A long link text straddles the limit: the cut goes before the link.
	before := strings.Repeat("a ", 2040) // 4080 units
	msgs := render(t, msg(txt(s(before), link("the link text that crosses the limit", "https://e.com/x?a=1&b=2"), s(" after"))))
	parts := texts(t, msgs)
	if len(parts) != 2 {
		t.Fatalf("want 2 parts, got %d", len(parts))
	}
	if !strings.HasPrefix(parts[1], `<a href="https://e.com/x?a=1&amp;b=2">the link text that crosses the limit</a>`) {
		t.Errorf("link not kept whole in part 2: %q", parts[1][:80])
	}

	// A link longer than a message is cut inside and reopened on both sides.
	huge := strings.Repeat("link ", 1000)
	parts = texts(t, render(t, msg(txt(s("intro "), link(huge, "https://e.com/"), s(" tail")))))
	if len(parts) != 2 {
		t.Fatalf("want 2 parts, got %d", len(parts))
	}
	if !strings.HasSuffix(parts[0], "</a>") || !strings.HasPrefix(parts[1], `<a href="https://e.com/">`) {
		t.Errorf("link not closed and reopened: …%q | %q…", parts[0][len(parts[0])-20:], parts[1][:40])
	}
	noLoss(t, parts, "intro "+huge+" tail")
}

func TestSplitNestedListsAndPre(t *testing.T) {
	var items []formatting.Rich
	for i := 0; i < 120; i++ {
		items = append(items, formatting.Rich{
			para(s("item with some text to make it long enough to matter")),
			&formatting.List{Items: []formatting.Rich{{para(sm("nested bold item text", formatting.Bold))}}},
		})
	}
	list := &formatting.List{Ordered: true, Items: items}
	parts := texts(t, render(t, msg(rich(list))))
	if len(parts) < 2 {
		t.Fatalf("want a split, got %d parts", len(parts))
	}
	for _, p := range parts[1:] {
		v := visible(t, p)
		if !strings.HasPrefix(v, "") || strings.HasPrefix(v, "\n") {
			t.Errorf("part starts with a newline")
		}
		if !strings.Contains(v[:8], ". ") && !strings.HasPrefix(strings.TrimLeft(v, " "), "◦") {
			t.Errorf("list part does not start at an item line: %q", v[:20])
		}
	}

	code := strings.Repeat("fmt.Println(\"<hello>\") // & more\n", 300)
	parts = texts(t, render(t, msg(rich(&formatting.CodeBlock{Lang: "go", Code: code}))))
	if len(parts) != 3 {
		t.Fatalf("want 3 parts, got %d", len(parts))
	}
	for _, p := range parts {
		if !strings.HasPrefix(p, `<pre><code class="language-go">fmt`) || !strings.HasSuffix(p, "</code></pre>") {
			t.Errorf("code part not a whole pre block: %q … %q", p[:40], p[len(p)-30:])
		}
	}
}

func TestSplitQuote(t *testing.T) {
	body := strings.Repeat("quoted words here. ", 400)
	parts := texts(t, render(t, msg(rich(&formatting.Quote{Body: formatting.Rich{para(s(body))}}))))
	if len(parts) != 2 {
		t.Fatalf("want 2 parts, got %d", len(parts))
	}
	for _, p := range parts {
		if !strings.HasPrefix(p, "<blockquote>") || !strings.HasSuffix(p, "</blockquote>") {
			t.Errorf("quote not reopened")
		}
	}
}

func TestSplitCaption(t *testing.T) {
	body := strings.Repeat("Product description sentence. ", 60) // ~1800 units
	card := &formatting.Card{Title: "Tea", ImageURL: "https://e.com/tea.jpg",
		Body: formatting.Rich{para(s(body))}, Buttons: []formatting.Button{tokBtn("Buy", "tok1")}}
	msgs := render(t, msg(card))
	if len(msgs) != 2 || msgs[0].Method != MethodSendPhoto || msgs[1].Method != MethodSendMessage {
		t.Fatalf("want photo + text, got:\n%s", dump(msgs))
	}
	if n := utf16Len(visible(t, msgs[0].Caption)); n > MaxCaptionLen || n < MaxCaptionLen/3 {
		t.Errorf("caption is %d units", n)
	}
	if msgs[0].InlineKeyboard != nil || msgs[1].InlineKeyboard == nil {
		t.Errorf("buttons must go on the last message")
	}
	noLoss(t, []string{msgs[0].Caption, msgs[1].Text}, "Tea "+body)
}

func TestSplitLeadingShortParagraph(t *testing.T) {
	// A short intro does not become a message of its own.
	long := strings.Repeat("Another sentence goes here. ", 200)
	parts := texts(t, render(t, msg(rich(para(s("Hello")), para(s(long))))))
	if len(parts) != 2 || !strings.HasPrefix(parts[0], "Hello\n\nAnother") {
		t.Fatalf("got %d parts, first starts %q", len(parts), parts[0][:20])
	}
}
