package outbound

// Waiting is how many callers wait for lane k; -1 when nobody holds it.
func (p *Pacer) Waiting(k Key) int { return p.waiting(k) }

// Known is how many keys p remembers.
func (p *Pacer) Known() int { return p.known() }
