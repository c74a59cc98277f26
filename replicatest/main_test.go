// Package replicatest runs real kmbridge processes side by side: two, or
// three for takeovers, `kmbridge serve` processes sharing one real
// redis-server (internal/testredis), with one fake platform per platform in
// the test process (slacktest, telegramtest, discordtest) and one KM
// simulator (kmsim) behind real HTTP. It is what README's "Several replicas" promises, proven
// with processes rather than stores: events sprayed over the replicas are
// answered once each and in order, a replica killed with SIGKILL hands its
// conversations and its Telegram polling to another, and a web visitor sees
// the whole conversation whichever replica serves the tab.
//
// TestMain builds ./cmd/kmbridge once (with -race when the tests run with
// it: a race in a replica fails the test that ran it). It has test files
// only.
package replicatest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// binary is the kmbridge built by TestMain.
var binary string

func TestMain(m *testing.M) { os.Exit(run(m)) }

func run(m *testing.M) int {
	dir, err := os.MkdirTemp("", "replicatest")
	if err != nil {
		fmt.Fprintln(os.Stderr, "replicatest:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	binary = filepath.Join(dir, "kmbridge")
	args := []string{"build", "-o", binary}
	if raceEnabled {
		args = append(args, "-race")
	}
	build := exec.Command("go", append(args, "./cmd/kmbridge")...)
	build.Dir = ".."
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "replicatest: go %v: %v\n%s", args, err, out)
		return 1
	}
	return m.Run()
}
