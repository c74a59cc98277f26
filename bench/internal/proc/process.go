package proc

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// ModuleRoot returns the directory of the go.mod that governs the working
// directory (the kmbridge repository).
func ModuleRoot(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("proc: go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", errors.New("proc: not inside a Go module: run the bench from the kmbridge repository")
	}
	return filepath.Dir(mod), nil
}

// Build compiles the package pkg (relative to root, e.g. "./cmd/kmbridge") into
// the file out. Extra files (file name → source) join the package through go
// build -overlay, so the source tree is left untouched.
func Build(ctx context.Context, root, pkg, out string, extra map[string]string) error {
	args := []string{"build", "-o", out}
	if len(extra) > 0 {
		overlay, err := writeOverlay(root, pkg, filepath.Dir(out), extra)
		if err != nil {
			return err
		}
		args = append(args, "-overlay", overlay)
	}
	cmd := exec.CommandContext(ctx, "go", append(args, pkg)...)
	cmd.Dir = root
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("proc: go build %s: %w\n%s", pkg, err, b)
	}
	return nil
}

// writeOverlay writes the extra files into dir and the overlay file that adds
// them to pkg's directory.
func writeOverlay(root, pkg, dir string, extra map[string]string) (string, error) {
	pkgDir := filepath.Join(root, pkg)
	var b strings.Builder
	b.WriteString(`{"Replace":{`)
	first := true
	for name, src := range extra {
		path := filepath.Join(dir, "overlay-"+name)
		if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
			return "", fmt.Errorf("proc: overlay: %w", err)
		}
		if !first {
			b.WriteByte(',')
		}
		first = false
		fmt.Fprintf(&b, "%s:%s", strconv.Quote(filepath.Join(pkgDir, name)), strconv.Quote(path))
	}
	b.WriteString("}}")
	overlay := filepath.Join(dir, "overlay.json")
	if err := os.WriteFile(overlay, []byte(b.String()), 0o600); err != nil {
		return "", fmt.Errorf("proc: overlay: %w", err)
	}
	return overlay, nil
}

// Process is a running program under test.
type Process struct {
	cmd  *exec.Cmd
	log  *os.File
	done chan struct{}
	err  error // Wait's result, set before done closes
}

// Start runs bin with args; stdout and stderr go to the file logPath. The
// environment is the bench's without any KMBRIDGE_* variable (they would
// override the generated configuration), plus env.
func Start(bin string, args, env []string, logPath string) (*Process, error) {
	log, err := os.Create(logPath)
	if err != nil {
		return nil, fmt.Errorf("proc: start: %w", err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = log, log
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "KMBRIDGE_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, env...)
	// A bench that dies (Ctrl-C, a panic) takes the program with it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		log.Close()
		return nil, fmt.Errorf("proc: start %s: %w", filepath.Base(bin), err)
	}
	p := &Process{cmd: cmd, log: log, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		log.Close()
		close(p.done)
	}()
	return p, nil
}

// Pid is the process id.
func (p *Process) Pid() int { return p.cmd.Process.Pid }

// Done is closed when the process has exited.
func (p *Process) Done() <-chan struct{} { return p.done }

// CPU returns the CPU time (user and system) the process has used so far.
func (p *Process) CPU() (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p.Pid()))
	if err != nil {
		return 0, fmt.Errorf("proc: cpu: %w", err)
	}
	return parseStat(b)
}

// PeakRSS returns the process's peak resident set size (VmHWM), in bytes.
func (p *Process) PeakRSS() (int64, error) { return p.status("VmHWM") }

// RSS returns the process's resident set size now (VmRSS), in bytes.
func (p *Process) RSS() (int64, error) { return p.status("VmRSS") }

// FileRSS returns the file-backed part of the resident set now (RssFile): the
// binary's pages that were touched, which no heap diet shrinks.
func (p *Process) FileRSS() (int64, error) { return p.status("RssFile") }

func (p *Process) status(key string) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.Pid()))
	if err != nil {
		return 0, fmt.Errorf("proc: %s: %w", key, err)
	}
	return parseStatusKB(b, key)
}

// Stop asks the process to end (SIGTERM), waits up to grace, then kills it.
// It returns an error when the process had to be killed or exited with a
// failure status.
func (p *Process) Stop(grace time.Duration) error {
	select {
	case <-p.done:
		return p.exitErr()
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	t := time.NewTimer(grace)
	defer t.Stop()
	select {
	case <-p.done:
		return p.exitErr()
	case <-t.C:
		// SIGQUIT makes a Go program print every goroutine's stack before it
		// exits: what it was waiting for. The log is kept where the work
		// directory's removal does not take it.
		_ = p.cmd.Process.Signal(syscall.SIGQUIT)
		select {
		case <-p.done:
		case <-time.After(quitGrace):
			_ = p.cmd.Process.Kill()
			<-p.done
		}
		kept := keepLog(p.log.Name())
		return fmt.Errorf("proc: %s did not stop within %s of SIGTERM; SIGQUIT, its goroutines in %s", filepath.Base(p.cmd.Path), grace, kept)
	}
}

// quitGrace is how long a program has to print its goroutines after SIGQUIT.
const quitGrace = 10 * time.Second

// keepLog copies the log at path to the temporary directory and returns the
// copy's path (path itself when it cannot).
func keepLog(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return path
	}
	f, err := os.CreateTemp("", "kmbench-stuck-*.log")
	if err != nil {
		return path
	}
	defer f.Close()
	if _, err := f.Write(b); err != nil {
		return path
	}
	return f.Name()
}

func (p *Process) exitErr() error {
	if p.err != nil {
		return fmt.Errorf("proc: %s: %w", filepath.Base(p.cmd.Path), p.err)
	}
	return nil
}
