package slackfmt

import (
	"fmt"
	"strings"
	"testing"

	"github.com/slack-go/slack"
)

func sec(text string) *slack.SectionBlock { return slack.NewSectionBlock(mrkdwn(text), nil, nil) }

func btn(label, id, value, url string) *slack.ButtonBlockElement {
	return &slack.ButtonBlockElement{Type: slack.METButton, Text: plainText(label), ActionID: id, Value: value, URL: url}
}

func TestValidateAccepts(t *testing.T) {
	img := "https://ex.com/i.png"
	m := Msg{Text: "hi", Blocks: []slack.Block{
		slack.NewHeaderBlock(plainText("Title")),
		sec("*b* _i_ <https://ex.com?a=1&amp;b=2|x> <mailto:a@b.c> &lt;!channel&gt;\n> quote"),
		slack.NewSectionBlock(nil, []*slack.TextBlockObject{mrkdwn("f1"), mrkdwn("f2")}, slack.NewAccessory(slack.NewImageBlockElement(img, "alt"))),
		slack.NewContextBlock("", mrkdwn("c"), slack.NewImageBlockElement(img, "a")),
		slack.NewActionBlock("", btn("A", "a", "a", ""), btn("L", "", "", "https://ex.com")),
		slack.NewImageBlock(img, "alt", "", nil),
		slack.NewDividerBlock(),
	}}
	if err := Validate(m); err != nil {
		t.Fatal(err)
	}
}

