package discordfmt

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/bwmarrin/discordgo"

	"github.com/kmbridge/kmbridge/formatting/internal/where"
)

// Validate checks a message against Discord's limits and kmbridge's rules: content
// ≤ 2000 characters and not blank unless embeds or components are present;
// allowed_mentions present and parsing nothing; ≤ 10 embeds with every embed
// limit and ≤ 6000 characters over all of them; http(s) URLs only; ≤ 5 action rows
// at the top level, each holding 1–5 buttons or exactly one select menu;
// button, select and option limits; custom_ids unique. It returns every problem
// found, joined.
func Validate(m *discordgo.MessageSend) error {
	if m == nil {
		return errors.New("discordfmt: validate: nil message")
	}
	var v validator
	v.message(m)
	if len(v.errs) == 0 {
		return nil
	}
	return fmt.Errorf("discordfmt: validate: %w", errors.Join(v.errs...))
}

// A validator names the place of a problem (a where.Place, spelled as a JSON
// path) only when there is one, so that a valid message costs no allocation.
type validator struct {
	errs []error
	// The custom_ids seen: the first in an array (a valid message holds at
	// most 25), any more in a slice. A slice into the array would move the
	// validator to the heap.
	ids  [MaxRows * MaxRowButtons]string
	nids int
	more []string
}

func (v *validator) seen(id string) bool {
	return slices.Contains(v.ids[:v.nids], id) || slices.Contains(v.more, id)
}

func (v *validator) see(id string) {
	switch {
	case v.seen(id):
	case v.nids < len(v.ids):
		v.ids[v.nids] = id
		v.nids++
	default:
		v.more = append(v.more, id)
	}
}

type place = where.Place

func (v *validator) fail(format string, args ...any) {
	v.errs = append(v.errs, fmt.Errorf(format, args...))
}

func (v *validator) max(at place, s string, n int) {
	if c := runes(s); c > n {
		v.fail("%s: %d characters, limit %d", at.Path(), c, n)
	}
}

func (v *validator) url(at place, s string) {
	if s != "" && !isHTTPURL(s) {
		v.fail("%s: %q is not an http(s) URL", at.Path(), truncate(s, 60))
	}
}

func (v *validator) message(m *discordgo.MessageSend) {
	v.max(place{}.At("content", -1), m.Content, MaxContent)
	if strings.TrimSpace(m.Content) == "" && len(m.Embeds) == 0 && len(m.Components) == 0 &&
		len(m.Files) == 0 && m.File == nil && m.Embed == nil {
		v.fail("message is empty: no content, embeds or components")
	}
	switch am := m.AllowedMentions; {
	case am == nil:
		v.fail("allowed_mentions missing: every message must parse no mentions")
	case am.Parse == nil:
		v.fail("allowed_mentions.parse is null: it must be an empty list")
	case len(am.Parse) > 0 || len(am.Roles) > 0 || len(am.Users) > 0 || am.RepliedUser:
		v.fail("allowed_mentions allows mentions: parse %v, roles %v, users %v", am.Parse, am.Roles, am.Users)
	}
	if m.Embed != nil || m.File != nil {
		v.fail("deprecated single Embed/File fields used")
	}
	if m.Flags&discordgo.MessageFlagsIsComponentsV2 != 0 {
		v.fail("components v2 flag set: content and embeds would be rejected")
	}
	v.embeds(m.Embeds)
	v.components(m.Components)
}

func (v *validator) embeds(es []*discordgo.MessageEmbed) {
	if len(es) > MaxEmbeds {
		v.fail("embeds: %d, limit %d", len(es), MaxEmbeds)
	}
	total := 0
	for i, e := range es {
		p := place{}.At("embeds", i)
		if e == nil {
			v.fail("%s: nil", p.Path())
			continue
		}
		total += embedChars(e)
		v.max(p.At("title", -1), e.Title, MaxEmbedTitle)
		v.max(p.At("description", -1), e.Description, MaxEmbedDesc)
		v.url(p.At("url", -1), e.URL)
		if len(e.Fields) > MaxEmbedFields {
			v.fail("%s.fields: %d, limit %d", p.Path(), len(e.Fields), MaxEmbedFields)
		}
		for j, f := range e.Fields {
			q := p.At("fields", j)
			if f == nil {
				v.fail("%s: nil", q.Path())
				continue
			}
			if strings.TrimSpace(f.Name) == "" || strings.TrimSpace(f.Value) == "" {
				v.fail("%s: name and value must not be empty", q.Path())
			}
			v.max(q.At("name", -1), f.Name, MaxFieldName)
			v.max(q.At("value", -1), f.Value, MaxFieldValue)
		}
		if f := e.Footer; f != nil {
			if strings.TrimSpace(f.Text) == "" {
				v.fail("%s.footer: empty text", p.Path())
			}
			v.max(p.At("footer", -1).At("text", -1), f.Text, MaxFooter)
			v.url(p.At("footer", -1).At("icon_url", -1), f.IconURL)
		}
		if a := e.Author; a != nil {
			if strings.TrimSpace(a.Name) == "" {
				v.fail("%s.author: empty name", p.Path())
			}
			v.max(p.At("author", -1).At("name", -1), a.Name, MaxAuthorName)
			v.url(p.At("author", -1).At("url", -1), a.URL)
			v.url(p.At("author", -1).At("icon_url", -1), a.IconURL)
		}
		if e.Image != nil {
			if e.Image.URL == "" {
				v.fail("%s.image: empty url", p.Path())
			}
			v.url(p.At("image", -1).At("url", -1), e.Image.URL)
		}
		if e.Thumbnail != nil {
			if e.Thumbnail.URL == "" {
				v.fail("%s.thumbnail: empty url", p.Path())
			}
			v.url(p.At("thumbnail", -1).At("url", -1), e.Thumbnail.URL)
		}
		if embedEmpty(e) {
			v.fail("%s: empty embed", p.Path())
		}
	}
	if total > MaxEmbedTotal {
		v.fail("embeds: %d characters in total, limit %d", total, MaxEmbedTotal)
	}
}

