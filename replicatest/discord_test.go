package replicatest

import (
	"fmt"
	"testing"
	"time"
)

// Two replicas on one Discord application, each with its own shard (as
// README says to run the gateway): both connect and are ready, and the
// application commands are read and written by one of them only.
func TestDiscordShardsAndCommandsOnce(t *testing.T) {
	w := newWorld(t, worldOptions{discord: true})
	commands := func(method string) int {
		return len(w.dc.CallsTo(method, `/applications/\d+(/guilds/\d+)?/commands`))
	}
	a := w.start(t, "a", "KMBRIDGE_DISCORD_SHARD_ID=0", "KMBRIDGE_DISCORD_SHARD_COUNT=2")
	w.dc.WaitShard(t, 0)
	waitFor(t, 10*time.Second, "A's commands", func() error {
		if commands("PUT") == 0 {
			return fmt.Errorf("not written")
		}
		return nil
	})
	reads, writes := commands("GET"), commands("PUT")
	b := w.start(t, "b", "KMBRIDGE_DISCORD_SHARD_ID=1", "KMBRIDGE_DISCORD_SHARD_COUNT=2")
	w.dc.WaitShard(t, 1)
	for _, r := range []*replica{a, b} {
		waitFor(t, 10*time.Second, "replica "+r.name+" ready", r.ready)
	}
	time.Sleep(500 * time.Millisecond) // B's registration, were it to happen, comes with its gateway
	if r, wr := commands("GET")-reads, commands("PUT")-writes; r != 0 || wr != 0 {
		t.Errorf("replica B read the commands %d times and wrote them %d times; want neither (A registered them)", r, wr)
	}
}