func TestValidateRejects(t *testing.T) {
	many := func(n int, b slack.Block) []slack.Block {
		var bs []slack.Block
		for range n {
			bs = append(bs, b)
		}
		return bs
	}
	var twentySix []slack.BlockElement
	for i := range 26 {
		twentySix = append(twentySix, btn("b", fmt.Sprint(i), "v", ""))
	}
	sel := func(n int, value func(int) string) *slack.SelectBlockElement {
		s := &slack.SelectBlockElement{Type: slack.OptTypeStatic, Placeholder: plainText("p"), ActionID: "s"}
		for i := range n {
			s.Options = append(s.Options, &slack.OptionBlockObject{Text: plainText("o"), Value: value(i)})
		}
		return s
	}
	tests := []struct {
		name   string
		m      Msg
		substr string
	}{
		{"no text", Msg{Blocks: []slack.Block{sec("a")}}, "text: empty"},
		{"unescaped in text", Msg{Text: "<!here>"}, "not a link"},
		{"51 blocks", Msg{Text: "t", Blocks: many(51, slack.NewDividerBlock())}, "51 blocks"},
		{"too much text", Msg{Text: "t", Blocks: many(5, sec(strings.Repeat("a", 3000)))}, "15000 characters"},
		{"section 3001", Msg{Text: "t", Blocks: []slack.Block{sec(strings.Repeat("a", 3001))}}, "3001 characters"},
		{"section counts utf16", Msg{Text: "t", Blocks: []slack.Block{sec(strings.Repeat("😀", 1501))}}, "3002 characters"},
		{"empty section", Msg{Text: "t", Blocks: []slack.Block{sec(" ")}}, "empty"},
		{"section without text", Msg{Text: "t", Blocks: []slack.Block{slack.NewSectionBlock(nil, nil, nil)}}, "neither text nor fields"},
		{"11 fields", Msg{Text: "t", Blocks: []slack.Block{slack.NewSectionBlock(nil, func() []*slack.TextBlockObject {
			var fs []*slack.TextBlockObject
			for range 11 {
				fs = append(fs, mrkdwn("f"))
			}
			return fs
		}(), nil)}}, "11, more than 10"},
		{"field 2001", Msg{Text: "t", Blocks: []slack.Block{slack.NewSectionBlock(nil, []*slack.TextBlockObject{mrkdwn(strings.Repeat("a", 2001))}, nil)}}, "2001 characters"},
		{"mention", Msg{Text: "t", Blocks: []slack.Block{sec("hi <!channel>")}}, "not a link"},
		{"user mention", Msg{Text: "t", Blocks: []slack.Block{sec("hi <@U1>")}}, "not a link"},
		{"subteam", Msg{Text: "t", Blocks: []slack.Block{sec("<!subteam^S1>")}}, "not a link"},
		{"javascript link", Msg{Text: "t", Blocks: []slack.Block{sec("<javascript:x|y>")}}, "not a link"},
		{"unterminated link", Msg{Text: "t", Blocks: []slack.Block{sec("a < b")}}, "unescaped <"},
		{"nested link", Msg{Text: "t", Blocks: []slack.Block{sec("<https://a|<b>")}}, "unescaped <"},
		{"empty label", Msg{Text: "t", Blocks: []slack.Block{sec("<https://a| >")}}, "empty link label"},
		{"bare amp", Msg{Text: "t", Blocks: []slack.Block{sec("a & b")}}, "unescaped &"},
		{"amp in link", Msg{Text: "t", Blocks: []slack.Block{sec("<https://a?b&c|x>")}}, "unescaped & in link"},
		{"gt mid-line", Msg{Text: "t", Blocks: []slack.Block{sec("a > b")}}, "unescaped >"},
		{"header too long", Msg{Text: "t", Blocks: []slack.Block{slack.NewHeaderBlock(plainText(strings.Repeat("h", 151)))}}, "151 characters"},
		{"header mrkdwn", Msg{Text: "t", Blocks: []slack.Block{slack.NewHeaderBlock(mrkdwn("h"))}}, "must be plain_text"},
		{"26 buttons", Msg{Text: "t", Blocks: []slack.Block{slack.NewActionBlock("", twentySix...)}}, "26 elements"},
		{"empty actions", Msg{Text: "t", Blocks: []slack.Block{slack.NewActionBlock("")}}, "0 elements"},
		{"button label 76", Msg{Text: "t", Blocks: []slack.Block{slack.NewActionBlock("", btn(strings.Repeat("b", 76), "a", "a", ""))}}, "76 characters"},
		{"button empty label", Msg{Text: "t", Blocks: []slack.Block{slack.NewActionBlock("", btn("", "a", "a", ""))}}, "empty"},
		{"duplicate action_id", Msg{Text: "t", Blocks: []slack.Block{slack.NewActionBlock("", btn("a", "x", "1", "")), slack.NewActionBlock("", btn("b", "x", "2", ""))}}, `action_id "x" used twice`},
		{"action_id 256", Msg{Text: "t", Blocks: []slack.Block{slack.NewActionBlock("", btn("a", strings.Repeat("i", 256), "1", ""))}}, "action_id longer"},
		{"value 2001", Msg{Text: "t", Blocks: []slack.Block{slack.NewActionBlock("", btn("a", "a", strings.Repeat("v", 2001), ""))}}, "value longer"},
		{"button ftp url", Msg{Text: "t", Blocks: []slack.Block{slack.NewActionBlock("", btn("a", "", "", "ftp://x"))}}, "not an http(s) URL"},
		{"inert button", Msg{Text: "t", Blocks: []slack.Block{slack.NewActionBlock("", btn("a", "", "", ""))}}, "neither url nor value"},
		{"bad style", Msg{Text: "t", Blocks: []slack.Block{slack.NewActionBlock("", btn("a", "a", "a", "").WithStyle("blue"))}}, `style "blue"`},
		{"101 options", Msg{Text: "t", Blocks: []slack.Block{slack.NewActionBlock("", sel(101, func(i int) string { return fmt.Sprint(i) }))}}, "101 options"},
		{"duplicate option", Msg{Text: "t", Blocks: []slack.Block{slack.NewActionBlock("", sel(2, func(int) string { return "v" }))}}, `value "v" used twice`},
		{"option value 151", Msg{Text: "t", Blocks: []slack.Block{slack.NewActionBlock("", sel(1, func(int) string { return strings.Repeat("v", 151) }))}}, "1 to 150"},
		{"image data url", Msg{Text: "t", Blocks: []slack.Block{slack.NewImageBlock("data:image/png;base64,x", "a", "", nil)}}, "not an http(s) URL"},
		{"image no alt", Msg{Text: "t", Blocks: []slack.Block{slack.NewImageBlock("https://ex.com/i.png", "", "", nil)}}, "alt_text"},
		{"11 context elements", Msg{Text: "t", Blocks: []slack.Block{slack.NewContextBlock("", func() []slack.MixedElement {
			var es []slack.MixedElement
			for range 11 {
				es = append(es, mrkdwn("c"))
			}
			return es
		}()...)}}, "11 elements"},
		{"unsupported block", Msg{Text: "t", Blocks: []slack.Block{slack.NewFileBlock("", "x", "remote")}}, "unsupported block type"},
		{"nil block", Msg{Text: "t", Blocks: []slack.Block{nil}}, "nil"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Validate(tt.m)
			if err == nil || !strings.Contains(err.Error(), tt.substr) {
				t.Fatalf("Validate = %v, want an error containing %q", err, tt.substr)
			}
		})
	}
}

