package discordfmt

import (
	"errors"
	"fmt"
	"strings"

	"github.com/bwmarrin/discordgo"
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
	v := &validator{ids: map[string]bool{}}
	v.message(m)
	if len(v.errs) == 0 {
		return nil
	}
	return fmt.Errorf("discordfmt: validate: %w", errors.Join(v.errs...))
}

type validator struct {
	errs []error
	ids  map[string]bool
}

func (v *validator) fail(format string, args ...any) {
	v.errs = append(v.errs, fmt.Errorf(format, args...))
}

func (v *validator) max(what, s string, n int) {
	if c := runes(s); c > n {
		v.fail("%s: %d characters, limit %d", what, c, n)
	}
}

func (v *validator) url(what, s string) {
	if s != "" && !isHTTPURL(s) {
		v.fail("%s: %q is not an http(s) URL", what, truncate(s, 60))
	}
}

func (v *validator) message(m *discordgo.MessageSend) {
	v.max("content", m.Content, MaxContent)
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
		p := fmt.Sprintf("embeds[%d]", i)
		if e == nil {
			v.fail("%s: nil", p)
			continue
		}
		total += embedChars(e)
		v.max(p+".title", e.Title, MaxEmbedTitle)
		v.max(p+".description", e.Description, MaxEmbedDesc)
		v.url(p+".url", e.URL)
		if len(e.Fields) > MaxEmbedFields {
			v.fail("%s.fields: %d, limit %d", p, len(e.Fields), MaxEmbedFields)
		}
		for j, f := range e.Fields {
			q := fmt.Sprintf("%s.fields[%d]", p, j)
			if f == nil {
				v.fail("%s: nil", q)
				continue
			}
			if strings.TrimSpace(f.Name) == "" || strings.TrimSpace(f.Value) == "" {
				v.fail("%s: name and value must not be empty", q)
			}
			v.max(q+".name", f.Name, MaxFieldName)
			v.max(q+".value", f.Value, MaxFieldValue)
		}
		if f := e.Footer; f != nil {
			if strings.TrimSpace(f.Text) == "" {
				v.fail("%s.footer: empty text", p)
			}
			v.max(p+".footer.text", f.Text, MaxFooter)
			v.url(p+".footer.icon_url", f.IconURL)
		}
		if a := e.Author; a != nil {
			if strings.TrimSpace(a.Name) == "" {
				v.fail("%s.author: empty name", p)
			}
			v.max(p+".author.name", a.Name, MaxAuthorName)
			v.url(p+".author.url", a.URL)
			v.url(p+".author.icon_url", a.IconURL)
		}
		if e.Image != nil {
			if e.Image.URL == "" {
				v.fail("%s.image: empty url", p)
			}
			v.url(p+".image.url", e.Image.URL)
		}
		if e.Thumbnail != nil {
			if e.Thumbnail.URL == "" {
				v.fail("%s.thumbnail: empty url", p)
			}
			v.url(p+".thumbnail.url", e.Thumbnail.URL)
		}
		if embedEmpty(e) {
			v.fail("%s: empty embed", p)
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
		p := fmt.Sprintf("components[%d]", i)
		var inner []discordgo.MessageComponent
		switch r := c.(type) {
		case discordgo.ActionsRow:
			inner = r.Components
		case *discordgo.ActionsRow:
			if r == nil {
				v.fail("%s: nil action row", p)
				continue
			}
			inner = r.Components
		default:
			v.fail("%s: %T at the top level; only action rows may be there", p, c)
			continue
		}
		v.row(p, inner)
	}
}

func (v *validator) row(p string, cs []discordgo.MessageComponent) {
	if len(cs) == 0 {
		v.fail("%s: empty action row", p)
		return
	}
	buttons, selects := 0, 0
	for j, c := range cs {
		q := fmt.Sprintf("%s.components[%d]", p, j)
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
			v.fail("%s: %T inside an action row; only buttons and select menus may be there", q, c)
		}
	}
	if buttons > MaxRowButtons {
		v.fail("%s: %d buttons, limit %d", p, buttons, MaxRowButtons)
	}
	if selects > 0 && len(cs) > 1 {
		v.fail("%s: a select menu must be alone in its row", p)
	}
}

func (v *validator) customID(q, id string) {
	switch {
	case id == "":
		v.fail("%s: empty custom_id", q)
	case runes(id) > MaxCustomID:
		v.fail("%s.custom_id: %d characters, limit %d", q, runes(id), MaxCustomID)
	case v.ids[id]:
		v.fail("%s.custom_id %q is used twice in the message", q, id)
	}
	v.ids[id] = true
}

func (v *validator) button(q string, b *discordgo.Button) {
	if b.Label == "" && b.Emoji == nil {
		v.fail("%s: a button needs a label or an emoji", q)
	}
	v.max(q+".label", b.Label, MaxButtonLabel)
	switch {
	case b.Style == discordgo.LinkButton:
		if b.URL == "" || b.CustomID != "" {
			v.fail("%s: a link button has a url and no custom_id", q)
		}
		v.url(q+".url", b.URL)
		v.max(q+".url", b.URL, MaxLinkURL)
	case b.Style >= discordgo.PrimaryButton && b.Style <= discordgo.DangerButton:
		if b.URL != "" {
			v.fail("%s: only link buttons may have a url", q)
		}
		v.customID(q, b.CustomID)
	default:
		v.fail("%s: button style %d not allowed", q, b.Style)
	}
}

func (v *validator) selectMenu(q string, m *discordgo.SelectMenu) {
	if m.Type() != discordgo.SelectMenuComponent {
		v.fail("%s: only string select menus are used", q)
	}
	v.customID(q, m.CustomID)
	v.max(q+".placeholder", m.Placeholder, MaxSelectHolder)
	if n := len(m.Options); n < 1 || n > MaxSelectOptions {
		v.fail("%s: %d options, must be 1–%d", q, n, MaxSelectOptions)
	}
	if m.MaxValues > len(m.Options) || m.MaxValues > MaxSelectOptions {
		v.fail("%s: max_values %d exceeds the options", q, m.MaxValues)
	}
	if m.MinValues != nil && (*m.MinValues < 0 || (m.MaxValues > 0 && *m.MinValues > m.MaxValues) || (m.MaxValues == 0 && *m.MinValues > 1)) {
		v.fail("%s: min_values %d out of range", q, *m.MinValues)
	}
	values := map[string]bool{}
	for k, o := range m.Options {
		r := fmt.Sprintf("%s.options[%d]", q, k)
		if o.Label == "" || o.Value == "" {
			v.fail("%s: label and value must not be empty", r)
		}
		v.max(r+".label", o.Label, MaxOptionText)
		v.max(r+".value", o.Value, MaxOptionText)
		v.max(r+".description", o.Description, MaxOptionText)
		if values[o.Value] {
			v.fail("%s: value %q is used twice in the menu", r, o.Value)
		}
		values[o.Value] = true
	}
}
