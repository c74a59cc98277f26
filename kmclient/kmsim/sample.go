package kmsim

import (
	"bytes"
	_ "embed"
	"fmt"
)

//go:embed sample.yaml
var sampleYAML []byte

// SampleYAML returns the sample knowledge base's YAML: an IT/HR helpdesk that
// demonstrates every msgType. Its header comment lists which question shows what.
func SampleYAML() []byte { return bytes.Clone(sampleYAML) }

// SampleKB returns the sample knowledge base (robot SampleRobotID, scene
// SampleChannelID, modelKey SampleModelKey).
func SampleKB() *KB {
	kb, err := LoadKB(bytes.NewReader(sampleYAML))
	if err != nil {
		// The sample is embedded and tested; failing here is a build defect.
		panic(fmt.Sprintf("kmsim: the embedded sample.yaml is invalid: %v", err))
	}
	return kb
}
