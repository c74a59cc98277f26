//go:build !linux

package replicatest

import (
	"os/exec"
	"syscall"
)

func lockThread() {}

func setProcAttr(cmd *exec.Cmd) {}

func signalGroup(cmd *exec.Cmd, sig syscall.Signal) error { return cmd.Process.Signal(sig) }
