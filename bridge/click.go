package bridge

import (
	"context"
	"errors"
	"strings"

	"github.com/kmbridge/kmbridge/formatting"
	"github.com/kmbridge/kmbridge/i18n"
	"github.com/kmbridge/kmbridge/kmclient"
)

// ClickStatus is how a click ended.
type ClickStatus string

// Click outcomes.
const (
	ClickDone         ClickStatus = "done"          // the action ran (its reply, if any, has been sent)
	ClickForeign      ClickStatus = "foreign"       // another user's button: refused, nothing changed
	ClickExpired      ClickStatus = "expired"       // unknown or expired token: refused, nothing changed
	ClickAlreadyRated ClickStatus = "already_rated" // a rating button of an answer rated before
	ClickFailed       ClickStatus = "failed"        // KM or the store failed; the user got an apology and may click again
	// ClickRedrawn: the action ran and the message that carried it is redrawn
	// by whoever ran it (a hand-over case's card, a lasting control): nothing
	// is retired, which would undo the redraw and end the card's buttons.
	ClickRedrawn ClickStatus = "redrawn"
)

// ClickResult tells an adapter what became of a click.
type ClickResult struct {
	Click  Click
	Status ClickStatus
	// Action is the clicked action (zero for ClickExpired); Action.Label is the
	// button's label, for "You chose …" notes.
	Action formatting.Action
}

// ClickObserver is an optional Adapter ability for tests and tooling: after
// the core has handled a click (and retired its group through Retirer) it
// reports the outcome. It is not a policy: what a click does to the message
// is Retirer's, decided by the core. Clicked runs on the conversation's
// worker: it should be quick.
type ClickObserver interface {
	Clicked(ctx context.Context, r ClickResult)
}

// errMsgEvaluated is KM's answer to a second rating of one reply.
const errMsgEvaluated = "This reply has been evaluated!"

func (t *turn) onClick(ev Click) string {
	sa, status := t.resolveClick(ev)
	if status == ClickDone {
		t.record(RoleClick, firstNonEmpty(sa.Action.Label, string(sa.Action.Kind)))
		status = t.dispatch(sa)
	}
	t.retire(ev, status, sa.Action)
	if n, ok := t.a.(ClickObserver); ok {
		ctx, cancel := t.sendContext()
		n.Clicked(ctx, ClickResult{Click: ev, Status: status, Action: sa.Action})
		cancel()
	}
	return "click_" + string(status)
}

// The one retirement policy, decided here, where the click's outcome and the
// action's kind are known; adapters only carry it out (Retirer), each through
// its renderer's RetireGroup, so it looks the same on every platform:
//
//   - ClickDone and ClickAlreadyRated: the clicked group is retired and shows
//     the choice, "✓ <label>" (a rating KM already had is a choice made).
//   - ClickExpired: the clicked group is retired and says its buttons have
//     expired (a message's tokens expire together: they can do nothing more).
//   - ClickForeign and ClickFailed: nothing changes. Another user's buttons
//     are still their owner's; after a failure the user may click again.
//   - ClickRedrawn: nothing changes here; the hand-over has redrawn its card.
//
// Every other group of the message stays usable. One kind keeps its group
// after a click: ActPage, whose page the core sends as a new message (see
// dispatch); the page it was clicked on stays a working page of the list,
// from which the user may turn pages again. A click that came with no message
// (Click.Ref.ID empty: a Home tab, a typeahead's option) retires nothing.
func retirementFor(ev Click, status ClickStatus, a formatting.Action, p i18n.Printer) (Retirement, bool) {
	if ev.Ref.ID == "" || ev.Token == "" {
		return Retirement{}, false
	}
	r := Retirement{Ref: ev.Ref, Token: ev.Token}
	switch status {
	case ClickDone, ClickAlreadyRated:
		if a.Kind == formatting.ActPage {
			return Retirement{}, false
		}
		// A mark and the button's own label, already in the user's language:
		// no words of the catalogue's.
		r.Shown = strings.TrimSpace(choiceMark + strings.Join(strings.Fields(a.Label), " "))
	case ClickExpired:
		r.Shown, r.Expired = p.T("bridge.retired_expired"), true
	default:
		return Retirement{}, false
	}
	return r, true
}

// choiceMark leads the label of the choice made, in place of its group.
const choiceMark = "✓ "

