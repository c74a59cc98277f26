package escalation

import (
	"strings"

	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/formatting"
	"github.com/kmbridge/kmbridge/i18n"
	"github.com/kmbridge/kmbridge/kmclient"
)

// Relay is what one side of a hand-over wrote, as the other side sees it:
// label (the author, in the reader's words) in bold, then the text with the
// formatting the author used (body; plain text when the platform gave none),
// then the files as links. It is pure; what users and agents wrote only ever
// goes into span text, which renderers escape.
func Relay(label string, body formatting.Rich, files []bridge.Attachment, p i18n.Printer) formatting.Message {
	blocks := []formatting.Block{&formatting.Text{Rich: body}}
	if len(body) == 0 {
		blocks = nil
	}
	if list := fileList(files, p); list != nil {
		blocks = append(blocks, &formatting.Text{Rich: formatting.Rich{list}})
	}
	return labelled(label, blocks)
}

// relayOf is Relay of an event's message: its Rich, else its text as written.
func relayOf(label string, m bridge.Message, p i18n.Printer) formatting.Message {
	body := m.Rich
	if len(body) == 0 && strings.TrimSpace(m.Text) != "" {
		body = formatting.ParsePlain(m.Text)
	}
	return Relay(label, body, m.Files, p)
}

// labelled puts label, in bold, in front of blocks: into their first
// paragraph when they start with one, else as a paragraph of its own.
func labelled(label string, blocks []formatting.Block) formatting.Message {
	lead := formatting.Span{Text: label, Marks: formatting.Bold}
	if len(blocks) > 0 {
		if t, ok := blocks[0].(*formatting.Text); ok && !t.Context && len(t.Rich) > 0 {
			if first, ok := t.Rich[0].(*formatting.Para); ok {
				spans := append([]formatting.Span{lead, {Text: " "}}, first.Spans...)
				rich := append(formatting.Rich{&formatting.Para{Spans: spans}}, t.Rich[1:]...)
				return formatting.Message{Blocks: append([]formatting.Block{&formatting.Text{Rich: rich}}, blocks[1:]...)}
			}
		}
	}
	return formatting.Message{Blocks: append([]formatting.Block{&formatting.Text{Rich: para(lead)}}, blocks...)}
}

// fileList lists attachments as links (name, size); one without a safe link
// says so rather than disappear.
func fileList(files []bridge.Attachment, p i18n.Printer) *formatting.List {
	if len(files) == 0 {
		return nil
	}
	list := &formatting.List{}
	for _, f := range files {
		name := clean(f.Name, DefaultMaxFieldRunes)
		if name == "" {
			name = p.T("escalation.file")
		}
		spans := []formatting.Span{{Text: name}}
		if u, ok := formatting.SafeLink(f.URL); ok && strings.HasPrefix(u, "http") {
			spans[0].Link = u
		} else {
			spans = append(spans, formatting.Span{Text: " " + p.T("escalation.file_no_link"), Marks: formatting.Italic})
		}
		if f.Size > 0 {
			spans = append(spans, formatting.Span{Text: " (" + formatting.HumanSize(f.Size) + ")"})
		}
		list.Items = append(list.Items, para(spans...))
	}
	return list
}

// Suggestion is KM's suggested reply (agent assist) as blocks both sides can
// read: text, images, files, cards without buttons. Buttons KM's answer may
// carry are dropped: in the agents' thread they would act there. ok is false
// when KM has no suggestion worth showing (no answer, an unknown, sensitive,
// silent, greeting or hand-over answer, or nothing readable).
func Suggestion(ans *kmclient.Answer, p i18n.Printer) (blocks []formatting.Block, ok bool) {
	if ans == nil {
		return nil, false
	}
	switch ans.AnsType {
	case kmclient.AnsTypeSuggestions, kmclient.AnsTypeGreeting, kmclient.AnsTypeUnknown,
		kmclient.AnsTypeSensitive, kmclient.AnsTypeSilent, kmclient.AnsTypeTransferToHuman:
		return nil, false
	}
	// Only the content (what a "Send this answer" button carries): no
	// suggestions, rating or hand-over buttons.
	content := kmclient.Answer{AnsType: kmclient.AnsTypeAnswer, MsgType: ans.MsgType, AnsContent: ans.AnsContent}
	m, _ := formatting.FromKM(&content, formatting.Options{P: p, Tokens: func(formatting.Action) string { return "" }})
	for _, b := range m.Blocks {
		switch x := b.(type) {
		case *formatting.Text, *formatting.Image, *formatting.File, *formatting.Location, *formatting.Audio, *formatting.Divider:
			blocks = append(blocks, b)
		case *formatting.Card:
			c := *x
			c.Buttons = nil
			blocks = append(blocks, &c)
		}
	}
	for _, b := range blocks {
		if _, div := b.(*formatting.Divider); !div {
			return blocks, true
		}
	}
	return nil, false
}

// suggestionFor is the answer a "Send this answer" action carries.
func suggestionFor(a formatting.Action) *kmclient.Answer {
	return &kmclient.Answer{AnsType: kmclient.AnsTypeAnswer, MsgType: a.MsgType, AnsContent: kmclient.NewAnsContent(a.Content)}
}
