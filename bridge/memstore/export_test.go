package memstore

// Commits is the number of fsynced inbox journal writes so far.
func Commits(s *Store) int64 { return s.inbox.commits.Load() }

// Crash drops the store as kill -9 would: the janitor stops and the journal's
// file is closed, with no snapshot and no compaction; nothing is written after.
func Crash(s *Store) {
	s.closeOnce.Do(func() {
		close(s.stop)
		<-s.done
		s.inbox.wmu.Lock()
		defer s.inbox.wmu.Unlock()
		s.inbox.closed = true
		if s.inbox.j != nil {
			_ = s.inbox.j.close()
		}
	})
}

// BreakJournal closes the journal's file under the store, so the next write
// fails as a full or failing disk would make it.
func BreakJournal(s *Store) {
	s.inbox.wmu.Lock()
	defer s.inbox.wmu.Unlock()
	_ = s.inbox.j.f.Close()
}
