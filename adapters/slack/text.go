package slackadapter

import (
	"strings"
	"unicode"
)

// unescaper undoes Slack's three entities (Slack escapes only &, < and >).
var unescaper = strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&")

// plainText turns the text of a Slack message (mrkdwn with <…> entities) into the
// words KM should see: mentions of the bot dropped, other mentions, channels and
// links by their label, entities unescaped, white space collapsed. botID may be
// empty when unknown; leadingMention then drops every mention that starts the
// text (an app_mention starts with ours).
func plainText(s, botID string, leadingMention bool) string {
	var b strings.Builder
	b.Grow(len(s))
	atStart := true
	for len(s) > 0 {
		i := strings.IndexByte(s, '<')
		if i < 0 {
			b.WriteString(s)
			break
		}
		if strings.TrimSpace(s[:i]) != "" {
			atStart = false
		}
		b.WriteString(s[:i])
		s = s[i:]
		j := strings.IndexByte(s, '>')
		if j < 0 { // a stray "<" (Slack escapes them, but be lenient)
			b.WriteString(s)
			break
		}
		inner := s[1:j]
		s = s[j+1:]
		if atStart && leadingMention && botID == "" && strings.HasPrefix(inner, "@") {
			continue
		}
		b.WriteString(entityText(inner, botID))
		atStart = false
	}
	return strings.Join(strings.FieldsFunc(unescaper.Replace(b.String()), unicode.IsSpace), " ")
}

// entityText renders one <…> entity as plain words.
func entityText(inner, botID string) string {
	target, label, hasLabel := strings.Cut(inner, "|")
	label = strings.TrimSpace(label)
	switch {
	case strings.HasPrefix(target, "@"):
		if target[1:] == botID && botID != "" {
			return ""
		}
		if hasLabel && label != "" {
			return "@" + strings.TrimPrefix(label, "@")
		}
		return ""
	case strings.HasPrefix(target, "#"):
		if hasLabel && label != "" {
			return "#" + strings.TrimPrefix(label, "#")
		}
		return ""
	case strings.HasPrefix(target, "!"):
		switch name, _, _ := strings.Cut(target[1:], "^"); name {
		case "here", "channel", "everyone":
			return "@" + name
		}
		if hasLabel {
			return label
		}
		return ""
	}
	if hasLabel && label != "" {
		return label
	}
	return strings.TrimPrefix(target, "mailto:")
}

// truncU shortens s to at most max UTF-16 units (Slack counts characters so),
// ending it with "…" when cut.
func truncU(s string, max int) string {
	n := 0
	for i, r := range s {
		w := 1
		if r > 0xFFFF {
			w = 2
		}
		if n+w > max-1 {
			if rest := s[i:]; lenU(rest) <= max-n {
				return s
			}
			return s[:i] + "…"
		}
		n += w
	}
	return s
}

// lenU is the length of s in UTF-16 units.
func lenU(s string) int {
	n := 0
	for _, r := range s {
		n++
		if r > 0xFFFF {
			n++
		}
	}
	return n
}
