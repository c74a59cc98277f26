package slackfmt

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/slack-go/slack"

	"github.com/kmbridge/kmbridge/formatting/internal/where"
)

// Validate checks msg against Slack's Block Kit limits and our mrkdwn rules: block
// and element counts, text lengths, non-empty texts, unique action_ids, option
// counts and values, http(s) URLs, and mrkdwn where every "<" starts a well-formed
// <url|label> link (so no mention can be in it), every "&" starts &amp; &lt; or
// &gt;, and a raw ">" only starts a quote line. It reports every problem found.
func Validate(msg Msg) error {
	v := validator{block: -1}
	switch {
	case strings.TrimSpace(msg.Text) == "":
		v.fail(at("text"), "empty")
	case lenU(msg.Text) > maxFallbackText:
		v.fail(at("text"), "longer than %d", maxFallbackText)
	default:
		if err := checkMrkdwn(msg.Text); err != nil {
			v.fail(at("text"), "%v", err)
		}
	}
	if len(msg.Blocks) > maxBlocks {
		v.fail(at("blocks"), "%d blocks, more than %d", len(msg.Blocks), maxBlocks)
	}
	total := 0
	for i, b := range msg.Blocks {
		v.block = i
		total += blockWeight(b)
		v.check(b)
	}
	if total > maxMsgText {
		v.block = -1
		v.fail(at("blocks"), "%d characters of text, more than %d", total, maxMsgText)
	}
	return errors.Join(v.errs...)
}

// Validate runs for every message the adapter sends: it allocates nothing for a
// valid one. Where a problem is (block 3: actions element 0 option 2 text) is
// spelled out only when there is one, and the action_ids of most messages are
// checked for repeats in a short list rather than a map.

type validator struct {
	block int // the block being checked, -1 for the message itself
	errs  []error
	ids   []string        // the action_ids seen, while they are few
	idSet map[string]bool // then all of them
	first [16]string      // where ids starts
}

// place is where in a block a problem is.
type place = where.Place

func at(name string) place { return place{}.At(name, -1) }

func atIndex(name string, i int) place { return place{}.At(name, i) }

func (v *validator) fail(what place, format string, args ...any) {
	loc := what.String()
	if v.block >= 0 {
		loc = "block " + strconv.Itoa(v.block) + ": " + loc
	}
	v.errs = append(v.errs, fmt.Errorf("slackfmt: %s: %s", loc, fmt.Sprintf(format, args...)))
}

func (v *validator) check(b slack.Block) {
	switch b := b.(type) {
	case *slack.SectionBlock:
		v.section(b)
	case slack.SectionBlock:
		v.section(&b)
	case *slack.HeaderBlock:
		v.header(b)
	case slack.HeaderBlock:
		v.header(&b)
	case *slack.ContextBlock:
		v.context(b)
	case slack.ContextBlock:
		v.context(&b)
	case *slack.ActionBlock:
		v.actions(b)
	case slack.ActionBlock:
		v.actions(&b)
	case *slack.ImageBlock:
		v.image(b)
	case slack.ImageBlock:
		v.image(&b)
	case *slack.DividerBlock, slack.DividerBlock:
	case nil:
		v.fail(at("block"), "nil")
	default:
		v.fail(at("block"), "unsupported block type %q", b.BlockType())
	}
}

func (v *validator) text(what place, t *slack.TextBlockObject, max int, plainOnly bool) {
	if t == nil {
		v.fail(what, "missing")
		return
	}
	switch {
	case t.Type != slack.PlainTextType && t.Type != slack.MarkdownType:
		v.fail(what, "type %q", t.Type)
	case plainOnly && t.Type != slack.PlainTextType:
		v.fail(what, "must be plain_text")
	case t.Type == slack.MarkdownType && t.Emoji != nil:
		v.fail(what, "emoji set on mrkdwn")
	}
	if strings.TrimSpace(t.Text) == "" {
		v.fail(what, "empty")
	}
	if n := lenU(t.Text); n > max {
		v.fail(what, "%d characters, more than %d", n, max)
	}
	if t.Type == slack.MarkdownType {
		if err := checkMrkdwn(t.Text); err != nil {
			v.fail(what, "%v", err)
		}
	}
}

func (v *validator) section(s *slack.SectionBlock) {
	if s.Text == nil && len(s.Fields) == 0 {
		v.fail(at("section"), "neither text nor fields")
	}
	if s.Text != nil {
		v.text(at("section text"), s.Text, maxSectionText, false)
	}
	if len(s.Fields) > maxFields {
		v.fail(at("section fields"), "%d, more than %d", len(s.Fields), maxFields)
	}
	for i, f := range s.Fields {
		v.text(atIndex("section field", i), f, maxFieldText, false)
	}
	if a := s.Accessory; a != nil {
		switch {
		case a.ImageElement != nil:
			v.imageElement(at("accessory"), a.ImageElement)
		case a.ButtonElement != nil:
			v.button(at("accessory"), a.ButtonElement)
		case a.SelectElement != nil:
			v.selectElement(at("accessory"), a.SelectElement)
		default:
			v.fail(at("accessory"), "unsupported element")
		}
	}
}

