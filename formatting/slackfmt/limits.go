package slackfmt

import "unicode/utf8"

// Slack Block Kit limits (docs.slack.dev, Block Kit reference), in characters.
const (
	maxBlocks       = 50    // blocks per message
	maxSectionText  = 3000  // section text, any text object
	maxFieldText    = 2000  // one section field
	maxFields       = 10    // fields per section
	maxHeaderText   = 150   // header block
	maxButtonText   = 75    // button label
	maxActionID     = 255   // action_id
	maxButtonValue  = 2000  // button value
	maxURL          = 3000  // button url, image_url
	maxActionElems  = 25    // elements per actions block
	maxOptions      = 100   // options per static_select
	maxOptionText   = 75    // option text
	maxOptionValue  = 150   // option value
	maxPlaceholder  = 150   // select placeholder
	maxContextElems = 10    // elements per context block
	maxAltText      = 2000  // image alt_text
	maxImageTitle   = 2000  // image title
	maxFallbackText = 4000  // top-level text we accept in Validate
	maxMsgText      = 12000 // all text of one message: Slack answers msg_blocks_too_long above ~13k

	// blockBudget caps the text of one actions or fields block, so that a message
	// always has room for it.
	blockBudget = 6000
	// fallbackLen is how much of the content the notification text shows.
	fallbackLen = 150
	// maxInlineURL is the longest URL kept as a link inside text; a longer one is
	// shown as text after its label.
	maxInlineURL = 1000
	// maxDepth caps list indentation so deep nesting cannot eat a section.
	maxDepth = 6
)

// lenU is the length of s in UTF-16 code units (an invalid byte counts as one, as
// the U+FFFD it becomes in JSON).
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

// runeLenU is the UTF-16 length of one rune.
func runeLenU(r rune) int {
	if r > 0xFFFF && r <= utf8.MaxRune {
		return 2
	}
	return 1
}

// lenUBytes is lenU of b as a string, without making one.
func lenUBytes(b []byte) int {
	n := 0
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		n++
		if r > 0xFFFF {
			n++
		}
		b = b[size:]
	}
	return n
}
