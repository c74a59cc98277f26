package escalation_test

import (
	"testing"

	"github.com/kmbridge/kmbridge/escalation"
)

// BenchmarkCard builds the card for a conversation with the bridge's default
// transcript (50 turns of up to 500 runes), showing the last 10.
func BenchmarkCard(b *testing.B) {
	e := long(50, 500)
	p := printer(b, "ja")
	b.ReportAllocs()
	for b.Loop() {
		_ = escalation.Card(e, p, escalation.CardOptions{})
	}
}
