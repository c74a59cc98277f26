// Package slackadapter is kmbridge's Slack adapter (directory adapters/slack),
// built on github.com/slack-go/slack. It does Slack's I/O only: receive, verify,
// acknowledge, deduplicate, translate to bridge events, render with slackfmt,
// send, pace and retry. Conversations, KM sessions and buttons' actions belong
// to the bridge core.
//
// # Connections
//
// Events API over HTTP on the shared server (Routes): POST /slack/events
// (including url_verification), /slack/interactions, /slack/options
// (block_suggestion → options) and /slack/commands. Every route checks the v0
// signature and the ±5 minute timestamp before anything else (401 otherwise) and
// bounds the body (Config.MaxBodyBytes). With Config.AppToken, Run uses Socket
// Mode instead (apps.connections.open and a WebSocket), for hosts with no
// public URL; the HTTP routes keep working when a signing secret is set too.
//
// # Acknowledgement and redelivery
//
// A request is answered once its event is queued in the core (Core.Handle
// returns at once); only bounded lookups (users.info and conversations.open,
// cached, Config.LookupTimeout) run before that, so Slack's 3 s hold, and the
// answer is worked out afterwards. Slack redelivers what it thinks was not
// acknowledged (X-Slack-Retry-Num, Socket Mode re-sends): every delivery is
// checked through Core.Seen — events by event_id, user messages also by
// channel+ts (a mention in one of our threads arrives both as app_mention and as
// message), clicks and commands by trigger_id — so each is handled once, also
// across a restart with memstore's snapshot.
//
// # Conversations
//
// A DM is one conversation per user; an assistant thread (Slack's AI app pane,
// where every "new chat" is a thread of the DM) is one of its own. An @mention in a channel is answered in
// a thread: the mention's own or the thread it was written in; from then on the
// thread is ours and its messages are answered without another mention (per
// thread, or per user in the thread with bridge.ScopeUser). The adapter
// remembers our threads in memory and, after a restart, recognises them by the
// conversation's KM session in the store. Bot messages, the bot's own,
// edits, deletions, joins and other subtypes are ignored. users.info (with
// include_locale) gives the name, email and locale that go to KM and choose the
// language. ConvKey.Workspace stays empty: the bot token serves one workspace,
// channel ids are unique in it, and in Slack Connect channels events and
// interaction payloads name different teams, while a conversation's key must
// never differ between them.
//
// # Interactivity
//
// Buttons and static selects carry the bridge's action token (slackfmt); a
// click becomes a bridge.Click with the message as Ref. When the core reports
// the click done (ClickNotifier), the message is updated with slackfmt.Retire:
// the choice shows as "✓ label" and its buttons are gone; clicks on a message
// whose first click is still being handled, or that was retired, are ignored.
// Ephemeral messages are updated through their response_url.
//
// # App Home, typeahead, slash command, assistant threads
//
// app_home_opened publishes a Home tab (at most once per Config.HomeRefresh per
// user): the welcome, a "Search the knowledge base" external select, and the FAQ
// categories and hot questions (the core's cached lists, Core.FAQ and Core.Hot)
// as buttons. The core mints their tokens (Core.Tokens) for the user's DM
// conversation, so a click is an ordinary bridge.Click answered in the DM.
// The search's options are an "Ask: …" option (Core.SuggestionTokens) and KM's
// smart hints (Core.Suggest), within Slack's 3 s.
// The slash command (Config.Command, default /ask) asks, runs sub-commands
// (faq, hot, human, reset, help) or, alone, shows help and the FAQ; answers go to
// the DM or appear ephemerally (Config.SlashReply). In assistant threads the
// adapter sets the "thinking" status while KM works (bridge.Typer), offers hot
// questions as suggested prompts, and with Config.Streaming streams answers with
// chat.startStream/appendStream/stopStream; elsewhere a streamed answer is a
// post followed by chat.update edits.
//
// # Sending
//
// Every payload is rendered by slackfmt and checked with slackfmt.Validate
// before it is sent; a failure is a rendering bug, logged, and the message goes
// out as plain text instead. Messages are paced per channel (Config.RatePerSecond,
// Config.Burst); a 429 holds the channel back for Retry-After and the call is
// retried (Config.MaxRetries), so a conversation's messages keep their order and
// a final failure is returned to the core, never dropped silently. No token,
// secret or signature is ever logged.
package slackadapter
