package slackadapter

import (
	"context"
	"time"

	"github.com/slack-go/slack"

	"github.com/kmbridge/kmbridge/bridge"
)

// userFailTTL is how long a failed users.info is not asked again.
const userFailTTL = time.Minute

// dmTTL is how long a user's DM channel id is remembered.
const dmTTL = 24 * time.Hour

// userInfo returns what Slack tells about a user (name, email, locale), from
// users.info with include_locale, cached for Config.UserCacheTTL. The lookup is
// bounded by Config.LookupTimeout because it runs before the request is
// acknowledged; when it fails the event goes on with the user id only.
func (a *Adapter) userInfo(ctx context.Context, id string) bridge.UserInfo {
	if u, ok := a.users.Get(id); ok {
		return u
	}
	info := bridge.UserInfo{ID: id}
	ctx, cancel := context.WithTimeout(ctx, a.cfg.LookupTimeout)
	defer cancel()
	var u *slack.User
	err := a.call(ctx, "", "users.info", func(ctx context.Context) error {
		var err error
		u, err = a.api.GetUserInfoContext(ctx, id, slack.GetUserInfoOptionIncludeLocale(true))
		return err
	})
	if err != nil {
		a.log.Warn("slack: users.info failed; going on with the user id only", "user", id, "err", err)
		a.users.PutFor(id, info, userFailTTL)
		return info
	}
	info.Name = firstNonEmpty(u.Profile.DisplayName, u.RealName, u.Profile.RealName, u.Name)
	info.Email = u.Profile.Email
	info.Locale = u.Locale
	a.users.Put(id, info)
	return info
}

// cachedUser is the cached profile or just the id: for paths that must not wait.
func (a *Adapter) cachedUser(id string) bridge.UserInfo {
	if u, ok := a.users.Get(id); ok {
		return u
	}
	return bridge.UserInfo{ID: id}
}

// openDM returns the id of the app's DM channel with user (conversations.open),
// cached: /ask answers and Home buttons go there.
func (a *Adapter) openDM(ctx context.Context, user string) (string, error) {
	if ch, ok := a.dms.Get(user); ok {
		return ch, nil
	}
	ctx, cancel := context.WithTimeout(ctx, a.cfg.LookupTimeout)
	defer cancel()
	var ch *slack.Channel
	err := a.call(ctx, "", "conversations.open", func(ctx context.Context) error {
		var err error
		ch, _, _, err = a.api.OpenConversationContext(ctx, &slack.OpenConversationParameters{Users: []string{user}, ReturnIM: true})
		return err
	})
	if err != nil {
		return "", err
	}
	a.dms.Put(user, ch.ID)
	return ch.ID, nil
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
