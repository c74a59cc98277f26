package kmsim

import (
	"sync"
	"time"

	"github.com/kmbridge/kmbridge/kmclient"
)

// User types of a transcript entry.
const (
	userRobot = 1
	userUser  = 2
)

type session struct {
	id        int64
	robotID   int64
	channelID int64
	platform  int
	customer  *kmclient.Customer

	mu       sync.Mutex
	start    time.Time
	last     time.Time
	expired  bool
	switched bool
	survey   int // session rating: 1 not rated, 2 satisfied, 3 neutral, 4 unsatisfied
	comment  string
	logs     []logEntry
	rated    map[int64]int // logId → questionSurveyOptionId
	robotLog map[int64]bool
	stats    sessionStats
}

type sessionStats struct {
	total, customer, robot, replied, unknown, useful, useless, direct, suggest, unsuggest int
}

type logEntry struct {
	id          int64
	userType    int
	content     string
	at          time.Time
	source      int
	queryResult int
	leadingWord string
	suggestions []*question
}

// SessionInfo is what the simulator knows about a session, for tests.
type SessionInfo struct {
	ID              int64
	Expired         bool
	SwitchedToStaff bool
	// SurveyOption is the session rating (1 not rated, 2 satisfied, 3 neutral,
	// 4 unsatisfied) and SurveyContent its comment.
	SurveyOption  int
	SurveyContent string
	// RatedLogs maps each rated logId to its questionSurveyOptionId.
	RatedLogs map[int64]int
	Customer  *kmclient.Customer
	Messages  int // transcript length
}

type sessionStore struct {
	mu    sync.RWMutex
	byID  map[int64]*session
	order []int64 // creation order, for forgetting the oldest
}

func (s *Sim) newSession(req *kmclient.InitClientRequest, now time.Time) *session {
	sess := &session{
		id:        s.nextSession.Add(1) - 1,
		robotID:   int64(req.RobotID),
		channelID: int64(req.ChannelID),
		customer:  req.Customer,
		start:     now,
		last:      now,
		survey:    kmclient.SessionNotRated,
		rated:     map[int64]int{},
		robotLog:  map[int64]bool{},
	}
	if req.Platform != nil {
		sess.platform = *req.Platform
	}
	st := &s.sessions
	st.mu.Lock()
	st.byID[sess.id] = sess
	st.order = append(st.order, sess.id)
	for len(st.order) > s.opts.MaxSessions {
		delete(st.byID, st.order[0])
		st.order = st.order[1:]
	}
	st.mu.Unlock()
	return sess
}

func (s *Sim) lookup(id int64) *session {
	s.sessions.mu.RLock()
	defer s.sessions.mu.RUnlock()
	return s.sessions.byID[id]
}

// liveSession returns the session if it exists and has not expired, touching it.
// fault is true when a forced expiry (ExpireNext) ended it.
func (s *Sim) liveSession(id int64, now time.Time) (sess *session, fault bool) {
	sess = s.lookup(id)
	if sess == nil {
		return nil, false
	}
	sess.mu.Lock()
	defer sess.mu.Unlock()
	if !sess.expired && now.Sub(sess.last) > s.opts.SessionIdleTTL {
		sess.expired = true
	}
	if sess.expired {
		return nil, false
	}
	if s.takeExpire() {
		sess.expired = true
		return nil, true
	}
	if now.After(sess.last) {
		sess.last = now
	}
	return sess, false
}

// ExpireSession ends a session as if it had been idle too long; later calls naming
// it get "sessionId does not exist! Please reinitialize". It reports whether the
// session existed.
func (s *Sim) ExpireSession(id int64) bool {
	sess := s.lookup(id)
	if sess == nil {
		return false
	}
	sess.mu.Lock()
	sess.expired = true
	sess.mu.Unlock()
	return true
}

// ExpireAll ends every session.
func (s *Sim) ExpireAll() {
	s.sessions.mu.RLock()
	all := make([]*session, 0, len(s.sessions.byID))
	for _, sess := range s.sessions.byID {
		all = append(all, sess)
	}
	s.sessions.mu.RUnlock()
	for _, sess := range all {
		sess.mu.Lock()
		sess.expired = true
		sess.mu.Unlock()
	}
}

// Session describes a session, expired or not.
func (s *Sim) Session(id int64) (SessionInfo, bool) {
	sess := s.lookup(id)
	if sess == nil {
		return SessionInfo{}, false
	}
	now := s.opts.Now()
	sess.mu.Lock()
	defer sess.mu.Unlock()
	info := SessionInfo{
		ID:              sess.id,
		Expired:         sess.expired || now.Sub(sess.last) > s.opts.SessionIdleTTL,
		SwitchedToStaff: sess.switched,
		SurveyOption:    sess.survey,
		SurveyContent:   sess.comment,
		RatedLogs:       make(map[int64]int, len(sess.rated)),
		Customer:        sess.customer,
		Messages:        len(sess.logs),
	}
	for k, v := range sess.rated {
		info.RatedLogs[k] = v
	}
	return info, true
}

// appendLog adds a transcript entry; the caller holds sess.mu.
func (s *Sim) appendLog(sess *session, e logEntry) {
	if limit := s.opts.MaxLogsPerSession; len(sess.logs) >= limit {
		// Drop the older half at once so appends stay amortised O(1).
		keep := limit / 2
		for _, old := range sess.logs[:len(sess.logs)-keep] {
			delete(sess.robotLog, old.id)
			delete(sess.rated, old.id)
		}
		sess.logs = append(sess.logs[:0:0], sess.logs[len(sess.logs)-keep:]...)
	}
	sess.logs = append(sess.logs, e)
	sess.stats.total++
	if e.userType == userRobot {
		sess.robotLog[e.id] = true
		sess.stats.robot++
	} else {
		sess.stats.customer++
	}
}

// lastRobotLog is the newest robot entry's id; the caller holds sess.mu.
func (sess *session) lastRobotLog() int64 {
	for i := len(sess.logs) - 1; i >= 0; i-- {
		if sess.logs[i].userType == userRobot {
			return sess.logs[i].id
		}
	}
	return 0
}

// countAnswer updates the statistics the records search reports; the caller holds
// sess.mu.
func (sess *session) countAnswer(ansType int) {
	switch ansType {
	case kmclient.AnsTypeAnswer:
		sess.stats.replied++
		sess.stats.direct++
	case kmclient.AnsTypeSuggestions:
		sess.stats.suggest++
	case kmclient.AnsTypeUnknown:
		sess.stats.unknown++
		sess.stats.unsuggest++
	}
}
