// Package slackadapter is kmbridge's Slack adapter (directory adapters/slack),
// built on github.com/slack-go/slack. It does Slack's I/O only: receive,
// verify, acknowledge, translate to bridge events, render with slackfmt, send,
// pace and retry. Conversations, KM sessions, dedupe and buttons' actions
// belong to the bridge core, which the adapter sees only as a bridge.Host.
//
// # Parts
//
// New(cfg, host, opts…) builds an Adapter of parts with one job each: a
// receiver (routes, Socket Mode, events → host.Deliver), a sender (render,
// post, edit, stream, start threads), clicks (button presses → events, the
// core's retirements carried out), extras (App Home, its typeahead, assistant
// threads), people (users.info, conversations.open, the bot's id, cached),
// convs (how a message maps to a conversation key) and api, slack-go behind
// the one call wrapper that paces and retries.
//
// # Connections
//
// Events API over HTTP on the shared server (Routes): POST /slack/events
// (including url_verification), /slack/interactions, /slack/options
// (block_suggestion → options) and /slack/commands. Every route checks the v0
// signature and the ±5 minute timestamp before anything else (401 otherwise,
// the warning rate-limited) and bounds the body (Config.MaxBodyBytes). With
// Config.AppToken, Run uses Socket Mode instead (apps.connections.open and a
// WebSocket), for hosts with no public URL; the HTTP routes keep working when a
// signing secret is set too.
//
// # Acknowledgement and redelivery
//
// Every event goes to host.Deliver under Slack's id for it: an event's
// event_id (which an HTTP retry and a Socket Mode re-send keep), a click's
// user, message and action_ts, a slash command's trigger_id. Slack is told it
// arrived (HTTP 200, the Socket Mode envelope acknowledged) only when
// bridge.Ack says so: the event is durable in the core's inbox, a duplicate,
// or refused as busy with the user told. Anything else is answered 503, or
// the envelope left unacknowledged, and Slack delivers it again. Only bounded
// lookups (users.info and conversations.open, cached, Config.LookupTimeout)
// run before that, within Slack's 3 s; the answer is worked out afterwards.
// Requests before Run or after it returned get 503: at shutdown intake stops
// first.
//
// # Conversations
//
// A DM is one conversation per user; an assistant thread (Slack's AI app pane,
// where every "new chat" is a thread of the DM) is one of its own. An @mention
// in a channel is answered in a thread: the mention's own or the thread it was
// written in. Messages in a thread the bridge takes part in (host.Joined: the
// bot answered there, or it is a hand-over case thread) are delivered without
// a mention (per thread, or per user in the thread with bridge.ScopeUser); a
// message there that mentions the bot comes as app_mention only. Bot messages,
// the bridge's own, edits, deletions, joins and other subtypes are ignored.
// users.info (with include_locale) gives the name, email and locale that go to
// KM and choose the language. ConvKey.Workspace stays empty: the bot token
// serves one workspace, channel ids are unique in it, and in Slack Connect
// channels events and interaction payloads name different teams, while a
// conversation's key must never differ between them.
//
// A message's Rich is the author's formatting, from its rich_text blocks when
// it has them (Slack's clients send them; they are exact), else from its
// mrkdwn; Files are its files' permalinks, which need a Slack login and carry
// no token (never url_private). Text stays the plain words KM is asked.
//
// # Interactivity
//
// Buttons and static selects carry the bridge's action token (slackfmt); a
// click becomes a bridge.Click with the message as Ref. The core decides what
// becomes of the clicked group (bridge.Retirer): the adapter replaces that
// group, found in the neutral message it sent (formatting.Retiring), with
// slackfmt.RetireGroup; every other group stays usable. Ephemeral messages are
// updated through their response_url. A click on a group already retired (a
// stale view), or a user's further click on a message while their first is
// handled, goes no further.
//
// # Hand-over
//
// StartThread (bridge.ThreadStarter) posts a case card at the top of the
// agents' channel; the thread's key is the one a person's reply there gets
// under bridge.ScopeThread, sending to it lands in the thread, and Edit on the
// root ref updates the card.
//
// # App Home, typeahead, slash command, assistant threads
//
// app_home_opened publishes a Home tab (at most once per Config.HomeRefresh per
// user): the welcome, a "Search the knowledge base" external select, and
// host.Home's FAQ categories and hot questions, minted for the user's DM
// conversation, so a click is an ordinary bridge.Click answered in the DM.
// The search's options are an "Ask: …" option (host.Mint, LifeSuggestion) and
// KM's smart hints (host.Suggest), within Slack's 3 s. The slash command
// (Config.Command, default /ask) asks, runs sub-commands (faq, hot, human,
// reset, help) or, alone, shows help and the FAQ; answers go to the DM or
// appear ephemerally (Config.SlashReply). In assistant threads the adapter
// sets the "thinking" status while KM works (bridge.Typer), offers
// HomeContent.Prompts as suggested prompts, and with Config.Streaming streams
// answers with chat.startStream/appendStream/stopStream; elsewhere a streamed
// answer is a post followed by chat.update edits.
//
// # Sending
//
// Every payload is rendered by slackfmt and checked with slackfmt.Validate
// before it is sent; a failure is a rendering bug, logged, and the message goes
// out as plain text instead. Calls are paced per channel (Config.RatePerSecond,
// Config.Burst) through adapters/internal/outbound, holding the channel's lane
// so its messages keep their order; a 429 holds the channel back for
// Retry-After and the call is retried (Config.MaxRetries), and a final failure
// is returned to the core, never dropped silently. No token, secret, signature
// or response_url is ever logged.
package slackadapter
