// Package kmclient is a typed client for the Udesk KM robot API: every endpoint of
// the seeds, request signing, the response envelope and KM's error messages.
//
// One request path serves every endpoint: the URL is BaseURL + the endpoint path,
// the query carries the Signer's parameters (email, timestamp, sign, …), the body is
// JSON, and the answer is KM's envelope {code, message, visible, exception, paging,
// data}. A code other than 200, an HTTP error status or a body that is not an
// envelope becomes an *APIError; errors.Is(err, ErrSessionExpired) tells the caller
// to initialise the session again. Only failures that cannot have duplicated work are
// retried: dial errors, and 429/503 answers carrying Retry-After. Neither the token
// nor a sign ever appears in an error or a log line.
//
// The chat runtime lives in runtime.go and sse.go (v2 newChat streaming); the
// knowledge admin endpoints in questions.go, similar.go, datums.go and records.go.
//
// # Choices the seeds leave open
//
// The seed documents are the source of truth; where they leave a choice open,
// kmclient takes the most literal reading and makes it in one place. Clicks are
// built in clicks.go, and nowhere else:
//
//   - A selective_product choice is POST /v1/hit with hitSource 3 ("structured
//     message from product list") and the product's id as questionId, its name as
//     questionContent (ProductClick). /v1/hit's queryType lists 6, 7, 8 and 9,
//     none of them a product, so none is sent.
//   - A text shortcut entry is POST /v1/hit with hitSource 1 ("message from a
//     shortcut entry") and the entry's content as questionContent (ShortcutClick).
//     modelId is documented as the entry's own id, not a question's, so no
//     questionId is sent. Link entries open their link.
//   - A task button with nextActionType NEXT_NODE is POST /v1/flow, the flow call
//     KM documents, with the button's flowId (TaskButtonClick). /v1/flow has no
//     field for nodeId, so it is not sent; flowContent, "the specific content of
//     the flow", is the button's name as a paragraph of HTML, because the seeds'
//     example flowContent is HTML ("<p>11111</p><p>22222</p><p>33333</p>"). A
//     button whose flowId is not an integer is asked as text (its name).
//   - A clickable element of flowContent (data-type and data-id, all data-*
//     values strings, 001) is POST /v1/flow with the flowId KM returned with that
//     flowContent: the 001 seed says flowId is "provided when the bot returns flow
//     content". flowContent is the element's own HTML as KM wrote it (tag,
//     data-type, data-id, text), which is HTML like the example and tells KM what
//     was clicked. Only when the answer carries no flowId is the element's data-id
//     used (FlowElementClick).
//   - An element whose data-type is "question" or "1" is POST /v1/hit with
//     queryType 8, "question clicked inside a flow", and its data-id; the seeds
//     name no data-type values, so this is a convention shared with kmsim
//     (FlowQuestionClick).
//
// Other readings, each in the one place named:
//
//   - Types: the seeds type fields as Integer, String or Boolean, yet their own
//     examples send ids both ways and null anywhere. Every scalar of a response is
//     read from a number, a string, a boolean or null alike, and a field that still
//     cannot be read is dropped and logged by name, never the whole answer
//     (tolerant.go). An unknown msgType is read as the structure it looks like, or
//     as text (AnsContent.Infer).
//   - Streaming (/v2/newChat): the 001 example has data: lines with no blank line
//     between them and no final full-answer event. A data: line that is a whole
//     JSON value or [DONE] is dispatched at once, and [DONE] ends the stream
//     whether or not KM closes it (sse.go); the answer is the streamed text, with
//     any logId and sessionId a chunk carried (Chunk).
//   - msgType: 001 lists ans_selective_table only as a structure name, and names
//     every structure ans_<msgType>; any msgType decodes with or without that
//     prefix, in any case (NormalizeMsgType).
//   - An expired session: the seeds give the failure no code of its own (every
//     failure is code 400), so it is recognised by its message, without regard to
//     case, spacing, punctuation or a 【field】 prefix (APIError.Is, SameMessage).
//   - POST /v1/datums: the 003 field table requires displayName, its example
//     leaves it out; the table wins, and an empty one is sent as the name
//     (CreateDatum).
//   - turnFlag 0 forbids switching between groups of products (001). Showing only
//     the first showSize products would hide the rest for good, so a list with
//     turnFlag 0 is shown whole (ProductList.Paged).
//   - customer.id is a Long (001): it is sent as a number, and an id that is not
//     an integer is left out rather than fail initClient (Customer.MarshalJSON).
//   - Signing: every example in the seeds is signed v1, the lowercase hex SHA1 of
//     email&token&timestamp, so v1 is the default; v2 (Udesk's open API scheme,
//     SHA256 with a nonce) is there for tenants that want it (Config.SignVersion).
//     kmbridge check says which one a tenant accepts.
package kmclient
