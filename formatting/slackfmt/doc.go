// Package slackfmt renders a formatting.Message as Slack Block Kit messages and
// checks payloads against Slack's limits. It is pure: no I/O, no clocks.
//
// What it owns:
//   - Render: Message → one or more Msg (fallback text + blocks), split to stay within
//     Slack's limits (50 blocks, 3000-character sections, ~12000 characters of text per
//     message) without dropping content.
//   - Validate: the limits and rules every payload the Slack adapter sends must meet.
//   - RetireGroup: the clicked group of buttons of a sent message replaced by the
//     choice (the one retirement policy); every other group stays.
//
// Escaping KM text for mrkdwn. Slack parses &, < and > as control characters, so KM
// text always has them as &amp; &lt; &gt;: "<!channel>", "<@U1>", "<#C1>" and
// "<!subteam^…>" in KM text can never take effect, and the only "<" left in our
// mrkdwn starts a link we built. Text objects are sent with verbatim=true, so Slack
// does not auto-link channel names or parse mentions in plain words; as a second
// guard a WORD JOINER (U+2060) goes after the "@" of a literal "@channel", "@here" or
// "@everyone".
//
// Slack has no backslash escape for *, _, ~ and `. A zero-width space does not help:
// Slack treats it as a word boundary, so "\u200b*\u200b" still opens bold (jsx-slack's
// "exact mode" relies on exactly that). Instead a marker character in KM text that
// could open or close formatting is replaced by a look-alike that Slack ignores
// (* → ∗ U+2217, _ → ˍ U+02CD, ~ → ∼ U+223C, ` → ˋ U+02CB, and the full-width ＊ ＿ ｀).
// A marker between two ASCII letters or digits (snake_case, 2*3) or between two
// spaces cannot format and is left alone. A line whose text starts with ">" (or the
// full-width "＞") gets a soft hyphen (U+00AD) in front so it does not become a quote.
// Our own markers get a zero-width space on their outer side when they touch a
// non-space character, which is what makes *bold* work inside CJK text.
//
// Lengths are measured in UTF-16 code units, never fewer than Slack's characters.
package slackfmt
