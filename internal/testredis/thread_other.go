//go:build !linux

package testredis

import "os/exec"

func lockThread() {}

// setParentDeathSignal: only linux has one; elsewhere the test's cleanup is all.
func setParentDeathSignal(*exec.Cmd) {}
