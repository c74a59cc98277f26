package slackadapter

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/slack-go/slack"

	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/internal/memo"
)

// userFailTTL is how long a failed users.info is not asked again.
const userFailTTL = time.Minute

// dmTTL is how long a user's DM channel id is remembered.
const dmTTL = 24 * time.Hour

// people is what the adapter knows about Slack users: profiles (users.info),
// DM channels (conversations.open) and the bot's own user id, each cached.
type people struct {
	api    *api
	log    *slog.Logger
	lookup time.Duration // Config.LookupTimeout
	users  *memo.Memo[string, bridge.UserInfo]
	dms    *memo.Memo[string, string] // user id → DM channel id
	botID  atomic.Pointer[string]
}

// userInfo returns what Slack tells about a user (name, email, locale), from
// users.info with include_locale, cached for Config.UserCacheTTL. The lookup is
// bounded by Config.LookupTimeout because it runs before the request is
// acknowledged; when it fails the event goes on with the user id only.
func (p *people) userInfo(ctx context.Context, id string) bridge.UserInfo {
	if u, ok := p.users.Get(id); ok {
		return u
	}
	info := bridge.UserInfo{ID: id}
	ctx, cancel := context.WithTimeout(ctx, p.lookup)
	defer cancel()
	var u *slack.User
	err := p.api.call(ctx, "", "users.info", func(ctx context.Context) error {
		var err error
		u, err = p.api.client.GetUserInfoContext(ctx, id, slack.GetUserInfoOptionIncludeLocale(true))
		return err
	})
	if err != nil {
		p.log.Warn("slack: users.info failed; going on with the user id only", "user", id, "err", err)
		p.users.PutFor(id, info, userFailTTL)
		return info
	}
	info.Name = firstNonEmpty(u.Profile.DisplayName, u.RealName, u.Profile.RealName, u.Name)
	info.Email = u.Profile.Email
	info.Locale = u.Locale
	p.users.Put(id, info)
	return info
}

// cachedUser is the cached profile or just the id: for paths that must not wait.
func (p *people) cachedUser(id string) bridge.UserInfo {
	if u, ok := p.users.Get(id); ok {
		return u
	}
	return bridge.UserInfo{ID: id}
}

// name is a user's display name when it is cached, for showing a mention.
func (p *people) name(id string) (string, bool) {
	u, ok := p.users.Get(id)
	return u.Name, ok && u.Name != ""
}

// openDM returns the id of the app's DM channel with user (conversations.open),
// cached: /ask answers and Home buttons go there.
func (p *people) openDM(ctx context.Context, user string) (string, error) {
	if ch, ok := p.dms.Get(user); ok {
		return ch, nil
	}
	ctx, cancel := context.WithTimeout(ctx, p.lookup)
	defer cancel()
	var ch *slack.Channel
	err := p.api.call(ctx, "", "conversations.open", func(ctx context.Context) error {
		var err error
		ch, _, _, err = p.api.client.OpenConversationContext(ctx, &slack.OpenConversationParameters{Users: []string{user}, ReturnIM: true})
		return err
	})
	if err != nil {
		return "", err
	}
	p.dms.Put(user, ch.ID)
	return ch.ID, nil
}

// learnBot remembers the bot's user id from an event's authorizations.
func (p *people) learnBot(auths []slack.EventAuthorization) {
	if p.botID.Load() != nil {
		return
	}
	for _, au := range auths {
		if au.IsBot && au.UserID != "" {
			id := au.UserID
			p.botID.Store(&id)
			return
		}
	}
}

// bot is the bot's user id when known.
func (p *people) bot() string {
	if id := p.botID.Load(); id != nil {
		return *id
	}
	return ""
}

// botUserID is the bot's user id, asked of auth.test when no event has told it.
func (p *people) botUserID(ctx context.Context) string {
	if id := p.bot(); id != "" {
		return id
	}
	ctx, cancel := context.WithTimeout(ctx, p.lookup)
	defer cancel()
	var resp *slack.AuthTestResponse
	err := p.api.call(ctx, "", "auth.test", func(ctx context.Context) error {
		var err error
		resp, err = p.api.client.AuthTestContext(ctx)
		return err
	})
	if err != nil || resp.UserID == "" {
		p.log.Warn("slack: cannot learn the bot's user id", "err", err)
		return ""
	}
	id := resp.UserID
	p.botID.Store(&id)
	return id
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
