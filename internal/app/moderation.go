package app

import (
	"context"
	"errors"

	"github.com/google/uuid"

	"github.com/zuju/zuju/internal/moderation"
	"github.com/zuju/zuju/internal/moderation/moderationhttp"
	"github.com/zuju/zuju/internal/moderation/moderationstore"
	"github.com/zuju/zuju/internal/platform/textfilter"
)

// registerModeration builds the sensitive-word filter every module's text
// goes through (with WeChat's content check after it when
// ZUJU_MODERATION_WECHAT=on), its admin API, the watcher that keeps it
// current with words changed on other replicas (every
// ZUJU_MODERATION_REFRESH), and connects nicknames and bios to it.
func registerModeration(ctx context.Context, a *App) error {
	a.Moderation = moderation.NewService(moderationstore.New(a.DB), textfilter.DefaultWords(), a.Now,
		func() string { return uuid.Must(uuid.NewV7()).String() }, a.Logger.With("module", "moderation"))
	if a.Config.Moderation.WeChat == "on" {
		if a.wechat == nil {
			return errors.New("ZUJU_MODERATION_WECHAT=on needs the WeChat mini program (ZUJU_WECHAT_APPID)")
		}
		a.Moderation.SetProvider(moderation.NewWeChatProvider(a.wechat, a.Users), a.Config.Moderation.WeChatTimeout)
	}
	if err := a.Moderation.Refresh(ctx); err != nil {
		return err
	}
	a.Users.SetTextFilter(profileText{a.Moderation})
	moderationhttp.Register(a.HTTP.API, a.Moderation)
	var stop context.CancelFunc
	done := make(chan struct{})
	every := a.Config.Moderation.Refresh
	a.workers = append(a.workers, worker{name: "sensitive words", start: func(ctx context.Context) error {
		wctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		stop = cancel
		go func() { defer close(done); a.Moderation.Watch(wctx, every) }()
		return nil
	}, stop: func(context.Context) error {
		if stop != nil {
			stop()
			<-done
		}
		return nil
	}})
	return nil
}

// profileText is the moderation pipeline for the users module: nicknames
// and bios are WeChat's profile scene.
type profileText struct{ m *moderation.Service }

func (p profileText) CheckProfile(ctx context.Context, text string) textfilter.Result {
	return p.m.CheckContext(ctx, text, moderation.SceneProfile)
}
