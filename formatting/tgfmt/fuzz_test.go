package tgfmt

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/kmbridge/kmbridge/formatting"
)

// fz builds values from fuzz bytes; once the bytes run out every choice is 0.
type fz struct {
	b []byte
	// long counts the long texts made; a few per message exercise splitting, more
	// would only make the fuzzer slow.
	long int
}

func (f *fz) next() int {
	if len(f.b) == 0 {
		return 0
	}
	c := f.b[0]
	f.b = f.b[1:]
	return int(c)
}

func (f *fz) n(k int) int { return f.next() % k }

var fuzzText = []string{
	"", " ", "\n", "\n\n", "word", "Hello, world. ", "a < b", "x > y", "&", "&amp;", "&lt;b&gt;", `"q"`, "'", "<b>", "</a>",
	"知识库", "机器人回答。", "日本語のテキスト！", "한국어", "😀", "👨‍👩‍👧‍👦", "👍🏽", "🇯🇵🇨🇳", "e\u0301", "\u200d", "\u200b", "\u2800",
	"\r\n", "\t", "\x00", "\x1b[31m", "\xff\xfe", "\ufeff", ". ", "。", "https://e.com", "•", "│",
}

var fuzzURL = []string{
	"", "https://e.com/a?b=1&c=\"2\"", "http://e.com", "javascript:alert(1)", "JaVaScRiPt:x", "mailto:a@b.c", "tel:+1 2",
	"http://", "https://例子.com/路径?q=<>", "data:text/html,x", "ftp://e.com/f", "https://e.com/ sp ace", "//e.com/x",
	"https://user:pw@e.com/", "https://e.com/\n", "tg://user?id=1", "https://e.com/" + strings.Repeat("p", 300),
}

var fuzzToken = []string{"", "t", "tok1", strings.Repeat("x", 64), strings.Repeat("x", 65), "\xff", "知识" + strings.Repeat("y", 58)}

func (f *fz) text() string {
	var b strings.Builder
	for i, k := 0, f.n(4)+1; i < k; i++ {
		switch c := f.next(); {
		case c < 200:
			b.WriteString(fuzzText[c%len(fuzzText)])
		case c < 250:
			b.Write(f.raw())
		default: // long text, to exercise splitting
			frag, reps := fuzzText[f.n(len(fuzzText))], 200*(f.n(30)+1)
			if f.long++; f.long > 3 {
				reps = 1
			}
			b.WriteString(strings.Repeat(frag, reps))
		}
	}
	return b.String()
}

func (f *fz) raw() []byte {
	k := f.n(16)
	if k > len(f.b) {
		k = len(f.b)
	}
	r := f.b[:k]
	f.b = f.b[k:]
	return r
}

func (f *fz) url() string {
	if f.n(8) == 0 {
		return string(f.raw())
	}
	return fuzzURL[f.n(len(fuzzURL))]
}

func (f *fz) spans() []formatting.Span {
	var out []formatting.Span
	for i, k := 0, f.n(6); i < k; i++ {
		sp := formatting.Span{Text: f.text(), Marks: formatting.Mark(f.next())}
		if f.n(3) == 0 {
			sp.Link = f.url()
		}
		out = append(out, sp)
	}
	return out
}

func (f *fz) rich(depth int) formatting.Rich {
	var out formatting.Rich
	for i, k := 0, f.n(4); i < k; i++ {
		switch f.n(8) {
		case 0:
			out = append(out, &formatting.Heading{Level: f.n(7), Spans: f.spans()})
		case 1:
			if depth < 4 {
				l := &formatting.List{Ordered: f.n(2) == 0, Start: f.next() - 10}
				for j, m := 0, f.n(4); j < m; j++ {
					l.Items = append(l.Items, f.rich(depth+1))
				}
				out = append(out, l)
			}
		case 2:
			out = append(out, &formatting.CodeBlock{Lang: f.text(), Code: f.text()})
		case 3:
			if depth < 4 {
				out = append(out, &formatting.Quote{Body: f.rich(depth + 1)})
			}
		case 4:
			t := &formatting.Table{Header: f.n(2) == 0}
			for r, rows := 0, f.n(4); r < rows; r++ {
				var row [][]formatting.Span
				for c, cols := 0, f.n(4); c < cols; c++ {
					row = append(row, f.spans())
				}
				t.Rows = append(t.Rows, row)
			}
			out = append(out, t)
		case 5:
			out = append(out, &formatting.Rule{})
		case 6:
			out = append(out, nil)
		default:
			out = append(out, &formatting.Para{Spans: f.spans()})
		}
	}
	return out
}