// retire carries out the retirement policy through the adapter's Retirer. A
// failure leaves the buttons as they were (a later click is answered as
// usual), so it is logged, not told.
func (t *turn) retire(ev Click, status ClickStatus, a formatting.Action) {
	r, ok := retirementFor(ev, status, a, t.p)
	if !ok {
		return
	}
	rt, ok := t.a.(Retirer)
	if !ok {
		return
	}
	ctx, cancel := t.sendContext()
	defer cancel()
	if err := rt.Retire(ctx, r); err != nil {
		t.log.Warn("bridge: retiring the clicked buttons failed; they stay", "err", redact(err))
	}
}

// resolveClick finds the clicked action and checks the clicker may use it. A
// refused click gets a polite reply and changes nothing.
func (t *turn) resolveClick(ev Click) (StoredAction, ClickStatus) {
	sa, ok, err := t.c.store.Action(t.ctx, ev.Token)
	if err != nil {
		t.log.Error("bridge: action lookup failed", "err", err)
		t.say("bridge.internal_error")
		return StoredAction{}, ClickFailed
	}
	if !ok || ev.Token == "" {
		t.say("bridge.expired_button")
		return StoredAction{}, ClickExpired
	}
	// A shared button (Mint with a key of only the platform, no owner) is any
	// conversation's of that platform.
	shared := sa.Key == (ConvKey{Platform: ev.Key.Platform}) && sa.Owner == ""
	sameConv := sa.Key == ev.Key || (sa.Action.Kind.IsCase() && sameChannel(sa.Key, ev.Key))
	if !shared && (!sameConv || (sa.Owner != "" && sa.Owner != ev.User.ID)) {
		t.log.Info("bridge: click on another user's button refused", "clicker", ev.User.ID)
		t.say("bridge.foreign_click")
		return sa, ClickForeign
	}
	return sa, ClickDone
}

// dispatch runs a clicked action.
func (t *turn) dispatch(sa StoredAction) ClickStatus {
	a := sa.Action
	done := func(outcome string) ClickStatus {
		if strings.HasPrefix(outcome, "km_") || outcome == "failed" {
			return ClickFailed
		}
		return ClickDone
	}
	if a.Kind.IsCase() {
		if h, ok := t.c.handover(); ok {
			return h.Do(t.ctx, CaseClick{Key: t.key, User: t.user, Action: a})
		}
	}
	switch a.Kind {
	case formatting.ActHit:
		return done(t.hit(sa))
	case formatting.ActFlow:
		return done(t.flow(sa))
	case formatting.ActSendText:
		return done(t.ask(a.Text, firstNonEmpty(a.Show, a.Text)))
	case formatting.ActRateAnswer:
		return t.rateAnswer(sa)
	case formatting.ActRateSession:
		return t.rateSession(sa)
	case formatting.ActEscalate:
		t.escalate(ReasonUser)
		return ClickDone
	case formatting.ActPage:
		if err := t.loadSession(); err != nil {
			t.log.Warn("bridge: page: session lookup failed", "err", err)
		}
		m, err := formatting.Page(a, t.opts())
		if err != nil && m.IsEmpty() {
			t.log.Warn("bridge: page cannot be rendered", "err", err)
			t.unmint()
			t.say("bridge.internal_error")
			return ClickFailed
		}
		if _, err := t.send(m); err != nil {
			return ClickFailed
		}
		return ClickDone
	case formatting.ActCommand:
		t.command(a.Command, a.Arg)
		return ClickDone
	}
	t.log.Warn("bridge: unknown action kind", "kind", a.Kind)
	t.say("bridge.expired_button")
	return ClickExpired
}

// logFor returns the clicked thing's logId when it belongs to the session in use:
// a logId from an earlier session means nothing to KM in the current one.
func (t *turn) logFor(sa StoredAction) kmclient.ID {
	if sa.Action.LogID == LogOfWelcome {
		return kmclient.ID(t.sess.WelcomeLog)
	}
	if sa.SessionID != 0 && sa.SessionID == t.sess.ID {
		return kmclient.ID(sa.Action.LogID)
	}
	return 0
}

