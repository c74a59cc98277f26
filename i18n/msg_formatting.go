package i18n

// formattingMessages are the formatting component's strings.
func formattingMessages() map[MsgID]Entry {
	return map[MsgID]Entry{}
}
