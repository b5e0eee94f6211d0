package app

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
	"github.com/riverqueue/river"

	"github.com/zuju/zuju/internal/activities"
	"github.com/zuju/zuju/internal/admin"
	"github.com/zuju/zuju/internal/chat"
	"github.com/zuju/zuju/internal/chat/chathttp"
	"github.com/zuju/zuju/internal/chat/chatstore"
	"github.com/zuju/zuju/internal/chat/chatws"
	"github.com/zuju/zuju/internal/platform/events"
	"github.com/zuju/zuju/internal/platform/httpx"
	"github.com/zuju/zuju/internal/platform/jobs"
	"github.com/zuju/zuju/internal/platform/ratelimit"
	"github.com/zuju/zuju/internal/platform/reqctx"
	"github.com/zuju/zuju/internal/users"
)

// registerChat builds the chat rooms of formed activities: the service,
// the WebSocket hub (Redis pub/sub between replicas when Redis is
// configured), the HTTP routes and the consumers of activity events.
func registerChat(a *App) {
	log := a.Logger.With("module", "chat")
	set := chat.DefaultSettings()
	set.ReadOnlyAfter = a.Config.Chat.ReadOnlyAfter
	set.ReadOnlyAfterNow = func() time.Duration {
		return time.Duration(a.systemInt(admin.KeyChatReadOnlyHours, int64(a.Config.Chat.ReadOnlyAfter/time.Hour))) * time.Hour
	}
	set.SendLimit = ratelimit.PerMinute(a.Config.Chat.SendPerMinute)
	a.Chat = chat.NewService(chat.Deps{Store: chatstore.New(a.DB), Activities: chatActivities{a.Activities}, People: chatPeople{a.Users},
		Filter: a.Moderation, Limiter: a.limiter, Settings: set, Now: a.Now,
		NewID: func() string { return uuid.Must(uuid.NewV7()).String() }, Logger: log})

	var broker chatws.Broker = chatws.NewLocalBroker()
	var presence chatws.Presence = chatws.NewMemoryPresence()
	if a.redis != nil {
		broker = chatws.NewRedisBroker(a.redis, a.Config.RedisPrefix, log)
		presence = chatws.NewRedisPresence(a.redis, a.Config.RedisPrefix)
	}
	ws := chatws.DefaultSettings()
	ws.OriginPatterns = chatws.OriginHosts(a.Config.CORSOrigins)
	ws.FrameRate, ws.FrameBurst = float64(a.Config.Chat.FramesPerSec), 2*a.Config.Chat.FramesPerSec
	a.ChatHub = chatws.NewHub(a.Chat, broker, presence, ws, log)
	a.Chat.SetFanout(a.ChatHub)
	a.Chat.SetPresence(presence)
	gate := chatws.NewGate(a.cache)
	a.ChatGate = gate
	chathttp.Register(a.HTTP.API, a.Chat, gate)
	a.HTTP.Engine.GET(httpx.APIPrefix+"/chat/ws", func(c *gin.Context) {
		if err := a.ChatHub.Upgrade(gate, c.Writer, c.Request); err != nil {
			p := httpx.ProblemFor(reqctx.From(c.Request.Context()).RequestID, http.StatusInternalServerError, "", err)
			if p.Status >= 500 {
				_ = c.Error(err)
			}
			httpx.WriteProblemDoc(c, p)
		}
	})

	jobs.RegisterFunc(a.Jobs, func(ctx context.Context, _ *river.Job[chatReconcileArgs]) error {
		ids, err := a.Activities.FormedIDs(ctx, 2000)
		if err != nil {
			return err
		}
		opened, changed, err := a.Chat.Reconcile(ctx, ids)
		if opened+changed > 0 {
			log.Warn("chat rooms were behind their activities; caught up", "opened", opened, "memberships", changed)
		}
		return err
	})
	a.Jobs.Every(5*time.Minute, func() river.JobArgs { return chatReconcileArgs{} })

	cons := chatConsumers{chat: a.Chat}
	a.workers = append(a.workers, worker{name: "chat", start: func(ctx context.Context) error {
		if err := a.ChatHub.Start(ctx); err != nil {
			return err
		}
		return cons.subscribe(ctx, a.Bus)
	}, stop: a.ChatHub.Stop})
}

