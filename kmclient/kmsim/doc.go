// Package kmsim is an in-process simulator of the Udesk KM robot API. It owns the
// fake KM that backs kmbridge's tests, benchmarks and zero-config demo: an
// http.Handler serving the seeds' runtime, knowledge-admin and records endpoints
// over a YAML knowledge base, with the seeds' envelope, field names and error
// messages, signature checks, idle session expiry, a call recorder and fault knobs.
//
// Tests serve it on loopback with httptest.NewServer(sim) and point a
// kmclient.Client at server.URL + "/api" (Options.BasePath). Responses are built
// from the kmclient types, so client and simulator agree on the wire by
// construction, and may agree on a misreading of the documents too. The referee
// is the verbatim mode (Options.Examples, see verbatim.go): every endpoint answers
// with the seed documents' own example, byte for byte (kmclient/testdata/seed,
// loaded with seedex.Load).
//
// Choices the seeds leave open, made here and relied on by tests:
//   - Business failures are an envelope with code 400 and KM's message, sent with
//     HTTP 200 (Options.ErrorHTTPStatus changes the HTTP status).
//   - A request whose email/timestamp/sign do not verify gets HTTP 401 and
//     {"code":401,"message":"Signature verification failed"}; a timestamp outside
//     Options.MaxSkew (±5 min) gets HTTP 401 and "Request expired".
//   - Deleting a question answers HTTP 204 with no body; deleting a similar question
//     answers an OK envelope, as the seed's example shows.
//   - Streaming newChat errors detected before the stream starts are answered as an
//     ordinary JSON envelope, not as an event stream.
package kmsim
