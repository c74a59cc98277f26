// Package discord is the Discord adapter: it receives messages and
// interactions (over the gateway, and signed HTTP interactions when a public
// key is configured), turns them into bridge events, and sends the core's
// answers rendered by formatting/discordfmt. It is built on
// github.com/bwmarrin/discordgo (v0.29, API v9), whose Session carries every
// REST call and the gateway connection.
//
// # Receiving
//
// Run opens the gateway with the intents for servers, server and DM messages
// and MESSAGE_CONTENT (privileged: it must be enabled in the Developer Portal,
// or the gateway closes with 4014 and Run says so). discordgo's events are
// dispatched in order on the gateway's reader (SyncEvents), so a
// conversation's messages reach the core in the order Discord sent them. Run
// reconnects itself when the connection drops (discordgo's own loop takes no
// context), and cuts a handshake stuck inside discordgo's Open when its
// context ends. Every message and interaction is deduped by id through
// Core.Seen, so a gateway replay after a resume is handled once.
//
// With Config.PublicKey set, POST /discord/interactions accepts interactions
// signed by Discord: Ed25519 over the X-Signature-Timestamp header and the
// body, the timestamp within 5 minutes; anything else is 401 and nothing of it
// is read further. PING gets PONG.
//
// # Conversations
//
// A DM is one conversation per user. In a server (Config.GuildIDs, empty: any),
// a message that mentions the bot, or any message in a configured channel
// (Config.Channels), is answered in a thread started from it, created when the
// first answer (or typing) goes out; later messages in that thread need no
// mention and continue the same KM session. A mention inside any thread is
// answered in that thread. Threads are told apart with discordgo's state, the
// adapter's memory and, for a mention in an unknown channel, a channel lookup.
// When a thread cannot be started (permissions), the answer replies to the
// question in the channel instead. Bots, the bot itself, webhooks and system
// messages are ignored; a picture without text gets a note that only text is
// read. The user's locale comes from their interactions (and is remembered for
// their messages, which carry none), else the server's preferred locale.
//
// # Commands and components
//
// Run (shard 0) bulk-overwrites the application commands — per configured
// server, else globally — /ask question (with autocomplete), /faq, /hot,
// /human, /reset and /help, described in English, Chinese and Japanese. A
// command is deferred at once (type 5, "is thinking…"); for
// Config.InteractionWindow its conversation's answers go through the
// interaction: the first replaces the deferred response, the rest are
// followups. A deferred response nothing replaced (KM may answer silently) is
// deleted after Config.ThinkingTimeout. Autocomplete answers with KM smart
// hints (Core.Suggest) within Discord's 3 s; choosing one asks it as a smart
// hint click (KM hit, queryType 9).
//
// A button press or select choice becomes a bridge.Click with the token
// discordfmt.ClickToken reads from the component; the interaction is deferred
// (type 6), and once the core reports the click done (Clicked), the clicked
// row (with the rest of its group) is retired with discordfmt.RetireRow
// through that interaction; the message's other menus and buttons (one message
// may carry several FAQ categories, or related questions and the rating) stay
// live. The adapter retires from the components it last set on the message,
// so quick clicks on two rows do not undo each other's retirement; clicks on
// a retired row are ignored. Expired buttons are all retired.
// Over the gateway the event is handed to the core first (keeping the order)
// and the initial response is posted on its own goroutine; whatever uses the
// interaction's webhook later waits for that response.
//
// # Sending
//
// Every rendered message is checked with discordfmt.Validate before it leaves;
// one that fails (a renderer bug) is logged and the message goes out as
// escaped plain text instead, never dropped. Nothing pings anyone
// (allowed_mentions parses nothing). discordgo's own 429 sleeping and retries
// are off: each REST call runs through call, which serialises the calls of one
// rate-limit bucket, waits out discordgo's per-route bucket state and a 429's
// retry_after bounded by the caller's context, and retries 429s and 5xx a few
// times; a wait past the deadline fails at once with an error. Typing
// (ChannelTyping) and edits (streaming; through the webhook for messages sent
// through an interaction) implement bridge.Typer and bridge.Editor.
//
// The constructor does no I/O. No token appears in a log line or an error
// (interaction URLs, which carry one, are scrubbed). discordgo writes its own
// rare error lines to the standard logger: its only hook is a package global,
// which the adapter leaves alone.
package discord
