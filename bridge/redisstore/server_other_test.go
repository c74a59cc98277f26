//go:build !linux

package redisstore_test

import "os/exec"

func lockThread() {}

// setParentDeathSignal: only linux has one; elsewhere TestMain's Stop is all.
func setParentDeathSignal(*exec.Cmd) {}
