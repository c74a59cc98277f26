package tgfmt

import tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

// Bot API methods a Msg can stand for.
const (
	MethodSendMessage  = "sendMessage"
	MethodSendPhoto    = "sendPhoto"
	MethodSendAudio    = "sendAudio"
	MethodSendVenue    = "sendVenue"
	MethodSendLocation = "sendLocation"
)

// ParseMode is the parse_mode of every Text and Caption that Render produces.
const ParseMode = tgbotapi.ModeHTML

// Telegram's limits, in UTF-16 code units of the text after entity parsing, and in
// buttons. The keyboard figures are not in the Bot API reference but are what the
// server enforces (more gives "reply markup is too long"; see tginfo/Telegram-Limits).
const (
	MaxTextLen       = 4096
	MaxCaptionLen    = 1024
	MaxCallbackData  = 64
	MaxInlineRow     = 8
	MaxInlineButtons = 100
	MaxReplyRow      = 12
	MaxReplyButtons  = 300
)

// Msg is one Bot API call. The adapter sends it as is: Text or Caption with
// parse_mode ParseMode, and at most one of InlineKeyboard and ReplyKeyboard as
// reply_markup.
type Msg struct {
	// Method is one of the Method* constants.
	Method string
	// Text is the HTML text of a sendMessage.
	Text string
	// Caption is the HTML caption of a sendPhoto or sendAudio (may be empty).
	Caption string
	// Photo and Audio are the URLs of a sendPhoto or sendAudio.
	Photo string
	Audio string
	// Venue is the place of a sendVenue (or the point of a sendLocation).
	Venue *Venue
	// InlineKeyboard holds the message's buttons. We use the SDK's own type: the
	// adapter sends through that SDK, so it can pass the value straight through and
	// its JSON is the Bot API's by construction.
	InlineKeyboard *tgbotapi.InlineKeyboardMarkup
	// ReplyKeyboard shows the message's input hints above the input box (one-time,
	// resized).
	ReplyKeyboard *tgbotapi.ReplyKeyboardMarkup
	// ReplyTokens maps each ReplyKeyboard label to its action token: a pressed
	// reply-keyboard button arrives as an ordinary text message with the label, and
	// the adapter turns it back into a click. Labels are unique.
	ReplyTokens map[string]string
	// DisableWebPagePreview is set on text made only of links (file lists), where a
	// preview of the first link would be noise.
	DisableWebPagePreview bool
}

// Venue is a place for sendVenue.
type Venue struct {
	Lat, Lng       float64
	Title, Address string
}
