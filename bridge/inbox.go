package bridge

import (
	"context"
	"encoding/json"
	"time"
)

// The durable inbox: nothing the core accepted is lost.
//
// An event Handle accepts (returns nil for, so the adapter acknowledges it to
// the platform) is written to the store's inbox before Handle returns, and
// removed only once it has been processed: answered, apologised for, or
// refused with a reply. After a crash or a shutdown whose drain was cut short,
// Replay queues what is left, oldest first per conversation, ahead of new
// events. An entry older than Config.InboxMaxAge by the time its turn comes gets
// a short apology (the catalogue's inbox_expired) instead of a stale answer.
//
// Order: each entry has a sequence number taken, under the core's lock, at the
// moment its event joins the conversation's queue, so inbox order is queue
// order even when two deliveries of one conversation race. On a Shared store
// (several replicas) the store numbers the entries itself, from one counter
// every replica shares, and the inbox is the queue (lease.go). A worker waits for
// an event's write before processing it; when the write fails, Handle returns
// the error (the adapter does not acknowledge, Deliver releases the dedupe
// claim, the platform delivers again) and the worker skips the event.
//
// The one window left: an answer has been sent and the process dies before the
// removal of its entry is written (memstore: one group-committed journal
// write, fsynced with the next put's; Redis: one round trip). That event is answered again after the restart. The
// same holds for a send whose outcome is unknown because shutdown cancelled it.
// A turn cut short by shutdown before it sent anything to the user stays in the
// inbox; one that had already replied is finished as it is.

// Inbox is the store's part of the durable inbox. Entries are grouped by
// conversation and ordered by Seq, which the core assigns; stores keep them
// until InboxDone and never expire them. Every Store has one.
//
// A replica that owns a conversation can drain it with InboxEntries and
// InboxDone; InboxConvs finds the conversations with work left.
type Inbox interface {
	// InboxPut stores e durably before it returns nil: a process killed right
	// after still has it at the next start. Putting (Key, Seq) again replaces
	// the entry.
	InboxPut(ctx context.Context, e InboxEntry) error
	// InboxDone removes the entry (key, seq); removing an unknown one is no error.
	InboxDone(ctx context.Context, key ConvKey, seq uint64) error
	// InboxConvs lists the conversations that have entries, in no order.
	InboxConvs(ctx context.Context) ([]ConvKey, error)
	// InboxEntries returns the conversation's entries, lowest Seq first.
	InboxEntries(ctx context.Context, key ConvKey) ([]InboxEntry, error)
}

// InboxEntry is one accepted event waiting to be processed.
type InboxEntry struct {
	Key ConvKey `json:"k"`
	// Seq orders the conversation's entries: a hybrid clock (Unix nanoseconds
	// when taken, or one more than the core's last, whichever is greater); on
	// a Shared store, the store's counter (Shared.InboxAppend).
	Seq uint64 `json:"s"`
	// ID names the append on a Shared store, so that an append whose answer
	// was lost can be undone (Shared.InboxUndo); "" otherwise.
	ID string `json:"id,omitempty"`
	// At is when the event was delivered (the core's clock).
	At time.Time `json:"at"`
	// Event is the event as the core encodes it; stores keep it as it is.
	Event json.RawMessage `json:"e"`
}
