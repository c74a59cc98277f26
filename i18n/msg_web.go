package i18n

// webMessages are the web component's strings.
func webMessages() map[MsgID]Entry {
	return map[MsgID]Entry{}
}
