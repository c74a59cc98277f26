package replicatest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/kmbridge/kmbridge/adapters/discord/discordtest"
	"github.com/kmbridge/kmbridge/adapters/slack/slacktest"
	"github.com/kmbridge/kmbridge/adapters/telegram/telegramtest"
	"github.com/kmbridge/kmbridge/internal/testredis"
	"github.com/kmbridge/kmbridge/kmclient/kmsim"
)

// leaseTTL is the replicas' bridge.lease_ttl unless a test chooses:
// short, so takeovers happen within a test (the README's default is 10 s).
const leaseTTL = time.Second

// The knowledge base: a distinct plain answer per question, so an answer
// names the message it answers; "dates" is answered with rating buttons.
const kbYAML = `
robot:
  id: 83
  channelId: 82
  name: Replica test robot
  welcome: "WELCOME from the test robot"
unknown:
  reply: "UNKNOWN question"
categories:
  - id: 1
    name: Fruit
    questions:
      - id: 1
        content: apples
        answer: {msgType: plain, content: "ANSWER-1 about apples", enableAppraise: false}
      - id: 2
        content: bananas
        answer: {msgType: plain, content: "ANSWER-2 about bananas", enableAppraise: false}
      - id: 3
        content: cherries
        answer: {msgType: plain, content: "ANSWER-3 about cherries", enableAppraise: false}
      - id: 4
        content: dates
        answer: {msgType: plain, content: "ANSWER-4 about dates, rate me"}
`

// questions[i] is answered with answers[i].
var (
	questions = []string{"apples", "bananas", "cherries", "dates"}
	answers   = []string{"ANSWER-1", "ANSWER-2", "ANSWER-3", "ANSWER-4"}
)

// Slack's credentials in the replicas (the fake checks the bot token).
const slackSecret = "replicatest-signing-secret"

// world is what the replicas share: one redis-server, one KM simulator and
// the fake platforms, all in (or started by) the test process.
type world struct {
	t     *testing.T
	redis string
	km    *kmsim.Sim
	kmURL string
	slack *slacktest.Server    // nil unless asked for
	tg    *telegramtest.Server // nil unless asked for
	dc    *discordtest.Server  // nil unless asked for
	web   bool
	dir   string
	lease time.Duration
}

type worldOptions struct {
	slack, telegram, discord, web bool
	lease                         time.Duration // bridge.lease_ttl; 0: leaseTTL
}

func newWorld(t *testing.T, o worldOptions) *world {
	t.Helper()
	w := &world{t: t, redis: testredis.Start(t), web: o.web, dir: t.TempDir(), lease: o.lease}
	if w.lease == 0 {
		w.lease = leaseTTL
	}
	kb, err := kmsim.LoadKB(strings.NewReader(kbYAML))
	if err != nil {
		t.Fatal(err)
	}
	w.km = kmsim.New(kb, kmsim.Options{MaxCalls: 100000, MaxSessions: 100000})
	srv := httptest.NewServer(w.km)
	t.Cleanup(srv.Close)
	w.kmURL = srv.URL + "/api"
	if o.slack {
		w.slack = slacktest.NewServer(t)
	}
	if o.telegram {
		w.tg = telegramtest.NewServer(t)
	}
	if o.discord {
		w.dc = discordtest.NewServer(t)
	}
	return w
}

// config is a replica's configuration file; what differs between replicas
// (its name) and Redis come from the environment, as in deploy/.
func (w *world) config() string {
	var b strings.Builder
	fmt.Fprintf(&b, `km:
  base_url: %s
  email: %s
  token: %s
  robot_id: 83
  channel_id: 82
  timeout: 20s
http:
  listen: 127.0.0.1:0
  shutdown_timeout: 5s
web:
  enabled: %v
  max_new_per_ip_per_min: 0
  messages_per_min: 0
bridge:
  workers: 512
log:
  level: info
  format: json
`, w.kmURL, kmsim.SampleEmail, kmsim.SampleToken, w.web)
	if w.slack != nil {
		fmt.Fprintf(&b, "slack:\n  bot_token: %s\n  signing_secret: %s\n  api_url: %s\n", slacktest.BotToken, slackSecret, w.slack.URL())
	}
	if w.tg != nil {
		fmt.Fprintf(&b, "telegram:\n  token: %s\n  api_endpoint: %s\n", telegramtest.Token, w.tg.Endpoint())
	}
	if w.dc != nil {
		fmt.Fprintf(&b, "discord:\n  token: %s\n  application_id: %q\n  api_url: %s\n", discordtest.Token, discordtest.AppID, w.dc.APIURL())
	}
	return b.String()
}

// replica is one `kmbridge serve` process.
type replica struct {
	t      *testing.T
	name   string
	cmd    *exec.Cmd
	base   string // http://127.0.0.1:port
	logs   *syncBuffer
	exited chan struct{}
}

