// Package telegramadapter is the Telegram adapter: it receives updates (long
// polling or webhook), hands them to the core as bridge events through the
// bridge.Host it is built on, and sends the core's answers rendered by
// formatting/tgfmt, paced under Telegram's rate limits by the shared
// adapters/internal/outbound. It is built on
// github.com/go-telegram-bot-api/telegram-bot-api/v5 (v5.5.1), whose BotAPI
// and MakeRequest carry every call; the adapter adds what that version lacks.
// The directory is adapters/telegram.
//
// # Receiving (receive.go, poll.go, webhook.go, update.go)
//
// Every update that asks something of the core goes to Host.Deliver with its
// delivery id (the bot's id and the update_id), and Telegram is told it is
// done only when bridge.Ack holds: long polling confirms it by the next
// getUpdates offset, a webhook answers 200. A refused update is not confirmed:
// polling stops there (the updates after it wait, in order) and asks for it
// again after a pause, a webhook answers 503; either way Telegram delivers it
// again, and the core's dedupe answers a redelivery of an accepted one once.
// Long polling runs its own loop instead of GetUpdatesChan, which confirms an
// update before it is handled; deleteWebhook comes first, 429s wait
// retry_after, errors back off from 1 s to 30 s, and shutdown cancels the
// poll at once. With a webhook URL, Run calls setWebhook with a secret_token
// (through MakeRequest: v5.5.1 has no such field) and POST /telegram/webhook
// accepts only requests carrying it in X-Telegram-Bot-Api-Secret-Token
// (compared in constant time; failures are logged rate-limited, as
// logx.Throttled("telegram.secret")), and reads at most MaxBodyBytes.
//
// # Chats and conversations
//
// A private chat is one conversation per user. In groups the bot answers only
// messages meant for it — commands, @mentions, replies to its messages,
// messages sent via it (inline mode) and presses of its reply keyboard — and,
// in a forum topic the bridge takes part in (Host.Joined: a hand-over case's
// topic), every message. Conversations in groups follow Config.Scope; forum
// topics (message_thread_id, decoded from the raw update because v5.5.1 does
// not know it) go back on every message sent there. In a group the first
// message of each answer replies to the user's last message, and reply
// keyboards are selective, so only that user sees them. The user's
// language_code becomes UserInfo.Locale, their name UserInfo.Name.
//
// A message carries the author's formatting (Message.Rich, from its entities:
// offsets in UTF-16 units, never trusted), the message it replies to
// (Message.ReplyTo) and its files (Message.Files: photo, document, audio,
// voice, video) as links through the bridge (files.go): Telegram's own file
// links hold the bot token.
//
// # Keyboards and clicks (retire.go)
//
// Buttons are inline keyboards whose callback_data is the core's action token.
// A press is delivered as a Click and its spinner stopped (answerCallbackQuery)
// either way; a press the core could not take says, in a short notice, that it
// will be taken shortly: Telegram delivers it again. The core decides how a
// clicked group of buttons retires (bridge.Retirer); the adapter finds the
// group in the neutral message it sent (kept per message, bounded) and
// replaces it with tgfmt.RetireGroup in the keyboard it last set on the
// message, so other groups stay usable and two quick clicks do not undo each
// other. tgfmt puts titled button groups on one keyboard under header rows
// whose callback_data is tgfmt.NoopData: a header press is only answered.
// Input hints (task buttons above the input box) are a one-time reply
// keyboard; its labels are remembered per conversation, and a message with one
// of them is a click.
//
// # Commands, inline mode, media, threads
//
// setMyCommands registers /start, /faq, /hot, /human, /reset and /help in every
// shipped language. /cmd@thisbot works, /cmd@otherbot is ignored. /start with a
// deep-link payload asks it as a question: underscores stand for spaces, and
// "b64-" + base64url carries any UTF-8 text. Inline mode is described in
// inline.go. Pictures, audio and places go as sendPhoto, sendAudio and
// sendVenue; stickers, places and other content the bot cannot read get a
// polite reply saying what it understands. StartThread (topics.go) opens a
// forum topic for a hand-over case, or a reply chain under its card where the
// chat has no topics.
//
// # Sending (send.go, edit.go, api.go)
//
// Every message is checked with tgfmt.Validate before it leaves; one that fails
// (a renderer bug) or that Telegram refuses to parse is logged and sent as
// escaped plain text instead, never dropped. Calls are paced per chat (about
// one a second after a burst of three), per group (20 a minute) and overall (30
// a second); a 429 blocks the chat's key for retry_after and the call is
// retried, so the chat's messages still leave in order, while other chats go
// on; what cannot be sent before the caller's deadline is returned as an
// error. Typing (sendChatAction) and edits (editMessageText) implement
// bridge.Typer and bridge.Editor; a message that took several parts (a long
// answer, a hand-over card with its transcript) is edited part by part in
// place.
//
// The library's HTTP client gets a timeout, and each call carries its own
// context. The bot token never appears in a log line, an error or a link.
package telegramadapter
