package slackfmt

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/slack-go/slack"

	f "github.com/kmbridge/kmbridge/formatting"
)

// render renders m and fails the test for any Msg that does not pass Validate.
func render(t testing.TB, m f.Message) []Msg {
	t.Helper()
	msgs := Render(m)
	for i, msg := range msgs {
		if err := Validate(msg); err != nil {
			t.Fatalf("message %d of %d does not validate: %v\n%s", i+1, len(msgs), err, payload(msg))
		}
	}
	return msgs
}

// payload is the JSON the adapter sends (text + blocks), as the golden files hold it.
func payload(m Msg) []byte {
	b, err := json.MarshalIndent(struct {
		Text   string        `json:"text"`
		Blocks []slack.Block `json:"blocks"`
	}{m.Text, m.Blocks}, "", "  ")
	if err != nil {
		panic(err)
	}
	return b
}

// texts collects every text of the messages' blocks, mrkdwn and plain, in order.
func texts(msgs []Msg) (mrk, plain []string) {
	add := func(o *slack.TextBlockObject) {
		if o == nil {
			return
		}
		if o.Type == slack.MarkdownType {
			mrk = append(mrk, o.Text)
		} else {
			plain = append(plain, o.Text)
		}
	}
	el := func(e slack.BlockElement) {
		switch e := e.(type) {
		case *slack.ButtonBlockElement:
			add(e.Text)
		case *slack.SelectBlockElement:
			add(e.Placeholder)
			for _, o := range e.Options {
				add(o.Text)
			}
		}
	}
	for _, m := range msgs {
		for _, b := range m.Blocks {
			switch b := b.(type) {
			case *slack.SectionBlock:
				add(b.Text)
				for _, x := range b.Fields {
					add(x)
				}
				if b.Accessory != nil && b.Accessory.ButtonElement != nil {
					add(b.Accessory.ButtonElement.Text)
				}
			case *slack.HeaderBlock:
				add(b.Text)
			case *slack.ContextBlock:
				for _, e := range b.ContextElements.Elements {
					if o, ok := e.(*slack.TextBlockObject); ok {
						add(o)
					}
				}
			case *slack.ActionBlock:
				for _, e := range b.Elements.ElementSet {
					el(e)
				}
			}
		}
	}
	return mrk, plain
}

// allMrkdwn is every mrkdwn text joined, with the notification texts.
func allMrkdwn(msgs []Msg) string {
	mrk, _ := texts(msgs)
	for _, m := range msgs {
		mrk = append(mrk, m.Text)
	}
	return strings.Join(mrk, "\n")
}

// unescape undoes our escaping, to compare rendered text with the model's words.
func unescape(s string) string {
	return strings.NewReplacer(
		zwsp, "", wordJoin, "", softHyph, "",
		"&amp;", "&", "&lt;", "<", "&gt;", ">",
		"∗", "*", "ˍ", "_", "∼", "~", "ˋ", "`", "﹡", "＊", "⸏", "＿",
	).Replace(s)
}

func blockTypes(msgs []Msg) string {
	var ts []string
	for i, m := range msgs {
		if i > 0 {
			ts = append(ts, "|")
		}
		for _, b := range m.Blocks {
			ts = append(ts, string(b.BlockType()))
		}
	}
	return strings.Join(ts, " ")
}

func p(spans ...f.Span) *f.Para { return &f.Para{Spans: spans} }
func s(text string) f.Span      { return f.Span{Text: text} }
func txt(blocks ...f.RichBlock) *f.Text {
	return &f.Text{Rich: f.Rich(blocks)}
}
func msg(blocks ...f.Block) f.Message { return f.Message{Blocks: blocks} }