func (f *fz) button() formatting.Button {
	b := formatting.Button{Label: f.text(), Style: formatting.Style(f.n(3))}
	switch f.n(3) {
	case 0:
		b.URL = f.url()
	case 1:
		b.Token = fuzzToken[f.n(len(fuzzToken))]
	default:
		b.Token = string(f.raw())
	}
	return b
}

func (f *fz) buttons() []formatting.Button {
	k := f.n(8)
	if f.n(16) == 0 {
		k = f.next() * 2 // past Telegram's 100
	}
	var out []formatting.Button
	for i := 0; i < k; i++ {
		out = append(out, f.button())
	}
	return out
}

// group is a Buttons block of a run: usually a plain title and a valid token
// among its buttons, so that runs get merged.
func (f *fz) group(i int) *formatting.Buttons {
	g := &formatting.Buttons{Title: f.text(), Items: f.buttons(), Columns: f.n(12) - 1, Placeholder: f.text()}
	// Choices are 0 once the bytes run out: 0 must mean the common case here.
	if f.n(4) != 3 {
		g.Title = fuzzText[4+f.n(len(fuzzText)-4)] + strconv.Itoa(i)
	}
	if f.n(4) != 3 {
		g.Items = append(g.Items, formatting.Button{Label: f.text(), Token: "run" + strconv.Itoa(i)})
	}
	return g
}

func (f *fz) card() formatting.Card {
	c := formatting.Card{Title: f.text(), Subtitle: f.text(), URL: f.url(), ImageURL: f.url(), IconURL: f.url(), Body: f.rich(0)}
	for i, k := 0, f.n(3); i < k; i++ {
		c.Fields = append(c.Fields, formatting.Field{Label: f.text(), Value: f.rich(2)})
	}
	c.Buttons = f.buttons()
	return c
}

func (f *fz) coord(limit float64) float64 {
	return float64(f.next()-128) / 128 * limit * 1.1
}

func (f *fz) message() formatting.Message {
	var m formatting.Message
	for i, k := 0, f.n(8)+1; i < k && len(f.b) > 0; i++ {
		var b formatting.Block
		switch f.n(12) {
		case 0:
			b = &formatting.Text{Rich: f.rich(0), Context: f.n(2) == 0}
		case 1:
			b = &formatting.Image{URL: f.url(), Alt: f.text(), Link: f.url()}
		case 2:
			b = &formatting.Buttons{Title: f.text(), Items: f.buttons(), Columns: f.n(12) - 1, Placeholder: f.text()}
		case 11:
			// A run of groups, as a welcome's FAQ categories are; mostly titled,
			// mostly with buttons, sometimes with a nil block inside.
			for j, n := 0, f.n(6)+1; j < n; j++ {
				m.Blocks = append(m.Blocks, f.group(j))
				if f.n(16) == 0 {
					m.Blocks = append(m.Blocks, nil)
				}
			}
			b = f.group(-1)
		case 3:
			b = &formatting.Select{Placeholder: f.text(), Options: f.buttons()}
		case 4:
			c := f.card()
			b = &c
		case 5:
			p := &formatting.Products{Title: f.text(), Page: f.n(4), Pages: f.n(4)}
			for j, n := 0, f.n(4); j < n; j++ {
				p.Items = append(p.Items, f.card())
			}
			if f.n(2) == 0 {
				bt := f.button()
				p.Prev = &bt
			}
			if f.n(2) == 0 {
				bt := f.button()
				p.Next = &bt
			}
			b = p
		case 6:
			b = &formatting.Location{Name: f.text(), Address: f.text(), Lat: f.coord(90), Lng: f.coord(180), HasCoords: f.n(2) == 0, MapURL: f.url()}
		case 7:
			b = &formatting.Audio{URL: f.url(), Caption: f.text()}
		case 8:
			b = &formatting.File{Name: f.text(), URL: f.url(), Size: int64(f.next()) << f.n(64)}
		case 9:
			b = &formatting.Divider{}
		case 10:
			b = &formatting.Text{Rich: formatting.Rich{&formatting.Para{Spans: f.spans()}}}
		}
		m.Blocks = append(m.Blocks, b)
	}
	if f.n(3) == 0 {
		m.InputHints = f.buttons()
	}
	return m
}

