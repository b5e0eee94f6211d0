package app

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"

	"github.com/zuju/zuju/internal/clubs"
	"github.com/zuju/zuju/internal/platform/ranking"
	"github.com/zuju/zuju/internal/platform/richtext"
	"github.com/zuju/zuju/internal/posts"
	"github.com/zuju/zuju/internal/posts/postshttp"
	"github.com/zuju/zuju/internal/posts/postsstore"
	"github.com/zuju/zuju/internal/users"
)

// registerPosts builds the square and the club boards.
func registerPosts(a *App) {
	a.Posts = posts.NewService(postsstore.New(a.DB), postClubs{a.Clubs}, postPeople{a.Users}, a.Moderation, richtext.New("/files/"),
		a.Now, func() string { return uuid.Must(uuid.NewV7()).String() })
	a.Posts.UseRanking(a.hotRanking(), hotBoardTTL, a.Logger.With("module", "posts"))
	postshttp.Register(a.HTTP.API, a.Posts)
}

// hotBoardTTL is how long a hot board stays in the ranking before it is
// rebuilt from the database (the bound on any drift).
const hotBoardTTL = 10 * time.Minute

// hotRanking is where hot lists are served from: Redis ZSETs when
// replicas share Redis, in process otherwise.
func (a *App) hotRanking() posts.Ranking {
	if a.redis != nil {
		return ranking.NewRedis(a.redis, a.Config.RedisPrefix+"rank:")
	}
	return ranking.NewMemory(ranking.WithClock(a.Now))
}

// postClubs tells the posts module about clubs.
type postClubs struct{ svc *clubs.Service }

func (c postClubs) Role(ctx context.Context, clubID, userID string) (string, bool, bool, error) {
	role, st, err := c.svc.RoleOf(ctx, clubID, userID)
	if errors.Is(err, clubs.ErrNotFound) {
		return "", false, false, nil
	}
	if err != nil {
		return "", false, false, err
	}
	return string(role), st == clubs.StatusActive, true, nil
}

// postPeople shows authors by their public profiles.
type postPeople struct{ users *users.Service }

func (p postPeople) People(ctx context.Context, ids []string) (map[string]posts.Person, error) {
	list, err := p.users.Contacts(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make(map[string]posts.Person, len(list))
	for _, u := range list {
		out[u.ID] = posts.Person{ID: u.ID, Nickname: u.Nickname, AvatarURL: u.AvatarURL}
	}
	return out, nil
}
