package bridge

// CommandPrefixer is an optional Adapter ability: how a user types a command on the
// platform, used in the help text ("/" by default; "/kb " for a Slack slash command
// with sub-commands).
type CommandPrefixer interface {
	CommandPrefix() string
}

func (t *turn) prefix() string {
	if p, ok := t.a.(CommandPrefixer); ok {
		return p.CommandPrefix()
	}
	return "/"
}
