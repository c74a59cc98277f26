package telegramadapter_test

import (
	"math"
	"testing"

	"github.com/kmbridge/kmbridge/adapters/telegram/telegramtest"
)

// An entity whose offset plus length overflows int must not crash the poll loop
// (a panic there kills the process, and the unconfirmed update comes back after
// every restart): it is ignored like any other bad offset, and the bot goes on.
func TestEntityOverflowDoesNotCrash(t *testing.T) {
	const group = -1009876
	w := newWorld(t, nil)
	w.boot(t, options{})

	bad := telegramtest.Message(telegramtest.GroupChat(group), telegramtest.Person(alice, "en"), "@"+telegramtest.BotName+" What is the Wi-Fi password?",
		map[string]any{"entities": []map[string]any{{"type": "mention", "offset": 1, "length": math.MaxInt64}}})
	w.fake.Push(bad)
	w.fake.WaitSend(t, "ExampleGuest") // found by the @username as a word

	w.fake.Push(telegramtest.Mention(group, bob, "What are the office hours?", nil))
	w.fake.WaitSend(t, "07:00–20:00")
}
