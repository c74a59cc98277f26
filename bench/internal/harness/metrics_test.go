package harness

import (
	"bufio"
	"strings"
	"testing"
)

func TestParseCounters(t *testing.T) {
	const exposition = `# HELP kmbridge_bridge_sends_total Messages sent or edited through adapters, by platform and result.
# TYPE kmbridge_bridge_sends_total counter
kmbridge_bridge_sends_total{platform="slack",result="edit_error"} 1
kmbridge_bridge_sends_total{platform="slack",result="error"} 7
kmbridge_bridge_sends_total{platform="slack",result="ok"} 93
kmbridge_bridge_sends_total{platform="telegram",result="error"} 2
kmbridge_bridge_busy_total{platform="slack"} 3
kmbridge_bridge_busy_totals{platform="slack"} 100
go_goroutines 12
go_memstats_heap_inuse_bytes 2.5165824e+07
go_memstats_stack_inuse_bytes 1.048576e+06
go_memstats_heap_inuse_bytes_total 1
`
	c, err := parseCounters(bufio.NewScanner(strings.NewReader(exposition)))
	if err != nil {
		t.Fatal(err)
	}
	if c.sendFailures != 10 || c.busy != 3 {
		t.Errorf("got %+v, want 10 failed sends and 3 busy refusals", c)
	}
	if c.goroutines != 12 || c.heapInuse != 24<<20 || c.stackInuse != 1<<20 {
		t.Errorf("got %+v, want 12 goroutines, a 24 MiB heap in use and 1 MiB of stacks", c)
	}
	if _, err := parseCounters(bufio.NewScanner(strings.NewReader(`kmbridge_bridge_busy_total{platform="slack"} many`))); err == nil {
		t.Error("a value that is no number parsed")
	}
}
