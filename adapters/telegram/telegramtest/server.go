// Package telegramtest is a fake Telegram Bot API for tests, as
// net/http/httptest is a fake network: the methods the bridge uses on
// loopback, a long-poll getUpdates with Telegram's offset semantics, forum
// topics, files, 429 and failure injection, and a check with tgfmt.Validate of
// every text it receives (a test fails on an invalid one); and builders of the
// updates Telegram sends (messages, commands, button presses). Only tests
// import it.
package telegramtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/kmbridge/kmbridge/formatting/tgfmt"
)

// Token is the bot token the fake accepts.
const Token = "777:test-token-ABCdef"

// The fake bot's identity.
const (
	BotID   = 777
	BotName = "kmhelp_bot"
)

// Call is one request the fake Bot API received.
type Call struct {
	Method string
	Params url.Values
	Status int
	MsgID  int       // the message_id a successful send got
	At     time.Time // when the request arrived
	// Updates are the update_ids a getUpdates answer carried.
	Updates []int
	rec     *Call // the recorded copy (while being served)
}

// Int is a parameter read as a number (0 when it is not one).
func (c Call) Int(key string) int64 {
	n, _ := strconv.ParseInt(c.Params.Get(key), 10, 64)
	return n
}

// Sent is a message the bot sent, as the fake keeps it for edits.
type Sent struct {
	Chat    int64
	ID      int
	Thread  string // message_thread_id
	ReplyTo string // reply_parameters
	Text    string
	Markup  string
}

type failure struct {
	status     int
	desc       string
	retryAfter int
	migrateTo  int64
}

// Server is a Bot API server on loopback: the methods the adapter uses, a
// long-poll getUpdates with Telegram's offset semantics, 429 injection, and a
// check with tgfmt.Validate of every text it receives.
type Server struct {
	t   testing.TB
	srv *httptest.Server

	mu        sync.Mutex
	calls     []*Call // recorded on arrival; Status set when answered
	queue     []queuedUpdate
	nextID    int
	confirmed int // the highest offset received
	wake      chan struct{}
	msgs      map[string]*Sent // chat:id → message
	nextMsg   int
	fail      map[string][]failure
	invalid   []string
	pollDown  bool
	// polling is the getUpdates being answered now; a new one ends it with
	// 409, as Telegram ends the older of two (conflicts counts them).
	polling   chan struct{}
	conflicts []time.Time
	closing   chan struct{} // closed at cleanup: long polls return
	onSend    func(Call)    // called after each successful send (benchmarks)
	order     []string      // keys of msgs in the order they were sent

	forums    map[int64]bool    // chats that are forums (getChat's is_forum)
	nextTopic int               // the next forum topic id
	files     map[string][]byte // file_id → content (getFile, downloads)
	// limited429 refuses that many more sends and edits with a 429 asking to
	// wait retry429 seconds; served429 counts the refusals.
	limited429, retry429, served429 int
}

type queuedUpdate struct {
	id  int
	raw json.RawMessage
}

