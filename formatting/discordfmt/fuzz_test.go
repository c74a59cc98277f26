package discordfmt

import (
	"strings"
	"testing"

	"github.com/bwmarrin/discordgo"

	F "github.com/kmbridge/kmbridge/formatting"
)

// fragments are the pieces fuzz text is made of: mentions, markdown, URLs, CJK,
// emoji and things that must stay inert.
var fragments = []string{
	"@everyone", "@here", "@EVERYONE", "<@123>", "<@&45>", "<#67>", "<t:1:R>", "\\", "*", "**", "_", "__",
	"~~", "`", "```", "|", "||", ">", ">>> ", "#", "## ", "-# ", "- ", "1. ", "[", "]", "(", ")", "](",
	"https://example.com/", "https://x.example/@everyone", "http://a.b/c_d*e", "mailto:a@b.c", " ", "  ",
	"\n", "\n\n", "\t", "。", "密码重置", "日本語", "👍🏽", "👨‍👩‍👧", "❤️", "\u200d", "\u0301", "é", "a", "word ",
	"Sentence. ", "\x00", "\xff", "\r\n", "\u202e", strings.Repeat("long ", 60), strings.Repeat("長", 120),
}

// fz reads fuzz bytes as choices; it returns zeros once the bytes run out.
type fz struct {
	b []byte
	i int
}

func (f *fz) n(k int) int {
	if k <= 0 || f.i >= len(f.b) {
		return 0
	}
	v := int(f.b[f.i])
	f.i++
	return v % k
}

func (f *fz) more() bool { return f.i < len(f.b) }

// str builds a string of fragments and raw fuzz bytes.
func (f *fz) str() string {
	var b strings.Builder
	for k := f.n(6); k >= 0; k-- {
		if f.n(4) == 0 && f.more() {
			j := min(f.i+f.n(12), len(f.b))
			b.Write(f.b[f.i:j])
			f.i = j
			continue
		}
		frag := fragments[f.n(len(fragments))]
		for r := f.n(3); r >= 0; r-- {
			b.WriteString(frag)
		}
	}
	return b.String()
}

func (f *fz) url() string {
	switch f.n(6) {
	case 0:
		return ""
	case 1:
		return f.str()
	case 2:
		return "javascript:" + f.str()
	case 3:
		return "data:audio/mp3;base64," + strings.Repeat("QUFB", f.n(2)*2000)
	}
	return "https://example.com/" + f.str()
}

func (f *fz) spans() []F.Span {
	var out []F.Span
	for k := f.n(8); k >= 0; k-- {
		s := F.Span{Text: f.str(), Marks: F.Mark(f.n(64))}
		if f.n(4) == 0 {
			s.Link = f.url()
		}
		out = append(out, s)
	}
	return out
}

func (f *fz) rich(depth int) F.Rich {
	var out F.Rich
	for k := f.n(4); k >= 0; k-- {
		switch f.n(7) {
		case 0:
			out = append(out, &F.Heading{Level: f.n(8), Spans: f.spans()})
		case 1:
			if depth < 4 {
				l := &F.List{Ordered: f.n(2) == 0, Start: f.n(200)}
				for j := f.n(5); j >= 0; j-- {
					l.Items = append(l.Items, f.rich(depth+1))
				}
				out = append(out, l)
			}
		case 2:
			out = append(out, &F.CodeBlock{Lang: f.str(), Code: f.str()})
		case 3:
			if depth < 4 {
				out = append(out, &F.Quote{Body: f.rich(depth + 1)})
			}
		case 4:
			out = append(out, &F.Table{Header: f.n(2) == 0, Rows: [][][]F.Span{{f.spans(), f.spans()}, {f.spans()}}})
		case 5:
			out = append(out, &F.Rule{})
		default:
			out = append(out, &F.Para{Spans: f.spans()})
		}
	}
	return out
}

func (f *fz) buttons(max int) []F.Button {
	var out []F.Button
	n := f.n(max)
	for j := 0; j < n; j++ {
		b := F.Button{Label: f.str(), Style: F.Style(f.n(4))}
		switch f.n(6) {
		case 0:
			b.URL = f.url()
		case 1:
			b.Token = "dup" // duplicate tokens
		case 2:
			b.Token = strings.Repeat("t", 95+f.n(10)) // around the 100 limit
		default:
			b.Token = "tok" + itoa(j)
		}
		out = append(out, b)
	}
	return out
}

func (f *fz) card() F.Card {
	c := F.Card{Title: f.str(), Subtitle: f.str(), URL: f.url(), ImageURL: f.url(), IconURL: f.url(), Body: f.rich(0), Buttons: f.buttons(4)}
	for k := f.n(30); k > 0; k-- {
		c.Fields = append(c.Fields, F.Field{Label: f.str(), Value: f.rich(2)})
	}
	return c
}

