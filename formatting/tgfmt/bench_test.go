package tgfmt

import (
	"testing"

	"github.com/kmbridge/kmbridge/formatting"
)

// BenchmarkRender renders a typical answer: ~2 KB of rich text (heading, six
// paragraphs with bold and links, a list), five suggested questions and the
// rating buttons.
func BenchmarkRender(b *testing.B) {
	m := typical()
	b.ReportAllocs()
	for b.Loop() {
		Render(m)
	}
}

// BenchmarkRenderSplit renders an answer long enough to be split in three.
func BenchmarkRenderSplit(b *testing.B) {
	m := typical()
	t := m.Blocks[0]
	for i := 0; i < 5; i++ {
		m.Blocks = append([]formatting.Block{t}, m.Blocks...)
	}
	b.ReportAllocs()
	for b.Loop() {
		Render(m)
	}
}

// BenchmarkValidate checks the messages of a typical answer.
func BenchmarkValidate(b *testing.B) {
	msgs := Render(typical())
	b.ReportAllocs()
	for b.Loop() {
		for _, m := range msgs {
			if err := Validate(m); err != nil {
				b.Fatal(err)
			}
		}
	}
}