// NewServer starts a fake Bot API on loopback until the test ends, when it
// fails the test for every message that failed tgfmt.Validate.
func NewServer(t testing.TB) *Server {
	f := &Server{t: t, nextID: 1000, wake: make(chan struct{}), msgs: map[string]*Sent{},
		nextMsg: 500, fail: map[string][]failure{}, closing: make(chan struct{}),
		forums: map[int64]bool{}, nextTopic: 7000, files: map[string][]byte{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(func() {
		close(f.closing)
		f.srv.Close()
		f.mu.Lock()
		defer f.mu.Unlock()
		for _, v := range f.invalid {
			t.Errorf("the fake Bot API received an invalid message: %s", v)
		}
	})
	return f
}

// Endpoint is the api_endpoint pattern pointing at the fake.
func (f *Server) Endpoint() string { return f.srv.URL + "/bot%s/%s" }

// URL is the fake's base URL (a proxy in front of it, a test's own request).
func (f *Server) URL() string { return f.srv.URL }

// OnSend has fn called after each successful send (benchmarks).
func (f *Server) OnSend(fn func(Call)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.onSend = fn
}

// NextUpdateID hands out an update_id as Push does, for an update delivered
// another way (to a webhook).
func (f *Server) NextUpdateID() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.nextID++
	return f.nextID
}

// Push queues an update (without update_id) and returns its id.
func (f *Server) Push(u map[string]any) int { return f.PushAll(u)[0] }

// PushAll queues updates at once (a getUpdates gets them all, or none) and
// returns their ids.
func (f *Server) PushAll(us ...map[string]any) []int {
	f.mu.Lock()
	defer f.mu.Unlock()
	ids := make([]int, 0, len(us))
	for _, u := range us {
		f.nextID++
		u["update_id"] = f.nextID
		raw, err := json.Marshal(u)
		if err != nil {
			panic(err)
		}
		f.queue = append(f.queue, queuedUpdate{id: f.nextID, raw: raw})
		ids = append(ids, f.nextID)
	}
	close(f.wake)
	f.wake = make(chan struct{})
	return ids
}

// FailNext makes the next n calls of method fail with status (429: retry_after).
func (f *Server) FailNext(method string, n, status, retryAfter int, desc string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for range n {
		f.fail[method] = append(f.fail[method], failure{status: status, desc: desc, retryAfter: retryAfter})
	}
}

// MigrateNext makes the next call of method answer that the group became
// the supergroup to.
func (f *Server) MigrateNext(method string, to int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fail[method] = append(f.fail[method], failure{status: 400,
		desc: "Bad Request: group chat was upgraded to a supergroup chat", migrateTo: to})
}

// SetPollDown makes getUpdates fail, as if the network to Telegram were gone.
func (f *Server) SetPollDown(down bool) {
	f.mu.Lock()
	f.pollDown = down
	f.mu.Unlock()
}

// Conflicts returns when a getUpdates arrived while another was being
// answered (two bot instances polling at once, or one that cancelled its
// long poll just before: the fake cannot tell these apart at once). Telegram
// ends the older one with 409 Conflict, and so does the fake.
func (f *Server) Conflicts() []time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.conflicts)
}

// Polling reports whether a getUpdates is being answered now.
func (f *Server) Polling() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.polling != nil
}

// Pending returns the ids of the updates not yet confirmed.
func (f *Server) Pending() []int {
	f.mu.Lock()
	defer f.mu.Unlock()
	var ids []int
	for _, q := range f.queue {
		ids = append(ids, q.id)
	}
	return ids
}

// Calls returns every call so far, in the order they arrived.
func (f *Server) Calls() []Call {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]Call, 0, len(f.calls))
	for _, c := range f.calls {
		out = append(out, *c)
	}
	return out
}

// CallsTo returns the calls of the methods, in the order they arrived.
func (f *Server) CallsTo(methods ...string) []Call {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []Call
	for _, c := range f.calls {
		for _, m := range methods {
			if c.Method == m {
				out = append(out, *c)
			}
		}
	}
	return out
}