func (v *validator) components(cs []discordgo.MessageComponent) {
	if len(cs) > MaxRows {
		v.fail("components: %d action rows, limit %d", len(cs), MaxRows)
	}
	for i, c := range cs {
		p := place{}.At("components", i)
		var inner []discordgo.MessageComponent
		switch r := c.(type) {
		case discordgo.ActionsRow:
			inner = r.Components
		case *discordgo.ActionsRow:
			if r == nil {
				v.fail("%s: nil action row", p.Path())
				continue
			}
			inner = r.Components
		default:
			v.fail("%s: %T at the top level; only action rows may be there", p.Path(), c)
			continue
		}
		v.row(p, inner)
	}
}

func (v *validator) row(p place, cs []discordgo.MessageComponent) {
	if len(cs) == 0 {
		v.fail("%s: empty action row", p.Path())
		return
	}
	buttons, selects := 0, 0
	for j, c := range cs {
		q := p.At("components", j)
		switch x := c.(type) {
		case discordgo.Button:
			buttons++
			v.button(q, &x)
		case *discordgo.Button:
			buttons++
			if x != nil {
				v.button(q, x)
			}
		case discordgo.SelectMenu:
			selects++
			v.selectMenu(q, &x)
		case *discordgo.SelectMenu:
			selects++
			if x != nil {
				v.selectMenu(q, x)
			}
		default:
			v.fail("%s: %T inside an action row; only buttons and select menus may be there", q.Path(), c)
		}
	}
	if buttons > MaxRowButtons {
		v.fail("%s: %d buttons, limit %d", p.Path(), buttons, MaxRowButtons)
	}
	if selects > 0 && len(cs) > 1 {
		v.fail("%s: a select menu must be alone in its row", p.Path())
	}
}

func (v *validator) customID(q place, id string) {
	switch {
	case id == "":
		v.fail("%s: empty custom_id", q.Path())
	case runes(id) > MaxCustomID:
		v.fail("%s.custom_id: %d characters, limit %d", q.Path(), runes(id), MaxCustomID)
	case v.seen(id):
		v.fail("%s.custom_id %q is used twice in the message", q.Path(), id)
	}
	v.see(id)
}

func (v *validator) button(q place, b *discordgo.Button) {
	if b.Label == "" && b.Emoji == nil {
		v.fail("%s: a button needs a label or an emoji", q.Path())
	}
	v.max(q.At("label", -1), b.Label, MaxButtonLabel)
	switch {
	case b.Style == discordgo.LinkButton:
		if b.URL == "" || b.CustomID != "" {
			v.fail("%s: a link button has a url and no custom_id", q.Path())
		}
		v.url(q.At("url", -1), b.URL)
		v.max(q.At("url", -1), b.URL, MaxLinkURL)
	case b.Style >= discordgo.PrimaryButton && b.Style <= discordgo.DangerButton:
		if b.URL != "" {
			v.fail("%s: only link buttons may have a url", q.Path())
		}
		v.customID(q, b.CustomID)
	default:
		v.fail("%s: button style %d not allowed", q.Path(), b.Style)
	}
}

func (v *validator) selectMenu(q place, m *discordgo.SelectMenu) {
	if m.Type() != discordgo.SelectMenuComponent {
		v.fail("%s: only string select menus are used", q.Path())
	}
	v.customID(q, m.CustomID)
	v.max(q.At("placeholder", -1), m.Placeholder, MaxSelectHolder)
	if n := len(m.Options); n < 1 || n > MaxSelectOptions {
		v.fail("%s: %d options, must be 1–%d", q.Path(), n, MaxSelectOptions)
	}
	if m.MaxValues > len(m.Options) || m.MaxValues > MaxSelectOptions {
		v.fail("%s: max_values %d exceeds the options", q.Path(), m.MaxValues)
	}
	if m.MinValues != nil && (*m.MinValues < 0 || (m.MaxValues > 0 && *m.MinValues > m.MaxValues) || (m.MaxValues == 0 && *m.MinValues > 1)) {
		v.fail("%s: min_values %d out of range", q.Path(), *m.MinValues)
	}
	for k, o := range m.Options {
		r := q.At("options", k)
		if o.Label == "" || o.Value == "" {
			v.fail("%s: label and value must not be empty", r.Path())
		}
		v.max(r.At("label", -1), o.Label, MaxOptionText)
		v.max(r.At("value", -1), o.Value, MaxOptionText)
		v.max(r.At("description", -1), o.Description, MaxOptionText)
		// A menu holds at most a few dozen options: a scan beats a map.
		if slices.ContainsFunc(m.Options[:k], func(p discordgo.SelectMenuOption) bool { return p.Value == o.Value }) {
			v.fail("%s: value %q is used twice in the menu", r.Path(), o.Value)
		}
	}
}
