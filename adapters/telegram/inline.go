package telegramadapter

import (
	"context"
	"encoding/json"
	"html"
	"log/slog"
	"strconv"
	"strings"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/formatting/tgfmt"
	"github.com/kmbridge/kmbridge/i18n"
	"github.com/kmbridge/kmbridge/internal/memo"
)

// Inline mode.
//
// "@bot words" in any chat asks the core for suggestions (KM smartHint) in the
// user's private conversation with the bot — a private chat's id is the user's
// id — and answers with one article per suggested question. Choosing one posts
// the question itself, sent "via @bot":
//
//   - in the private chat with the bot, the adapter recognises the text among
//     the user's last suggestions and turns it into a click on that suggestion:
//     KM is asked by a smart-hint hit (queryType 9) with the question's id;
//   - in a group the bot is in, a message sent via the bot counts as addressed
//     to it (privacy mode lets such messages through), so the question is asked
//     and the answer appears under it;
//   - in a chat without the bot, the question is posted and nothing more: the bot
//     cannot speak where it is not.
//
// KM suggests only within a session, so a user who never talked to the bot gets
// no results but a button that opens the private chat (/start). Answers are
// personal and cached by Telegram for Config.InlineCacheTime.

// maxInlineResults is Telegram's limit per answer.
const maxInlineResults = 50

// inline answers inline queries with the host's suggestions.
type inline struct {
	api       *api
	host      bridge.Host
	cat       *i18n.Catalog
	log       *slog.Logger
	cacheTime time.Duration
	// chosen are the labels → tokens of each user's last suggestions.
	chosen *memo.Memo[string, map[string]string]
	slots  chan struct{} // bounds inline queries in flight
}

// Inline memory.
const (
	inlineTTL   = 15 * time.Minute // the core's SuggestTTL
	inlineSlots = 8
)

func newInline(a *api, host bridge.Host, cat *i18n.Catalog, log *slog.Logger, cfg Config, now func() time.Time) *inline {
	return &inline{api: a, host: host, cat: cat, log: log, cacheTime: cfg.InlineCacheTime,
		chosen: memo.New[string, map[string]string](cfg.MemoSize, inlineTTL, now),
		slots:  make(chan struct{}, inlineSlots)}
}

// query answers an inline query through run (in the background); when too
// many are in flight it answers this one with nothing at once rather than
// queue it (the user is still typing, a newer query follows).
func (il *inline) query(in inbound, run func(func(context.Context))) {
	select {
	case il.slots <- struct{}{}:
		run(func(ctx context.Context) {
			defer func() { <-il.slots }()
			il.answer(ctx, in, true)
		})
	default:
		run(func(ctx context.Context) { il.answer(ctx, in, false) })
	}
}

type inlineArticle struct {
	Type    string      `json:"type"`
	ID      string      `json:"id"`
	Title   string      `json:"title"`
	Content inlineInput `json:"input_message_content"`
}

type inlineInput struct {
	Text      string `json:"message_text"`
	ParseMode string `json:"parse_mode"`
}

func (il *inline) answer(ctx context.Context, in inbound, suggest bool) {
	q := in.iq
	query := strings.TrimSpace(q.Query)
	var results []inlineArticle
	if suggest && query != "" {
		key := bridge.DMKey(Platform, "", in.user.ID, in.user.ID)
		buttons, err := il.host.Suggest(ctx, key, in.user, query)
		if err != nil {
			il.log.Warn("telegram: inline suggestions failed", "err", err)
		}
		labels := map[string]string{}
		for _, b := range buttons {
			label := strings.Join(strings.Fields(b.Label), " ")
			if b.Token == "" || label == "" || labels[label] != "" || len(results) == maxInlineResults {
				continue
			}
			text := html.EscapeString(label)
			if err := tgfmt.Validate(tgfmt.Msg{Method: tgfmt.MethodSendMessage, Text: text}); err != nil {
				il.log.Warn("telegram: inline suggestion skipped", "err", err)
				continue
			}
			id := b.Token
			if len(id) > 64 {
				id = strconv.Itoa(len(results))
			}
			results = append(results, inlineArticle{Type: "article", ID: id, Title: label,
				Content: inlineInput{Text: text, ParseMode: tgfmt.ParseMode}})
			labels[label] = b.Token
		}
		if len(labels) > 0 {
			il.chosen.Put(in.user.ID, labels)
		}
	}
	if results == nil {
		results = []inlineArticle{}
	}
	body, err := json.Marshal(results)
	if err != nil {
		il.log.Error("telegram: encode inline results", "err", err)
		return
	}
	p := tgbotapi.Params{
		"inline_query_id": q.ID,
		"results":         string(body),
		"cache_time":      strconv.Itoa(int(il.cacheTime.Seconds())),
		"is_personal":     "true",
	}
	if len(results) == 0 {
		btn, _ := json.Marshal(map[string]string{
			"text":            il.cat.Printer(in.user.Locale).T("telegram.inline_open_chat"),
			"start_parameter": inlineStartParam,
		})
		p["button"] = string(btn)
	}
	if _, err := il.api.call(ctx, globalCall(), "answerInlineQuery", p); err != nil {
		il.log.Warn("telegram: answerInlineQuery failed", "err", err)
	}
}

// token finds a chosen inline result among the user's last suggestions.
func (il *inline) token(userID, text string) (string, bool) {
	m, ok := il.chosen.Get(userID)
	if !ok {
		return "", false
	}
	tok, ok := m[text]
	return tok, ok
}
