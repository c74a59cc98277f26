// Package webadapter is the web chat adapter: a chat page, an embeddable
// widget and a WebSocket transport, all served on the shared HTTP server
// (Routes). It talks to the core only through bridge.Host and the host's
// HistoryHost and SecretHost abilities.
//
// # Conversations
//
// One conversation per browser. The cookie kmb_sid (HttpOnly, Path=/, 30
// days) holds 16 random bytes and a MAC of them; the conversation is keyed by
// an id derived from the cookie with HMAC-SHA256 under a secret kept in the
// store (identity.go), so the cookie, a bearer value, never leaves the browser
// and this package: ConvKey, cards, logs, metrics and KM's customer_token see
// only the derived id. A cookie this chat did not issue gets a fresh one. All
// tabs of a browser share the conversation: every reply and every echo of the
// user's words goes to each open socket of it.
//
// # What a visitor costs
//
// Nothing until they write or click: a connection makes a cookie (no I/O
// beyond the secret, read once) and is shown the shared welcome (greet.go),
// built once per language with shared buttons. Memory holds the open sockets
// only (hub.go), about 13 KB each; a conversation without an open tab holds
// none: its history is in the store (history.go), from which a (re)connecting
// tab, on this replica or another, after a restart too, is shown the whole
// conversation with the same message ids. MaxOpenSockets bounds the sockets;
// new visitors are never refused below it.
//
// # Receiving and limits
//
// A message or click is delivered to the host with the delivery id
// "<conversation id>:<the page's id>" (receive.go); the page is told ack (and
// every tab sees the echo) only when the host accepted it, else an error
// frame, with retry set when it should send the same frame again (refused at
// shutdown or by a failing store): the core's dedupe makes the resend safe.
// Limits refuse rather than wait (limits.go): per conversation (RatePerMinute,
// RateBurst), per client address across its conversations
// (MessagesPerMinPerIP), and the conversations an address starts
// (MaxNewPerIPPerMin); behind a proxy the address is the one
// TrustedProxies vouch for. Binary frames are refused: the socket is closed
// with 1003.
//
// # Cookie SameSite
//
// Over plain HTTP the cookie is SameSite=Lax. Lax is enough for the chat page
// and for the widget on the chat's own site, but browsers withhold Lax cookies
// from an iframe whose top-level page is another site — which is exactly the
// widget on a customer's site. So when the request arrived over TLS (directly or
// X-Forwarded-Proto: https) the cookie is "SameSite=None; Secure; Partitioned"
// (CHIPS): the widget keeps one conversation per browser per embedding site and
// no other site can read or use it. SameSite is not what protects the socket from
// cross-site use; the Origin check is. When a browser stores no cookie at all (a
// strict third-party cookie policy), the socket still works: each connection gets
// a fresh conversation, and a reload starts over.
//
// # Origins and framing
//
// The widget (GET /widget.js) puts an iframe of our own page on the host site, so
// its WebSocket's Origin is ours: the socket accepts the chat's own host always,
// and other origins only when listed in AllowedOrigins (for sites that open the
// socket from their own pages). A request without Origin (not a browser) is
// accepted: it carries no cookie it did not choose to send. Framing is another
// matter: CSP frame-ancestors is 'self' plus AllowedOrigins (or exactly
// FrameAncestors when set), so a site that embeds the widget must be listed in
// web.allowed_origins — zero-config, the widget works on the chat's own site.
//
// # Safety
//
// Every page carries a strict Content-Security-Policy (no inline script or style
// anywhere, so it needs no nonces), X-Content-Type-Options: nosniff and a
// Referrer-Policy. The browser inserts as HTML only the html fields produced by
// webfmt (which escapes every KM string); everything else is set with
// textContent. Text over MaxMessageBytes gets an error frame and the connection
// stays.
//
// # Hand-over
//
// Agents' replies reach the user as ordinary sends (their Rich rendered by
// webfmt). The web chat has no threads, so it is never the agents' platform
// (no bridge.ThreadStarter), and no upload: Message.Files stays empty.
package webadapter
