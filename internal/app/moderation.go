package app

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/zuju/zuju/internal/moderation"
	"github.com/zuju/zuju/internal/moderation/moderationhttp"
	"github.com/zuju/zuju/internal/moderation/moderationstore"
	"github.com/zuju/zuju/internal/platform/textfilter"
)

// wordsRefresh is how often a replica looks for word changes made on
// another.
const wordsRefresh = 10 * time.Second

// registerModeration builds the sensitive-word filter every module's text
// goes through, and its admin API.
func registerModeration(ctx context.Context, a *App) error {
	a.Moderation = moderation.NewService(moderationstore.New(a.DB), textfilter.DefaultWords(), a.Now,
		func() string { return uuid.Must(uuid.NewV7()).String() }, a.Logger.With("module", "moderation"))
	if err := a.Moderation.Refresh(ctx); err != nil {
		return err
	}
	moderationhttp.Register(a.HTTP.API, a.Moderation)
	var stop context.CancelFunc
	done := make(chan struct{})
	a.workers = append(a.workers, worker{name: "sensitive words", start: func(ctx context.Context) error {
		wctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		stop = cancel
		go func() { defer close(done); a.Moderation.Watch(wctx, wordsRefresh) }()
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