func (v *validator) header(h *slack.HeaderBlock) {
	v.text(at("header"), h.Text, maxHeaderText, true)
}

func (v *validator) context(c *slack.ContextBlock) {
	els := c.ContextElements.Elements
	if len(els) == 0 || len(els) > maxContextElems {
		v.fail(at("context"), "%d elements, want 1 to %d", len(els), maxContextElems)
	}
	for i, e := range els {
		what := atIndex("context element", i)
		switch e := e.(type) {
		case *slack.TextBlockObject:
			v.text(what, e, maxSectionText, false)
		case *slack.ImageBlockElement:
			v.imageElement(what, e)
		default:
			v.fail(what, "unsupported element")
		}
	}
}

func (v *validator) actions(a *slack.ActionBlock) {
	var els []slack.BlockElement
	if a.Elements != nil {
		els = a.Elements.ElementSet
	}
	if len(els) == 0 || len(els) > maxActionElems {
		v.fail(at("actions"), "%d elements, want 1 to %d", len(els), maxActionElems)
	}
	for i, e := range els {
		what := atIndex("actions element", i)
		switch e := e.(type) {
		case *slack.ButtonBlockElement:
			v.button(what, e)
		case *slack.SelectBlockElement:
			v.selectElement(what, e)
		default:
			v.fail(what, "unsupported element")
		}
	}
}

func (v *validator) image(im *slack.ImageBlock) {
	if im.SlackFile == nil && !webURL(im.ImageURL) {
		v.fail(at("image"), "image_url %q is not an http(s) URL of at most %d characters", im.ImageURL, maxURL)
	}
	v.alt(at("image"), im.AltText)
	if im.Title != nil {
		v.text(at("image title"), im.Title, maxImageTitle, true)
	}
}

func (v *validator) imageElement(what place, im *slack.ImageBlockElement) {
	if im.SlackFile == nil && (im.ImageURL == nil || !webURL(*im.ImageURL)) {
		v.fail(what, "image_url is not an http(s) URL of at most %d characters", maxURL)
	}
	v.alt(what, im.AltText)
}

func (v *validator) alt(what place, alt string) {
	if strings.TrimSpace(alt) == "" || lenU(alt) > maxAltText {
		v.fail(what, "alt_text must have 1 to %d characters", maxAltText)
	}
}

func (v *validator) actionID(what place, id string) {
	if id == "" {
		return
	}
	if lenU(id) > maxActionID {
		v.fail(what, "action_id longer than %d", maxActionID)
	}
	if v.idSet != nil && v.idSet[id] || slices.Contains(v.ids, id) {
		v.fail(what, "action_id %q used twice", id)
		return
	}
	switch {
	case v.idSet != nil:
		v.idSet[id] = true
	case v.ids == nil:
		v.ids = append(v.first[:0], id)
	case len(v.ids) < len(v.first):
		v.ids = append(v.ids, id)
	default:
		v.idSet = make(map[string]bool, 2*len(v.ids))
		for _, s := range v.ids {
			v.idSet[s] = true
		}
		v.idSet[id], v.ids = true, nil
	}
}

func (v *validator) button(what place, b *slack.ButtonBlockElement) {
	v.text(what.At("text", -1), b.Text, maxButtonText, true)
	v.actionID(what, b.ActionID)
	if lenU(b.Value) > maxButtonValue {
		v.fail(what, "value longer than %d", maxButtonValue)
	}
	if b.URL != "" && !webURL(b.URL) {
		v.fail(what, "url %q is not an http(s) URL of at most %d characters", b.URL, maxURL)
	}
	if b.URL == "" && b.Value == "" && b.ActionID == "" {
		v.fail(what, "neither url nor value")
	}
	if b.Style != "" && b.Style != slack.StylePrimary && b.Style != slack.StyleDanger {
		v.fail(what, "style %q", b.Style)
	}
}

func (v *validator) selectElement(what place, s *slack.SelectBlockElement) {
	if s.Type != slack.OptTypeStatic {
		v.fail(what, "type %q, want static_select", s.Type)
	}
	v.text(what.At("placeholder", -1), s.Placeholder, maxPlaceholder, true)
	if s.ActionID == "" {
		v.fail(what, "no action_id")
	}
	v.actionID(what, s.ActionID)
	if len(s.Options) == 0 || len(s.Options) > maxOptions {
		v.fail(what, "%d options, want 1 to %d", len(s.Options), maxOptions)
	}
	seen := make(map[string]bool, len(s.Options))
	for i, o := range s.Options {
		ow := what.At("option", i)
		if o == nil {
			v.fail(ow, "nil")
			continue
		}
		v.text(ow.At("text", -1), o.Text, maxOptionText, true)
		if o.Value == "" || lenU(o.Value) > maxOptionValue {
			v.fail(ow, "value must have 1 to %d characters", maxOptionValue)
		}
		if seen[o.Value] {
			v.fail(ow, "value %q used twice", o.Value)
		}
		seen[o.Value] = true
	}
}

