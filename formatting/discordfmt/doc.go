// Package discordfmt renders a formatting.Message as Discord messages
// (discordgo.MessageSend values) within Discord's limits, and validates and retires
// them. It owns Discord-flavoured markdown, escaping of KM text, message splitting,
// embeds, button and select-menu layout, and the custom_id scheme.
//
// Everything here is a pure function: no I/O, no clocks, no globals.
//
// Custom IDs. A button's custom_id is its action token. Discord requires custom_ids
// to be unique within a message, so when a token appears more than once in one
// message, the second and later occurrences get a "~2", "~3", … suffix (bridge
// tokens are base64url, which never contains '~'). A select menu's custom_id is
// SelectID (plus a suffix when a message has several); the chosen option's value
// is the token, suffixed the same way within its menu. Page indicators and
// buttons that cannot carry an action use NoopID. ClickToken turns what an
// interaction reports back into the token.
//
// A run of titled button groups (a welcome's FAQ categories; an answer's
// related questions and rating) shares messages: every group but the last is a
// select menu whose placeholder is its title, the last keeps its buttons under
// its title when they fit (see run.go). RetireGroup retires only the rows of
// the clicked group (the one retirement policy, formatting.RetiredGroup), so
// the other menus and buttons of a shared message stay live.
package discordfmt
