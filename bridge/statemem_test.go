//go:build !race

package bridge_test

import (
	"os"
	"runtime/pprof"
	"testing"
)

// writeHeap writes a heap profile to the file named by the environment
// variable env, if set.
func writeHeap(t *testing.T, env string) {
	f := os.Getenv(env)
	if f == "" {
		return
	}
	w, err := os.Create(f)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	_ = pprof.Lookup("heap").WriteTo(w, 0)
}

// TestStateAfterManyAnswers: the same conversations answering again and again
// keep a constant state once its bounds are reached (Config.TranscriptTurns,
// here 8, and Config.ButtonGroups). 1,000 conversations answer 10 times each (10,000
// answers), then 90 times more (100,000): the live heap after the second is
// within 10 % of that after the first (issue #14). Not under -race, which
// makes 100,000 answers take minutes.
//
//	go test -run TestStateAfterManyAnswers -v ./bridge/
func TestStateAfterManyAnswers(t *testing.T) {
	if testing.Short() {
		t.Skip("plays 100,000 answers")
	}
	const convs = 1000
	// Bounds reached within the first 10 answers: 8 transcript turns and
	// the ring's Config.ButtonGroups (8) groups.
	p := newIdlePlay(t, convs, false, 8)
	base := liveHeap()
	p.round(p.keys, 2) // first contact: the welcome and the answer
	for range 9 {
		p.round(p.keys, 1)
	}
	at10k := liveHeap()
	writeHeap(t, "STATEMEM_PROFILE10K")
	for range 90 {
		p.round(p.keys, 1)
	}
	at100k := liveHeap()
	writeHeap(t, "STATEMEM_PROFILE100K")
	s10, s100 := float64(at10k-base), float64(int64(at100k)-int64(base))
	t.Logf("state of %d conversations: %.0f bytes after 10,000 answers (%.0f each), %.0f after 100,000 (%.0f each): ×%.3f",
		convs, s10, s10/convs, s100, s100/convs, s100/s10)
	if s100 > 1.1*s10 {
		t.Errorf("state grew from %.0f to %.0f bytes between 10,000 and 100,000 answers", s10, s100)
	}
}
