package slackfmt

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	f "github.com/kmbridge/kmbridge/formatting"
	"github.com/kmbridge/kmbridge/formatting/fmttest"
	"github.com/kmbridge/kmbridge/i18n"
)

var update = flag.Bool("update", false, "rewrite golden files")

// golden compares the payloads of msgs with testdata/golden/<name>.golden: one
// {"text":…,"blocks":[…]} object per Slack message, separated by blank lines.
func golden(t *testing.T, name string, msgs []Msg) {
	t.Helper()
	var b bytes.Buffer
	for i, m := range msgs {
		if i > 0 {
			b.WriteString("\n")
		}
		b.Write(payload(m))
		b.WriteString("\n")
	}
	path := filepath.Join("testdata", "golden", name+".golden")
	if *update {
		if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(b.Bytes(), want) {
		t.Errorf("%s differs from the golden file (go test -update rewrites it):\n%s", name, b.String())
	}
}

// goldenCases are hand-built Messages, one per block type and hard case.
func goldenCases() map[string]f.Message {
	rich := f.Rich{
		&f.Heading{Level: 1, Spans: []f.Span{s("How to get a refund")}},
		p(s("Refunds take "), f.Span{Text: "3–5 days", Marks: f.Bold}, s(". See the "),
			f.Span{Text: "policy", Link: "https://ex.com/refund?lang=en&v=2"}, s(" or mail "),
			f.Span{Text: "support", Link: "mailto:help@ex.com"}, s(".")),
		&f.List{Ordered: true, Items: []f.Rich{
			{p(s("Open "), f.Span{Text: "Orders", Marks: f.Italic})},
			{p(s("Pick the order")), &f.List{Items: []f.Rich{{p(s("paid orders only"))}, {p(f.Span{Text: "not gift cards", Marks: f.Strike})}}}},
			{p(s("Press "), f.Span{Text: "Refund", Marks: f.Code})},
		}},
		&f.Quote{Body: f.Rich{p(s("Refunds go to the original payment method."))}},
		&f.CodeBlock{Code: "curl -X POST https://ex.com/api?a=1&b=2"},
		&f.Table{Header: true, Rows: [][][]f.Span{{{s("Method")}, {s("Days")}}, {{s("Card")}, {s("3")}}, {{s("Bank")}, {s("5")}}}},
		&f.Rule{},
		p(s("Thanks!")),
	}
	var many []f.Block
	for i := range 55 {
		many = append(many, txt(p(s(fmt.Sprintf("Part %d.", i+1)))))
	}
	return map[string]f.Message{
		"rich":    msg(&f.Text{Rich: rich}),
		"context": msg(txt(p(s("Answer."))), &f.Text{Context: true, Rich: f.Rich{p(s("Matched: "), f.Span{Text: "refund policy", Marks: f.Italic})}}),
		"escaping": msg(txt(
			p(s("<!channel> <!here> <!everyone> <@U123> <#C123|general> <!subteam^S1|@team> @channel @here")),
			p(s("*not bold* _not italic_ ~not struck~ `not code` ```not a block``` snake_case 2*3")),
			p(s("> not a quote & <b>not html</b>")),
			p(s("中文"), f.Span{Text: "加粗", Marks: f.Bold}, s("文字，日本語の"), f.Span{Text: "強調", Marks: f.Italic}, s("です。한국어 👍🏽 👩‍💻 :smile:")),
			p(s("See https://ex.com/a_b?x=1&y=<2>. Done")),
		)),
		"image":       msg(&f.Image{URL: "https://ex.com/img/cat.png", Link: "https://ex.com/cats"}, &f.Image{URL: "https://ex.com/dog.jpg", Alt: "A dog"}),
		"image_bad":   msg(&f.Image{URL: "data:image/png;base64,AAAA", Alt: "chart"}),
		"buttons":     msg(&f.Buttons{Title: "Was this helpful?", Items: []f.Button{{Label: "👍", Token: "up", Style: f.StylePrimary}, {Label: "👎", Token: "down", Style: f.StyleDanger}, {Label: "Docs", URL: "https://ex.com/docs"}}}),
		"buttons_dup": msg(&f.Buttons{Items: []f.Button{{Label: "A", Token: "t"}, {Label: "B", Token: "t"}}}, &f.Buttons{Items: []f.Button{{Label: "C", Token: "t"}}}),
		"buttons_select": msg(&f.Buttons{Title: "All questions", Placeholder: "Choose a question",
			Items: append(tokButtons(30), f.Button{Label: "More online", URL: "https://ex.com/faq"})}),
		"buttons_long_labels": msg(&f.Buttons{Items: []f.Button{{Label: strings.Repeat("How do I change the billing address on an invoice ", 3), Token: "q1"}, {Label: "", Token: "q2"}}}),
		"buttons_dead":        msg(&f.Buttons{Items: []f.Button{{Label: "Call us", URL: "tel:+81-3-0000"}, {Label: "Nowhere"}, {Label: "Script", URL: "javascript:alert(1)"}}}),
		"select":              msg(&f.Select{Placeholder: "Pick a city", Options: []f.Button{{Label: "Tokyo", Token: "c1"}, {Label: "Osaka", Token: "c2"}, {Label: "Map", URL: "https://maps.example"}}}),
		"card": msg(&f.Card{Title: "Refund policy", URL: "https://ex.com/refund", Subtitle: "Updated March", ImageURL: "https://ex.com/r.png",
			Body:    f.Rich{p(s("Everything about refunds."))},
			Fields:  []f.Field{{Label: "Time", Value: f.Rich{p(s("3–5 days"))}}, {Label: "Fee", Value: f.Rich{p(f.Span{Text: "none", Marks: f.Bold})}}},
			Buttons: []f.Button{{Label: "Read", URL: "https://ex.com/refund"}, {Label: "Ask about it", Token: "ask"}}}),
		"card_header": msg(&f.Card{Title: "Mini app", IconURL: "https://ex.com/favicon.ico", Body: f.Rich{p(s("Open the app"))}, Buttons: []f.Button{{Label: "Open", URL: "https://ex.com/app"}}}),
		"products": msg(&f.Products{Title: "Phones", Page: 1, Pages: 3, Next: &f.Button{Label: "›", Token: "next"},
			Items: []f.Card{
				{Title: "Phone X", URL: "https://ex.com/x", ImageURL: "https://ex.com/x.png",
					Fields:  []f.Field{{Value: f.Rich{p(f.Span{Text: "$999", Marks: f.Bold})}}, {Value: f.Rich{p(s("In stock"))}}},
					Buttons: []f.Button{{Label: "Ask", Token: "px"}}},
				{Title: "Phone Y", ImageURL: "https://ex.com/y.png", Fields: []f.Field{{Value: f.Rich{p(s("$499"))}}}},
			}}),
		"location":         msg(&f.Location{Name: "Head office", Address: "1-2-3 Chiyoda, Tokyo", Lat: 35.68, Lng: 139.76, HasCoords: true, MapURL: "https://maps.example/?q=35.68,139.76"}),
		"location_no_map":  msg(&f.Location{Address: "Somewhere", Lat: 1.5, Lng: 2.25, HasCoords: true}),
		"audio":            msg(&f.Audio{URL: "https://ex.com/a.mp3", Caption: "How to reset your password"}),
		"file":             msg(&f.File{Name: "manual_v2.pdf", URL: "https://ex.com/manual.pdf", Size: 2 << 20}, &f.File{URL: "https://ex.com/files/form.docx"}),
		"divider":          msg(txt(p(s("above"))), &f.Divider{}, txt(p(s("below")))),
		"input_hints":      {Blocks: []f.Block{txt(p(s("Anything else?")))}, InputHints: []f.Button{{Label: "Talk to a human", Token: "human"}, {Label: "Start over", Token: "reset"}}},
		"long_text":        msg(txt(p(s(sentences(60))), p(s(sentences(20))))),
		"many_blocks":      {Blocks: many},
		"heading_too_long": msg(txt(&f.Heading{Spans: []f.Span{s(strings.Repeat("Long heading ", 13))}}, p(s("body")))),
		// What the hand-over relays from another platform: a person's own
		// formatting as another adapter parsed it, and a file as a link.
		"relayed_rich": msg(txt(
			p(f.Span{Text: "Dana", Marks: f.Bold}, s(": Try "), f.Span{Text: "Settings › Security", Marks: f.Bold | f.Italic},
				s(", then "), f.Span{Text: "reset", Marks: f.Underline}, s(" — "), f.Span{Text: "not the old way", Marks: f.Strike}, s(".")),
			&f.List{Items: []f.Rich{
				{p(s("see "), f.Span{Text: "the guide", Link: "https://ex.com/guide?a=1&b=%3C2%3E"})},
				{p(f.Span{Text: "sudo reset --all", Marks: f.Code})},
			}},
			&f.Quote{Body: f.Rich{p(s("<@U999> wrote: *stars* & _underscores_ <!here>"), f.Span{Text: "\n"}, s("second line"))}},
			&f.CodeBlock{Lang: "sh", Code: "echo '```' && rm -rf <dir>"},
		), &f.File{Name: "screenshot.png", URL: "https://t.me/c/123/456"}),
	}
}

func TestGolden(t *testing.T) {
	for name, m := range goldenCases() {
		t.Run(name, func(t *testing.T) {
			golden(t, name, render(t, m))
		})
	}
}

// TestKMFixtures renders every shared KM answer fixture through formatting.FromKM
// (tokens "tok1", "tok2", … in order) and compares with testdata/golden/km_<name>.golden.
func TestKMFixtures(t *testing.T) {
	fixtures, err := fmttest.Load(filepath.Join("..", "testdata", "answers"))
	if err != nil {
		t.Fatal(err)
	}
	for _, fx := range fixtures {
		t.Run(fx.Name, func(t *testing.T) {
			o, _ := fmttest.Options(i18n.Printer{})
			m, err := fx.Message(o)
			if err != nil {
				t.Logf("FromKM: %v (malformed fixtures still give what could be shown)", err)
			}
			msgs := render(t, m)
			if len(msgs) == 0 && !m.IsEmpty() {
				t.Errorf("non-empty message rendered as nothing")
			}
			golden(t, "km_"+fx.Name, msgs)
		})
	}
}
