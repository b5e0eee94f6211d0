package app

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/zuju/zuju/internal/activities"
	"github.com/zuju/zuju/internal/clubs"
	"github.com/zuju/zuju/internal/clubs/clubshttp"
	"github.com/zuju/zuju/internal/clubs/clubsstore"
	"github.com/zuju/zuju/internal/platform/events"
	"github.com/zuju/zuju/internal/users"
)

// registerClubs builds the club alliance: categories, clubs, applications
// and rosters.
func registerClubs(a *App) {
	a.Clubs = clubs.NewService(clubsstore.New(a.DB), clubPeople{a.Users}, a.Moderation,
		clubs.Settings{ApplyCooldown: a.Config.Club.ApplyCooldown}, a.Now, func() string { return uuid.Must(uuid.NewV7()).String() })
	a.Clubs.SetActivities(clubCalendar{a.Activities})
	a.Activities.SetClubs(a.Clubs)
	// Activity titles and descriptions go through the same word filter as
	// clubs and chat (moderation is built after activities, so it is
	// connected here).
	a.Activities.SetFilter(a.Moderation)
	clubshttp.Register(a.HTTP.API, a.Clubs, func(id string) string { return a.Config.BaseURL() + "/activities/" + id })
	cons := clubSignupConsumers{activities: a.Activities}
	a.workers = append(a.workers, worker{name: "club-signups",
		start: func(ctx context.Context) error { return cons.subscribe(ctx, a.Bus) },
		stop:  func(context.Context) error { return nil }})
}

// clubSignupConsumers take someone who is no longer in a club off its
// members-only activities that have not started.
type clubSignupConsumers struct{ activities *activities.Service }

func (c clubSignupConsumers) subscribe(ctx context.Context, bus *events.Bus) error {
	return bus.SubscribeAll(ctx, "club-signups", map[string]events.Handler{
		clubs.TopicMemberLeft:   c.left,
		clubs.TopicMemberBanned: c.banned,
	})
}

func (c clubSignupConsumers) left(ctx context.Context, m events.Message) error {
	e, ok := read[clubs.MemberLeftEvent](m)
	if !ok || e.ClubID == "" || e.UserID == "" {
		return nil
	}
	_, err := c.activities.LeftClub(ctx, e.ClubID, e.UserID, e.Removed)
	return err
}

func (c clubSignupConsumers) banned(ctx context.Context, m events.Message) error {
	e, ok := read[clubs.MemberBannedEvent](m)
	if !ok || e.ClubID == "" || e.UserID == "" || !e.WasMember {
		return nil
	}
	_, err := c.activities.LeftClub(ctx, e.ClubID, e.UserID, true)
	return err
}

// clubCalendar reads a club's activities for its calendar.
type clubCalendar struct{ svc *activities.Service }

func (c clubCalendar) ClubCalendar(ctx context.Context, clubID string, from, to time.Time, limit int, membersToo bool) ([]clubs.CalendarEntry, error) {
	list, err := c.svc.ClubCalendar(ctx, clubID, from, to, limit, membersToo)
	if err != nil {
		return nil, err
	}
	out := make([]clubs.CalendarEntry, len(list))
	for i, e := range list {
		out[i] = clubs.CalendarEntry{ID: e.ID, Title: e.Title, City: e.City, Cancelled: e.Status == activities.StatusCancelled,
			MembersOnly: e.Visibility == activities.VisibilityMembers, StartAt: e.StartAt, EndAt: e.EndAt, UpdatedAt: e.UpdatedAt}
	}
	return out, nil
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
