package testredis

import (
	"os/exec"
	"runtime"
	"syscall"
)

// lockThread pins the calling goroutine to its OS thread for good.
func lockThread() { runtime.LockOSThread() }

// setParentDeathSignal makes the kernel kill the child when its parent thread dies.
func setParentDeathSignal(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
