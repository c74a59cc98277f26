package httpx_test

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kmbridge/kmbridge/internal/httpx"
)

// countingListener counts the connections a server accepts: the client's dials.
type countingListener struct {
	net.Listener
	n atomic.Int64
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.n.Add(1)
	}
	return c, err
}

// bursts makes rounds of n calls at once, each round once the previous one
// is over, and returns the connections the server accepted.
func bursts(t *testing.T, hc *http.Client, n, rounds int) int64 {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cl := &countingListener{Listener: ln}
	// Every call waits until all n have arrived, so the round really has n
	// in flight at once.
	var arrived sync.WaitGroup
	var mu sync.Mutex
	gate := make(chan struct{})
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The gate is taken before saying it arrived: once all have, the
		// round's gate is closed and replaced by the next round's.
		mu.Lock()
		g := gate
		mu.Unlock()
		arrived.Done()
		<-g
		_, _ = io.WriteString(w, `{"ok":true}`)
	}))
	srv.Listener = cl
	srv.Start()
	defer srv.Close()
	for range rounds {
		arrived.Add(n)
		var done sync.WaitGroup
		for range n {
			done.Go(func() {
				resp, err := hc.Get(srv.URL)
				if err != nil {
					t.Error(err)
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			})
		}
		arrived.Wait()
		mu.Lock()
		close(gate)
		gate = make(chan struct{})
		mu.Unlock()
		done.Wait()
	}
	return cl.n.Load()
}

// TestTransportReusesConnections: rounds of 64 calls at once dial 64
// connections in all, where Go's default transport (2 idle per host) dials
// anew in every round.
func TestTransportReusesConnections(t *testing.T) {
	const n, rounds = 64, 4
	if got := bursts(t, httpx.Client(10*time.Second, n), n, rounds); got != n {
		t.Errorf("httpx: %d rounds of %d calls dialled %d connections, want %d", rounds, n, got, n)
	}
	def := &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
	if got := bursts(t, def, n, rounds); got <= n {
		t.Errorf("the default transport dialled %d connections: the test no longer shows the difference", got)
	}
}

func TestTransportDefaults(t *testing.T) {
	tr := httpx.Transport(0)
	if tr.MaxIdleConnsPerHost != httpx.DefaultIdlePerHost || tr.MaxIdleConns != 0 || tr.IdleConnTimeout != httpx.IdleConnTimeout {
		t.Errorf("Transport(0): idle per host %d, idle %d, idle timeout %s", tr.MaxIdleConnsPerHost, tr.MaxIdleConns, tr.IdleConnTimeout)
	}
	if tr.Proxy == nil || !tr.ForceAttemptHTTP2 || tr.TLSHandshakeTimeout == 0 {
		t.Error("Transport lost the default transport's proxy, HTTP/2 or TLS timeout")
	}
	if got := httpx.Transport(1000).MaxIdleConnsPerHost; got != 1000 {
		t.Errorf("Transport(1000): %d idle per host", got)
	}
}
