package webadapter

import (
	"os"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	// The test binary is also the browsers of the socket load test, run as a
	// child process so the chat's own memory can be measured apart.
	if spec := os.Getenv(clientsEnv); spec != "" {
		os.Exit(runClients(spec))
	}
	goleak.VerifyTestMain(m)
}