func (t *turn) hit(sa StoredAction) string {
	a := sa.Action
	stop := t.typing()
	defer stop()
	var ans *kmclient.Answer
	err := t.withSession("hit", func(ctx context.Context, sid kmclient.ID) error {
		var err error
		// The request was chosen when the button was made (kmclient's click
		// functions); only the session and its log are the click's.
		req := a.HitRequest(sid)
		req.LogID = t.logFor(sa)
		ans, err = t.c.km.Hit(ctx, req)
		return err
	})
	stop()
	if err != nil {
		return t.fail("hit", err)
	}
	return t.deliver(ans, nil)
}

func (t *turn) flow(sa StoredAction) string {
	a := sa.Action
	stop := t.typing()
	defer stop()
	var ans *kmclient.Answer
	err := t.withSession("flow", func(ctx context.Context, sid kmclient.ID) error {
		var err error
		req := a.FlowRequest(sid)
		req.LogID = t.logFor(sa)
		ans, err = t.c.km.Flow(ctx, req)
		return err
	})
	stop()
	if err != nil {
		return t.fail("flow", err)
	}
	return t.deliver(ans, nil)
}

// rateAnswer rates one KM answer, once per logId. The rating goes to the session
// the answer came from; a second rating is refused without calling KM.
func (t *turn) rateAnswer(sa StoredAction) ClickStatus {
	a := sa.Action
	// Without a logId KM cannot tell answers apart, and neither can we.
	rated, err := false, error(nil)
	if a.LogID != 0 {
		rated, err = t.c.store.Rated(t.ctx, a.LogID)
	}
	if err != nil {
		t.log.Error("bridge: rated lookup failed", "err", err)
		t.say("bridge.internal_error")
		return ClickFailed
	}
	if rated {
		t.say("bridge.already_rated")
		return ClickAlreadyRated
	}
	sid := sa.SessionID
	if sid == 0 {
		if err := t.ensureSession(); err != nil {
			t.fail("survey_question", err)
			return ClickFailed
		}
		sid = t.sess.ID
	}
	err = t.call("survey_question", func(ctx context.Context) error {
		return t.c.km.SurveyQuestion(ctx, kmclient.SurveyQuestionRequest{
			SessionID: kmclient.ID(sid), QuestionSurveyOptionID: a.Option, LogID: kmclient.ID(a.LogID),
		})
	})
	var apiErr *kmclient.APIError
	switch {
	case err == nil:
	case errors.As(err, &apiErr) && kmclient.SameMessage(apiErr.Message, errMsgEvaluated):
		t.markRated(a.LogID)
		t.say("bridge.already_rated")
		return ClickAlreadyRated
	case errors.Is(err, kmclient.ErrSessionExpired):
		// The answer's session is gone; rating it is no longer possible.
		t.say("bridge.expired_button")
		return ClickExpired
	default:
		t.fail("survey_question", err)
		return ClickFailed
	}
	t.markRated(a.LogID)
	t.say("bridge.rated_thanks")
	return ClickDone
}

func (t *turn) markRated(logID int64) {
	if logID == 0 {
		return
	}
	if err := t.c.store.MarkRated(t.ctx, logID, t.c.cfg.RatedTTL); err != nil {
		t.log.Warn("bridge: mark rated failed", "err", err)
	}
}

// rateSession rates the whole KM session (2 satisfied, 3 neutral, 4 unsatisfied,
// with the action's Text as an optional comment). A button from an earlier session
// has expired.
func (t *turn) rateSession(sa StoredAction) ClickStatus {
	a := sa.Action
	if err := t.ensureSession(); err != nil {
		t.fail("survey_session", err)
		return ClickFailed
	}
	if sa.SessionID != 0 && sa.SessionID != t.sess.ID {
		t.say("bridge.expired_button")
		return ClickExpired
	}
	var res *kmclient.SurveySessionResult
	err := t.withSession("survey_session", func(ctx context.Context, sid kmclient.ID) error {
		var err error
		res, err = t.c.km.SurveySession(ctx, kmclient.SurveySessionRequest{
			SessionID: sid, SessionSurveyOptionID: a.Option, SurveyContent: a.Text,
		})
		return err
	})
	if err != nil {
		t.fail("survey_session", err)
		return ClickFailed
	}
	t.say("bridge.session_rated_thanks")
	if res != nil && res.SwitchStaffTips != "" {
		t.sendPlain(res.SwitchStaffTips)
	}
	if res != nil && res.SwitchStaffType == kmclient.SwitchStaffTransfer {
		t.escalate(ReasonSwitchStaff)
	}
	return ClickDone
}
