package telegramadapter_test

import (
	"strings"
	"testing"

	telegramadapter "github.com/kmbridge/kmbridge/adapters/telegram"

	"github.com/kmbridge/kmbridge/adapters/telegram/telegramtest"
)

// BenchmarkUpdateRoundTrip measures one update end to end: the fake Bot API
// answers the long poll, the adapter dedupes and classifies it, the core asks
// the KM simulator over HTTP (real kmclient), formatting renders the answer,
// tgfmt validates it and the adapter sends it (typing first) to the fake, which
// validates it again. Everything runs in this process, so ns/op and allocs/op
// include the fake servers' side. Pacing is off (it would measure the pacer's
// one message a second per chat).
func BenchmarkUpdateRoundTrip(b *testing.B) {
	w := newWorld(b, nil)
	answered := make(chan struct{}, 1)
	w.fake.OnSend(func(c telegramtest.Call) {
		if strings.Contains(c.Params.Get("text"), "ExampleGuest") {
			answered <- struct{}{}
		}
	})
	w.boot(b, options{quiet: true, tg: func(c *telegramadapter.Config) {
		c.PerChatInterval, c.GroupPerMinute, c.GlobalPerSecond = -1, -1, -1
	}})
	const q = "What is the Wi-Fi password?"
	w.fake.Push(telegramtest.Private(alice, q)) // first contact: welcome and KM session
	<-answered
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		w.fake.Push(telegramtest.Private(alice, q))
		<-answered
	}
	b.StopTimer()
}
