package outbound_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/kmbridge/kmbridge/adapters/internal/outbound"
)

// roomy limits: the hot path of a pacer that never has to wait (the usual
// case), over many channels and the global key.
var roomy = map[string]outbound.Limit{
	"chan":   {Every: time.Nanosecond, Burst: 1 << 30},
	"global": {Every: time.Nanosecond, Burst: 1 << 30},
}

func channels(n int) []outbound.Key {
	ks := make([]outbound.Key, n)
	for i := range ks {
		ks[i] = outbound.Key{Class: "chan", ID: "C" + strconv.Itoa(i)}
	}
	return ks
}

// BenchmarkWait is Wait on a channel and the global limit, as every outbound
// message does.
func BenchmarkWait(b *testing.B) {
	p := outbound.NewPacer(roomy, nil)
	ks := channels(1000)
	ctx := context.Background()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if err := p.Wait(ctx, ks[i%len(ks)], global); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkWaitParallel is Wait from many goroutines at once (one lock).
func BenchmarkWaitParallel(b *testing.B) {
	p := outbound.NewPacer(roomy, nil)
	ks := channels(1000)
	ctx := context.Background()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			if err := p.Wait(ctx, ks[i%len(ks)], global); err != nil {
				b.Error(err)
				return
			}
			i++
		}
	})
}

// BenchmarkDo is a whole paced call that succeeds: lane, waits, the call.
func BenchmarkDo(b *testing.B) {
	p := outbound.NewPacer(roomy, nil)
	ks := channels(1000)
	ctx := context.Background()
	pol := outbound.Policy{Classify: classify, RateLimited: 5}
	op := func(context.Context) error { return nil }
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if err := p.Do(ctx, outbound.Call{Lane: ks[i%len(ks)], Keys: []outbound.Key{global}}, pol, op); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
