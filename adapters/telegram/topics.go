package telegramadapter

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/formatting"
	"github.com/kmbridge/kmbridge/internal/memo"
)

// topics starts threads for the hand-over's cases (bridge.ThreadStarter): a
// forum topic when the chat is a forum, else a reply chain under the card.
type topics struct {
	api   *api
	send  *sender
	log   *slog.Logger
	forum *memo.Memo[int64, bool] // getChat's is_forum, per chat
}

// forumTTL is how long a chat's being a forum is taken as known: an admin may
// turn topics on or off.
const forumTTL = 10 * time.Minute

// maxTopicName is Telegram's limit on a topic's name, in UTF-16 units.
const maxTopicName = 128

func newTopics(a *api, s *sender, log *slog.Logger, size int, now func() time.Time) *topics {
	return &topics{api: a, send: s, log: log, forum: memo.New[int64, bool](size, forumTTL, now)}
}

// start posts m as the root of a new thread in the chat of in. In a forum it
// opens a topic named title (createForumTopic; the bot must be an admin
// allowed to manage topics) and posts m there: the thread's key is the
// topic's, exactly as a message in it is keyed under bridge.ScopeThread. Else
// (or when the topic cannot be created) m is posted in the chat and the key is
// the reply chain under it ("r" + its message id), whose messages Send posts
// as replies to it; people's replies then arrive with Message.ReplyTo set.
// The root is m's first message (its head, with its buttons, even when m
// takes several); an Edit of it replaces every part in place.
func (t *topics) start(ctx context.Context, in bridge.ConvKey, title string, m formatting.Message) (bridge.ConvKey, bridge.MsgRef, error) {
	d, err := t.send.target(bridge.ConvKey{Platform: in.Platform, Channel: in.Channel})
	if err != nil {
		return bridge.ConvKey{}, bridge.MsgRef{}, err
	}
	chat := strconv.FormatInt(d.chat, 10)
	if t.isForum(ctx, d.chat) {
		topic, err := t.createTopic(ctx, d.chat, title)
		if err == nil {
			key := bridge.ChannelKey(bridge.ScopeThread, Platform, "", chat, strconv.Itoa(topic), "")
			ids, err := t.send.post(ctx, key, m)
			if err != nil || len(ids) == 0 {
				return bridge.ConvKey{}, bridge.MsgRef{}, fmt.Errorf("telegram: start thread: post the first message: %w", err)
			}
			return key, bridge.MsgRef{Key: key, ID: strconv.Itoa(ids[0])}, nil
		}
		t.log.Warn("telegram: cannot open a forum topic (is the bot an admin allowed to manage topics?); using a reply chain", "err", err)
	}
	ids, err := t.send.post(ctx, bridge.ConvKey{Platform: Platform, Channel: chat}, m)
	if err != nil || len(ids) == 0 {
		return bridge.ConvKey{}, bridge.MsgRef{}, fmt.Errorf("telegram: start thread: %w", err)
	}
	root := strconv.Itoa(ids[0])
	key := bridge.ConvKey{Platform: Platform, Channel: chat, Thread: replyChain + root}
	return key, bridge.MsgRef{Key: key, ID: root}, nil
}

// isForum reports whether the chat has topics (getChat's is_forum). When
// getChat fails the chat is taken as no forum: a reply chain works anywhere.
func (t *topics) isForum(ctx context.Context, chat int64) bool {
	if chat > 0 {
		return false // a private chat
	}
	if v, ok := t.forum.Get(chat); ok {
		return v
	}
	resp, err := t.api.call(ctx, globalCall(), "getChat", tgbotapi.Params{"chat_id": strconv.FormatInt(chat, 10)})
	if err != nil {
		t.log.Warn("telegram: getChat failed; taking the chat for one without topics", "err", err)
		return false
	}
	var c struct {
		IsForum bool `json:"is_forum"`
	}
	if err := json.Unmarshal(resp.Result, &c); err != nil {
		t.log.Warn("telegram: getChat: malformed answer; taking the chat for one without topics", "err", err)
		return false
	}
	t.forum.Put(chat, c.IsForum)
	return c.IsForum
}

// createTopic opens a forum topic (Bot API 6.3, which telegram-bot-api v5.5.1
// predates: through MakeRequest) and returns its message_thread_id.
func (t *topics) createTopic(ctx context.Context, chat int64, title string) (int, error) {
	p := tgbotapi.Params{"chat_id": strconv.FormatInt(chat, 10), "name": topicName(title)}
	resp, err := t.api.call(ctx, chatCall(chat), "createForumTopic", p)
	if err != nil {
		return 0, err
	}
	var topic struct {
		ID int `json:"message_thread_id"`
	}
	if err := json.Unmarshal(resp.Result, &topic); err != nil || topic.ID <= 0 {
		return 0, fmt.Errorf("telegram: createForumTopic: malformed answer: %v", err)
	}
	return topic.ID, nil
}

// topicName is title on one line, within Telegram's 1–128 characters.
func topicName(title string) string {
	name := strings.Join(strings.Fields(title), " ")
	if name == "" {
		return "#"
	}
	units := utf16.Encode([]rune(name))
	if len(units) <= maxTopicName {
		return name
	}
	cut := units[:maxTopicName-1]
	if utf16.IsSurrogate(rune(cut[len(cut)-1])) {
		cut = cut[:len(cut)-1] // the first half of a pair
	}
	return string(utf16.Decode(cut)) + "…"
}
