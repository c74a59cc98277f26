package slackadapter

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/slack-go/slack"
)

// echo is the message part of a chat.postMessage answer, as Slack sends it.
const echo = `"message":{"type":"message","subtype":"bot_message","text":"Reset it from the login page.","user":"UBOT","bot_id":"BBOT","app_id":"A1","ts":"1800000000.000001","team":"T1","blocks":[{"type":"section","block_id":"b1","text":{"type":"mrkdwn","text":"*Reset it* from the <https://example.com|login page>.","verbatim":false}},{"type":"actions","block_id":"b2","elements":[{"type":"button","action_id":"a1","text":{"type":"plain_text","text":"Helpful","emoji":true},"value":"tok1"}]}],"bot_profile":{"id":"BBOT","app_id":"A1","name":"kmbridge","icons":{"image_36":"https://example.com/36.png"},"deleted":false,"updated":1700000000,"team_id":"T1"}}`

// canned answers of chat.postMessage and chat.update, the ordinary and the odd.
var canned = []struct {
	name   string
	status int
	header map[string]string
	body   string
}{
	{"posted", 200, nil, `{"ok":true,"channel":"D1","ts":"1800000000.000001",` + echo + `}`},
	{"echo first", 200, nil, `{` + echo + `,"ok":true,"channel":"D1","ts":"1800000000.000002"}`},
	{"warning", 200, nil, `{"ok":true,"channel":"C1","ts":"1.2","warning":"missing_charset,superfluous_charset","response_metadata":{"warnings":["missing_charset","superfluous_charset"]},` + echo + `}`},
	{"scheduled", 200, nil, `{"ok":true,"channel":"C1","scheduled_message_id":"Q1","text":"hi"}`},
	{"refused", 200, nil, `{"ok":false,"error":"channel_not_found"}`},
	{"refused with details", 200, nil, `{"ok":false,"error":"invalid_blocks","errors":["invalid additional property: colour"],"response_metadata":{"messages":["[ERROR] invalid additional property: colour [json-pointer:/blocks/0/text]"]}}`},
	{"missing scope", 200, nil, `{"ok":false,"error":"missing_scope","needed":"chat:write","provided":"users:read"}`},
	{"rate limited", 429, map[string]string{"Retry-After": "3"}, `{"ok":false,"error":"ratelimited"}`},
	{"server error", 500, map[string]string{"Content-Type": "text/html"}, `<html>oops</html>`},
	{"not json", 200, map[string]string{"Content-Type": "text/html"}, `<html>a proxy's page</html>`},
	{"cut short", 200, nil, `{"ok":true,"channel":"D1","ts":"1.2","message":{"type":"mess`},
	{"odd types", 200, nil, `{"ok":"yes","channel":"D1","ts":"1.2"}`},
	{"trailing data", 200, nil, `{"ok":true,"channel":"D1","ts":"1.2"} {"more":1}`},
	{"empty", 200, nil, ``},
}

// outcome is everything slack-go returns from a post or an update.
type outcome struct {
	channel, ts, text string
	errType, errText  string
	retryAfter        string
}

func outcomeOf(channel, ts, text string, err error) outcome {
	o := outcome{channel: channel, ts: ts, text: text}
	if err != nil {
		o.errType, o.errText = fmt.Sprintf("%T", err), err.Error()
		var rl *slack.RateLimitedError
		if errors.As(err, &rl) {
			o.retryAfter = rl.RetryAfter.String()
		}
	}
	return o
}

// TestEchoTrimmerChangesNothingSlackGoReturns: slack-go's PostMessageContext
// and UpdateMessageContext return the same channel, ts, text and error (its
// type, text and Retry-After) through the trimming transport as through a
// plain one, for every canned answer.
func TestEchoTrimmerChangesNothingSlackGoReturns(t *testing.T) {
	for _, c := range canned {
		t.Run(c.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_ = r.ParseForm()
				ct := "application/json; charset=utf-8"
				for k, v := range c.header {
					w.Header().Set(k, v)
				}
				if w.Header().Get("Content-Type") == "" {
					w.Header().Set("Content-Type", ct)
				}
				w.WriteHeader(c.status)
				_, _ = io.WriteString(w, c.body)
			}))
			defer srv.Close()
			plain := slack.New("xoxb-test", slack.OptionAPIURL(srv.URL+"/api/"), slack.OptionHTTPClient(srv.Client()))
			trim := slack.New("xoxb-test", slack.OptionAPIURL(srv.URL+"/api/"), slack.OptionHTTPClient(withEchoTrimmed(srv.Client())))
			ctx := context.Background()
			post := func(c *slack.Client) outcome {
				ch, ts, text, err := c.SendMessageContext(ctx, "D1", slack.MsgOptionPost(), slack.MsgOptionText("hi", false))
				return outcomeOf(ch, ts, text, err)
			}
			update := func(c *slack.Client) outcome {
				ch, ts, text, err := c.UpdateMessageContext(ctx, "D1", "1.2", slack.MsgOptionText("hi", false))
				return outcomeOf(ch, ts, text, err)
			}
			if want, got := post(plain), post(trim); want != got {
				t.Errorf("chat.postMessage:\nplain   %+v\ntrimmed %+v", want, got)
			}
			if want, got := update(plain), update(trim); want != got {
				t.Errorf("chat.update:\nplain   %+v\ntrimmed %+v", want, got)
			}
		})
	}
}

// TestEchoTrimmerDropsTheEcho: what slack-go reads of a post's answer is the
// answer without its message, and other methods' answers are not touched.
func TestEchoTrimmerDropsTheEcho(t *testing.T) {
	body := canned[0].body
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, body)
	}))
	defer srv.Close()
	hc := withEchoTrimmed(srv.Client())
	read := func(method string) string {
		resp, err := hc.Post(srv.URL+"/api/"+method, "application/x-www-form-urlencoded", strings.NewReader("channel=D1"))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		if resp.ContentLength != int64(len(b)) {
			t.Errorf("%s: Content-Length %d for %d bytes", method, resp.ContentLength, len(b))
		}
		return string(b)
	}
	for _, m := range []string{"chat.postMessage", "chat.update"} {
		if got, want := read(m), `{"ok":true,"channel":"D1","ts":"1800000000.000001"}`; got != want {
			t.Errorf("%s: slack-go reads %s, want %s", m, got, want)
		}
	}
	if got := read("chat.postEphemeral"); got != body {
		t.Errorf("chat.postEphemeral's answer was changed: %s", got)
	}
}

// BenchmarkPostMessage is one chat.postMessage through slack-go against a
// server that echoes the message as Slack does, with and without the
// trimming transport.
func BenchmarkPostMessage(b *testing.B) {
	body := []byte(canned[0].body)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	}))
	defer srv.Close()
	for _, bc := range []struct {
		name string
		hc   *http.Client
	}{{"plain", srv.Client()}, {"trimmed", withEchoTrimmed(srv.Client())}} {
		b.Run(bc.name, func(b *testing.B) {
			c := slack.New("xoxb-test", slack.OptionAPIURL(srv.URL+"/api/"), slack.OptionHTTPClient(bc.hc))
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := c.PostMessageContext(ctx, "D1", slack.MsgOptionText("hi", false)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
