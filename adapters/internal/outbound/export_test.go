package outbound

// Waiting is how many callers wait for lane k; -1 when nobody holds it.
func (p *Pacer) Waiting(k Key) int { return p.waiting(k) }

// Known is how many keys p remembers.
func (p *Pacer) Known() int { return p.known() }

// Queued is how many callers wait in k's queue.
func (p *Pacer) Queued(k Key) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	if st := p.keys[k]; st != nil {
		return len(st.queue)
	}
	return 0
}
