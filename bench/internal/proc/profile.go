package proc

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
)

// ProfileEnv names the variable that turns on the profiling listener the
// overlay adds (host:port). It is not KMBRIDGE_*, which the configuration owns.
const ProfileEnv = "KMBENCH_PPROF"

// ProfileOverlay is the file the bench adds to package main of a program it
// profiles (go build -overlay; the source tree is untouched). The program
// under test exposes no profiling endpoint of its own, and a main package
// offers no other hook than init for code it does not call.
var ProfileOverlay = map[string]string{"zz_benchprofile.go": profileSource}

const profileSource = `package main

// Added by the benchmark tool (bench/internal/proc) at build time with go build
// -overlay; never part of the source tree. With ` + ProfileEnv + `=host:port the
// process serves net/http/pprof and a CPU profile start/stop pair on that
// address, so that the bench profiles exactly its measured phase.

import (
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	rpprof "runtime/pprof"
	"sync"
)

func init() {
	addr := os.Getenv("` + ProfileEnv + `")
	if addr == "" {
		return
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		os.Stderr.WriteString("bench profile listener: " + err.Error() + "\n")
		return
	}
	var (
		mu  sync.Mutex
		out *os.File
	)
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("POST /bench/cpu/start", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		f, err := os.Create(r.URL.Query().Get("file"))
		if err == nil {
			if err = rpprof.StartCPUProfile(f); err != nil {
				f.Close()
			}
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		out = f
	})
	mux.HandleFunc("POST /bench/cpu/stop", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if out == nil {
			http.Error(w, "not profiling", http.StatusConflict)
			return
		}
		rpprof.StopCPUProfile()
		if err := out.Close(); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
		}
		out = nil
	})
	go http.Serve(ln, mux)
}
`

// Profiler talks to the profiling listener of a program built with
// ProfileOverlay.
type Profiler struct {
	Addr   string // host:port given in ProfileEnv
	Client *http.Client
}

// StartCPU starts a CPU profile that the program writes to file.
func (p Profiler) StartCPU(ctx context.Context, file string) error {
	return p.post(ctx, "/bench/cpu/start?file="+url.QueryEscape(file))
}

// StopCPU ends the CPU profile and closes its file.
func (p Profiler) StopCPU(ctx context.Context) error { return p.post(ctx, "/bench/cpu/stop") }

// WriteHeap writes a heap profile (after a GC) to file.
func (p Profiler) WriteHeap(ctx context.Context, file string) error {
	resp, err := p.do(ctx, http.MethodGet, "/debug/pprof/heap?gc=1")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	f, err := os.Create(file)
	if err != nil {
		return fmt.Errorf("proc: heap profile: %w", err)
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return fmt.Errorf("proc: heap profile: %w", err)
	}
	return f.Close()
}

func (p Profiler) post(ctx context.Context, path string) error {
	resp, err := p.do(ctx, http.MethodPost, path)
	if err != nil {
		return err
	}
	resp.Body.Close()
	return nil
}

func (p Profiler) do(ctx context.Context, method, path string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, "http://"+p.Addr+path, nil)
	if err != nil {
		return nil, fmt.Errorf("proc: profile: %w", err)
	}
	resp, err := p.Client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("proc: profile: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		resp.Body.Close()
		return nil, fmt.Errorf("proc: profile %s: HTTP %d %s", path, resp.StatusCode, b)
	}
	return resp, nil
}
