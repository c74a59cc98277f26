// Package outbound paces and retries the calls adapters make to their
// platforms: one keyed pacer, one retry loop, one sleep, for every adapter.
//
// It replaces what the adapters had each written for themselves, keeping
// every behaviour they had:
//
//   - Slack (pace.go): one message a second per channel with a small burst
//     (GCRA); after a 429, nothing more to that channel until Retry-After has
//     passed; reservations handed out in call order; 429s retried up to
//     Config.MaxRetries times, Retry-After defaulting to a second.
//   - Telegram (pace.go, api.go): one message a second per chat after a burst,
//     20 a minute per group, 30 a second in all, reserved together; a chat's
//     calls hold the chat's lane one at a time, in order, through their
//     retries; 429s wait retry_after (the chat is blocked for every caller) and
//     are retried until the deadline; transient failures (5xx, a dial that
//     failed) are retried twice with a growing pause; a wait that would
//     outlast the context's deadline fails at once; advisory calls (typing)
//     skip a chat that is waiting out a 429; idle chats are forgotten.
//   - Discord (call.go): calls of one rate-limit bucket (or one interaction's
//     webhook) go one at a time, in the order they asked, through their
//     retries; a 429's retry_after and a 5xx's growing backoff are waited out
//     up to Config.MaxRetries times; a wait past the deadline fails at once
//     with an error that says so; idle gates are forgotten. Discord's global
//     limit (50 a second) is a global key here.
//   - web (ratelimit.go): a per-session token bucket that refuses rather than
//     waits (Pacer.Allow).
//   - sleep(ctx, d), copied four times: Sleep.
//
// The pieces:
//
//   - Pacer: GCRA limits per key class (Limit), a call reserving several keys
//     at once (a channel, its group, the global limit); reservations of one
//     key never go before an earlier one (order); BlockUntil after a 429;
//     Lane, a first-come first-served hold on a key for a call and its
//     retries; an injectable Clock so tests neither sleep nor race the wall
//     clock (outboundtest.Clock).
//   - Do and Pacer.Do: one retry loop, where a platform's Classifier maps an
//     error to a Verdict (give up, retry after the platform's wait, retry with
//     backoff) under a Policy (how many retries of each kind, the longest
//     wait accepted). A wait that would outlast the context's deadline is not
//     begun: the call fails at once with an *Error wrapping ErrDeadline (and
//     so context.DeadlineExceeded).
//   - Sleep: wait d or until ctx ends, failing at once when ctx's deadline
//     comes first.
//
// Nothing here logs or knows a platform; errors carry durations and the
// platform's own error, which adapters scrub of tokens as before.
package outbound
