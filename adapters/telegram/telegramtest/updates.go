package telegramtest

// The updates Telegram sends a bot, as JSON objects for Server.Push (or a
// webhook), and reading what the bot sent.

import (
	"encoding/json"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// Person is a user as Telegram describes one (first name "User").
func Person(id int64, lang string) map[string]any {
	return map[string]any{"id": id, "is_bot": false, "first_name": "User", "last_name": strings.Repeat("x", int(id%3)), "language_code": lang}
}

// PrivateChat is the private chat of a user with the bot.
func PrivateChat(id int64) map[string]any {
	return map[string]any{"id": id, "type": "private", "first_name": "User"}
}

// GroupChat is a supergroup.
func GroupChat(id int64) map[string]any {
	return map[string]any{"id": id, "type": "supergroup", "title": "Helpdesk"}
}

var msgIDs atomic.Int64

// NewMessageID is a message_id for a user's message, none returned twice.
func NewMessageID() int { return 100 + int(msgIDs.Add(1)) }

// Message is a message update; extra fields are merged into the message.
func Message(chat, from map[string]any, text string, extra map[string]any) map[string]any {
	m := map[string]any{"message_id": NewMessageID(), "date": time.Now().Unix(), "chat": chat, "from": from}
	if text != "" {
		m["text"] = text
	}
	for k, v := range extra {
		m[k] = v
	}
	return map[string]any{"message": m}
}

// Private is a text message from user in their private chat with the bot
// (English), a leading /command marked as Telegram marks it.
func Private(user int64, text string) map[string]any {
	return Message(PrivateChat(user), Person(user, "en"), text, CommandEntity(text))
}

// CommandEntity marks a leading /command as Telegram does (nil without one).
func CommandEntity(text string) map[string]any {
	if !strings.HasPrefix(text, "/") {
		return nil
	}
	n := len(text)
	if i := strings.IndexByte(text, ' '); i >= 0 {
		n = i
	}
	return map[string]any{"entities": []map[string]any{{"type": "bot_command", "offset": 0, "length": n}}}
}

// Mention is "@<bot> text" in a group, with the mention entity.
func Mention(chat int64, user int64, text string, extra map[string]any) map[string]any {
	full := "@" + BotName + " " + text
	e := map[string]any{"entities": []map[string]any{{"type": "mention", "offset": 0, "length": len(BotName) + 1}}}
	for k, v := range extra {
		e[k] = v
	}
	return Message(GroupChat(chat), Person(user, "en"), full, e)
}

// BotMessage is the bot's message sent by call c as an update carries it (a
// button's message, a reply's reply_to_message), as the fake holds it now.
func (f *Server) BotMessage(t testing.TB, c Call) map[string]any {
	t.Helper()
	chat := c.Int("chat_id")
	if c.MsgID == 0 {
		t.Fatalf("send %s has no message id", c.Method)
	}
	id := c.MsgID
	m := map[string]any{"message_id": id, "date": time.Now().Unix(),
		"from": map[string]any{"id": BotID, "is_bot": true, "first_name": "Helpdesk", "username": BotName}}
	if chat < 0 {
		m["chat"] = GroupChat(chat)
	} else {
		m["chat"] = PrivateChat(chat)
	}
	if th := c.Params.Get("message_thread_id"); th != "" {
		m["message_thread_id"], m["is_topic_message"] = json.Number(th), true
	}
	if rm := c.Params.Get("reply_markup"); strings.Contains(rm, "inline_keyboard") {
		m["reply_markup"] = json.RawMessage(rm)
	}
	if s, ok := f.Message(chat, id); ok {
		m["text"] = s.Text
		if strings.Contains(s.Markup, "inline_keyboard") {
			m["reply_markup"] = json.RawMessage(s.Markup)
		}
	}
	return m
}

// Click pushes user's press of the button labelled label on the bot's
// message c (a callback_query), and returns the update's id.
func (f *Server) Click(t testing.TB, user int64, c Call, label string) int {
	t.Helper()
	data := CallbackData(t, c, label)
	return f.Push(map[string]any{"callback_query": map[string]any{
		"id": "cb" + data, "from": Person(user, "en"), "chat_instance": "ci", "data": data,
		"message": f.BotMessage(t, c),
	}})
}

// Keyboard decodes the inline keyboard a send carried.
func Keyboard(t testing.TB, c Call) tgbotapi.InlineKeyboardMarkup {
	t.Helper()
	var kb tgbotapi.InlineKeyboardMarkup
	if rm := c.Params.Get("reply_markup"); rm != "" {
		if err := json.Unmarshal([]byte(rm), &kb); err != nil {
			t.Fatalf("reply_markup: %v", err)
		}
	}
	return kb
}

// CallbackData is the callback_data of the button labelled label on c,
// failing the test without one.
func CallbackData(t testing.TB, c Call, label string) string {
	t.Helper()
	for _, row := range Keyboard(t, c).InlineKeyboard {
		for _, b := range row {
			if b.Text == label && b.CallbackData != nil {
				return *b.CallbackData
			}
		}
	}
	t.Fatalf("no button %q on %s", label, c.Params.Get("reply_markup"))
	return ""
}

// Labels are the labels of c's inline buttons.
func Labels(t testing.TB, c Call) []string {
	t.Helper()
	var out []string
	for _, row := range Keyboard(t, c).InlineKeyboard {
		for _, b := range row {
			out = append(out, b.Text)
		}
	}
	return out
}

// SendsWith returns the successful sends whose text or caption contains s.
func (f *Server) SendsWith(s string) []Call {
	var out []Call
	for _, c := range f.Sends() {
		if strings.Contains(c.Params.Get("text"), s) || strings.Contains(c.Params.Get("caption"), s) {
			out = append(out, c)
		}
	}
	return out
}

// WaitSend waits up to 15 s for a successful send containing s and returns
// the latest.
func (f *Server) WaitSend(t testing.TB, s string) Call {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		if cs := f.SendsWith(s); len(cs) > 0 {
			return cs[len(cs)-1]
		}
		if time.Now().After(deadline) {
			t.Fatalf("waited 15s for a message containing %q:%s", s, f.Dump())
		}
		time.Sleep(5 * time.Millisecond)
	}
}
