// Package walks_test walks hand-overs end to end across platforms, through
// the real SDKs: a user on one platform, agents on another, one bridge
// process (or two on one Redis) between them.
package walks_test

import (
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