func fuzzSeeds(f *testing.F) {
	for _, s := range []string{
		"", "\x00", "\x0a\x01\x02\x03\x04\x05", "\x02\x03\x05\x01\x02\x03\x04\x05\x06\x07\x08",
		"\x00\x03\x07\x05\xff\x10\x01\x02", "\x05\x03\x02\x01\x01\x01\x02\x03", "\x08\x04\x06\x00\x01\x02\x00\x10\x40",
		strings.Repeat("\xfe\x07\x1d", 20), strings.Repeat("\x01\x02\x03\x04\x05\x06\x07\x08\x09", 12),
		"\x00\x0b\x03\x01\x04\x01\x01\x01\x01\x05" + strings.Repeat("\x01", 23), // a merged run
	} {
		f.Add([]byte(s))
	}
}

// FuzzRender renders messages built from fuzz bytes: random spans with random
// marks, links and text (specials, CJK, emoji, invalid UTF-8), random blocks and
// buttons, runs of button groups. Render must not panic, every message must pass
// Validate, every button Telegram can carry must be on a keyboard, in order, and
// every header row must be well formed.
func FuzzRender(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		m := (&fz{b: data}).message()
		msgs := Render(m)
		mustValid(t, msgs)
		checkHeaders(t, msgs)
		if got, want := renderedButtons(msgs), carriable(m); !slices.Equal(got, want) {
			t.Errorf("inline buttons\n got %q\nwant %q\n%s", got, want, dump(msgs))
		}
		checkRetireGroup(t, m, msgs)
	})
}

// checkRetireGroup retires, in each message, the group of its first action:
// the group's tokens must be gone, every row holding none of them kept as it
// was, and the message still valid.
func checkRetireGroup(t *testing.T, m formatting.Message, msgs []Msg) {
	t.Helper()
	for _, msg := range msgs {
		toks := liveTokens([]Msg{msg})
		if len(toks) == 0 {
			continue
		}
		g := formatting.Retiring(m, toks[0], "✓ chosen <b>", false)
		rows, ok := RetireGroup(msg.InlineKeyboard.InlineKeyboard, g)
		out := msg
		out.InlineKeyboard = &tgbotapi.InlineKeyboardMarkup{InlineKeyboard: rows}
		if !ok {
			t.Fatalf("the group of %q was not found:\n%s", toks[0], dump([]Msg{msg}))
		}
		if err := Validate(out); err != nil {
			t.Fatalf("retired: %v\n%s", err, dump([]Msg{out}))
		}
		var kept [][]tgbotapi.InlineKeyboardButton
		for _, row := range msg.InlineKeyboard.InlineKeyboard {
			if !rowHolds(row, g) {
				kept = append(kept, row)
			}
		}
		var left [][]tgbotapi.InlineKeyboardButton
		for _, row := range rows {
			if slices.ContainsFunc(row, func(b tgbotapi.InlineKeyboardButton) bool {
				return b.CallbackData != nil && *b.CallbackData != NoopData
			}) || isHeaderRow(row) {
				left = append(left, row)
			}
		}
		for _, tok := range liveTokens([]Msg{out}) {
			if g.Holds(tok) {
				t.Fatalf("%q is still live after retiring its group", tok)
			}
		}
		if fmt.Sprint(actionRows(kept)) != fmt.Sprint(actionRows(left)) {
			t.Fatalf("rows of other groups changed:\n%s\n->\n%s", dump([]Msg{msg}), dump([]Msg{out}))
		}
	}
}

