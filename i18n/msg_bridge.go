package i18n

// bridgeMessages are the bridge component's strings.
func bridgeMessages() map[MsgID]Entry {
	return map[MsgID]Entry{}
}
