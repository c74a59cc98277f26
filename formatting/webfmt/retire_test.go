package webfmt_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/kmbridge/kmbridge/formatting"
	"github.com/kmbridge/kmbridge/formatting/fmttest"
	"github.com/kmbridge/kmbridge/formatting/webfmt"
)

// liveTokens are the action tokens a rendered message still offers.
func liveTokens(m webfmt.Msg) []string {
	var out []string
	add := func(bs []webfmt.Button) {
		for _, b := range bs {
			if b.Token != "" && b.URL == "" {
				out = append(out, b.Token)
			}
		}
	}
	for _, p := range m.Parts {
		switch {
		case p.Buttons != nil:
			add(p.Buttons.Items)
		case p.Select != nil:
			add(p.Select.Options)
		case p.Card != nil:
			add(p.Card.Buttons)
		case p.Products != nil:
			for _, it := range p.Products.Items {
				add(it.Buttons)
			}
			for _, b := range []*webfmt.Button{p.Products.Prev, p.Products.Next} {
				if b != nil {
					add([]webfmt.Button{*b})
				}
			}
		}
	}
	add(m.InputHints)
	return out
}

func encode(t *testing.T, m webfmt.Msg) []byte {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(m); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// The one retirement policy on the web chat's rendering: only the clicked
// group goes, its links stay, the choice shows right after it, the other
// groups stay usable.
func TestRetireGroup(t *testing.T) {
	for _, tc := range fmttest.RetireCases() {
		t.Run(tc.Name, func(t *testing.T) {
			m := webfmt.Render(fmttest.RetireMessage())
			before := string(encode(t, m))
			out, changed := webfmt.RetireGroup(m, tc.Group)
			if err := webfmt.Validate(out); err != nil {
				t.Errorf("Validate: %v", err)
			}
			if string(encode(t, m)) != before {
				t.Error("RetireGroup modified its input")
			}
			tc.Check(t, changed, liveTokens(out))
			got := string(encode(t, out))
			if tc.Changes && !strings.Contains(got, tc.Group.Shown) {
				t.Errorf("%q not shown:\n%s", tc.Group.Shown, got)
			}
			if strings.Count(got, "https://example.com/") < strings.Count(before, "https://example.com/") {
				t.Errorf("a link was dropped:\n%s", got)
			}
			golden(t, "retire_"+tc.Name+".web.golden", encode(t, out))
		})
	}
}

// The groups the shared cases do not reach: a select, a product's buttons,
// the pager and the input hints; retiring twice changes nothing the second
// time; Shown is escaped.
func TestRetireGroupOtherGroups(t *testing.T) {
	m := webfmt.Render(formatting.Message{
		Blocks: []formatting.Block{
			&formatting.Select{Placeholder: "Pick", Options: []formatting.Button{{Label: "A", Token: "s1"}, {Label: "B", Token: "s2"}}},
			&formatting.Products{Items: []formatting.Card{
				{Title: "One", Buttons: []formatting.Button{{Label: "Buy", Token: "p1"}}},
				{Title: "Two", Buttons: []formatting.Button{{Label: "Buy", Token: "p2"}}},
			}, Prev: &formatting.Button{Label: "‹", Token: "prev"}, Next: &formatting.Button{Label: "›", Token: "next"}},
		},
		InputHints: []formatting.Button{{Label: "hint", Token: "h1"}, {Label: "site", URL: "https://example.com/"}},
	})
	for _, c := range []struct {
		token string
		gone  []string
	}{
		{"s2", []string{"s1", "s2"}},
		{"p1", []string{"p1"}},
		{"next", []string{"prev", "next"}},
		{"h1", []string{"h1"}},
	} {
		g := formatting.RetiredGroup{Tokens: []string{c.token}, Shown: "<b>✓</b>"}
		out, ok := webfmt.RetireGroup(m, g)
		if !ok {
			t.Fatalf("%s: not found", c.token)
		}
		if err := webfmt.Validate(out); err != nil {
			t.Errorf("%s: Validate: %v", c.token, err)
		}
		live := liveTokens(out)
		for _, tok := range c.gone {
			if strings.Contains(strings.Join(live, " "), tok) {
				t.Errorf("%s: %s still live: %v", c.token, tok, live)
			}
		}
		if len(live) != 7-len(c.gone) {
			t.Errorf("%s: live %v, want the other groups' tokens", c.token, live)
		}
		if !strings.Contains(string(encode(t, out)), "&lt;b&gt;✓&lt;/b&gt;") {
			t.Errorf("%s: Shown not escaped", c.token)
		}
		if _, again := webfmt.RetireGroup(out, g); again {
			t.Errorf("%s: retired twice", c.token)
		}
		if c.token == "h1" && (len(out.InputHints) != 1 || out.InputHints[0].URL == "") {
			t.Errorf("input hints after retiring: %+v, want the link", out.InputHints)
		}
	}
}

// An agent's reply relayed from another platform (hand-over) is a neutral
// message with the author's formatting parsed into Rich: bold, a link, code, a
// list and a quote survive into the web chat, escaped.
func TestGoldenRelayedRich(t *testing.T) {
	m := formatting.Message{Blocks: []formatting.Block{&formatting.Text{Rich: formatting.Rich{
		&formatting.Para{Spans: []formatting.Span{{Text: "Dana (agent)", Marks: formatting.Bold}, {Text: ": please try "}, {Text: "reset --all", Marks: formatting.Code}, {Text: " as in "}, {Text: "the guide", Link: "https://example.com/guide"}, {Text: " <not a tag>"}}},
		&formatting.List{Items: []formatting.Rich{
			{&formatting.Para{Spans: []formatting.Span{{Text: "sign out", Marks: formatting.Italic}}}},
			{&formatting.Para{Spans: []formatting.Span{{Text: "sign in again"}}}},
		}},
		&formatting.Quote{Body: formatting.Rich{&formatting.Para{Spans: []formatting.Span{{Text: "It worked for me."}}}}},
		&formatting.CodeBlock{Code: "kmbridge --help\n"},
	}}}}
	w := webfmt.Render(m)
	if err := webfmt.Validate(w); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	golden(t, "relayed_rich.web.golden", encode(t, w))
}
