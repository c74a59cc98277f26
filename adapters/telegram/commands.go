package telegramadapter

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/kmbridge/kmbridge/i18n"
)

// setCommands registers the command menu (setMyCommands): once in the
// catalogue's default language for everyone, then once per shipped language for
// users whose Telegram speaks it. A failure is logged: the commands still work
// when typed.
func setCommands(ctx context.Context, a *api, menus []menu, log *slog.Logger) {
	for _, m := range menus {
		p := tgbotapi.Params{"commands": m.body}
		if m.lang != "" {
			p["language_code"] = string(m.lang)
		}
		if _, err := a.call(ctx, globalCall(), "setMyCommands", p); err != nil {
			if ctx.Err() == nil {
				log.Warn("telegram: setMyCommands failed; the commands still work when typed", "language", m.lang, "err", err)
			}
			return
		}
	}
}

// menu is the command menu in one language ("": the default), as
// setMyCommands takes it.
type menu struct {
	lang i18n.Lang
	body string
}

// menus are the command menus setCommands registers.
func menus(cat *i18n.Catalog) ([]menu, error) {
	langs := append([]i18n.Lang{""}, i18n.Langs...)
	out := make([]menu, 0, len(langs))
	for _, lang := range langs {
		body, err := json.Marshal(commandMenu(cat.Printer(string(lang))))
		if err != nil {
			return nil, fmt.Errorf("telegram: encode commands: %w", err)
		}
		out = append(out, menu{lang: lang, body: string(body)})
	}
	return out, nil
}

// menusHash names a set of menus: replicas registering the same menus agree
// on it, and a changed menu (a new version, an operator's wording) gets
// another.
func menusHash(ms []menu) string {
	h := sha256.New()
	for _, m := range ms {
		fmt.Fprintf(h, "%s\x00%s\x00", m.lang, m.body)
	}
	return hex.EncodeToString(h.Sum(nil)[:8])
}

// commandMenu is the command list in one language.
func commandMenu(p i18n.Printer) []tgbotapi.BotCommand {
	cmds := menuCommands()
	out := make([]tgbotapi.BotCommand, 0, len(cmds))
	for _, c := range cmds {
		out = append(out, tgbotapi.BotCommand{Command: c, Description: p.T(i18n.MsgID("telegram.cmd_" + c))})
	}
	return out
}
