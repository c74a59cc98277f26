package i18n

// slackMessages are the slack component's strings.
func slackMessages() map[MsgID]Entry {
	return map[MsgID]Entry{}
}
