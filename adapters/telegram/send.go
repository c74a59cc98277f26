package telegramadapter

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/kmbridge/kmbridge/adapters/internal/outbound"
	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/formatting"
	"github.com/kmbridge/kmbridge/formatting/tgfmt"
	"github.com/kmbridge/kmbridge/i18n"
	"github.com/kmbridge/kmbridge/internal/memo"
)

// sender sends and edits the bot's messages and shows typing.
type sender struct {
	api   *api
	board *board
	cat   *i18n.Catalog
	log   *slog.Logger

	// Memory (bounded, TTL): reply-keyboard labels per conversation, the
	// user's last message per group conversation (the answer replies to it),
	// group → supergroup migrations.
	replyKB  *memo.Memo[string, map[string]string]
	lastMsg  *memo.Memo[string, int]
	migrated *memo.Memo[int64, int64]
	// parts are the ids of messages sent in several parts (see
	// rememberParts).
	parts *memo.Memo[string, []int]
}

// Memory lifetimes.
const (
	replyKBTTL  = 7 * 24 * time.Hour // as long as the core keeps button actions
	lastMsgTTL  = 24 * time.Hour
	migratedTTL = 30 * 24 * time.Hour
)

func newSender(a *api, b *board, cat *i18n.Catalog, log *slog.Logger, size int, now func() time.Time) *sender {
	return &sender{
		api: a, board: b, cat: cat, log: log,
		replyKB:  memo.New[string, map[string]string](size, replyKBTTL, now),
		lastMsg:  memo.New[string, int](size, lastMsgTTL, now),
		migrated: memo.New[int64, int64](size, migratedTTL, now),
		parts:    memo.New[string, []int](size, boardTTL, now),
	}
}

// dest is where a conversation's messages go: the chat (after any group →
// supergroup migration), the forum topic (0: none) and the message a reply
// chain hangs from (0: none).
type dest struct {
	chat   int64
	thread int
	root   int
}

// replyChain is the Thread of a conversation key for a reply chain: "r" and
// the id of the message its messages reply to (a hand-over case's card in a
// chat that is not a forum). Forum topics are plain numbers.
const replyChain = "r"

// target is where the conversation k's messages go.
func (s *sender) target(k bridge.ConvKey) (dest, error) {
	if k.Platform != Platform {
		return dest{}, fmt.Errorf("telegram: conversation of platform %q", k.Platform)
	}
	chat, err := strconv.ParseInt(k.Channel, 10, 64)
	if err != nil || chat == 0 {
		return dest{}, fmt.Errorf("telegram: conversation has no chat id (%q)", k.Channel)
	}
	if to, ok := s.migrated.Get(chat); ok {
		chat = to
	}
	d := dest{chat: chat}
	if k.Thread != "" {
		id, chain := strings.CutPrefix(k.Thread, replyChain)
		n, err := strconv.Atoi(id)
		if err != nil || n <= 0 {
			return dest{}, fmt.Errorf("telegram: conversation has a bad thread id (%q)", k.Thread)
		}
		if chain {
			d.root = n
		} else {
			d.thread = n
		}
	}
	return d, nil
}

// Send renders m with tgfmt and sends the parts in order, holding the chat's
// order lane so that no other message to the chat (another user's answer in a
// group) lands between them. In a group the first part replies to the user's
// last message; in a reply chain, to the chain's first message. The returned
// ref is the last part.
func (s *sender) Send(ctx context.Context, to bridge.ConvKey, m formatting.Message) (bridge.MsgRef, error) {
	ids, err := s.post(ctx, to, m)
	if err != nil || len(ids) == 0 {
		return bridge.MsgRef{}, err
	}
	return bridge.MsgRef{Key: to, ID: strconv.Itoa(ids[len(ids)-1])}, nil
}

// post is Send, returning the ids of every part.
func (s *sender) post(ctx context.Context, to bridge.ConvKey, m formatting.Message) ([]int, error) {
	d, err := s.target(to)
	if err != nil {
		return nil, err
	}
	msgs := tgfmt.Render(m)
	if len(msgs) == 0 {
		return nil, nil
	}
	release, err := s.api.pace.Lane(ctx, orderKey(d.chat))
	if err != nil {
		return nil, fmt.Errorf("telegram: send: %w", err)
	}
	defer release()
	replyTo := d.root
	if replyTo == 0 && d.chat < 0 {
		replyTo, _ = s.lastMsg.Get(to.String())
	}
	ids := make([]int, 0, len(msgs))
	for i, msg := range msgs {
		id, err := s.sendOne(ctx, &d, msg, replyTo, to, m)
		if err != nil {
			return nil, fmt.Errorf("telegram: send part %d of %d: %w", i+1, len(msgs), err)
		}
		ids, replyTo = append(ids, id), 0
	}
	s.rememberParts(to.Channel, ids)
	return ids, nil
}