// WaitCalls polls until at least n successful calls to the methods were made.
func (f *Server) WaitCalls(t testing.TB, n int, methods ...string) []Call {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		var ok []Call
		for _, c := range f.CallsTo(methods...) {
			if c.Status == http.StatusOK {
				ok = append(ok, c)
			}
		}
		if len(ok) >= n {
			return ok
		}
		if time.Now().After(deadline) {
			t.Fatalf("waited 15s for %d successful %v calls, got %d: %s", n, methods, len(ok), f.Dump())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Sends are the successful calls that put a message in a chat.
func (f *Server) Sends() []Call {
	var out []Call
	for _, c := range f.CallsTo("sendMessage", "sendPhoto", "sendAudio", "sendVenue", "sendLocation") {
		if c.Status == http.StatusOK {
			out = append(out, c)
		}
	}
	return out
}

// Dump lists the calls but getUpdates (for failing tests).
func (f *Server) Dump() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var b strings.Builder
	for _, c := range f.calls {
		if c.Method == "getUpdates" {
			continue
		}
		fmt.Fprintf(&b, "\n  %s %d %s", c.Method, c.Status, trimTo(c.Params.Encode(), 300))
	}
	return b.String()
}

func trimTo(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

func (f *Server) reply(w http.ResponseWriter, call *Call, status int, body any) {
	call.Status = status
	if call.rec != nil {
		f.mu.Lock()
		*call.rec = *call
		call.rec.rec = nil
		f.mu.Unlock()
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

func (f *Server) ok(w http.ResponseWriter, call *Call, result any) {
	f.reply(w, call, http.StatusOK, map[string]any{"ok": true, "result": result})
}

func (f *Server) bad(w http.ResponseWriter, call *Call, status int, desc string) {
	f.reply(w, call, status, map[string]any{"ok": false, "error_code": status, "description": desc})
}

func (f *Server) serve(w http.ResponseWriter, r *http.Request) {
	if rest, ok := strings.CutPrefix(r.URL.Path, "/file/bot"); ok {
		f.download(w, rest)
		return
	}
	rest, ok := strings.CutPrefix(r.URL.Path, "/bot")
	tok, method, ok2 := strings.Cut(rest, "/")
	if !ok || !ok2 || tok != Token {
		f.bad(w, &Call{}, http.StatusUnauthorized, "Unauthorized")
		return
	}
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/") {
		_ = r.ParseMultipartForm(1 << 20)
	} else {
		_ = r.ParseForm()
	}
	rec := &Call{Method: method, Params: r.Form, At: time.Now()}
	f.mu.Lock()
	f.calls = append(f.calls, rec)
	f.mu.Unlock()
	// Handlers fill call; reply publishes it before the client can see the
	// response.
	call := *rec
	call.rec = rec

	f.mu.Lock()
	if f.limited429 > 0 && isPostOrEdit(method) {
		f.limited429--
		f.served429++
		retry := f.retry429
		f.mu.Unlock()
		f.reply(w, &call, http.StatusTooManyRequests, map[string]any{"ok": false, "error_code": 429,
			"description": "Too Many Requests: retry after " + strconv.Itoa(retry), "parameters": map[string]any{"retry_after": retry}})
		return
	}
	if q := f.fail[method]; len(q) > 0 {
		fl := q[0]
		f.fail[method] = q[1:]
		f.mu.Unlock()
		body := map[string]any{"ok": false, "error_code": fl.status, "description": fl.desc}
		if fl.retryAfter > 0 {
			body["parameters"] = map[string]any{"retry_after": fl.retryAfter}
		}
		if fl.migrateTo != 0 {
			body["parameters"] = map[string]any{"migrate_to_chat_id": fl.migrateTo}
		}
		f.reply(w, &call, fl.status, body)
		return
	}
	f.mu.Unlock()

	switch method {
	case "getMe":
		f.ok(w, &call, map[string]any{"id": BotID, "is_bot": true, "first_name": "Helpdesk", "username": BotName,
			"can_join_groups": true, "supports_inline_queries": true})
	case "getUpdates":
		f.getUpdates(w, r, &call)
	case "sendMessage", "sendPhoto", "sendAudio", "sendVenue", "sendLocation":
		f.send(w, &call)
	case "editMessageText":
		f.edit(w, &call, true)
	case "editMessageReplyMarkup":
		f.edit(w, &call, false)
	case "answerInlineQuery":
		f.checkInline(call.Params)
		f.ok(w, &call, true)
	case "setMyCommands":
		var cmds []tgbotapi.BotCommand
		if err := json.Unmarshal([]byte(call.Params.Get("commands")), &cmds); err != nil || len(cmds) == 0 {
			f.bad(w, &call, 400, "Bad Request: commands not valid")
			return
		}
		f.ok(w, &call, true)
	case "setWebhook":
		if call.Params.Get("url") == "" {
			f.bad(w, &call, 400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook")
			return
		}
		f.ok(w, &call, true)
	case "answerCallbackQuery", "deleteWebhook", "sendChatAction":
		f.ok(w, &call, true)
	case "deleteMessage":
		key := call.Params.Get("chat_id") + ":" + call.Params.Get("message_id")
		f.mu.Lock()
		_, ok := f.msgs[key]
		delete(f.msgs, key)
		f.order = slices.DeleteFunc(f.order, func(k string) bool { return k == key })
		f.mu.Unlock()
		if !ok {
			f.bad(w, &call, 400, "Bad Request: message to delete not found")
			return
		}
		f.ok(w, &call, true)
	case "getChat":
		id, _ := strconv.ParseInt(call.Params.Get("chat_id"), 10, 64)
		f.mu.Lock()
		forum := f.forums[id]
		f.mu.Unlock()
		f.ok(w, &call, map[string]any{"id": id, "type": "supergroup", "title": "Agents", "is_forum": forum})
	case "createForumTopic":
		id, _ := strconv.ParseInt(call.Params.Get("chat_id"), 10, 64)
		f.mu.Lock()
		forum := f.forums[id]
		f.nextTopic++
		topic := f.nextTopic
		f.mu.Unlock()
		name := call.Params.Get("name")
		if !forum || name == "" || len([]rune(name)) > 128 {
			f.bad(w, &call, 400, "Bad Request: the chat is not a forum")
			return
		}
		f.ok(w, &call, map[string]any{"message_thread_id": topic, "name": name, "icon_color": 7322096})
	case "getFile":
		id := call.Params.Get("file_id")
		f.mu.Lock()
		body, ok := f.files[id]
		f.mu.Unlock()
		if !ok {
			f.bad(w, &call, 400, "Bad Request: invalid file_id")
			return
		}
		f.ok(w, &call, map[string]any{"file_id": id, "file_unique_id": "u" + id, "file_size": len(body), "file_path": "documents/" + id + ".bin"})
	default:
		f.bad(w, &call, http.StatusNotFound, "Not Found")
	}
}

func (f *Server) getUpdates(w http.ResponseWriter, r *http.Request, call *Call) {
	offset, _ := strconv.Atoi(call.Params.Get("offset"))
	limit, _ := strconv.Atoi(call.Params.Get("limit"))
	timeout, _ := strconv.Atoi(call.Params.Get("timeout"))
	if limit <= 0 || limit > 100 {
		limit = 100
	}
	deadline := time.After(time.Duration(timeout) * time.Second)
	ended := make(chan struct{}) // closed by the next getUpdates
	f.mu.Lock()
	if f.polling != nil {
		close(f.polling)
		f.conflicts = append(f.conflicts, time.Now())
	}
	f.polling = ended
	f.mu.Unlock()
	// The poll ends before its answer is written: a client that gets the
	// answer and polls again at once is no second instance.
	end := func() {
		f.mu.Lock()
		if f.polling == ended {
			f.polling = nil
		}
		f.mu.Unlock()
	}
	defer end()
	for {
		f.mu.Lock()
		if f.pollDown {
			f.mu.Unlock()
			f.bad(w, call, http.StatusBadGateway, "Bad Gateway")
			return
		}
		if offset > f.confirmed {
			f.confirmed = offset
		}
		kept := f.queue[:0]
		for _, q := range f.queue {
			if q.id >= f.confirmed {
				kept = append(kept, q)
			}
		}
		f.queue = kept
		var out []json.RawMessage
		var ids []int
		for _, q := range f.queue {
			if len(out) < limit {
				out = append(out, q.raw)
				ids = append(ids, q.id)
			}
		}
		wake := f.wake
		f.mu.Unlock()
		if len(out) > 0 || timeout == 0 {
			if out == nil {
				out = []json.RawMessage{}
			}
			call.Updates = append(call.Updates, ids...)
			end()
			f.ok(w, call, out)
			return
		}
		select {
		case <-wake:
		case <-deadline:
			end()
			f.ok(w, call, []json.RawMessage{})
			return
		case <-r.Context().Done():
			call.Status = 0
			return
		case <-ended:
			f.bad(w, call, http.StatusConflict, "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running")
			return
		case <-f.closing:
			end()
			f.ok(w, call, []json.RawMessage{})
			return
		}
	}
}

// msgOf rebuilds the tgfmt.Msg a send carried, to run Validate on it.
func (f *Server) msgOf(method string, p url.Values) (tgfmt.Msg, error) {
	m := tgfmt.Msg{Method: method, Text: p.Get("text"), Caption: p.Get("caption"), Photo: p.Get("photo"), Audio: p.Get("audio")}
	if method == "editMessageText" {
		m.Method = tgfmt.MethodSendMessage
	}
	if (m.Text != "" || m.Caption != "") && p.Get("parse_mode") != "HTML" {
		return m, fmt.Errorf("parse_mode %q, want HTML", p.Get("parse_mode"))
	}
	if method == "sendVenue" || method == "sendLocation" {
		lat, err1 := strconv.ParseFloat(p.Get("latitude"), 64)
		lng, err2 := strconv.ParseFloat(p.Get("longitude"), 64)
		if err1 != nil || err2 != nil {
			return m, fmt.Errorf("bad coordinates %q %q", p.Get("latitude"), p.Get("longitude"))
		}
		m.Venue = &tgfmt.Venue{Lat: lat, Lng: lng, Title: p.Get("title"), Address: p.Get("address")}
	}
	if rm := p.Get("reply_markup"); rm != "" {
		var probe map[string]json.RawMessage
		if err := json.Unmarshal([]byte(rm), &probe); err != nil {
			return m, fmt.Errorf("reply_markup: %v", err)
		}
		if _, ok := probe["inline_keyboard"]; ok {
			var kb tgbotapi.InlineKeyboardMarkup
			if err := json.Unmarshal([]byte(rm), &kb); err != nil {
				return m, fmt.Errorf("inline keyboard: %v", err)
			}
			if len(kb.InlineKeyboard) > 0 {
				m.InlineKeyboard = &kb
			}
		} else {
			var kb tgbotapi.ReplyKeyboardMarkup
			if err := json.Unmarshal([]byte(rm), &kb); err != nil {
				return m, fmt.Errorf("reply keyboard: %v", err)
			}
			m.ReplyKeyboard = &kb
			m.ReplyTokens = map[string]string{}
			for _, row := range kb.Keyboard {
				for _, b := range row {
					m.ReplyTokens[b.Text] = "t"
				}
			}
		}
	}
	return m, nil
}

func (f *Server) invalidf(format string, args ...any) {
	f.mu.Lock()
	f.invalid = append(f.invalid, fmt.Sprintf(format, args...))
	f.mu.Unlock()
}

func (f *Server) send(w http.ResponseWriter, call *Call) {
	p := call.Params
	chat, err := strconv.ParseInt(p.Get("chat_id"), 10, 64)
	if err != nil {
		f.bad(w, call, 400, "Bad Request: chat not found")
		return
	}
	m, err := f.msgOf(call.Method, p)
	if err == nil {
		err = tgfmt.Validate(m)
	}
	if err != nil {
		f.invalidf("%s: %v (%s)", call.Method, err, trimTo(p.Encode(), 300))
		f.bad(w, call, 400, "Bad Request: can't parse entities: "+err.Error())
		return
	}
	f.mu.Lock()
	f.nextMsg++
	id := f.nextMsg
	call.MsgID = id
	key := strconv.FormatInt(chat, 10) + ":" + strconv.Itoa(id)
	f.msgs[key] = &Sent{Chat: chat, ID: id, Thread: p.Get("message_thread_id"), ReplyTo: p.Get("reply_parameters"),
		Text: p.Get("text") + p.Get("caption"), Markup: p.Get("reply_markup")}
	f.order = append(f.order, key)
	f.mu.Unlock()
	typ := "private"
	if chat < 0 {
		typ = "supergroup"
	}
	f.ok(w, call, map[string]any{"message_id": id, "date": time.Now().Unix(),
		"chat": map[string]any{"id": chat, "type": typ}, "text": p.Get("text")})
	f.mu.Lock()
	onSend := f.onSend
	f.mu.Unlock()
	if onSend != nil {
		onSend(*call)
	}
}

func (f *Server) edit(w http.ResponseWriter, call *Call, text bool) {
	p := call.Params
	key := p.Get("chat_id") + ":" + p.Get("message_id")
	if text {
		m, err := f.msgOf(call.Method, p)
		if err == nil {
			err = tgfmt.Validate(m)
		}
		if err != nil {
			f.invalidf("%s: %v", call.Method, err)
			f.bad(w, call, 400, "Bad Request: can't parse entities: "+err.Error())
			return
		}
	} else if rm := p.Get("reply_markup"); rm != "" {
		var kb tgbotapi.InlineKeyboardMarkup
		if err := json.Unmarshal([]byte(rm), &kb); err != nil {
			f.invalidf("%s: reply_markup: %v", call.Method, err)
		} else if len(kb.InlineKeyboard) > 0 {
			if err := tgfmt.Validate(tgfmt.Msg{Method: tgfmt.MethodSendMessage, Text: "x", InlineKeyboard: &kb}); err != nil {
				f.invalidf("%s: %v", call.Method, err)
			}
		}
	}
	f.mu.Lock()
	m, ok := f.msgs[key]
	if !ok {
		f.mu.Unlock()
		f.bad(w, call, 400, "Bad Request: message to edit not found")
		return
	}
	newText, newMarkup := m.Text, p.Get("reply_markup")
	if text {
		newText = p.Get("text")
	}
	if normMarkup(newMarkup) == normMarkup(m.Markup) && newText == m.Text {
		f.mu.Unlock()
		f.bad(w, call, 400, "Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message")
		return
	}
	m.Text, m.Markup = newText, newMarkup
	f.mu.Unlock()
	f.ok(w, call, map[string]any{"message_id": p.Get("message_id"), "text": newText})
}

// normMarkup treats an absent keyboard and an empty one alike.
func normMarkup(s string) string {
	if s == "" || s == `{"inline_keyboard":[]}` {
		return ""
	}
	return s
}

func (f *Server) checkInline(p url.Values) {
	var results []struct {
		Type    string `json:"type"`
		ID      string `json:"id"`
		Title   string `json:"title"`
		Content struct {
			Text      string `json:"message_text"`
			ParseMode string `json:"parse_mode"`
		} `json:"input_message_content"`
	}
	if err := json.Unmarshal([]byte(p.Get("results")), &results); err != nil {
		f.invalidf("answerInlineQuery: results: %v", err)
		return
	}
	for _, r := range results {
		if r.ID == "" || len(r.ID) > 64 || r.Title == "" || r.Content.ParseMode != "HTML" {
			f.invalidf("answerInlineQuery: bad result %+v", r)
		}
		if err := tgfmt.Validate(tgfmt.Msg{Method: tgfmt.MethodSendMessage, Text: r.Content.Text}); err != nil {
			f.invalidf("answerInlineQuery: %v", err)
		}
	}
}

// Message returns the fake's copy of a sent message.
func (f *Server) Message(chat int64, id int) (Sent, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	m, ok := f.msgs[strconv.FormatInt(chat, 10)+":"+strconv.Itoa(id)]
	if !ok {
		return Sent{}, false
	}
	return *m, true
}

// isPostOrEdit reports the methods that put or change a message in a chat.
func isPostOrEdit(method string) bool {
	switch method {
	case "sendMessage", "sendPhoto", "sendAudio", "sendVenue", "sendLocation", "editMessageText", "editMessageReplyMarkup":
		return true
	}
	return false
}

// Fail429 makes the next n sends and edits fail with a 429 asking to wait
// retryAfter seconds, and returns how many it has refused so far.
func (f *Server) Fail429(n, retryAfter int) (served func() int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.limited429, f.retry429, f.served429 = n, retryAfter, 0
	return func() int {
		f.mu.Lock()
		defer f.mu.Unlock()
		return f.served429
	}
}

// SetForum makes chat a forum (or not) for getChat and createForumTopic.
func (f *Server) SetForum(chat int64, forum bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.forums[chat] = forum
}

// AddFile stores a file the bot may fetch.
func (f *Server) AddFile(id string, body []byte) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.files[id] = body
}

// download serves GET /file/bot<token>/documents/<id>.bin.
func (f *Server) download(w http.ResponseWriter, rest string) {
	tok, p, ok := strings.Cut(rest, "/")
	if !ok || tok != Token {
		http.NotFound(w, nil)
		return
	}
	id := strings.TrimSuffix(strings.TrimPrefix(p, "documents/"), ".bin")
	f.mu.Lock()
	body, found := f.files[id]
	f.mu.Unlock()
	if !found {
		http.NotFound(w, nil)
		return
	}
	_, _ = w.Write(body)
}

// Posted returns the bot's messages in the order they were first sent, as
// they are now (edits applied).
func (f *Server) Posted() []Sent {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]Sent, 0, len(f.order))
	for _, k := range f.order {
		out = append(out, *f.msgs[k])
	}
	return out
}

// Acked reports what became of update id as the fake saw it: confirmed (a
// later getUpdates asked for an offset past it) and refused (it was handed
// out, then asked for again before it was confirmed).
func (f *Server) Acked(id int) (confirmed, refused bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	handed := false
	for _, c := range f.calls {
		if c.Method != "getUpdates" {
			continue
		}
		off, _ := strconv.Atoi(c.Params.Get("offset"))
		if off > id {
			return true, refused
		}
		refused = refused || (handed && off <= id)
		for _, u := range c.Updates {
			handed = handed || u == id
		}
	}
	return false, refused
}