var listening = regexp.MustCompile(`"msg":"kmbridge listening","addr":"([^"]+)"`)

// start starts a replica named name and returns once it serves and is
// ready (GET /readyz 200). env is the replica's own KMBRIDGE_ variables.
func (w *world) start(t *testing.T, name string, env ...string) *replica {
	t.Helper()
	path := filepath.Join(w.dir, name+".yaml")
	if err := os.WriteFile(path, []byte(w.config()), 0o600); err != nil {
		t.Fatal(err)
	}
	r := &replica{t: t, name: name, logs: &syncBuffer{}, exited: make(chan struct{})}
	r.cmd = exec.Command(binary, "-config", path, "serve")
	r.cmd.Dir = w.dir
	r.cmd.Env = append(environ(),
		"KMBRIDGE_STORE_REDIS_URL=redis://"+w.redis+"/0",
		"KMBRIDGE_BRIDGE_LEASE_TTL="+w.lease.String(),
		"KMBRIDGE_BRIDGE_REPLICA_ID="+name,
		"GORACE=halt_on_error=0",
	)
	r.cmd.Env = append(r.cmd.Env, env...)
	r.cmd.Stdout, r.cmd.Stderr = r.logs, r.logs
	started := make(chan error, 1)
	go func() {
		lockThread()
		defer close(r.exited)
		setProcAttr(r.cmd)
		if err := r.cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		_ = r.cmd.Wait()
	}()
	if err := <-started; err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	t.Cleanup(func() {
		r.kill()
		if strings.Contains(r.logs.String(), "WARNING: DATA RACE") {
			t.Errorf("replica %s: the race detector found a race:\n%s", name, r.logs.tail(400))
		} else if t.Failed() {
			t.Logf("replica %s, the end of its log:\n%s", name, r.logs.tail(4000))
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for r.base == "" {
		if m := listening.FindStringSubmatch(r.logs.String()); m != nil {
			r.base = "http://" + m[1]
			break
		}
		select {
		case <-r.exited:
			t.Fatalf("replica %s exited at start:\n%s", name, r.logs.tail(40))
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("replica %s does not listen after 30 s:\n%s", name, r.logs.tail(40))
		}
		time.Sleep(10 * time.Millisecond)
	}
	waitFor(t, 30*time.Second, "replica "+name+" ready", func() error { return r.ready() })
	return r
}

// environ is the test's environment without KMBRIDGE_ variables: an unknown
// one stops kmbridge, and the test's own choices must not leak in.
func environ() []string {
	var out []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "KMBRIDGE_") {
			out = append(out, kv)
		}
	}
	return out
}

// ready is nil when GET /readyz answers 200, else why not.
func (r *replica) ready() error {
	code, body, err := r.get("/readyz")
	if err != nil {
		return err
	}
	if code != http.StatusOK {
		return fmt.Errorf("/readyz %d: %s", code, body)
	}
	return nil
}

func (r *replica) get(path string) (int, string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, r.base+path, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), nil
}

// metric reads one sample of /metrics ("name" or `name{label="v"}`); 0
// when it is not there.
func (r *replica) metric(sample string) float64 {
	_, body, err := r.get("/metrics")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(body, "\n") {
		if v, ok := strings.CutPrefix(line, sample+" "); ok {
			f, _ := strconv.ParseFloat(strings.TrimSpace(v), 64)
			return f
		}
	}
	return 0
}

// kill ends the process at once (SIGKILL to its process group), as a crash
// or a lost node does; nothing is drained or released.
func (r *replica) kill() {
	select {
	case <-r.exited:
		return
	default:
	}
	_ = signalGroup(r.cmd, syscall.SIGKILL)
	<-r.exited
}

// stop shuts the process down as Kubernetes does (SIGTERM), and kills it if
// it has not ended within 20 s.
func (r *replica) stop() {
	_ = signalGroup(r.cmd, syscall.SIGTERM)
	select {
	case <-r.exited:
	case <-time.After(20 * time.Second):
		r.t.Errorf("replica %s did not stop within 20 s of SIGTERM", r.name)
		r.kill()
	}
}

// waitFor polls cond until it returns nil, failing the test with its last
// error after d.
func waitFor(t testing.TB, d time.Duration, what string, cond func() error) {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		err := cond()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("waited %s for %s: %v", d, what, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// syncBuffer is a process's output, written by exec's copier and read by
// the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// tail is the last n lines.
func (s *syncBuffer) tail(n int) string {
	lines := strings.Split(strings.TrimRight(s.String(), "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// chatCalls counts KM's /v1/chat calls by the question asked.
func (w *world) chatCalls() map[string]int {
	out := map[string]int{}
	for _, c := range w.km.CallsTo("POST /v1/chat") {
		out[c.Str("queryContent")]++
	}
	return out
}
