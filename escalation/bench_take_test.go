package escalation_test

import (
	"context"
	"testing"

	"github.com/kmbridge/kmbridge/bridge"
)

// BenchmarkTakeNotHandedOver is what the desk adds to every event of a user
// who is not handed over (the common case): one link lookup in the memory
// store.
func BenchmarkTakeNotHandedOver(b *testing.B) {
	w := newWorld(b, worldOpts{})
	ev := bridge.Message{Key: bridge.DMKey("telegram", "", "1", "1"), Text: "hello"}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if w.desk.Take(ctx, ev) {
			b.Fatal("taken")
		}
	}
}

// BenchmarkTakeRelay is one handed-over user's message relayed into the
// case's thread, KM assist included (the simulator over loopback HTTP).
func BenchmarkTakeRelay(b *testing.B) {
	w := newWorld(b, worldOpts{})
	user, hanako := userOn("telegram")
	if err := w.desk.Escalate(context.Background(), bridge.Escalation{Key: user, User: hanako, Reason: bridge.ReasonUser}); err != nil {
		b.Fatal(err)
	}
	ev := bridge.Message{Key: user, User: hanako, Text: "still broken"}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if !w.desk.Take(ctx, ev) {
			b.Fatal("not taken")
		}
	}
}
