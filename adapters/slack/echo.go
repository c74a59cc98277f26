package slackadapter

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

// echoTrimmer drops the echo of the posted message from Slack's answers to
// chat.postMessage and chat.update before slack-go reads them.
//
// Slack answers each post with the whole message as it stored it (text,
// blocks, bot profile: several KB), and slack-go decodes all of it into a
// slack.Message, blocks and all, for callers that never see it (the adapter
// needs the ts). That decoding was 12 % of kmbridge's CPU under load
// (BENCHMARKS.md). Here the answer is read once, without building the echo,
// and slack-go is handed the answer without it: it decodes a few hundred
// bytes. Everything else is untouched, so slack-go's handling of the answer
// is the same as before: its status checks (a 429's *slack.RateLimitedError,
// StatusCodeError) come before the body is read, and ok, error, warning,
// errors and response_metadata reach its slack.SlackErrorResponse and
// warnings as Slack sent them. An answer that does not parse as expected is
// passed on as it came, for slack-go to report.
type echoTrimmer struct {
	base http.RoundTripper
}

// trimmedMethods are the Web API methods whose answers carry the echo.
var trimmedMethods = []string{"/chat.postMessage", "/chat.update"}

// chatAnswer is a chat.postMessage or chat.update answer without its
// "message": every other field slack-go's chatResponseFull reads, kept as
// sent.
type chatAnswer struct {
	OK                 bool            `json:"ok"`
	Channel            string          `json:"channel,omitempty"`
	TS                 string          `json:"ts,omitempty"`
	MessageTS          string          `json:"message_ts,omitempty"`
	ScheduledMessageID string          `json:"scheduled_message_id,omitempty"`
	Text               string          `json:"text,omitempty"`
	Error              string          `json:"error,omitempty"`
	Warning            string          `json:"warning,omitempty"`
	Errors             json.RawMessage `json:"errors,omitempty"`
	ResponseMetadata   json.RawMessage `json:"response_metadata,omitempty"`
	Needed             string          `json:"needed,omitempty"`
	Provided           string          `json:"provided,omitempty"`
}

// maxEcho bounds what is read of an answer here; a longer one is passed on
// as it is (slack-go reads it as before).
const maxEcho = 1 << 20

var echoBufs = sync.Pool{New: func() any { return new(bytes.Buffer) }}

func (t echoTrimmer) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(req)
	if err != nil || resp.StatusCode != http.StatusOK || !trimmed(req) {
		return resp, err
	}
	buf := echoBufs.Get().(*bytes.Buffer)
	buf.Reset()
	defer func() {
		if buf.Cap() <= maxEcho {
			echoBufs.Put(buf)
		}
	}()
	_, rerr := buf.ReadFrom(io.LimitReader(resp.Body, maxEcho+1))
	var a chatAnswer
	if rerr != nil || buf.Len() > maxEcho || json.Unmarshal(buf.Bytes(), &a) != nil {
		// Hand slack-go what was read followed by the rest, unchanged.
		resp.Body = struct {
			io.Reader
			io.Closer
		}{io.MultiReader(bytes.NewReader(bytes.Clone(buf.Bytes())), resp.Body), resp.Body}
		return resp, nil
	}
	resp.Body.Close()
	small, err := json.Marshal(&a)
	if err != nil { // cannot happen: strings and raw JSON that parsed
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(small))
	resp.ContentLength = int64(len(small))
	resp.Header.Set("Content-Length", strconv.Itoa(len(small)))
	return resp, nil
}

func trimmed(req *http.Request) bool {
	for _, m := range trimmedMethods {
		if strings.HasSuffix(req.URL.Path, m) {
			return true
		}
	}
	return false
}

// withEchoTrimmed returns a copy of hc whose transport trims the echo.
func withEchoTrimmed(hc *http.Client) *http.Client {
	c := *hc
	base := c.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	c.Transport = echoTrimmer{base: base}
	return &c
}