// rememberParts keeps the ids of a message sent (or edited) into several
// parts under its first and last part, and under the handles callers may
// hold from before an edit (the ids Send or StartThread returned), so that
// Edit replaces them in place rather than add the trailing parts again (a
// hand-over card with its transcript, a long answer streamed).
func (s *sender) rememberParts(chat string, ids []int, handles ...int) {
	if len(ids) == 0 {
		return
	}
	for _, id := range append([]int{ids[0], ids[len(ids)-1]}, handles...) {
		k := boardKey(chat, strconv.Itoa(id))
		if len(ids) == 1 && id == ids[0] {
			s.parts.Take(k)
			continue
		}
		s.parts.Put(k, ids)
	}
}

// partsOf is the ids of the message id's parts: [id] when it was one.
func (s *sender) partsOf(chat string, id int) []int {
	if ids, ok := s.parts.Get(boardKey(chat, strconv.Itoa(id))); ok {
		return ids
	}
	return []int{id}
}

// sendOne sends one rendered part of src on the chat's held order lane. A
// message that fails Validate (a renderer bug), or that Telegram cannot show
// (entities it cannot parse, a picture or sound it cannot fetch), goes out as
// plain text instead: never nothing.
func (s *sender) sendOne(ctx context.Context, d *dest, msg tgfmt.Msg, replyTo int, key bridge.ConvKey, src formatting.Message) (int, error) {
	if msg.ReplyKeyboard != nil && len(msg.ReplyTokens) > 0 {
		// Before the call (here or as the plain-text fallback): Telegram
		// shows the keyboard before its answer reaches us, and a press read
		// first would be taken for an ordinary message.
		s.rememberReplyKeyboard(key, msg.ReplyTokens)
	}
	if err := tgfmt.Validate(msg); err != nil {
		s.log.Error("telegram: rendered message is invalid (a renderer bug); sending it as plain text", "err", err)
		return s.sendFallback(ctx, d, msg, replyTo, key, src)
	}
	p, err := params(*d, msg, replyTo)
	if err != nil {
		return 0, err
	}
	resp, err := s.api.call(ctx, chatCall(d.chat), msg.Method, p)
	if to, ok := migratedTo(err); ok {
		s.log.Info("telegram: group became a supergroup; following it", "to", to)
		s.migrated.Put(d.chat, to)
		d.chat = to
		p["chat_id"] = strconv.FormatInt(to, 10)
		resp, err = s.api.call(ctx, chatCall(d.chat), msg.Method, p)
	}
	switch {
	case err == nil:
	case cantParse(err):
		s.log.Error("telegram: Telegram refused our HTML although it passed Validate; sending plain text", "err", err)
		return s.sendFallback(ctx, d, msg, replyTo, key, src)
	case badRequest(err) && msg.Method != tgfmt.MethodSendMessage:
		s.log.Warn("telegram: media refused; sending it as text", "method", msg.Method, "err", err)
		return s.sendFallback(ctx, d, msg, replyTo, key, src)
	default:
		return 0, err
	}
	id := messageID(resp)
	s.sent(key, id, msg, src)
	return id, nil
}

// sent records a sent part's inline keyboard with the neutral message behind
// it (for retirement); its reply keyboard's labels were remembered before it
// was sent (sendOne).
func (s *sender) sent(key bridge.ConvKey, id int, msg tgfmt.Msg, src formatting.Message) {
	if id != 0 && msg.InlineKeyboard != nil {
		s.board.set(key.Channel, strconv.Itoa(id), src, msg.InlineKeyboard)
	}
}

// sendFallback sends msg's content as escaped plain text, keeping its keyboard
// when the keyboard itself is valid.
func (s *sender) sendFallback(ctx context.Context, d *dest, msg tgfmt.Msg, replyTo int, key bridge.ConvKey, src formatting.Message) (int, error) {
	parts := tgfmt.Render(plainMessage(plainText(msg)))
	if len(parts) == 0 {
		parts = tgfmt.Render(formatting.Plain(s.cat.Printer("").T("telegram.unrenderable")))
	}
	last := &parts[len(parts)-1]
	if msg.InlineKeyboard != nil {
		last.InlineKeyboard = msg.InlineKeyboard
	} else if msg.ReplyKeyboard != nil {
		last.ReplyKeyboard, last.ReplyTokens = msg.ReplyKeyboard, msg.ReplyTokens
	}
	if tgfmt.Validate(*last) != nil {
		last.InlineKeyboard, last.ReplyKeyboard, last.ReplyTokens = nil, nil, nil
	}
	id := 0
	for _, part := range parts {
		if err := tgfmt.Validate(part); err != nil {
			return 0, fmt.Errorf("telegram: plain-text fallback is invalid too: %w", err)
		}
		p, err := params(*d, part, replyTo)
		if err != nil {
			return 0, err
		}
		resp, err := s.api.call(ctx, chatCall(d.chat), part.Method, p)
		if err != nil {
			return 0, err
		}
		id, replyTo = messageID(resp), 0
		s.sent(key, id, part, src)
	}
	return id, nil
}

