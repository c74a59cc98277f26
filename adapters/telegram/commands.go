package telegramadapter

import (
	"context"
	"encoding/json"
	"log/slog"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/kmbridge/kmbridge/i18n"
)

// setCommands registers the command menu (setMyCommands): once in the
// catalogue's default language for everyone, then once per shipped language for
// users whose Telegram speaks it. A failure is logged: the commands still work
// when typed.
func setCommands(ctx context.Context, a *api, cat *i18n.Catalog, log *slog.Logger) {
	langs := append([]i18n.Lang{""}, i18n.Langs...)
	for _, lang := range langs {
		body, err := json.Marshal(commandMenu(cat.Printer(string(lang))))
		if err != nil {
			log.Error("telegram: encode commands", "err", err)
			return
		}
		p := tgbotapi.Params{"commands": string(body)}
		if lang != "" {
			p["language_code"] = string(lang)
		}
		if _, err := a.call(ctx, globalCall(), "setMyCommands", p); err != nil {
			if ctx.Err() == nil {
				log.Warn("telegram: setMyCommands failed; the commands still work when typed", "language", lang, "err", err)
			}
			return
		}
	}
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
