package web

import (
	"context"

	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/formatting"
)

var _ bridge.ClickNotifier = (*Adapter)(nil)

// retiring are the actions whose button group is spent once used: an answer is
// rated once, a session once, and a hand-over asked for once. Question lists
// and links stay usable.
var retiring = map[formatting.ActionKind]bool{
	formatting.ActRateAnswer:  true,
	formatting.ActRateSession: true,
	formatting.ActEscalate:    true,
}

// Clicked implements bridge.ClickNotifier: after a rating (or a rating KM had
// already) the clicked button's group is disabled in every tab and in the
// history, with the chosen button marked.
func (a *Adapter) Clicked(_ context.Context, r bridge.ClickResult) {
	if r.Status != bridge.ClickDone && r.Status != bridge.ClickAlreadyRated {
		return
	}
	if !retiring[r.Action.Kind] || r.Click.Ref.ID == "" {
		return
	}
	sid, err := sidOf(r.Click.Key)
	if err != nil {
		return
	}
	a.hub.retire(sid, r.Click.Ref.ID, r.Click.Token)
}
