package discordadapter_test

import (
	"strings"
	"testing"

	"github.com/kmbridge/kmbridge/adapters/discord/discordtest"
)

// BenchmarkMessageRoundTrip measures one MESSAGE_CREATE end to end: the fake
// gateway dispatches it over the websocket, discordgo decodes it, the adapter
// classifies and dedupes it (Core.Seen), the core asks the KM simulator over
// HTTP (real kmclient), formatting and discordfmt render and validate the
// answer, and the adapter posts it (typing first) to the fake REST API, which
// validates it again. Everything runs in this process, so ns/op and allocs/op
// include both fakes' side.
func BenchmarkMessageRoundTrip(b *testing.B) {
	w := newWorld(b, nil)
	answered := make(chan struct{}, 1)
	w.fake.OnCall(func(c discordtest.Call) {
		if c.Method == "POST" && strings.Contains(string(c.Body), "ExampleGuest") {
			answered <- struct{}{}
		}
	})
	w.boot(b, options{quiet: true})
	const q = "What is the Wi-Fi password?"
	w.fake.Dispatch("MESSAGE_CREATE", w.fake.DM(alice, q)) // first contact: welcome and KM session
	<-answered
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		w.fake.Dispatch("MESSAGE_CREATE", w.fake.DM(alice, q))
		<-answered
	}
	b.StopTimer()
}
