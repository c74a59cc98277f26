package platforms

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/kmbridge/kmbridge/bench/internal/netcount"
)

// Platform is one chat platform as the load generator plays it: its fake API
// for the program under test, and its users.
type Platform interface {
	// Name is the platform's name: slack, telegram, discord or web.
	Name() string
	// Config returns the kmbridge configuration sections that point the
	// platform's adapter at the fakes (besides km and http).
	Config() map[string]any
	// BaselineArgs returns the flags that point the bare-I/O baseline at the
	// fakes.
	BaselineArgs() []string
	// Ready waits until the program under test is connected to the platform.
	Ready(ctx context.Context) error
	// WarmUp makes user u's first contact (a first message, or opening the web
	// chat), retrying while the program is not yet accepting events.
	WarmUp(ctx context.Context, u int, text string) error
	// Send delivers a message of user u. It returns once the platform's own
	// delivery is done (the webhook answered, the frame written), not when the
	// answer arrives: that is the Inbox's business.
	Send(ctx context.Context, u int, text string) error
	// Calls returns the platform API calls (or frames) received so far, by
	// name.
	Calls() map[string]int64
	// Dials returns the connections the platform's fake servers accepted.
	Dials() int64
	// Close stops the fakes and the users' connections.
	Close()
}

// Options configure a Platform.
type Options struct {
	// Target is the host:port of the program under test's HTTP server.
	Target string
	// Inbox receives the answers; it also says how many users there are.
	Inbox *Inbox
	// Client is the users' HTTP client (webhook deliveries).
	Client *http.Client
	// Hot puts every user in one public channel instead of a DM each (Slack
	// only): a first contact mentions the bot at the top of the channel, and
	// later messages are replies in the thread the bot answered in.
	Hot bool
}

// Names lists the platforms in the order "all" runs them.
var Names = []string{"slack", "telegram", "discord", "web"}

// New starts the fakes of the named platform.
func New(name string, o Options) (Platform, error) {
	if o.Hot && name != "slack" {
		return nil, fmt.Errorf("platforms: a hot channel is played on slack only, not %s", name)
	}
	switch name {
	case "slack":
		return newSlack(o)
	case "telegram":
		return newTelegram(o)
	case "discord":
		return newDiscord(o)
	case "web":
		return newWeb(o)
	}
	return nil, fmt.Errorf("platforms: unknown platform %q (want one of %s)", name, strings.Join(Names, ", "))
}

// errNotReady is a delivery the program refused because it is not accepting
// events yet (HTTP 503); WarmUp tries again.
var errNotReady = errors.New("not accepting events yet")

// fakeServer is an HTTP server on a counting listener. Its URL is known
// before it serves (newServer), so handlers may read it.
type fakeServer struct {
	ln  *netcount.Listener
	srv *http.Server
	url string
}

func newServer() (*fakeServer, error) {
	ln, err := netcount.Listen()
	if err != nil {
		return nil, fmt.Errorf("platforms: listen: %w", err)
	}
	return &fakeServer{ln: ln, url: "http://" + ln.Addr().String()}, nil
}

// ServerIdleTimeout is how long the fakes and the KM simulator keep a
// connection waiting for a request, its first (ReadHeaderTimeout) or the next
// (IdleTimeout): nginx's default keep-alive, longer than kmbridge keeps an idle
// one (55 s, internal/httpx), as real servers do. With 10 s they closed
// connections kmbridge still held idle, among them ones net/http had dialled
// for a burst and never used, and a POST started on one as it closed failed
// ("broken pipe", "EOF"; net/http retries no request on a connection never
// used): with 1,000 in flight, warm-ups lost up to a few hundred answers so.
const ServerIdleTimeout = 75 * time.Second

func (s *fakeServer) serve(h http.Handler) {
	s.srv = &http.Server{Handler: h, ReadHeaderTimeout: ServerIdleTimeout, IdleTimeout: ServerIdleTimeout}
	go s.srv.Serve(s.ln) //nolint:errcheck // ends with close
}

func (s *fakeServer) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if s.srv.Shutdown(ctx) != nil {
		s.srv.Close()
	}
}

// post delivers a webhook body to the program under test and expects 200.
func post(ctx context.Context, c *http.Client, url string, body []byte, header map[string]string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	switch resp.StatusCode {
	case http.StatusOK:
		return nil
	case http.StatusServiceUnavailable:
		return errNotReady
	}
	return fmt.Errorf("HTTP %d: %s", resp.StatusCode, strings.TrimSpace(string(b)))
}

// retryNotReady runs deliver until it is not refused as not ready, for up to
// 20 seconds (the program under test is still starting).
func retryNotReady(ctx context.Context, deliver func() error) error {
	deadline := time.Now().Add(20 * time.Second)
	for {
		err := deliver()
		if !errors.Is(err, errNotReady) || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// waitFor polls cond until it holds, ctx ends, or 30 seconds pass.
func waitFor(ctx context.Context, what string, cond func() bool) error {
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			return fmt.Errorf("platforms: %s: not within 30s", what)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
	return nil
}
