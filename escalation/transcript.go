package escalation

import (
	"strings"
	"time"

	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/formatting"
	"github.com/kmbridge/kmbridge/i18n"
)

// Time layouts of transcript turns: the date is shown on the first turn and
// whenever it changes, so a conversation that spans midnight stays unambiguous.
const (
	layoutDateTime = "2006-01-02 15:04:05"
	layoutTime     = "15:04:05"
)

// lineSep joins the lines of a turn, which the card shows on one line.
const lineSep = " · "

// transcript renders the latest turns, oldest first, under a heading and a note
// saying how many are shown and in which time zone. self is the escalating user;
// other users' ids are shown only with showIDs.
func transcript(turns []bridge.Turn, self string, showIDs bool, p i18n.Printer, o CardOptions) []formatting.Block {
	title := &formatting.Text{Rich: formatting.Rich{&formatting.Heading{Level: 3,
		Spans: []formatting.Span{{Text: p.T("escalation.transcript_title"), Marks: formatting.Bold}}}}}
	if len(turns) == 0 {
		return []formatting.Block{title, &formatting.Text{Context: true, Rich: para(formatting.Span{Text: p.T("escalation.transcript_empty")})}}
	}
	total := len(turns)
	shown := turns
	if len(shown) > o.MaxTurns {
		shown = shown[len(shown)-o.MaxTurns:]
	}
	zone := o.Location.String()
	var note string
	if len(shown) == total {
		note = p.T("escalation.transcript_all", total, zone)
	} else {
		note = p.T("escalation.transcript_last", len(shown), total, zone)
	}
	list := &formatting.List{Items: make([]formatting.Rich, 0, len(shown))}
	var lastDay string
	for _, tr := range shown {
		var spans []formatting.Span
		if !tr.At.IsZero() {
			at := tr.At.In(o.Location)
			stamp := at.Format(layoutTime)
			if day := at.Format(time.DateOnly); day != lastDay {
				stamp, lastDay = at.Format(layoutDateTime), day
			}
			spans = append(spans, formatting.Span{Text: stamp, Marks: formatting.Code}, formatting.Span{Text: " "})
		}
		spans = append(spans, formatting.Span{Text: p.T(roleLabel(tr.Role)), Marks: formatting.Bold}, formatting.Span{Text: " "})
		spans = append(spans, turnSpans(tr, self, showIDs, p, o)...)
		list.Items = append(list.Items, para(spans...))
	}
	return []formatting.Block{
		title,
		&formatting.Text{Context: true, Rich: para(formatting.Span{Text: note})},
		&formatting.Text{Rich: formatting.Rich{list}},
	}
}

func roleLabel(role string) i18n.MsgID {
	switch role {
	case bridge.RoleUser:
		return "escalation.role_user"
	case bridge.RoleBot:
		return "escalation.role_bot"
	case bridge.RoleClick:
		return "escalation.role_click"
	}
	return "escalation.role_note"
}

// turnSpans is what a turn says. In a shared conversation (a channel thread)
// several users speak: a turn by someone other than the escalating user is marked
// with that user's id.
func turnSpans(tr bridge.Turn, self string, showIDs bool, p i18n.Printer, o CardOptions) []formatting.Span {
	var out []formatting.Span
	if tr.Role == bridge.RoleNote {
		if id, ok := noteID(tr.Text); ok {
			return []formatting.Span{{Text: p.T(id), Marks: formatting.Italic}}
		}
		return []formatting.Span{{Text: clean(tr.Text, o.MaxTurnRunes), Marks: formatting.Italic}}
	}
	if who := clean(tr.User, o.MaxFieldRunes); who != "" && showIDs && tr.Role != bridge.RoleBot && tr.User != self {
		out = append(out, formatting.Span{Text: who, Marks: formatting.Code}, formatting.Span{Text: " "})
	}
	return append(out, formatting.Span{Text: cleanLines(tr.Text, o.MaxTurnRunes, lineSep)})
}

// noteID maps the note codes the bridge records as RoleNote turns to the words
// the agents read; a note not matched here is shown as recorded.
func noteID(text string) (i18n.MsgID, bool) {
	switch text {
	case bridge.NoteSilent:
		return "escalation.note_silent", true
	case bridge.NoteHumanRequested:
		return "escalation.note_asked_human", true
	case bridge.NoteReset:
		return "escalation.note_reset", true
	}
	if strings.HasPrefix(text, bridge.NoteEscalated) {
		return "escalation.note_escalated", true
	}
	return "", false
}

func para(spans ...formatting.Span) formatting.Rich {
	return formatting.Rich{&formatting.Para{Spans: spans}}
}
