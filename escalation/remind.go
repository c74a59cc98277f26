package escalation

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/kmbridge/kmbridge/bridge"
)

// remindBatch bounds the cases one Remind pass handles.
const remindBatch = 100

// Remind sends the reminders due at the desk's clock: an unclaimed case that
// no one has answered for UnclaimedAfter gets one reminder in its thread, and
// its user an honest "still waiting for a person". Each reminder is claimed in
// the store first, so of several replicas one sends it, once, also across
// restarts. Run calls it; tests call it after moving their clock. It returns
// how many cases it reminded of.
func (d *Desk) Remind(ctx context.Context) (int, error) {
	if !d.configured() {
		return 0, nil
	}
	now := d.o.Now()
	ids, err := d.o.Store.DueCases(ctx, now, remindBatch)
	if err != nil {
		return 0, fmt.Errorf("escalation: remind: %w", err)
	}
	n := 0
	for _, id := range ids {
		c, err := d.update(ctx, id, func(c *bridge.Case) error {
			if !c.Due(now) {
				return errSkip
			}
			c.RemindAt, c.Reminded = zeroTime, true
			return nil
		})
		switch {
		case errors.Is(err, errSkip), errors.Is(err, bridge.ErrNoCase):
			continue
		case err != nil:
			return n, fmt.Errorf("escalation: remind case %s: %w", id, err)
		}
		waited := max(1, int(now.Sub(c.Opened)/time.Minute))
		d.toThread(ctx, &c, d.agents.T("escalation.reminder", waited, caseRef(c.ID)))
		d.toUser(ctx, &c, d.user(&c).T("escalation.still_waiting"))
		d.log.Info("escalation: reminded of an unclaimed case", "case", c.ID)
		n++
	}
	return n, nil
}
