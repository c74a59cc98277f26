package bridge

import (
	"strings"

	"github.com/kmbridge/kmbridge/formatting"
	"github.com/kmbridge/kmbridge/kmclient"
)

// Command names the core knows.
const (
	CmdHelp  = "help"
	CmdFAQ   = "faq"
	CmdHot   = "hot"
	CmdHuman = "human"
	CmdReset = "reset"
	CmdStart = "start"
)

// CommandNames lists the commands adapters may offer (start is only for
// platforms that have it, e.g. Telegram's /start).
func CommandNames() []string { return []string{CmdHelp, CmdFAQ, CmdHot, CmdHuman, CmdReset} }

func (t *turn) onCommand(ev Command) string {
	return t.command(ev.Name, ev.Arg)
}

// command runs a bridge command: from a Command event or a clicked ActCommand.
func (t *turn) command(name, arg string) string {
	name = strings.ToLower(strings.TrimPrefix(strings.TrimSpace(name), "/"))
	arg = strings.TrimSpace(arg)
	switch name {
	case CmdHelp, "":
		t.say("bridge.help", t.prefix())
		return "help"
	case CmdStart:
		return t.start(arg)
	case CmdFAQ:
		return t.faq()
	case CmdHot:
		return t.hot()
	case CmdHuman:
		t.record(RoleNote, NoteHumanRequested)
		t.escalate(ReasonUser)
		return "escalated"
	case CmdReset:
		return t.reset()
	}
	t.say("bridge.unknown_command", name, t.prefix())
	return "unknown_command"
}

// start greets: the KM welcome on first contact, then the help text. A non-empty
// argument (a Telegram deep-link payload) is then asked as a question.
func (t *turn) start(arg string) string {
	stop := t.typing()
	defer stop()
	err := t.ensureSession()
	stop()
	if err != nil {
		return t.fail("init_client", err)
	}
	t.say("bridge.help", t.prefix())
	if arg != "" {
		return t.ask(arg, arg)
	}
	return "start"
}

// reset starts a new KM session and shows its welcome.
func (t *turn) reset() string {
	stop := t.typing()
	defer stop()
	resp, err := t.initSession()
	stop()
	if err != nil {
		return t.fail("init_client", err)
	}
	t.record(RoleNote, NoteReset)
	t.say("bridge.reset_done")
	t.welcome(resp)
	return "reset"
}

func (t *turn) faq() string {
	cats, err := t.c.FAQ(t.ctx)
	if err != nil {
		return t.fail("common_questions", err)
	}
	if err := t.loadSession(); err != nil {
		t.log.Warn("bridge: faq: session lookup failed", "err", err)
	}
	m := formatting.Categories(t.p.T("bridge.faq_title"), cats, t.sharedOpts())
	if m.IsEmpty() {
		t.unmint()
		t.say("bridge.faq_empty")
		return "faq_empty"
	}
	_, _ = t.send(m)
	return "faq"
}

func (t *turn) hot() string {
	qs, err := t.c.Hot(t.ctx)
	if err != nil {
		return t.fail("hot_questions", err)
	}
	if err := t.loadSession(); err != nil {
		t.log.Warn("bridge: hot: session lookup failed", "err", err)
	}
	m := formatting.Questions(t.p.T("bridge.hot_title"), qs, kmclient.QueryFAQ, t.sharedOpts())
	if m.IsEmpty() {
		t.unmint()
		t.say("bridge.hot_empty")
		return "hot_empty"
	}
	_, _ = t.send(m)
	return "hot"
}
