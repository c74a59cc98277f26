package kmsim

import (
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"
)

// Malformed is a kind of malformed response.
type Malformed int

// Kinds of malformed responses.
const (
	// MalformedHTML answers HTTP 200 with an HTML page, as a captive portal or a
	// misconfigured proxy does.
	MalformedHTML Malformed = iota + 1
	// MalformedTruncated handles the request, then sends only the first half of the
	// JSON (the connection "broke" mid-body).
	MalformedTruncated
)

// Faults are the simulator's fault knobs. They are read on every call and can be
// changed at any time, from any goroutine.
type Faults struct {
	// Latency is added to every call, plus a uniform random extra in [0, Jitter).
	Latency, Jitter time.Duration
	// ErrorRate is the fraction (0–1) of calls answered with ErrorStatus instead of
	// being handled: 500 gets a Spring-style JSON error, 502 an nginx HTML page,
	// 503 a text body and, when RetryAfter > 0, a Retry-After header (seconds).
	ErrorRate   float64
	ErrorStatus int // default 500
	RetryAfter  time.Duration
	// MalformedRate is the fraction (0–1) of calls answered with a malformed response
	// of kind Malformed (default MalformedHTML).
	MalformedRate float64
	Malformed     Malformed
	// Down closes every connection without answering.
	Down bool
}

type faultState struct {
	cur        atomic.Pointer[Faults]
	expireNext atomic.Int64
	streamGap  atomic.Int64 // nanoseconds slept before each streamed chunk

	failMu    sync.Mutex
	failNext  int
	failFault Faults // ErrorStatus and RetryAfter of the pending failures

	rngMu sync.Mutex
	rng   *rand.Rand
}

// SetFaults replaces the knobs of Faults at once (FailNext, ExpireNext and the
// stream delay are separate and unchanged).
func (s *Sim) SetFaults(f Faults) { s.faults.cur.Store(&f) }

// Faults returns the current fault knobs.
func (s *Sim) Faults() Faults { return *s.faults.cur.Load() }

func (s *Sim) updateFaults(change func(*Faults)) {
	for {
		old := s.faults.cur.Load()
		f := *old
		change(&f)
		if s.faults.cur.CompareAndSwap(old, &f) {
			return
		}
	}
}

// SetLatency delays every call by fixed plus a random extra in [0, jitter).
func (s *Sim) SetLatency(fixed, jitter time.Duration) {
	s.updateFaults(func(f *Faults) { f.Latency, f.Jitter = fixed, jitter })
}

// SetErrorRate answers the fraction rate of calls with HTTP status (500 when 0);
// a 503 carries Retry-After when retryAfter > 0.
func (s *Sim) SetErrorRate(rate float64, status int, retryAfter time.Duration) {
	s.updateFaults(func(f *Faults) { f.ErrorRate, f.ErrorStatus, f.RetryAfter = rate, status, retryAfter })
}

// SetMalformed answers the fraction rate of calls with a malformed response.
func (s *Sim) SetMalformed(rate float64, kind Malformed) {
	s.updateFaults(func(f *Faults) { f.MalformedRate, f.Malformed = rate, kind })
}

// SetDown makes the simulator close connections without answering (true) or
// serve again (false).
func (s *Sim) SetDown(down bool) { s.updateFaults(func(f *Faults) { f.Down = down }) }

// ExpireNext makes the next n calls that name an existing session expire it and
// answer KM's "sessionId does not exist! Please reinitialize".
func (s *Sim) ExpireNext(n int) { s.faults.expireNext.Store(int64(max(n, 0))) }

// SetStreamDelay sets the pause before each chunk of a streaming newChat.
func (s *Sim) SetStreamDelay(d time.Duration) { s.faults.streamGap.Store(int64(max(d, 0))) }

// FailNext answers the next n calls with HTTP status (500 when 0) instead of
// handling them, as SetErrorRate would at rate 1; a 429 or 503 carries Retry-After
// when retryAfter > 0. Then the simulator serves normally again, which is how tests
// see a client retry and succeed.
func (s *Sim) FailNext(n, status int, retryAfter time.Duration) {
	s.faults.failMu.Lock()
	defer s.faults.failMu.Unlock()
	s.faults.failNext = max(n, 0)
	s.faults.failFault = Faults{ErrorStatus: status, RetryAfter: retryAfter}
}

// takeFail consumes one pending FailNext failure.
func (s *Sim) takeFail() (Faults, bool) {
	s.faults.failMu.Lock()
	defer s.faults.failMu.Unlock()
	if s.faults.failNext == 0 {
		return Faults{}, false
	}
	s.faults.failNext--
	return s.faults.failFault, true
}

// takeExpire consumes one forced expiry, if any is pending.
func (s *Sim) takeExpire() bool {
	for {
		n := s.faults.expireNext.Load()
		if n <= 0 {
			return false
		}
		if s.faults.expireNext.CompareAndSwap(n, n-1) {
			return true
		}
	}
}

// chance reports true with probability p, from the seeded source.
func (s *Sim) chance(p float64) bool {
	switch {
	case p <= 0:
		return false
	case p >= 1:
		return true
	}
	s.faults.rngMu.Lock()
	defer s.faults.rngMu.Unlock()
	return s.faults.rng.Float64() < p
}

func (s *Sim) jitter(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	s.faults.rngMu.Lock()
	defer s.faults.rngMu.Unlock()
	return time.Duration(s.faults.rng.Int64N(int64(d)))
}
