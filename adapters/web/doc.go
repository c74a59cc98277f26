// Package web is the web chat adapter: a chat page, an embeddable widget and a
// WebSocket transport, all served on the shared HTTP server (Routes).
//
// # Conversations
//
// One conversation per browser: a random id (128 bits from crypto/rand) lives in
// the cookie kmb_sid (HttpOnly, Path=/, 30 days). Its ConvKey is
// {Platform: "web", Channel: sid, User: sid}. All tabs of a browser share the
// conversation: every reply and every echo of the user's words is fanned out to
// each open socket of that id. The adapter keeps the last HistorySize rendered
// messages of each conversation in memory and replays them when a socket
// connects, so a reload resumes where it left off.
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
// textContent. Each conversation has a token bucket (RatePerMinute, burst
// RateBurst): a message over it gets a polite error frame and is not processed.
// Text over MaxMessageBytes gets an error frame too and the connection stays.
package web
