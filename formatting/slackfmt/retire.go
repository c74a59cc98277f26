package slackfmt

import "github.com/slack-go/slack"

// Retire returns blocks with their interactive elements gone, for updating a
// message after a click: the first actions block becomes a context block showing
// "✓ " + chosenLabel (no context when chosenLabel is empty), later actions blocks
// are removed, and action buttons or selects in section accessories are dropped.
// Link buttons (a URL and no value) stay: they open a page, they do not act. The
// context is shortened, or left out, so that a message within Slack's limits stays
// within them. The input is not modified.
func Retire(blocks []slack.Block, chosenLabel string) []slack.Block {
	out := make([]slack.Block, 0, len(blocks)+1)
	at := -1 // where the context goes
	for _, b := range blocks {
		switch a := b.(type) {
		case *slack.ActionBlock:
			out, at = retireActions(out, a, at)
			continue
		case slack.ActionBlock:
			out, at = retireActions(out, &a, at)
			continue
		case *slack.SectionBlock:
			if interactive(a.Accessory) {
				s := *a
				s.Accessory = nil
				if s.Text == nil && len(s.Fields) == 0 {
					continue
				}
				b = &s
			}
		case slack.SectionBlock:
			if interactive(a.Accessory) {
				a.Accessory = nil
				if a.Text == nil && len(a.Fields) == 0 {
					continue
				}
				b = &a
			}
		}
		out = append(out, b)
	}
	l := cleanPlain(chosenLabel)
	if at < 0 || l == "" || len(out) >= maxBlocks {
		return out
	}
	room := maxMsgText
	for _, b := range out {
		room -= blockWeight(b)
	}
	room = min(room, maxSectionText)
	if room < lenU("✓ ")+1 {
		return out
	}
	ctx := slack.NewContextBlock("", plainText(truncate("✓ "+l, room)))
	return append(out[:at], append([]slack.Block{ctx}, out[at:]...)...)
}

// retireActions keeps an actions block's link buttons and notes where the first
// actions block was.
func retireActions(out []slack.Block, a *slack.ActionBlock, at int) ([]slack.Block, int) {
	if at < 0 {
		at = len(out)
	}
	var links []slack.BlockElement
	if a.Elements != nil {
		for _, e := range a.Elements.ElementSet {
			if b, ok := e.(*slack.ButtonBlockElement); ok && isLink(b) {
				links = append(links, b)
			}
		}
	}
	if len(links) > 0 {
		out = append(out, slack.NewActionBlock(a.BlockID, links...))
	}
	return out, at
}

// isLink reports a button that only opens a URL.
func isLink(b *slack.ButtonBlockElement) bool { return b.URL != "" && b.Value == "" }

func interactive(a *slack.Accessory) bool {
	if a == nil {
		return false
	}
	return a.SelectElement != nil || a.ButtonElement != nil && !isLink(a.ButtonElement) ||
		a.OverflowElement != nil || a.RadioButtonsElement != nil || a.CheckboxGroupsBlockElement != nil ||
		a.DatePickerElement != nil || a.TimePickerElement != nil || a.MultiSelectElement != nil
}