// params are the Bot API parameters of a rendered message. The library's
// configs cannot carry message_thread_id or reply_parameters, so the adapter
// builds the parameters and sends them with MakeRequest.
func params(d dest, msg tgfmt.Msg, replyTo int) (tgbotapi.Params, error) {
	p := tgbotapi.Params{"chat_id": strconv.FormatInt(d.chat, 10)}
	if d.thread != 0 {
		p["message_thread_id"] = strconv.Itoa(d.thread)
	}
	switch msg.Method {
	case tgfmt.MethodSendMessage:
		p["text"] = msg.Text
		p["parse_mode"] = tgfmt.ParseMode
		if msg.DisableWebPagePreview {
			p["disable_web_page_preview"] = "true"
		}
	case tgfmt.MethodSendPhoto, tgfmt.MethodSendAudio:
		if msg.Method == tgfmt.MethodSendPhoto {
			p["photo"] = msg.Photo
		} else {
			p["audio"] = msg.Audio
		}
		if msg.Caption != "" {
			p["caption"] = msg.Caption
			p["parse_mode"] = tgfmt.ParseMode
		}
	case tgfmt.MethodSendVenue, tgfmt.MethodSendLocation:
		v := msg.Venue
		p["latitude"] = strconv.FormatFloat(v.Lat, 'f', -1, 64)
		p["longitude"] = strconv.FormatFloat(v.Lng, 'f', -1, 64)
		if msg.Method == tgfmt.MethodSendVenue {
			p["title"], p["address"] = v.Title, v.Address
		}
	default:
		return nil, fmt.Errorf("telegram: unknown method %q", msg.Method)
	}
	var markup any
	switch {
	case msg.InlineKeyboard != nil:
		markup = msg.InlineKeyboard
	case msg.ReplyKeyboard != nil:
		kb := *msg.ReplyKeyboard
		// In a group only the user who asked sees the keyboard: it replies to
		// their message.
		kb.Selective = d.chat < 0
		markup = &kb
	}
	if markup != nil {
		b, err := json.Marshal(markup)
		if err != nil {
			return nil, fmt.Errorf("telegram: encode keyboard: %w", err)
		}
		p["reply_markup"] = string(b)
	}
	if replyTo > 0 {
		p["reply_parameters"] = `{"message_id":` + strconv.Itoa(replyTo) + `,"allow_sending_without_reply":true}`
	}
	return p, nil
}

// rememberReplyKeyboard keeps a conversation's reply-keyboard labels: a pressed
// button comes back as a message with its label.
func (s *sender) rememberReplyKeyboard(key bridge.ConvKey, tokens map[string]string) {
	m := make(map[string]string, len(tokens))
	for label, tok := range tokens {
		m[strings.TrimSpace(label)] = tok
	}
	s.replyKB.Put(key.String(), m)
}

func (s *sender) replyToken(key bridge.ConvKey, text string) (string, bool) {
	m, ok := s.replyKB.Get(key.String())
	if !ok {
		return "", false
	}
	tok, ok := m[text]
	return tok, ok && tok != ""
}

// sayNonText answers content the bot cannot read with what it understands.
func (s *sender) sayNonText(ctx context.Context, in inbound) {
	if in.group && in.msgID != 0 {
		s.lastMsg.Put(in.key.String(), in.msgID)
	}
	text := s.cat.Printer(in.user.Locale).T("telegram.non_text")
	if _, err := s.Send(ctx, in.key, formatting.Plain(text)); err != nil {
		s.log.Warn("telegram: reply to non-text message failed", "err", err)
	}
}

// Typing shows "typing" (sendChatAction), which Telegram shows for up to 5
// seconds (the core renews it every 4). It is advisory: it never waits and
// never delays a message. It goes only when the global limit has room to
// spare (typingSpare slots left after it), else it is skipped: under load
// every slot of the 30 a second carries an answer, where waiting for a slot
// used to cost each answer a second one. Not paced per chat, never retried,
// and skipped for a chat waiting out a 429. Once sent, the request runs to
// its end even when the answer is ready first (outbound.Detached).
func (s *sender) Typing(ctx context.Context, to bridge.ConvKey) error {
	d, err := s.target(to)
	if err != nil {
		return err
	}
	if s.api.pace.Blocked(chatKey(d.chat)) || !s.api.pace.AllowSpare(s.api.typingSpare, globalKey) {
		return nil
	}
	p := tgbotapi.Params{"chat_id": strconv.FormatInt(d.chat, 10), "action": "typing"}
	if d.thread != 0 {
		p["message_thread_id"] = strconv.Itoa(d.thread)
	}
	rctx, cancel := outbound.Detached(ctx, typingTimeout)
	defer cancel()
	_, err = s.api.request(rctx, "sendChatAction", p)
	return err
}

// typingTimeout bounds a typing request: Telegram shows it for 5 seconds.
const typingTimeout = 5 * time.Second

// errNotEditable: the new content does not start with text, so the message
// cannot be edited into it; the core then sends it anew.
var errNotEditable = errors.New("telegram: edit: the new content does not start with text")
