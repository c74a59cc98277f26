package discordfmt

import (
	"strconv"
	"strings"

	"github.com/bwmarrin/discordgo"
	"github.com/kmbridge/kmbridge/formatting"
)

// Custom IDs that are not action tokens. Tokens are base64url, so they never
// contain ':' and cannot collide with these.
const (
	// SelectID is the custom_id of the select menus Render makes; the chosen
	// option's value is the action token.
	SelectID = "kmb:select"
	// NoopID is the custom_id of buttons that do nothing: page indicators and
	// buttons whose action could not be carried (they are rendered disabled).
	NoopID = "kmb:noop"
	// dupSep separates an ID from its duplicate counter ("tok~2").
	dupSep = "~"
)

// ClickToken returns the action token behind a component interaction: for a
// button its custom_id, for one of Render's select menus the chosen value, in
// both cases without the duplicate suffix. It returns "" for no-op components.
func ClickToken(customID string, values []string) string {
	id := stripDup(customID)
	switch id {
	case SelectID:
		if len(values) == 0 {
			return ""
		}
		id = stripDup(values[0])
		if id == NoopID {
			return ""
		}
		return id
	case NoopID:
		return ""
	}
	return id
}

func stripDup(s string) string {
	i := strings.LastIndex(s, dupSep)
	if i <= 0 || i == len(s)-1 {
		return s
	}
	for _, c := range s[i+1:] {
		if c < '0' || c > '9' {
			return s
		}
	}
	return s[:i]
}

// idSet hands out unique IDs: the base first, then base~2, base~3, …
type idSet map[string]bool

func (s idSet) take(base string) (string, bool) {
	for n := 1; ; n++ {
		id := base
		if n > 1 {
			id = base + dupSep + strconv.Itoa(n)
		}
		if runes(id) > MaxCustomID {
			return "", false
		}
		if !s[id] {
			s[id] = true
			return id, true
		}
	}
}

// row is an action row before custom IDs are made unique for its message.
type row struct {
	buttons []discordgo.Button
	sel     *discordgo.SelectMenu
}

func buttonStyle(s formatting.Style) discordgo.ButtonStyle {
	switch s {
	case formatting.StylePrimary:
		return discordgo.PrimaryButton
	case formatting.StyleDanger:
		return discordgo.DangerButton
	}
	return discordgo.SecondaryButton
}

// button turns a model button into a Discord button. A token is the custom_id;
// a URL makes a link button. A button that can carry neither (no token, a token
// over 100 characters, a URL that is not http(s)) is shown disabled, its label
// keeping any address, so nothing vanishes.
func button(b formatting.Button) discordgo.Button {
	label := oneLine(b.Label)
	out := discordgo.Button{Style: buttonStyle(b.Style)}
	switch {
	case b.Token != "" && runes(b.Token) <= MaxCustomID:
		out.CustomID = b.Token
	case b.Token == "" && b.URL != "":
		if u, ok := safeURL(b.URL); ok && runes(u) <= MaxLinkURL {
			out.Style, out.URL = discordgo.LinkButton, u
			if label == "" {
				label = u
			}
			break
		}
		label = oneLine(linkAsText(label, b.URL))
		fallthrough
	default:
		out.CustomID, out.Disabled = NoopID, true
	}
	if label == "" {
		label = ellipsis // Discord needs a label or an emoji
	}
	out.Label = truncate(label, MaxButtonLabel)
	return out
}

// selectMenus puts action choices into string select menus of at most 25
// options. Option values are tokens, made unique within their menu.
func selectMenus(items []formatting.Button, placeholder string) []*discordgo.SelectMenu {
	ph := truncate(oneLine(placeholder), MaxSelectHolder)
	var out []*discordgo.SelectMenu
	for len(items) > 0 {
		n := min(len(items), MaxSelectOptions)
		m := &discordgo.SelectMenu{MenuType: discordgo.StringSelectMenu, CustomID: SelectID, Placeholder: ph,
			Options: make([]discordgo.SelectMenuOption, 0, n)}
		values := idSet{}
		for _, it := range items[:n] {
			m.Options = append(m.Options, option(it, values))
		}
		out = append(out, m)
		items = items[n:]
	}
	return out
}

func option(b formatting.Button, values idSet) discordgo.SelectMenuOption {
	label := oneLine(b.Label)
	if label == "" {
		label = ellipsis
	}
	o := discordgo.SelectMenuOption{Label: truncate(label, MaxOptionText)}
	if o.Label != label { // the rest of a long label goes in the description
		rest := label[len(o.Label)-len(ellipsis):]
		o.Description = truncate(ellipsis+rest, MaxOptionText)
	}
	v, ok := "", false
	if b.Token != "" {
		v, ok = values.take(b.Token)
	}
	if !ok {
		v, _ = values.take(NoopID)
	}
	o.Value = v
	return o
}

// finishRows makes every custom_id in a message unique and builds the action rows.
func finishRows(rows []row) []discordgo.MessageComponent {
	if len(rows) == 0 {
		return nil
	}
	ids := idSet{}
	out := make([]discordgo.MessageComponent, 0, len(rows))
	for _, r := range rows {
		ar := discordgo.ActionsRow{}
		if n := len(r.buttons); r.sel != nil || n > 0 {
			if r.sel != nil {
				n++
			}
			ar.Components = make([]discordgo.MessageComponent, 0, n)
		}
		if r.sel != nil {
			m := *r.sel
			m.Options = append([]discordgo.SelectMenuOption(nil), r.sel.Options...)
			if id, ok := ids.take(m.CustomID); ok {
				m.CustomID = id
			} else {
				m.CustomID, _ = ids.take(SelectID)
			}
			ar.Components = append(ar.Components, m)
		}
		for _, b := range r.buttons {
			if b.Style != discordgo.LinkButton {
				id, ok := ids.take(b.CustomID)
				if !ok { // a long token seen twice: keep the label, drop the action
					id, _ = ids.take(NoopID)
					b.Disabled = true
				}
				b.CustomID = id
			}
			ar.Components = append(ar.Components, b)
		}
		out = append(out, ar)
	}
	return out
}
