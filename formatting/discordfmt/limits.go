package discordfmt

import "unicode/utf8"

// Discord's limits. Discord counts Unicode code points (its API is Python 3; see
// discord/discord-api-docs#1315), so every length here is a rune count.
const (
	MaxContent       = 2000 // message content
	MaxEmbeds        = 10   // embeds per message
	MaxEmbedTotal    = 6000 // title+description+fields+footer+author over all embeds of a message
	MaxEmbedTitle    = 256
	MaxEmbedDesc     = 4096
	MaxEmbedFields   = 25
	MaxFieldName     = 256
	MaxFieldValue    = 1024
	MaxFooter        = 2048
	MaxAuthorName    = 256
	MaxRows          = 5   // action rows per message
	MaxRowButtons    = 5   // buttons per action row
	MaxButtonLabel   = 80  // button label
	MaxCustomID      = 100 // button and select custom_id
	MaxLinkURL       = 512 // link button url
	MaxSelectOptions = 25
	MaxOptionText    = 100 // select option label, value and description
	MaxSelectHolder  = 150 // select placeholder
)

const (
	ellipsis = "…"
	// zwsp separates markers that would otherwise merge ("**a**" + "*b*") and makes
	// mass mentions inert where a backslash would show (code).
	zwsp = "\u200b"
	// maxNesting caps list indentation so prefixes never eat a message.
	maxNesting = 8
	// maxLinkTargetRune is the longest URL made into a link; a longer one could
	// not share a message with anything else.
	maxLinkTargetRune = 1000
)

func runes(s string) int { return utf8.RuneCountInString(s) }

// truncate shortens s to at most n runes, ending with "…" when it had to cut.
func truncate(s string, n int) string {
	if runes(s) <= n {
		return s
	}
	if n <= 0 {
		return ""
	}
	i, k := 0, 0
	for i < len(s) && k < n-1 {
		_, w := utf8.DecodeRuneInString(s[i:])
		i += w
		k++
	}
	return s[:i] + ellipsis
}

// runePrefix returns the first n runes of s.
func runePrefix(s string, n int) string {
	i, k := 0, 0
	for i < len(s) && k < n {
		_, w := utf8.DecodeRuneInString(s[i:])
		i += w
		k++
	}
	return s[:i]
}
