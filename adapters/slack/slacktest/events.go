package slacktest

// What Slack sends an app: Events API callbacks and interactivity payloads,
// signed as Slack signs them.

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slack-go/slack"
)

var seq atomic.Int64

func uniq() int64 { return seq.Add(1) }

// NewTS is a message timestamp no other call of it returns.
func NewTS() string { return fmt.Sprintf("1600000000.%06d", uniq()) }

// NewEventID is an Events API event_id no other call of it returns.
func NewEventID() string { return fmt.Sprintf("Ev%08d", uniq()) }

// Sign computes Slack's v0 request signature of body sent at ts.
func Sign(secret string, ts int64, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(m, "v0:%d:", ts)
	m.Write(body)
	return "v0=" + hex.EncodeToString(m.Sum(nil))
}

// SignedPost posts body to base+path signed with secret at ts, as Slack does,
// with opts applied to the request, and fails the test when the answer took
// more than Slack's 3 s.
func SignedPost(t testing.TB, c *http.Client, base string, ts int64, secret, path, contentType string, body []byte, opts ...func(*http.Request)) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, base+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("X-Slack-Request-Timestamp", strconv.FormatInt(ts, 10))
	req.Header.Set("X-Slack-Signature", Sign(secret, ts, body))
	for _, o := range opts {
		o(req)
	}
	start := time.Now()
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("%s answered after %s, more than Slack's 3 s", path, d)
	}
	return resp.StatusCode, out
}

// Callback is an Events API event_callback carrying inner.
func Callback(eventID string, inner map[string]any) []byte {
	b, _ := json.Marshal(map[string]any{
		"token": "legacy", "team_id": TeamID, "api_app_id": "A1", "type": "event_callback",
		"event_id": eventID, "event_time": time.Now().Unix(), "event": inner,
		"authorizations": []map[string]any{{"team_id": TeamID, "user_id": BotUser, "is_bot": true}},
	})
	return b
}

// IMMessage is a message event in a direct message with the app.
func IMMessage(channel, user, text string) map[string]any {
	ts := NewTS()
	return map[string]any{"type": "message", "channel_type": "im", "channel": channel, "user": user,
		"text": text, "ts": ts, "event_ts": ts}
}

// ChanMessage is a message event in a channel (in thread, when not "").
func ChanMessage(channel, user, thread, text string) map[string]any {
	ts := NewTS()
	m := map[string]any{"type": "message", "channel_type": "channel", "channel": channel, "user": user,
		"text": text, "ts": ts, "event_ts": ts}
	if thread != "" {
		m["thread_ts"] = thread
	}
	return m
}

// Mention is an app_mention event.
func Mention(channel, user, thread, text string) map[string]any {
	ts := NewTS()
	m := map[string]any{"type": "app_mention", "channel": channel, "user": user, "text": text, "ts": ts, "event_ts": ts}
	if thread != "" {
		m["thread_ts"] = thread
	}
	return m
}

// Echo is what Slack sends the app about a message it posted itself: a
// message event with the bot's user and bot_id.
func Echo(m Msg) map[string]any {
	ev := ChanMessage(m.Channel, BotUser, m.Thread, m.Text)
	ev["ts"], ev["bot_id"] = m.TS, BotID
	return ev
}

// ClickPayload is the block_actions payload of user's click on message m as
// f holds it; action is ButtonAction's (or a select's).
func (f *Server) ClickPayload(user string, m Msg, action map[string]any) map[string]any {
	msg := map[string]any{"type": "message", "ts": m.TS, "text": m.Text, "blocks": m.Blocks}
	container := map[string]any{"type": "message", "message_ts": m.TS, "channel_id": m.Channel, "is_ephemeral": m.Ephemeral}
	if m.Thread != "" {
		msg["thread_ts"] = m.Thread
		container["thread_ts"] = m.Thread
	}
	action["block_id"] = "b1"
	action["action_ts"] = NewTS()
	p := map[string]any{
		"type": "block_actions", "trigger_id": fmt.Sprintf("trig%d", uniq()),
		"user": map[string]any{"id": user}, "team": map[string]any{"id": TeamID},
		"container": container, "channel": map[string]any{"id": m.Channel},
		"response_url": f.HookURL(fmt.Sprintf("r%d", uniq())),
		"actions":      []any{action},
	}
	if !m.Ephemeral {
		p["message"] = msg
	}
	return p
}

// ButtonAction is the action of a click on button b.
func ButtonAction(b *slack.ButtonBlockElement) map[string]any {
	return map[string]any{"type": "button", "action_id": b.ActionID, "value": b.Value,
		"text": map[string]any{"type": "plain_text", "text": b.Text.Text}}
}

// Blocks decodes a message's blocks.
func Blocks(t testing.TB, raw json.RawMessage) []slack.Block {
	t.Helper()
	if len(raw) == 0 {
		return nil
	}
	var bs slack.Blocks
	if err := json.Unmarshal(raw, &bs); err != nil {
		t.Fatalf("blocks: %v", err)
	}
	return bs.BlockSet
}

// Elements returns the interactive elements of a message: its buttons that
// carry a value, and its selects.
func Elements(t testing.TB, raw json.RawMessage) (buttons []*slack.ButtonBlockElement, selects []*slack.SelectBlockElement) {
	t.Helper()
	for _, b := range Blocks(t, raw) {
		if ab, ok := b.(*slack.ActionBlock); ok && ab.Elements != nil {
			for _, el := range ab.Elements.ElementSet {
				switch el := el.(type) {
				case *slack.ButtonBlockElement:
					if el.Value != "" {
						buttons = append(buttons, el)
					}
				case *slack.SelectBlockElement:
					selects = append(selects, el)
				}
			}
		}
	}
	return buttons, selects
}

// Button finds m's button labelled label, failing the test without one.
func Button(t testing.TB, m Msg, label string) *slack.ButtonBlockElement {
	t.Helper()
	buttons, _ := Elements(t, m.Blocks)
	for _, b := range buttons {
		if b.Text.Text == label {
			return b
		}
	}
	t.Fatalf("no %q button in %s", label, m.Blocks)
	return nil
}

// Text is what a reader sees of m: its fallback text and every text of its
// blocks (section texts, fields, context elements, button labels), in order,
// one per line.
func Text(m Msg) string {
	var b strings.Builder
	b.WriteString(m.Text)
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if s, ok := v["text"].(string); ok {
				b.WriteString("\n" + s)
			}
			for _, k := range []string{"text", "fields", "elements", "accessory", "title", "description"} {
				if x, ok := v[k]; ok {
					if _, isStr := x.(string); !isStr {
						walk(x)
					}
				}
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	var blocks any
	if json.Unmarshal(m.Blocks, &blocks) == nil {
		walk(blocks)
	}
	return b.String()
}
