package webadapter

import (
	"encoding/json"
	"fmt"

	"github.com/kmbridge/kmbridge/formatting"
	"github.com/kmbridge/kmbridge/formatting/webfmt"
)

// renderWeb renders m with webfmt and checks the result before it reaches a
// browser: a rendering that fails webfmt.Validate (a bug, never KM's content) is
// refused rather than sent.
func renderWeb(m formatting.Message) (json.RawMessage, error) {
	msg := webfmt.Render(m)
	if err := webfmt.Validate(msg); err != nil {
		return nil, fmt.Errorf("unsafe rendering refused: %w", err)
	}
	b, err := json.Marshal(msg)
	if err != nil {
		return nil, fmt.Errorf("encode: %w", err)
	}
	return b, nil
}
