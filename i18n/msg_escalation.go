package i18n

// escalationMessages are the escalation component's strings.
func escalationMessages() map[MsgID]Entry {
	return map[MsgID]Entry{}
}