func isHeaderRow(row []tgbotapi.InlineKeyboardButton) bool {
	return len(row) == 1 && row[0].CallbackData != nil && *row[0].CallbackData == NoopData && strings.HasPrefix(row[0].Text, headerMark)
}

// actionRows are the rows holding an action or a header, as text.
func actionRows(rows [][]tgbotapi.InlineKeyboardButton) []string {
	var out []string
	for _, row := range rows {
		if !slices.ContainsFunc(row, func(b tgbotapi.InlineKeyboardButton) bool { return b.CallbackData != nil }) {
			continue
		}
		var s []string
		for _, b := range row {
			s = append(s, b.Text)
		}
		out = append(out, strings.Join(s, "|"))
	}
	return out
}

// carriable lists, in order, the model's buttons Telegram can carry inline (by
// callback_data or URL); input hints go on reply keyboards and are not listed.
func carriable(m formatting.Message) []string {
	var out []string
	add := func(bs ...formatting.Button) {
		for _, b := range bs {
			if ib, ok := inlineButton(b); ok {
				out = append(out, ib.data+ib.url)
			}
		}
	}
	for _, b := range m.Blocks {
		switch b := b.(type) {
		case *formatting.Buttons:
			if b != nil {
				add(b.Items...)
			}
		case *formatting.Select:
			if b != nil {
				add(b.Options...)
			}
		case *formatting.Card:
			if b != nil {
				add(b.Buttons...)
			}
		case *formatting.Products:
			if b != nil {
				for _, c := range b.Items {
					add(c.Buttons...)
				}
				for _, pb := range []*formatting.Button{b.Prev, b.Next} {
					if pb != nil {
						add(*pb)
					}
				}
			}
		}
	}
	return out
}

// renderedButtons lists the inline buttons of msgs in order, header rows left out.
func renderedButtons(msgs []Msg) []string {
	var out []string
	for _, m := range msgs {
		_, data := kbRows(m)
		for r, row := range data {
			for c, d := range row {
				switch {
				case d == NoopData:
				case d != "":
					out = append(out, d)
				default:
					out = append(out, *m.InlineKeyboard.InlineKeyboard[r][c].URL)
				}
			}
		}
	}
	return out
}

// FuzzParseHTMLRender feeds arbitrary HTML through formatting.ParseHTML (KM's rich
// answers) and Render.
func FuzzParseHTMLRender(f *testing.F) {
	for _, s := range []string{
		"", "plain & <simple>", "<p>Hello <b>bold <i>both</i></b> <a href=\"https://e.com?a=1&b=2\">link</a></p>",
		"<ul><li>one<ul><li>two</li></ul></li></ul><ol start=3><li>x</li></ol>", "<pre><code class=\"language-go\">a<b</code></pre>",
		"<table><tr><th>a</th><th>b</th></tr><tr><td>1</td><td>2</td></tr></table>", "<blockquote><blockquote>q</blockquote></blockquote>",
		"<img src=\"https://e.com/a.png\" alt=x><a href=\"javascript:alert(1)\">bad</a>", "<h1>T</h1><hr><s>x</s><u>y</u><code>z</code>",
		"知识库<br>😀👨‍👩‍👧<span style=\"display:none\">hidden</span>", strings.Repeat("<p>para text here.</p>", 300),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, imgs := formatting.ParseHTML(s)
		m := formatting.Message{Blocks: []formatting.Block{&formatting.Text{Rich: r}}}
		for i := range imgs {
			m.Blocks = append(m.Blocks, &imgs[i])
		}
		mustValid(t, Render(m))
	})
}

// FuzzValidate checks that Validate never panics on arbitrary HTML.
func FuzzValidate(f *testing.F) {
	for _, s := range []string{"", "<b>x</b>", "<a href=\"https://e.com\">", "&#x1F600;", "<pre><code class=\"language-\">", "<", "&"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		_ = Validate(Msg{Method: MethodSendMessage, Text: s})
		_ = Validate(Msg{Method: MethodSendPhoto, Photo: s, Caption: s})
	})
}
