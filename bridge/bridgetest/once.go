package bridgetest

import (
	"fmt"
	"strings"
)

// ExactlyOnce checks the fault suite's promise for one conversation: every
// accepted event got exactly one reply, an answer or an apology, none twice,
// in the order the events were accepted. replies are the texts the
// conversation received, in order (across restarts: the first process's, then
// the next one's); wants[i] is a text that only the answer to the i-th
// accepted event contains. A reply that is neither an apology nor contains any
// of wants (a welcome) is not counted.
func ExactlyOnce(replies, wants []string, isApology func(string) bool) error {
	var counted []string
	for _, r := range replies {
		if isApology(r) || containsAny(r, wants) {
			counted = append(counted, r)
		}
	}
	for i, w := range wants {
		if i >= len(counted) {
			return fmt.Errorf("event %d (%q) got no answer and no apology; replies %q", i, w, counted)
		}
		if r := counted[i]; !isApology(r) && !strings.Contains(r, w) {
			return fmt.Errorf("reply %d is %q, want the answer to event %d (%q) or an apology; replies %q", i, r, i, w, counted)
		}
	}
	if len(counted) > len(wants) {
		return fmt.Errorf("%d replies to %d events (one answered twice?): %q", len(counted), len(wants), counted)
	}
	return nil
}

func containsAny(s string, subs []string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}
