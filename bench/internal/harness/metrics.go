package harness

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// counters are kmbridge's own counts of what it gave up, from its /metrics.
type counters struct {
	// sendFailures are sends and edits an adapter returned an error for
	// (kmbridge_bridge_sends_total, result error or edit_error): a message the
	// user never saw, e.g. one whose turn at the platform's pacer would have
	// come after the send's deadline.
	sendFailures int64
	// busy are events refused because their conversation's queue was full
	// (kmbridge_bridge_busy_total).
	busy int64
	// heapInuse, stackInuse and goroutines are the Go runtime's gauges
	// (go_memstats_heap_inuse_bytes, go_memstats_stack_inuse_bytes,
	// go_goroutines): what RSS is made of besides the runtime's free pages.
	heapInuse, stackInuse, goroutines int64
}

// readCounters reads kmbridge's Prometheus text exposition at /metrics (on
// the public listener, kmbridge's default).
func readCounters(ctx context.Context, c *http.Client, addr string) (counters, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/metrics", nil)
	if err != nil {
		return counters{}, err
	}
	resp, err := c.Do(req)
	if err != nil {
		return counters{}, fmt.Errorf("harness: metrics: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return counters{}, fmt.Errorf("harness: metrics: HTTP %d", resp.StatusCode)
	}
	return parseCounters(bufio.NewScanner(resp.Body))
}

func parseCounters(sc *bufio.Scanner) (counters, error) {
	var c counters
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			continue
		}
		var name, labels, val string
		if n, rest, ok := strings.Cut(line, "{"); ok {
			if labels, val, ok = strings.Cut(rest, "} "); !ok {
				continue
			}
			name = n
		} else if name, val, ok = strings.Cut(line, " "); !ok {
			continue
		}
		var into *int64
		switch {
		case name == "go_memstats_heap_inuse_bytes":
			into = &c.heapInuse
		case name == "go_memstats_stack_inuse_bytes":
			into = &c.stackInuse
		case name == "go_goroutines":
			into = &c.goroutines
		case name == "kmbridge_bridge_sends_total" && (strings.Contains(labels, `result="error"`) || strings.Contains(labels, `result="edit_error"`)):
			into = &c.sendFailures
		case name == "kmbridge_bridge_busy_total":
			into = &c.busy
		default:
			continue
		}
		fields := strings.Fields(val)
		if len(fields) == 0 {
			continue
		}
		f, err := strconv.ParseFloat(fields[0], 64)
		if err != nil {
			return c, fmt.Errorf("harness: metrics: %q: %w", line, err)
		}
		*into += int64(f)
	}
	return c, sc.Err()
}