// TestValidateSaysWhere pins the whole report, places and order, for problems
// at every depth: the places are spelled out only on failure.
func TestValidateSaysWhere(t *testing.T) {
	sel := &slack.SelectBlockElement{Type: slack.OptTypeStatic, Placeholder: plainText(""), ActionID: "s"}
	for range 2 {
		sel.Options = append(sel.Options, &slack.OptionBlockObject{Text: plainText("")})
	}
	m := Msg{Blocks: []slack.Block{
		sec("ok"),
		slack.NewActionBlock("", btn("", "x", "1", ""), btn("b", "x", "2", "ftp://a")),
		slack.NewActionBlock("", sel),
		slack.NewSectionBlock(nil, []*slack.TextBlockObject{mrkdwn(""), mrkdwn("a & b")}, slack.NewAccessory(btn("", "", "", ""))),
		slack.NewContextBlock("", mrkdwn(""), slack.NewImageBlockElement("x", "")),
	}}
	want := `slackfmt: text: empty
slackfmt: block 1: actions element 0 text: empty
slackfmt: block 1: actions element 1: action_id "x" used twice
slackfmt: block 1: actions element 1: url "ftp://a" is not an http(s) URL of at most 3000 characters
slackfmt: block 2: actions element 0 placeholder: empty
slackfmt: block 2: actions element 0 option 0 text: empty
slackfmt: block 2: actions element 0 option 0: value must have 1 to 150 characters
slackfmt: block 2: actions element 0 option 1 text: empty
slackfmt: block 2: actions element 0 option 1: value must have 1 to 150 characters
slackfmt: block 2: actions element 0 option 1: value "" used twice
slackfmt: block 3: section field 0: empty
slackfmt: block 3: section field 1: unescaped & at byte 2
slackfmt: block 3: accessory text: empty
slackfmt: block 3: accessory: neither url nor value
slackfmt: block 4: context element 0: empty
slackfmt: block 4: context element 1: image_url is not an http(s) URL of at most 3000 characters
slackfmt: block 4: context element 1: alt_text must have 1 to 2000 characters`
	if err := Validate(m); err == nil || err.Error() != want {
		t.Errorf("Validate =\n%v\nwant\n%s", err, want)
	}
	// Many action_ids: past the short list, repeats are still found.
	var els []slack.BlockElement
	for i := range 40 {
		els = append(els, btn("b", fmt.Sprint(i%30), "v", ""))
	}
	err := Validate(Msg{Text: "t", Blocks: []slack.Block{slack.NewActionBlock("", els[:20]...), slack.NewActionBlock("", els[20:]...)}})
	if err == nil || strings.Count(err.Error(), "used twice") != 10 || !strings.Contains(err.Error(), `block 1: actions element 19: action_id "9" used twice`) {
		t.Errorf("Validate = %v, want the 10 repeated action_ids", err)
	}
}
