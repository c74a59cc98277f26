package webadapter

import (
	"strings"

	"github.com/kmbridge/kmbridge/bridge"
)

// commands are the bridge commands a user may type as "/name [arg]".
var commands = map[string]string{
	bridge.CmdHelp: bridge.CmdHelp, bridge.CmdStart: bridge.CmdStart, bridge.CmdFAQ: bridge.CmdFAQ,
	bridge.CmdHot: bridge.CmdHot, bridge.CmdHuman: bridge.CmdHuman, bridge.CmdReset: bridge.CmdReset,
}

// parseCommand recognises "/help", "/faq", "/hot", "/human", "/reset" and
// "/start" (the greeting a new browser gets), case-insensitively, with an
// optional argument after a space. Anything else is ordinary text.
func parseCommand(text string) (name, arg string, ok bool) {
	rest, isCmd := strings.CutPrefix(text, "/")
	if !isCmd {
		return "", "", false
	}
	word, arg, _ := strings.Cut(rest, " ")
	name, ok = commands[strings.ToLower(word)]
	if !ok {
		return "", "", false
	}
	return name, strings.TrimSpace(arg), true
}
