package moderation

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/zuju/zuju/internal/platform/auth"
	"github.com/zuju/zuju/internal/platform/textfilter"
)

// Scene is what a text is, for an outside content check.
type Scene int

// Scenes (they are WeChat's msg_sec_check scenes).
const (
	SceneProfile Scene = 1 // nicknames, bios, names
	SceneComment Scene = 2 // comments
	SceneForum   Scene = 3 // posts, club and activity descriptions
	SceneSocial  Scene = 4 // chat messages
)

// Submission is a text handed to a Provider.
type Submission struct {
	Text  string
	Scene Scene
	// UserID is the author ("" when nobody is signed in, as at
	// registration).
	UserID string
}

// Provider is an outside content-security service asked after the word
// filter, such as WeChat's msg_sec_check. Screen answers textfilter.None
// (pass), Review or Block, or ErrNotChecked when it cannot judge this text.
type Provider interface {
	Screen(ctx context.Context, s Submission) (textfilter.Action, error)
}

// ErrNotChecked is what a Provider answers for a text it cannot judge (for
// WeChat: an author without a WeChat openid); the text is not checked
// there and nothing is logged above debug.
var ErrNotChecked = errors.New("moderation: the provider does not check this text")

// DefaultProviderTimeout bounds a provider call when SetProvider is given
// no timeout.
const DefaultProviderTimeout = 3 * time.Second

// SetProvider adds an outside check to CheckContext (nil removes it); each
// call to it is bounded by timeout.
func (s *Service) SetProvider(p Provider, timeout time.Duration) {
	if timeout <= 0 {
		timeout = DefaultProviderTimeout
	}
	s.provider, s.providerTimeout = p, timeout
}

// CheckContext is the whole pipeline for a text the signed-in user of ctx
// writes: the word filter (as Check), then, when one is configured and the
// words did not already block the text, the provider. The more severe
// verdict wins; the provider never unmasks or passes what the words held.
//
// The provider fails open: when it cannot be reached, is slower than its
// timeout, is over its quota or answers nonsense, the word filter's verdict
// stands and the failure is logged (warn, without the text). The word list
// is the platform's own guarantee and is always applied; the provider is a
// second opinion from someone else's server, and its outage must not stop
// every post, message and profile edit on the platform. What slips through
// meanwhile can still be reported and removed.
func (s *Service) CheckContext(ctx context.Context, text string, scene Scene) textfilter.Result {
	res := s.Check(text)
	if s.provider == nil || res.Action == textfilter.Block || text == "" {
		return res
	}
	sub := Submission{Text: text, Scene: scene}
	if p, ok := auth.From(ctx); ok {
		sub.UserID = p.UserID
	}
	pctx, cancel := context.WithTimeout(ctx, s.providerTimeout)
	defer cancel()
	act, err := s.provider.Screen(pctx, sub)
	switch {
	case errors.Is(err, ErrNotChecked):
		s.log.LogAttrs(ctx, slog.LevelDebug, "content check skipped", slog.Int("scene", int(scene)))
	case err != nil:
		s.log.LogAttrs(ctx, slog.LevelWarn, "content check failed; the word filter's verdict stands",
			slog.Int("scene", int(scene)), slog.String("user_id", sub.UserID), slog.String("err", err.Error()))
	default:
		res.Action = max(res.Action, act)
	}
	return res
}
