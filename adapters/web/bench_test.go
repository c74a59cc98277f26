package webadapter

import (
	"context"
	"testing"

	"github.com/kmbridge/kmbridge/bridge/bridgetest"
	"github.com/kmbridge/kmbridge/formatting"
)

// BenchmarkSend is one bot reply (render with webfmt, validate, store in the
// history (the store, here the recording host), fan out) to a conversation with two open tabs.
func BenchmarkSend(b *testing.B) {
	a, err := New(Config{}, bridgetest.NewHost())
	if err != nil {
		b.Fatal(err)
	}
	cid := newCID()
	var tabs []*client
	for range 2 {
		c := testClient(cid)
		if err := a.live.attach(c); err != nil {
			b.Fatal(err)
		}
		a.live.ready(c, []byte("{}"), 0, false)
		<-c.send
		tabs = append(tabs, c)
	}
	m := formatting.Message{Blocks: []formatting.Block{
		&formatting.Text{Rich: formatting.Rich{
			&formatting.Para{Spans: []formatting.Span{{Text: "To reset your password, open "}, {Text: "the portal", Link: "https://id.example/reset"}}},
			&formatting.List{Ordered: true, Items: []formatting.Rich{
				{&formatting.Para{Spans: []formatting.Span{{Text: "Sign in"}}}},
				{&formatting.Para{Spans: []formatting.Span{{Text: "Choose a new password", Marks: formatting.Bold}}}},
			}},
		}},
		&formatting.Buttons{Title: "Related questions", Items: []formatting.Button{
			{Label: "How do I set up MFA?", Token: "tok1"}, {Label: "What is the Wi-Fi password?", Token: "tok2"},
		}},
		&formatting.Buttons{Title: "Was this answer helpful?", Items: []formatting.Button{
			{Label: "👍 Helpful", Token: "tok3"}, {Label: "👎 Not helpful", Token: "tok4"},
		}},
	}}
	key := keyFor(cid)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := a.Send(ctx, key, m); err != nil {
			b.Fatal(err)
		}
		for _, c := range tabs {
			<-c.send
		}
	}
}
