package telegram

import (
	"context"
	"encoding/json"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/kmbridge/kmbridge/i18n"
)

// setCommands registers the command menu (setMyCommands): once in the
// catalogue's default language for everyone, then once per shipped language for
// users whose Telegram speaks it. A failure is logged: the commands still work
// when typed.
func (a *Adapter) setCommands(ctx context.Context) {
	langs := append([]i18n.Lang{""}, i18n.Langs...)
	for _, lang := range langs {
		body, err := json.Marshal(commandMenu(a.printer(string(lang))))
		if err != nil {
			a.log.Error("telegram: encode commands", "err", err)
			return
		}
		p := tgbotapi.Params{"commands": string(body)}
		if lang != "" {
			p["language_code"] = string(lang)
		}
		if _, err := a.do(ctx, nil, "setMyCommands", p); err != nil {
			if ctx.Err() == nil {
				a.log.Warn("telegram: setMyCommands failed; the commands still work when typed", "language", lang, "err", err)
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
