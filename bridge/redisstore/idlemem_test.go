package redisstore_test

import (
	"fmt"
	"testing"

	"github.com/kmbridge/kmbridge/bridge"
)

// TestIdleConversationRedisMemory measures, on a real redis-server, what an
// idle conversation (its welcome and two answers) keeps in Redis: MEMORY
// USAGE of its keys (session, transcript, button ring), by part. It reports:
// issue #14's 512 bytes per idle conversation in Redis is not met yet (the
// ring keeps each group's conversation key and full actions, the transcript
// JSON turns with the bot's summaries; see the perfstate report).
//
//	go test -run TestIdleConversationRedisMemory -v ./bridge/redisstore/
func TestIdleConversationRedisMemory(t *testing.T) {
	addr := needRedis(t)
	_, kmURL := startSim(t)
	prefix := newPrefix()
	a := newReplica(t, kmURL, addr, prefix)
	raw := rawClient(t, addr)
	const n = 20
	keys := make([]bridge.ConvKey, n)
	for i := range keys {
		keys[i] = bridge.DMKey("test", "T1", fmt.Sprintf("D%04d", i), fmt.Sprintf("U%04d", i))
		for j := range 2 {
			a.handle(t, bridge.Message{Key: keys[i], User: bridge.UserInfo{ID: keys[i].User}, Text: qPassword})
			a.rec.WaitSent(t, keys[i], 2+j, wait)
		}
	}
	parts := map[string]int64{}
	for _, k := range keys {
		for part, key := range map[string]string{
			"session":    prefix + "session:" + k.String(),
			"transcript": prefix + "transcript:" + k.String(),
			"ring":       fmt.Sprintf("%sring:%016x:%d", prefix, uint64(bridge.RingOf(k.String())), bridge.LaneMessage),
		} {
			b, err := raw.MemoryUsage(ctx, key, 0).Result()
			if err != nil {
				t.Fatalf("MEMORY USAGE %s: %v", key, err)
			}
			parts[part] += b
		}
	}
	per := func(p string) int64 { return parts[p] / n }
	t.Logf("per idle conversation in Redis: session %d B, button ring %d B, transcript %d B; total %d B",
		per("session"), per("ring"), per("transcript"), per("session")+per("ring")+per("transcript"))
}
