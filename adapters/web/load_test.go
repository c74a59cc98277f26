package webadapter

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/kmbridge/kmbridge/adapters/option"
	"github.com/kmbridge/kmbridge/bridge/bridgetest/e2e"
)

// 20,000 cookie-less sockets: each is a new browser that connects and says
// nothing. They must cost no KM call, nothing stored, and memory only while
// open, within a stated bound per socket; once closed, nothing is left.
//
// The browsers are real WebSocket clients on loopback in a child process (the
// test binary again, see TestMain), so the chat's memory is measured alone.
// The machine allows 20,000 descriptors per process, so the sockets come in
// waves of at most 10,000 open at once. Under -race the test opens 4,000, in
// waves of 2,000 (the race detector multiplies every socket's cost);
// ./scripts/test also runs it without -race at full size.
func TestFault20kSocketsCostNothing(t *testing.T) {
	total, wave := 20_000, 10_000
	if raceEnabled {
		total, wave = 4_000, 2_000
	}
	// Bounds on the live heap and goroutine stacks of the chat's process: per
	// open socket; and per socket once open at the same time, what stays when
	// all have closed: the Go runtime keeps the descriptors of goroutines and
	// of network pollers it once needed, for reuse (about 1 KB a socket), so
	// what stays follows the most sockets open at once, never the sockets there
	// ever were: a second wave adds nothing (growthBound).
	const (
		perSocketBound = 16 << 10
		retainedBound  = 1536    // a socket once open at once
		retainedFixed  = 4 << 20 // whatever the count
		growthBound    = 2 << 20
	)
	w := e2e.NewWorld(t, e2e.WorldOptions{})
	p := w.Boot(t, e2e.Options{Catalog: catalog, Quiet: true})
	chat, err := New(Config{}, p.Host, option.Catalog(catalog))
	if err != nil {
		t.Fatal(err)
	}
	p.Start(t, chat)
	base := p.Serve(t, chat).URL

	// The first visitor builds the shared welcome: KM's FAQ and hot lists,
	// once.
	tb, _ := openTab(t, base, "")
	tb.close()
	waitFor(t, func() bool { _, s := chat.live.counts(); return s == 0 })
	calls := len(w.Sim.Calls())
	_, actions, _, _, _ := p.Store.Len()
	base0 := memory()

	var peak uint64
	var rssPeak int64
	var afterWave []int64
	start := time.Now()
	for done := 0; done < total; done += wave {
		n := min(wave, total-done)
		cl := startClients(t, base, n)
		waitFor(t, func() bool { _, s := chat.live.counts(); return s == n })
		m := memory()
		peak = max(peak, m)
		rssPeak = max(rssPeak, rss())
		cl.closeAll(t)
		waitFor(t, func() bool { c, s := chat.live.counts(); return s == 0 && c == 0 })
		afterWave = append(afterWave, int64(memory())-int64(base0))
	}
	elapsed := time.Since(start)
	after := memory()
	if f := os.Getenv("KMB_MEM_PROFILE"); f != "" {
		out, _ := os.Create(f)
		_ = pprof.WriteHeapProfile(out)
		out.Close()
	}

	open := int64(min(wave, total))
	perSocket := int64(peak-base0) / open
	retained := int64(after) - int64(base0)
	t.Logf("%d sockets (%d open at once) in %s: %d B heap+stack per open socket (bound %d); after all closed %d B retained, %d B per socket once open at once (bound %d), after each wave %d; peak RSS %d MB",
		total, open, elapsed.Round(time.Millisecond), perSocket, perSocketBound, retained, retained/open, retainedBound, afterWave, rssPeak>>20)
	if n := len(w.Sim.Calls()); n != calls {
		t.Errorf("%d KM calls for sockets that said nothing: %v", n-calls, w.Sim.Calls()[calls:])
	}
	sessions, nowActions, seen, _, transcripts := p.Store.Len()
	if sessions+seen+transcripts+p.Store.HistoryLen()+p.Store.InboxLen() != 0 || nowActions != actions {
		t.Errorf("sockets that said nothing stored something: %d sessions, %d actions (was %d), %d delivery ids, %d transcripts, %d histories, %d inbox entries",
			sessions, nowActions, actions, seen, transcripts, p.Store.HistoryLen(), p.Store.InboxLen())
	}
	if perSocket > perSocketBound {
		t.Errorf("an open socket costs %d B, more than %d", perSocket, perSocketBound)
	}
	if retained > retainedBound*open+retainedFixed {
		t.Errorf("%d B retained once every socket closed, more than %d a socket once open and %d", retained, retainedBound, retainedFixed)
	}
	if g := afterWave[len(afterWave)-1] - afterWave[0]; g > growthBound {
		t.Errorf("what stays grew by %d B from the first wave to the last: it follows the sockets there ever were", g)
	}
}

