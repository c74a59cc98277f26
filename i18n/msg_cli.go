package i18n

// cliMessages are the cli component's strings.
func cliMessages() map[MsgID]Entry {
	return map[MsgID]Entry{}
}
