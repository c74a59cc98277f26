package httpserver

import "net/http"

func (s *Server) healthz(w http.ResponseWriter, _ *http.Request) {
	plain(w, http.StatusOK, "ok")
}

// readyz says ready only while Run is serving (not before, not while draining) and
// the Ready func, if any, agrees: load balancers stop routing here during a drain.
// When it does not, the body says why.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	if !s.running.Load() {
		plain(w, http.StatusServiceUnavailable, "not ready: not running (starting or shutting down)")
		return
	}
	if s.opts.Ready != nil {
		if err := s.opts.Ready(r.Context()); err != nil {
			plain(w, http.StatusServiceUnavailable, "not ready:\n"+err.Error()+"\n")
			return
		}
	}
	plain(w, http.StatusOK, "ready")
}

func plain(w http.ResponseWriter, code int, body string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_, _ = w.Write([]byte(body))
}
