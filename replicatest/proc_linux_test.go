package replicatest

import (
	"os/exec"
	"runtime"
	"syscall"
)

// lockThread pins the calling goroutine to its OS thread for good: the
// parent-death signal fires when the thread that started the child exits.
func lockThread() { runtime.LockOSThread() }

// setProcAttr puts the child in a process group of its own (so the group can
// be killed whole) and has it killed when the test binary dies (-timeout).
func setProcAttr(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

// signalGroup sends sig to the child's process group.
func signalGroup(cmd *exec.Cmd, sig syscall.Signal) error {
	return syscall.Kill(-cmd.Process.Pid, sig)
}