// message builds a Message from fuzz bytes.
func message(data []byte) F.Message {
	f := &fz{b: data}
	var m F.Message
	for f.more() && len(m.Blocks) < 40 {
		switch f.n(11) {
		case 0:
			m.Blocks = append(m.Blocks, &F.Image{URL: f.url(), Alt: f.str(), Link: f.url()})
		case 1:
			m.Blocks = append(m.Blocks, &F.Buttons{Title: f.str(), Items: f.buttons(140), Columns: f.n(7), Placeholder: f.str()})
		case 2:
			m.Blocks = append(m.Blocks, &F.Select{Placeholder: f.str(), Options: f.buttons(60)})
		case 3:
			c := f.card()
			m.Blocks = append(m.Blocks, &c)
		case 4:
			p := &F.Products{Title: f.str(), Page: f.n(5), Pages: f.n(5), PageLabel: f.str()}
			for k := f.n(12); k > 0; k-- {
				p.Items = append(p.Items, f.card())
			}
			if f.n(2) == 0 {
				p.Prev = &F.Button{Label: f.str(), Token: "prev"}
			}
			if f.n(2) == 0 {
				p.Next = &F.Button{Label: f.str(), Token: "next"}
			}
			m.Blocks = append(m.Blocks, p)
		case 5:
			m.Blocks = append(m.Blocks, &F.Location{Name: f.str(), Address: f.str(), Lat: float64(f.n(180)) - 90, Lng: float64(f.n(256)), HasCoords: f.n(2) == 0, MapURL: f.url()})
		case 6:
			m.Blocks = append(m.Blocks, &F.Audio{URL: f.url(), Caption: f.str()})
		case 7:
			m.Blocks = append(m.Blocks, &F.File{Name: f.str(), URL: f.url(), Size: int64(f.n(256)) << uint(f.n(40))})
		case 8:
			m.Blocks = append(m.Blocks, &F.Divider{})
		default:
			m.Blocks = append(m.Blocks, &F.Text{Rich: f.rich(0), Context: f.n(3) == 0})
		}
	}
	m.InputHints = f.buttons(8)
	return m
}

func FuzzRender(f *testing.F) {
	f.Add([]byte("hello"))
	f.Add([]byte{9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17})
	f.Add([]byte{1, 3, 200, 1, 2, 3, 4, 5, 6, 7, 8})
	f.Add([]byte{4, 1, 2, 3, 11, 12, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3})
	f.Add([]byte("@everyone <@123> **bold** ```code``` https://x.example/@here 日本語 👍"))
	f.Add([]byte{10, 6, 0, 0, 0, 0, 59, 59, 59, 59, 59, 59, 59, 59, 60, 60, 60, 60})
	f.Fuzz(func(t *testing.T, data []byte) {
		m := message(data)
		out := Render(m)
		for i, s := range out {
			if err := Validate(s); err != nil {
				t.Fatalf("message %d: %v\n%s", i, err, dump(s))
			}
			if txt, ok := liveMassMention(s); ok {
				t.Fatalf("message %d: live mass mention in %q", i, txt)
			}
		}
		// Every actionable button is still reachable, exactly once.
		checkReachable(t, m, out)
		// Retiring must handle whatever Render made, and a group's retirement
		// must leave every other action as clickable as it was.
		for _, s := range out {
			checkRetireGroup(t, m, s)
		}
	})
}

// checkRetireGroup retires the group of the message's first live action: its
// tokens must be gone, every row holding none of them kept as it was, and the
// message still valid.
func checkRetireGroup(t *testing.T, m F.Message, s *discordgo.MessageSend) {
	t.Helper()
	toks := liveTokens([]*discordgo.MessageSend{s})
	if len(toks) == 0 {
		return
	}
	g := F.Retiring(m, toks[0], "✓ chosen @everyone", false)
	comps, ok := RetireGroup(s.Components, g)
	if !ok {
		t.Fatalf("the group of %q was not found:\n%s", toks[0], dump(s))
	}
	out := *s
	out.Components = comps
	if err := Validate(&out); err != nil {
		t.Fatalf("retired: %v\n%s", err, dump(&out))
	}
	for _, tok := range liveTokens([]*discordgo.MessageSend{&out}) {
		if g.Holds(tok) {
			t.Fatalf("%q is still live after retiring its group", tok)
		}
	}
	var kept []discordgo.MessageComponent
	for _, c := range s.Components {
		if !rowHoldsAny(c, g) {
			kept = append(kept, c)
		}
	}
	if dump(liveRows(kept)) != dump(liveRows(comps)) {
		t.Fatalf("rows of other groups changed:\n%s\n->\n%s", dump(s.Components), dump(comps))
	}
}

// liveRows are the rows with a live action.
func liveRows(rows []discordgo.MessageComponent) []discordgo.MessageComponent {
	var out []discordgo.MessageComponent
	for _, c := range rows {
		if len(liveTokens([]*discordgo.MessageSend{{Components: []discordgo.MessageComponent{c}}})) > 0 {
			out = append(out, c)
		}
	}
	return out
}
