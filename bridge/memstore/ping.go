package memstore

import (
	"context"
	"fmt"

	"github.com/kmbridge/kmbridge/bridge"
)

// Ping implements bridge.Pinger: the inbox journal is writable. After a
// failed write it tries the rewrite the next write would try, so a disk that
// has recovered makes the store ready again without waiting for an event.
func (s *Store) Ping(context.Context) error {
	ib := s.inbox
	if ib.path == "" {
		return nil
	}
	ib.wmu.Lock()
	defer ib.wmu.Unlock()
	if ib.closed {
		return errInboxClosed
	}
	return ib.repairLocked()
}

// repairLocked rewrites the journal after a failed write left its tail
// unknown; wmu must be held. Nothing to do when no write failed.
func (ib *inbox) repairLocked() error {
	if ib.broken == nil {
		return nil
	}
	if err := ib.rewriteLocked(); err != nil {
		return fmt.Errorf("memstore: inbox journal unusable since %v; rewriting it failed: %w", ib.broken, err)
	}
	ib.log.Info("memstore: inbox journal rewritten after an earlier write failure")
	return nil
}

var _ bridge.Pinger = (*Store)(nil)