// chatReconcileArgs is the periodic catch-up of rooms with their
// activities (events lost when the single binary stopped).
type chatReconcileArgs struct{}

// Kind implements river.JobArgs.
func (chatReconcileArgs) Kind() string { return "chat.reconcile" }

// chatActivities is the chat module's view of the activities module.
type chatActivities struct{ svc *activities.Service }

func (c chatActivities) ChatInfo(ctx context.Context, id string) (chat.ActivityInfo, error) {
	info, err := c.svc.ChatInfo(ctx, id)
	if err != nil {
		return chat.ActivityInfo{}, err
	}
	return chat.ActivityInfo{ID: info.ID, Title: info.Title, OrganizerID: info.OrganizerID, EndAt: info.EndAt, Seated: info.Seated,
		Formed: info.Status == activities.StatusFormed || info.Status == activities.StatusFinished}, nil
}

func (c chatActivities) HoldsSeat(ctx context.Context, activityID, userID string) (bool, error) {
	return c.svc.HoldsSeat(ctx, activityID, userID)
}

// chatPeople shows members by their public profiles.
type chatPeople struct{ users *users.Service }

func (p chatPeople) People(ctx context.Context, ids []string) (map[string]chat.Person, error) {
	list, err := p.users.Contacts(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make(map[string]chat.Person, len(list))
	for _, u := range list {
		out[u.ID] = chat.Person{ID: u.ID, Nickname: u.Nickname, AvatarURL: u.AvatarURL}
	}
	return out, nil
}

// chatConsumers keep rooms in step with their activities.
type chatConsumers struct{ chat *chat.Service }

func (c chatConsumers) subscribe(ctx context.Context, bus *events.Bus) error {
	return bus.SubscribeAll(ctx, "chat", map[string]events.Handler{
		activities.TopicFormed:      c.formed,
		activities.TopicSeatChanged: c.seatChanged,
		activities.TopicCancelled:   c.cancelled,
		activities.TopicReminder:    c.reminder,
		users.TopicBanned:           c.banned,
	})
}

// read decodes an event; an unreadable one is dropped (redelivery would
// not fix it).
func read[T any](m events.Message) (T, bool) {
	var v T
	return v, json.Unmarshal(m.Payload, &v) == nil
}

func (c chatConsumers) formed(ctx context.Context, m events.Message) error {
	e, ok := read[activities.FormedEvent](m)
	if !ok {
		return nil
	}
	_, err := c.chat.OpenRoom(ctx, e.ActivityID)
	return ignoreMissing(err)
}

func (c chatConsumers) seatChanged(ctx context.Context, m events.Message) error {
	e, ok := read[activities.SeatChangedEvent](m)
	if !ok {
		return nil
	}
	return ignoreMissing(c.chat.SyncSeat(ctx, e.ActivityID, e.UserID))
}

func (c chatConsumers) cancelled(ctx context.Context, m events.Message) error {
	e, ok := read[activities.CancelledEvent](m)
	if !ok {
		return nil
	}
	text := "活动已取消"
	if e.Reason != "" {
		text += "：" + e.Reason
	}
	return ignoreMissing(c.chat.Announce(ctx, e.ActivityID, text))
}

func (c chatConsumers) reminder(ctx context.Context, m events.Message) error {
	e, ok := read[activities.ReminderEvent](m)
	if !ok {
		return nil
	}
	text := "活动将于 " + e.StartAt.In(time.FixedZone("CST", 8*3600)).Format("01月02日 15:04") + " 开始，别忘了准时参加"
	return ignoreMissing(c.chat.Announce(ctx, e.ActivityID, text))
}

// banned ends a banned account's live connections.
func (c chatConsumers) banned(ctx context.Context, m events.Message) error {
	if e, ok := read[users.AccountEvent](m); ok && e.UserID != "" {
		c.chat.Disconnect(ctx, e.UserID)
	}
	return nil
}

// ignoreMissing drops the events of activities that are gone.
func ignoreMissing(err error) error {
	if errors.Is(err, activities.ErrNotFound) {
		return nil
	}
	return err
}
