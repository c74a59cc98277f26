package kmsim_test

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/kmbridge/kmbridge/kmclient/kmsim"
	"github.com/kmbridge/kmbridge/kmclient/seedex"
)

// In verbatim mode the simulator answers with the seeds' own examples, byte for
// byte, after the usual signature check.
func TestVerbatimExamples(t *testing.T) {
	all, err := seedex.Load(os.DirFS("../testdata/seed"))
	if err != nil {
		t.Fatal(err)
	}
	var ja []seedex.Example
	for _, e := range all {
		if e.SeedNumber() == "001" {
			ja = append(ja, e)
		}
	}
	f := newFixture(t, kmsim.Options{Examples: ja})
	chat := seedex.Find(ja, "POST /v1/chat", seedex.Response)[0]
	r := f.call("POST", "/v1/chat", map[string]any{"sessionId": 1, "robotId": 2, "queryContent": "anything"})
	if r.status != 200 || !bytes.Equal(r.raw, chat.Body()) {
		t.Fatalf("HTTP %d %q, want %s verbatim", r.status, r.raw, chat.File)
	}
	if c := f.sim.CallsTo("POST /v1/chat"); len(c) != 1 || c[0].Example != chat.File {
		t.Errorf("recorded %+v", c)
	}
	// A request the seeds have no example for.
	r = f.call("GET", "/v1/questions/1", nil)
	r.failed(t, "kmsim: the seeds have no example for GET /v1/questions/:id")
	// A delete the seeds document as 204 without a body.
	if r = f.call("DELETE", "/v1/questions/1", nil); r.status != 204 || len(r.raw) != 0 {
		t.Errorf("delete: HTTP %d %q", r.status, r.raw)
	}
	// The signature is still checked.
	bad := f.url("/v1/chat", nil)
	if r = f.send("POST", bad, "{}"); r.status != 401 || !strings.Contains(string(r.raw), kmsim.MsgSignatureFailed) {
		t.Errorf("unsigned: HTTP %d %s", r.status, r.raw)
	}
}
