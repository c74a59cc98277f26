package i18n

// telegramMessages are the telegram component's strings.
func telegramMessages() map[MsgID]Entry {
	return map[MsgID]Entry{}
}