// memory is the live heap and goroutine stacks after a full collection.
func memory() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	if os.Getenv("KMB_MEM_DEBUG") != "" {
		fmt.Fprintf(os.Stderr, "heap %d stack %d goroutines %d\n", m.HeapAlloc, m.StackInuse, runtime.NumGoroutine())
	}
	return m.HeapAlloc + m.StackInuse
}

// rss is the process's resident set in bytes (0 where /proc is not).
func rss() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(b)) {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb << 10
		}
	}
	return 0
}

// clientsEnv makes the test binary a crowd of browsers: "<base URL> <n>".
const clientsEnv = "KMBRIDGE_TEST_WEB_CLIENTS"

// clients is the child process holding n open sockets.
type clients struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	out   *bufio.Scanner
}

// startClients starts the child and returns once its n sockets are open and
// each has had its history frame.
func startClients(t *testing.T, base string, n int) *clients {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), clientsEnv+"="+base+" "+strconv.Itoa(n))
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &clients{cmd: cmd, stdin: stdin, out: bufio.NewScanner(stdout)}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	if line := c.line(); line != "open "+strconv.Itoa(n) {
		t.Fatalf("the browsers: %q, want all %d open", line, n)
	}
	return c
}

func (c *clients) line() string {
	if c.out.Scan() {
		return c.out.Text()
	}
	return fmt.Sprintf("(ended: %v)", c.out.Err())
}

// closeAll has the child close every socket and exit.
func (c *clients) closeAll(t *testing.T) {
	t.Helper()
	c.stdin.Close()
	if line := c.line(); line != "closed" {
		t.Fatalf("the browsers: %q, want closed", line)
	}
	if err := c.cmd.Wait(); err != nil {
		t.Fatalf("the browsers' process: %v", err)
	}
}

// runClients is the child: it opens n sockets to the chat as new browsers
// (no cookie), reads each one's history frame, reports, waits until its
// stdin closes, then closes them all.
func runClients(spec string) int {
	fail := func(err error) int { fmt.Println("error:", err); return 1 }
	base, count, _ := strings.Cut(spec, " ")
	n, err := strconv.Atoi(count)
	if err != nil {
		return fail(err)
	}
	url := "ws" + strings.TrimPrefix(base, "http") + "/ws"
	d := websocket.Dialer{ReadBufferSize: 1024, WriteBufferSize: 256, HandshakeTimeout: time.Minute}
	conns := make([]*websocket.Conn, n)
	errs := make(chan error, n)
	next := make(chan int)
	var wg sync.WaitGroup
	for range 32 {
		wg.Go(func() {
			for i := range next {
				c, _, err := d.Dial(url, http.Header{"Origin": {base}})
				if err == nil {
					var r io.Reader
					if _, r, err = c.NextReader(); err == nil {
						_, err = io.Copy(io.Discard, r)
					}
				}
				if err != nil {
					errs <- fmt.Errorf("socket %d: %w", i, err)
					return
				}
				conns[i] = c
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	select {
	case err := <-errs:
		return fail(err)
	default:
	}
	fmt.Println("open", n)
	_, _ = io.Copy(io.Discard, os.Stdin)
	for _, c := range conns {
		c.Close()
	}
	fmt.Println("closed")
	return 0
}
