// Package telegram is the Telegram adapter: it receives updates (long polling or
// webhook), turns them into bridge events, and sends the core's answers rendered
// by formatting/tgfmt, paced under Telegram's rate limits. It is built on
// github.com/go-telegram-bot-api/telegram-bot-api/v5 (v5.5.1), whose BotAPI and
// MakeRequest carry every call; the adapter adds what that version lacks.
//
// # Receiving
//
// Long polling (the default) runs its own loop instead of GetUpdatesChan, which
// confirms an update before it is handled: an update is confirmed — by the next
// getUpdates offset — only once the core accepted it, so nothing is lost on a
// restart; deleteWebhook comes first, 429s wait retry_after, errors back off
// from 1 s to 30 s, and shutdown cancels the poll at once. With a webhook URL,
// Run calls setWebhook with a secret_token (through MakeRequest: v5.5.1 has no
// such field) and POST /telegram/webhook accepts only requests carrying it in
// X-Telegram-Bot-Api-Secret-Token (compared in constant time), reads at most
// MaxBodyBytes and answers 200 as soon as the core queued the update. Both paths
// dedupe redeliveries by update_id through Core.Seen (see dedupe.go), so an
// update redelivered after a restart is handled exactly once.
//
// # Chats and conversations
//
// A private chat is one conversation per user. In groups the bot answers only
// messages meant for it — commands, @mentions, replies to its messages, messages
// sent via it (inline mode) and presses of its reply keyboard — which is what
// privacy mode lets through anyway; conversations are per user in the group by
// default (Config.Scope), and forum topics are their own conversations: the
// topic (message_thread_id, decoded from the raw update because v5.5.1 does not
// know it) goes back on every message sent there. In a group the first message
// of each answer replies to the user's last message, and reply keyboards are
// selective, so only that user sees them. The user's language_code becomes
// UserInfo.Locale.
//
// # Keyboards
//
// Buttons are inline keyboards whose callback_data is the core's action token.
// A press is answered at once (answerCallbackQuery); once the core reports how
// the click ended (Clicked), the message's keyboard is edited: after a choice,
// link buttons stay and the action buttons give way to one "✅ label"; an expired
// button's keyboard loses its action buttons; a foreign or failed click changes
// nothing. "Message is not modified" counts as success. tgfmt puts a run of
// titled button groups (the welcome's FAQ categories) on one keyboard under
// header rows whose callback_data is tgfmt.NoopData: a header press is only
// answered, and a choice retires only its own group. Input hints (task
// buttons above the input box) are a one-time reply keyboard; its labels are
// remembered per conversation, and a message with one of them is a click.
//
// # Commands, inline mode, media
//
// setMyCommands registers /start, /faq, /hot, /human, /reset and /help in every
// shipped language. /cmd@thisbot works, /cmd@otherbot is ignored. /start with a
// deep-link payload asks it as a question: underscores stand for spaces, and
// "b64-" + base64url carries any UTF-8 text. Inline mode is described in
// inline.go. Pictures, audio and places go as sendPhoto, sendAudio and sendVenue;
// stickers, voice, photos without a caption and other content the bot cannot
// read get a polite reply saying what it understands.
//
// # Sending
//
// Every message is checked with tgfmt.Validate before it leaves; one that fails
// (a renderer bug) or that Telegram refuses to parse is logged and sent as
// escaped plain text instead, never dropped. Calls are paced per chat (about
// one a second after a burst of three), per group (20 a minute) and overall (30
// a second); a 429 holds the chat's lane for retry_after and the call is
// retried, so the chat's messages still leave in order; what cannot be sent
// before the caller's deadline is returned as an error. Typing (sendChatAction) and streaming edits
// (editMessageText) implement bridge.Typer and bridge.Editor.
//
// The library's HTTP client gets a timeout, and each call carries its own
// context. The bot token never appears in a log line or an error.
package telegram
