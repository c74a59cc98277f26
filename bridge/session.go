package bridge

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/kmbridge/kmbridge/formatting"
	"github.com/kmbridge/kmbridge/kmclient"
)

// loadSession looks the conversation's KM session up once, without creating one.
func (t *turn) loadSession() error {
	if t.loaded {
		return nil
	}
	s, ok, err := t.c.store.Session(t.ctx, t.key)
	if err != nil {
		return fmt.Errorf("bridge: load session: %w: %w", errStore, err)
	}
	t.loaded = true
	if ok {
		t.sess = s
	}
	return nil
}

// ensureSession makes sure the conversation has a usable KM session. On first
// contact it calls initClient and sends the welcome; a session idle longer than
// Config.SessionIdleTTL is replaced silently.
func (t *turn) ensureSession() error {
	if err := t.loadSession(); err != nil {
		return err
	}
	if t.sess.ID != 0 && t.c.now().Sub(t.sess.LastUsed) <= t.c.cfg.SessionIdleTTL {
		return nil
	}
	first := t.sess.ID == 0
	resp, err := t.initSession()
	if err != nil {
		return err
	}
	if first {
		if g, ok := t.a.(Greeter); !ok || !g.Greets() {
			t.welcome(resp)
		}
	} else {
		t.log.Info("bridge: idle KM session replaced")
	}
	return nil
}

// initSession starts a new KM session for the conversation and stores it.
func (t *turn) initSession() (*kmclient.InitClientResponse, error) {
	platform := kmclient.PlatformAPI
	req := kmclient.InitClientRequest{
		RobotID:     kmclient.ID(t.c.cfg.RobotID),
		ChannelID:   kmclient.ID(t.c.cfg.ChannelID),
		ModelKey:    t.c.cfg.ModelKey,
		AccessKeyID: t.c.cfg.AccessKeyID,
		Platform:    &platform,
		Customer:    t.customer(),
	}
	var resp *kmclient.InitClientResponse
	err := t.call("init_client", func(ctx context.Context) error {
		var err error
		resp, err = t.c.km.InitClient(ctx, req)
		return err
	})
	if err != nil {
		return nil, err
	}
	if resp == nil || resp.SessionID == 0 {
		return nil, fmt.Errorf("bridge: initClient: no sessionId: %w", errMalformed)
	}
	now := t.c.now()
	t.sess = KMSession{ID: int64(resp.SessionID), Started: now, LastUsed: now, WelcomeLog: int64(resp.LogID)}
	t.loaded = true
	if err := t.c.store.PutSession(t.ctx, t.key, t.sess, t.c.cfg.SessionRetention); err != nil {
		return nil, fmt.Errorf("bridge: store session: %w: %w", errStore, err)
	}
	return resp, nil
}

// customer describes the user to KM. KM documents customer.id as a Long, so a
// non-numeric platform id (Slack's U…) goes only into customer_token, which is
// "platform:userID" and KM's external customer id.
func (t *turn) customer() *kmclient.Customer {
	c := &kmclient.Customer{
		Nickname:      t.user.Name,
		Email:         t.user.Email,
		Src:           t.key.Platform,
		CustomerToken: t.key.Platform + ":" + t.user.ID,
	}
	if _, err := strconv.ParseInt(t.user.ID, 10, 64); err == nil {
		c.ID = t.user.ID
	}
	return c
}

// welcome sends KM's welcome (or the catalogue's when KM has none).
func (t *turn) welcome(resp *kmclient.InitClientResponse) {
	// The welcome's buttons (FAQ categories, common questions, shortcuts)
	// are the same for everyone: shared, without the welcome's log.
	m := formatting.Welcome(resp, t.sharedOpts())
	if m.IsEmpty() {
		t.unmint()
		m = formatting.Plain(t.p.T("bridge.welcome"))
	}
	replied := t.replied
	at := t.c.now()
	if _, err := t.send(m); err == nil {
		t.recordAt(RoleBot, Summary(m, t.c.cfg.SummaryRunes), at)
	}
	t.replied = replied // a welcome is no reply to the user's event
}

// withSession runs a KM call that needs the session: it ensures one, and when KM
// says the session expired it starts a new one and retries once, invisibly.
func (t *turn) withSession(op string, fn func(ctx context.Context, sid kmclient.ID) error) error {
	if err := t.ensureSession(); err != nil {
		return err
	}
	err := t.call(op, func(ctx context.Context) error { return fn(ctx, kmclient.ID(t.sess.ID)) })
	if errors.Is(err, kmclient.ErrSessionExpired) {
		t.log.Info("bridge: KM session expired; re-initialising", "op", op)
		if _, err := t.initSession(); err != nil {
			return err
		}
		err = t.call(op, func(ctx context.Context) error { return fn(ctx, kmclient.ID(t.sess.ID)) })
	}
	if err == nil {
		t.touch()
	}
	return err
}

// touch records that the session was just used.
func (t *turn) touch() {
	if t.sess.ID == 0 {
		return
	}
	t.sess.LastUsed = t.c.now()
	if err := t.c.store.PutSession(t.ctx, t.key, t.sess, t.c.cfg.SessionRetention); err != nil {
		t.log.Warn("bridge: store session failed", "err", err)
	}
}
