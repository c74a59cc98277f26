package escalation

import (
	"strconv"
	"strings"

	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/formatting"
	"github.com/kmbridge/kmbridge/i18n"
)

// Card is the message human agents see when a conversation is handed to them: a
// heading, the reason in words, who the user is, the KM session, where the
// conversation is, and its latest turns. Every word is p's (the agent channel's
// language, whatever the user's); what users wrote or are called only ever goes
// into span text, which renderers escape, never into a title or label.
func Card(e bridge.Escalation, p i18n.Printer, o CardOptions) formatting.Message {
	o = o.withDefaults()
	card := &formatting.Card{
		Title:    p.T("escalation.title"),
		Subtitle: reasonText(e.Reason, p),
		Fields:   fields(e, p, o),
	}
	return formatting.Message{Blocks: append([]formatting.Block{card}, transcript(e.Transcript, e.User.ID, !idsAreBearer(e.Key.Platform), p, o)...)}
}

// idsAreBearer reports whether a platform's conversation and user ids are
// credentials: the web chat's are its session cookie, which would let anyone
// who reads the card speak as the user. Cards show the case number instead.
func idsAreBearer(platform string) bool { return platform == "web" }

// reasonText says why the conversation was handed over.
func reasonText(reason string, p i18n.Printer) string {
	switch reason {
	case bridge.ReasonUser:
		return p.T("escalation.reason_user")
	case bridge.ReasonKMTransfer:
		return p.T("escalation.reason_km_transfer")
	case bridge.ReasonSwitchStaff:
		return p.T("escalation.reason_switch_staff")
	}
	// A reason this package does not know yet (the bridge grew one) is still a
	// hand-over: say so, with the bridge's own code for it, cut and cleaned.
	return p.T("escalation.reason_other", clean(reason, 40))
}

// fields are the card's label/value pairs: who, which language, where, which
// KM session. Empty values are left out rather than shown blank.
func fields(e bridge.Escalation, p i18n.Printer, o CardOptions) []formatting.Field {
	n := o.MaxFieldRunes
	var fs []formatting.Field
	add := func(label i18n.MsgID, value ...formatting.Span) {
		fs = append(fs, formatting.Field{Label: p.T(label), Value: formatting.Rich{&formatting.Para{Spans: value}}})
	}
	if name := clean(e.User.Name, n); name != "" {
		add("escalation.field_user", formatting.Span{Text: name})
	} else {
		add("escalation.field_user", formatting.Span{Text: p.T("escalation.no_name"), Marks: formatting.Italic})
	}
	showIDs := !idsAreBearer(e.Key.Platform)
	if id := clean(e.User.ID, n); id != "" && showIDs {
		add("escalation.field_user_id", formatting.Span{Text: id, Marks: formatting.Code})
	}
	if email := clean(e.User.Email, n); email != "" {
		add("escalation.field_email", formatting.Span{Text: email})
	}
	add("escalation.field_language", language(e.User.Locale, p, n)...)
	add("escalation.field_platform", platform(e.Key.Platform, p, n))
	if ws := clean(e.Key.Workspace, n); ws != "" && showIDs {
		add("escalation.field_workspace", formatting.Span{Text: ws, Marks: formatting.Code})
	}
	if ch := clean(e.Key.Channel, n); ch != "" && showIDs {
		add("escalation.field_channel", formatting.Span{Text: ch, Marks: formatting.Code})
	}
	if th := clean(e.Key.Thread, n); th != "" && showIDs {
		add("escalation.field_thread", formatting.Span{Text: th, Marks: formatting.Code})
	}
	if e.SessionID != 0 {
		add("escalation.field_session", formatting.Span{Text: strconv.FormatInt(e.SessionID, 10), Marks: formatting.Code})
	} else {
		add("escalation.field_session", formatting.Span{Text: p.T("escalation.no_session"), Marks: formatting.Italic})
	}
	return fs
}

// language names the user's language in the agents' words (as i18n.Match, which
// the bridge uses too, reads the locale), followed by the locale the platform gave
// when that says more, such as a region. An Accept-Language list is not repeated:
// it says several things at once.
func language(locale string, p i18n.Printer, n int) []formatting.Span {
	raw := ""
	if !strings.Contains(locale, ",") {
		tag, _, _ := strings.Cut(locale, ";")
		raw = clean(tag, n)
	}
	l, ok := i18n.Match(locale)
	if !ok {
		out := []formatting.Span{{Text: p.T("escalation.unknown"), Marks: formatting.Italic}}
		if raw != "" {
			out = append(out, formatting.Span{Text: " "}, formatting.Span{Text: raw, Marks: formatting.Code})
		}
		return out
	}
	name := p.T(langName(l))
	if raw == "" || raw == string(l) {
		return []formatting.Span{{Text: name}}
	}
	return []formatting.Span{{Text: name}, {Text: " "}, {Text: raw, Marks: formatting.Code}}
}

func langName(l i18n.Lang) i18n.MsgID {
	switch l {
	case i18n.ZH:
		return "escalation.lang_zh"
	case i18n.JA:
		return "escalation.lang_ja"
	}
	return "escalation.lang_en"
}

// platform names the user's platform; an adapter this package does not know
// shows its name as given.
func platform(name string, p i18n.Printer, n int) formatting.Span {
	switch name {
	case "web":
		return formatting.Span{Text: p.T("escalation.platform_web")}
	case "slack":
		return formatting.Span{Text: p.T("escalation.platform_slack")}
	case "telegram":
		return formatting.Span{Text: p.T("escalation.platform_telegram")}
	case "discord":
		return formatting.Span{Text: p.T("escalation.platform_discord")}
	}
	if s := clean(name, n); s != "" {
		return formatting.Span{Text: s, Marks: formatting.Code}
	}
	return formatting.Span{Text: p.T("escalation.unknown"), Marks: formatting.Italic}
}
