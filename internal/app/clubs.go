package app

import (
	"context"

	"github.com/google/uuid"

	"github.com/zuju/zuju/internal/clubs"
	"github.com/zuju/zuju/internal/clubs/clubshttp"
	"github.com/zuju/zuju/internal/clubs/clubsstore"
	"github.com/zuju/zuju/internal/platform/textfilter"
	"github.com/zuju/zuju/internal/users"
)

// registerClubs builds the club alliance: categories, clubs, applications
// and rosters.
func registerClubs(a *App) {
	a.Clubs = clubs.NewService(clubsstore.New(a.DB), clubPeople{a.Users}, textfilter.Default(),
		clubs.Settings{ApplyCooldown: a.Config.Club.ApplyCooldown}, a.Now, func() string { return uuid.Must(uuid.NewV7()).String() })
	clubshttp.Register(a.HTTP.API, a.Clubs)
}

// clubPeople shows members by their public profiles.
type clubPeople struct{ users *users.Service }

func (p clubPeople) People(ctx context.Context, ids []string) (map[string]clubs.Person, error) {
	list, err := p.users.Contacts(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make(map[string]clubs.Person, len(list))
	for _, u := range list {
		out[u.ID] = clubs.Person{ID: u.ID, Nickname: u.Nickname, AvatarURL: u.AvatarURL}
	}
	return out, nil
}
