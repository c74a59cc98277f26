package redisstore_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

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

// Web chats that got the same answer share its copy: each history holds the
// blob's name, and 20 conversations of a user's question and a 4 KB answer
// keep well under issue #14's 512 bytes each (the one blob apart). The blob
// lives as long as the longest-lived history naming it.
func TestWebHistoryRedisMemory(t *testing.T) {
	addr := needRedis(t)
	prefix := newPrefix()
	s := openRedis(t, addr, prefix)
	raw := rawClient(t, addr)
	answer := []byte(`{"from":"bot","msg":{"html":"` + strings.Repeat("Open the portal and choose Reset. ", 120) + `"}}`)
	const n = 20
	for i := range n {
		key := bridge.ConvKey{Platform: "web", Channel: fmt.Sprint("tab", i), User: fmt.Sprint("tab", i)}
		if _, err := s.AppendHistory(ctx, key, []byte(`{"from":"user","text":"How do I reset my password?"}`), 50, time.Hour); err != nil {
			t.Fatal(err)
		}
		if _, err := s.AppendHistory(ctx, key, answer, 50, time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	var total int64
	hs := raw.Keys(ctx, prefix+"history:*").Val()
	for _, k := range hs {
		total += raw.MemoryUsage(ctx, k, 0).Val()
	}
	if len(hs) != n {
		t.Fatalf("%d histories, want %d", len(hs), n)
	}
	blobs := raw.Keys(ctx, prefix+"blob:*").Val()
	t.Logf("%d web histories of a question and a %d-byte answer: %d bytes each; %d blob", n, len(answer), total/n, len(blobs))
	if total/n > 512 || len(blobs) != 1 {
		t.Errorf("%d bytes per history and %d blobs, want at most 512 and 1", total/n, len(blobs))
	}
	key := bridge.ConvKey{Platform: "web", Channel: "tab3", User: "tab3"}
	es, err := s.History(ctx, key, 50)
	if err != nil || len(es) != 2 || !bytes.Equal(es[1].Data, answer) {
		t.Fatalf("History = %d entries, %v; want the question and the answer intact", len(es), err)
	}
	// A later append with a longer lifetime extends the blob's too.
	if _, err := s.AppendHistory(ctx, key, []byte(`{"from":"user","text":"thanks"}`), 50, 3*time.Hour); err != nil {
		t.Fatal(err)
	}
	if left := raw.PTTL(ctx, blobs[0]).Val(); left < 2*time.Hour {
		t.Errorf("the answer's blob lives %v more, want the history's 3h", left)
	}
	if ok, err := s.ReplaceHistory(ctx, key, 2, append([]byte(nil), answer[:300]...)); !ok || err != nil {
		t.Fatalf("ReplaceHistory = %v, %v", ok, err)
	}
	if es, _ := s.History(ctx, key, 50); len(es) != 3 || len(es[1].Data) != 300 {
		t.Errorf("after the replacement: %d entries", len(es))
	}
}
