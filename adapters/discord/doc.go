// Package discordadapter is the Discord adapter: it receives messages and
// interactions (over the gateway, and signed HTTP interactions when a public
// key is configured), delivers them to the bridge's Host, and sends the
// core's answers rendered by formatting/discordfmt. It is built on
// github.com/bwmarrin/discordgo (v0.29, API v9), whose Session carries every
// REST call and the gateway connection. The directory is adapters/discord.
//
// # Receiving
//
// Run opens the gateway with the intents for servers, server and DM messages
// and MESSAGE_CONTENT (privileged: it must be enabled in the Developer Portal,
// or the gateway closes with 4014 and Run says so). discordgo's events are
// dispatched in order on the gateway's reader (SyncEvents), so a
// conversation's messages reach the host in the order Discord sent them.
//
// Every message goes to Host.Deliver with its message id, every interaction
// with its interaction id: the core dedupes them, so a gateway replay is
// handled once. Run reconnects when the connection drops (discordgo's own
// loop takes no context) and resumes the session (RESUME: Discord replays
// what was missed). When Discord refuses to resume (INVALID_SESSION),
// discordgo identifies anew and the adapter catches up through REST: it reads
// what was said since shortly before the last message it heard, in the
// channels where it was spoken to lately and in the configured channels, and
// delivers it (see catchup.go). Run cuts a handshake stuck inside discordgo's
// Open when its context ends.
//
// The gateway never delivers a message again: one the host refuses (the
// store failing, shutting down) gets a note asking the user to send it
// again. An interaction is answered (deferred) only once the host accepted
// it; a refused one is answered with an ephemeral note asking the user to
// try again, rather than left to fail. With Config.PublicKey set, POST
// /discord/interactions accepts interactions signed by Discord: Ed25519 over
// the X-Signature-Timestamp header and the body, the timestamp within
// Config.SignatureMaxAge (5 minutes); anything else is 401 and nothing of it
// is read further. PING gets PONG. At shutdown intake stops first.
//
// # Conversations
//
// A DM is one conversation per user. In a server (Config.GuildIDs, empty:
// any), a message that mentions the bot, or any message in a configured
// channel (Config.Channels), is answered in a thread started from it, created
// when the first answer (or typing) goes out; later messages in that thread
// need no mention and continue the same KM session. So do messages in any
// thread the bridge takes part in (Host.Joined: it answered there, or a
// hand-over's case thread). Config.Scope (bridge.channel_scope) groups a
// thread's messages: one conversation per thread (default), per user, or
// shared. When a thread cannot be started (permissions), the answer replies
// to the question in the channel instead. Bots, the bot itself, webhooks and
// system messages are ignored. A message's text goes to KM as written; its
// Discord markdown is parsed into Message.Rich (ParseMarkdown) and its
// attachments become Message.Files (Discord's CDN links), for hand-over
// relays. The user's locale comes from their interactions (and is remembered
// for their messages, which carry none), else the server's preferred locale.
//
// StartThread (bridge.ThreadStarter) posts a hand-over's card into the
// agents' channel and starts a thread from it; the thread's key is built as a
// message written in it is keyed.
//
// # Commands and components
//
// Run (shard 0) registers the application commands — per configured server,
// else globally — /ask question (with autocomplete), /faq, /hot, /human,
// /reset and /help, described in English, Chinese and Japanese. It reads
// what Discord has first and overwrites (bulk) only when that differs. A
// command is deferred at once (type 5, "is thinking…"); for
// Config.InteractionWindow its conversation's answers go through the
// interaction: the first replaces the deferred response, the rest are
// followups. A deferred response nothing replaced (KM may answer silently) is
// deleted after Config.ThinkingTimeout. Autocomplete answers with KM smart
// hints (Host.Suggest) within Discord's 3 s; choosing one asks it as a smart
// hint click (KM hit, queryType 9).
//
// A button press or select choice becomes a bridge.Click with the token
// discordfmt.ClickToken reads from the component; the interaction is deferred
// (type 6). The core checks that the clicker may use it (buttons are the
// asker's) and decides what to retire (bridge.Retirer): the clicked group,
// found in the neutral message the adapter keeps per sent message, is
// replaced with discordfmt.RetireGroup in the components the adapter last set
// on the message, through the click's interaction; the message's other
// groups stay live. A click on a component already retired (a stale client),
// or a second click of a user on a message while their first is in flight,
// does nothing.
//
// # Sending
//
// Every rendered message is checked with discordfmt.Validate before it leaves;
// one that fails (a renderer bug) is logged and the message goes out as
// escaped plain text instead, never dropped. Nothing pings anyone
// (allowed_mentions parses nothing). discordgo's own 429 sleeping and retries
// are off: each REST call runs through call, on adapters/internal/outbound:
// the calls of one rate-limit bucket (or one interaction's webhook) go one at
// a time in order, every call but webhook calls takes a slot of Discord's
// global limit (50 a second), discordgo's per-route bucket state and a 429's
// retry_after (every route's, when Discord says global) are waited out bounded
// by the caller's context, and 429s and 5xx are retried a few times; a wait
// past the deadline fails at once with an error. Typing (ChannelTyping) and
// edits (streaming; through the webhook for messages sent through an
// interaction) implement bridge.Typer and bridge.Editor.
//
// The constructor does no I/O. No token appears in a log line or an error
// (interaction URLs, which carry one, are scrubbed). discordgo logs through
// its package-level hook, which cmd/kmbridge points at slog.
package discordadapter
