// Package httpx builds the HTTP transports of kmbridge's outbound clients (KM,
// Slack, Telegram, Discord), sized for the bridge's concurrency.
//
// Go's default transport keeps two idle connections per host. Under load the
// bridge has as many calls in flight to one host (KM, the platform's API) as
// it answers at once, so every burst past two dialled anew: 1.6 TCP dials per
// answer on Slack (BENCHMARKS.md). An idle limit as high as the calls that
// can be in flight keeps each connection that was needed once for the next
// call; it costs nothing until that concurrency is reached, and idle
// connections are closed after IdleConnTimeout.
package httpx

import (
	"net/http"
	"time"
)

// DefaultIdlePerHost is the idle connections kept per host when no bound is
// given: the bridge's default number of conversations answered at once.
const DefaultIdlePerHost = 256

// IdleConnTimeout is how long an unused connection is kept: long enough to
// carry a quiet spell between bursts, short of the idle timeouts of common
// load balancers (typically 60–350 s), which would close it under us.
const IdleConnTimeout = 55 * time.Second

// Transport is a transport like http.DefaultTransport (proxy from the
// environment, HTTP/2 when offered, its dial and TLS timeouts) that keeps up
// to idlePerHost idle connections per host (≤ 0: DefaultIdlePerHost) and
// opens as many as the calls in flight need.
func Transport(idlePerHost int) *http.Transport {
	if idlePerHost <= 0 {
		idlePerHost = DefaultIdlePerHost
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = idlePerHost
	// The total bound of the default (100) would cap every host's pool at
	// 100 at once; each host's own bound is the one that matters here.
	tr.MaxIdleConns = 0
	tr.IdleConnTimeout = IdleConnTimeout
	return tr
}

// Client is an http.Client with Transport(idlePerHost) and timeout bounding
// each call (0: none).
func Client(timeout time.Duration, idlePerHost int) *http.Client {
	return &http.Client{Timeout: timeout, Transport: Transport(idlePerHost)}
}
