package redisstore_test

import (
	"fmt"
	"testing"

	"github.com/kmbridge/kmbridge/bridge"
)

// TestIdleConversationRedisMemory measures, on a real redis-server, what an
// idle conversation (its welcome and two answers) keeps in Redis: MEMORY
// USAGE of its one key, the conversation's hash (session, transcript, button
// ring), and asserts issue #14's ≤ 512 bytes. The content-addressed blobs
// (the answers' summaries and buttons) and shared actions (the welcome's
// buttons) are counted apart: they are the same for every conversation that
// got the same answers, so they do not grow from 10 conversations to 20.
//
//	go test -run TestIdleConversationRedisMemory -v ./bridge/redisstore/
func TestIdleConversationRedisMemory(t *testing.T) {
	addr := needRedis(t)
	_, kmURL := startSim(t)
	prefix := newPrefix()
	a := newReplica(t, kmURL, addr, prefix)
	raw := rawClient(t, addr)
	usage := func(pattern string) (total int64, keys int) {
		t.Helper()
		ks, err := raw.Keys(ctx, prefix+pattern).Result()
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range ks {
			b, err := raw.MemoryUsage(ctx, k, 0).Result()
			if err != nil {
				t.Fatalf("MEMORY USAGE %s: %v", k, err)
			}
			total += b
		}
		return total, len(ks)
	}
	const n = 20
	var sharedAt10 int64
	for i := range n {
		key := bridge.DMKey("test", "T1", fmt.Sprintf("D%04d", i), fmt.Sprintf("U%04d", i))
		for j := range 2 {
			a.handle(t, bridge.Message{Key: key, User: bridge.UserInfo{ID: key.User}, Text: qPassword})
			a.rec.WaitSent(t, key, 2+j, wait)
		}
		if enc := raw.ObjectEncoding(ctx, prefix+"conv:"+fmt.Sprintf("%016x", uint64(bridge.RingOf(key.String())))).Val(); enc != "listpack" {
			t.Errorf("conversation %d's hash is encoded %q, want listpack", i, enc)
		}
		if i == 9 {
			b, _ := usage("blob:*")
			s, _ := usage("shared:*")
			sharedAt10 = b + s
		}
	}
	convs, nconv := usage("conv:*")
	if nconv != n {
		t.Fatalf("%d conversation hashes, want %d", nconv, n)
	}
	for _, old := range []string{"session:*", "transcript:*", "ring:*"} {
		if _, k := usage(old); k != 0 {
			t.Errorf("%d keys %s written: a conversation should be its hash only", k, old)
		}
	}
	blobs, nblobs := usage("blob:*")
	shared, nshared := usage("shared:*")
	per := convs / n
	t.Logf("per idle conversation in Redis: %d B (one hash: session, transcript, button ring); shared by all %d: %d blobs %d B, %d shared actions %d B (%d B after 10 conversations)",
		per, n, nblobs, blobs, nshared, shared, sharedAt10)
	if per > 512 {
		t.Errorf("%d B per idle conversation in Redis, want ≤ 512 (issue #14)", per)
	}
	if blobs+shared != sharedAt10 {
		t.Errorf("shared keys grew with conversations: %d B after 10, %d B after %d", sharedAt10, blobs+shared, n)
	}
}