// checkMrkdwn checks our mrkdwn rules: every "<" starts a link to an http(s),
// mailto or tel URL, every "&" starts &amp; &lt; or &gt;, a raw ">" only starts a
// line (a quote).
func checkMrkdwn(s string) error {
	lineStart := true
	for i := 0; i < len(s); {
		switch s[i] {
		case '\n':
			lineStart = true
			i++
			continue
		case '>':
			if !lineStart {
				return fmt.Errorf("unescaped > at byte %d", i)
			}
		case '<':
			n, err := checkLink(s[i:])
			if err != nil {
				return fmt.Errorf("at byte %d: %w", i, err)
			}
			i += n
			lineStart = false
			continue
		case '&':
			if !entityAt(s[i:]) {
				return fmt.Errorf("unescaped & at byte %d", i)
			}
		}
		lineStart = false
		i++
	}
	return nil
}

func entityAt(s string) bool {
	return strings.HasPrefix(s, "&amp;") || strings.HasPrefix(s, "&lt;") || strings.HasPrefix(s, "&gt;")
}

// checkLink checks the link at the start of s and returns its length.
func checkLink(s string) (int, error) {
	end := strings.IndexByte(s, '>')
	if end < 0 {
		return 0, errors.New("unescaped < (no link)")
	}
	inner := s[1:end]
	if strings.ContainsAny(inner, "<\n") {
		return 0, errors.New("unescaped < (not a link)")
	}
	u, lbl, hasLabel := strings.Cut(inner, "|")
	lu := strings.ToLower(u)
	if !(strings.HasPrefix(lu, "http://") || strings.HasPrefix(lu, "https://") ||
		strings.HasPrefix(lu, "mailto:") || strings.HasPrefix(lu, "tel:")) {
		return 0, fmt.Errorf("<%s…> is not a link we make", truncate(u, 20))
	}
	if strings.ContainsAny(u, " \t") {
		return 0, errors.New("space in link URL")
	}
	if hasLabel && strings.TrimSpace(lbl) == "" {
		return 0, errors.New("empty link label")
	}
	for i := 0; i < len(inner); i++ {
		if inner[i] == '&' && !entityAt(inner[i:]) {
			return 0, errors.New("unescaped & in link")
		}
	}
	return end + 1, nil
}

// blockWeight is how much text a block carries (texts, URLs, values), the measure
// of the per-message budget.
func blockWeight(b slack.Block) int {
	t := func(o *slack.TextBlockObject) int {
		if o == nil {
			return 0
		}
		return lenU(o.Text)
	}
	switch b := b.(type) {
	case *slack.SectionBlock:
		n := t(b.Text)
		for _, f := range b.Fields {
			n += t(f)
		}
		if a := b.Accessory; a != nil {
			switch {
			case a.ImageElement != nil:
				n += elementWeight(a.ImageElement)
			case a.ButtonElement != nil:
				n += elementWeight(a.ButtonElement)
			case a.SelectElement != nil:
				n += elementWeight(a.SelectElement)
			}
		}
		return n
	case *slack.HeaderBlock:
		return t(b.Text)
	case *slack.ContextBlock:
		n := 0
		for _, e := range b.ContextElements.Elements {
			switch e := e.(type) {
			case *slack.TextBlockObject:
				n += t(e)
			case *slack.ImageBlockElement:
				n += elementWeight(e)
			}
		}
		return n
	case *slack.ActionBlock:
		n := 0
		if b.Elements != nil {
			for _, e := range b.Elements.ElementSet {
				n += elementWeight(e)
			}
		}
		return n
	case *slack.ImageBlock:
		return lenU(b.ImageURL) + lenU(b.AltText) + t(b.Title)
	case slack.SectionBlock:
		return blockWeight(&b)
	case slack.HeaderBlock:
		return blockWeight(&b)
	case slack.ContextBlock:
		return blockWeight(&b)
	case slack.ActionBlock:
		return blockWeight(&b)
	case slack.ImageBlock:
		return blockWeight(&b)
	}
	return 0
}

func elementWeight(e slack.BlockElement) int {
	switch e := e.(type) {
	case *slack.ButtonBlockElement:
		n := lenU(e.URL) + lenU(e.Value)
		if e.Text != nil {
			n += lenU(e.Text.Text)
		}
		return n
	case *slack.SelectBlockElement:
		n := 0
		if e.Placeholder != nil {
			n += lenU(e.Placeholder.Text)
		}
		for _, o := range e.Options {
			if o != nil && o.Text != nil {
				n += lenU(o.Text.Text) + lenU(o.Value) + 2
			}
		}
		return n
	case *slack.ImageBlockElement:
		n := lenU(e.AltText)
		if e.ImageURL != nil {
			n += lenU(*e.ImageURL)
		}
		return n
	}
	return 0
}
