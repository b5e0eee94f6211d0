package app

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"

	"github.com/zuju/zuju/internal/activities"
	"github.com/zuju/zuju/internal/admin"
	"github.com/zuju/zuju/internal/clubs"
	"github.com/zuju/zuju/internal/notifications"
	"github.com/zuju/zuju/internal/notifications/notificationshttp"
	"github.com/zuju/zuju/internal/notifications/notificationsstore"
	"github.com/zuju/zuju/internal/payments"
	"github.com/zuju/zuju/internal/platform/events"
	"github.com/zuju/zuju/internal/platform/jobs"
	"github.com/zuju/zuju/internal/platform/sms"
	"github.com/zuju/zuju/internal/posts"
	"github.com/zuju/zuju/internal/reports"
	"github.com/zuju/zuju/internal/users"
)

// registerNotifications builds the inbox and the deliveries: the service
// with a sender per configured channel, the durable delivery job (one per
// notification and channel) and the consumers of the events that notify
// people.
func registerNotifications(a *App) {
	log := a.Logger.With("module", "notifications")
	senders := map[notifications.Channel]notifications.Sender{}
	if a.Config.SMS.Provider == sms.ProviderLog || a.Config.SMS.Provider == "" {
		senders[notifications.ChannelSMS] = notifySMS{send: sms.NewLog(log.With("component", "sms")).Send}
	}
	for ch, s := range a.notificationSenders(log) {
		senders[ch] = s
	}
	svc := notifications.NewService(notifications.Deps{
		Store:     notificationsstore.New(a.DB),
		Directory: notifyDirectory{a.Users},
		Jobs:      notifyQueue{a.Jobs},
		Senders:   senders,
		Logger:    log,
		Now:       a.Now,
		NewID:     func() string { return uuid.Must(uuid.NewV7()).String() },
	})
	a.Notifications = svc
	jobs.RegisterFunc(a.Jobs, func(ctx context.Context, job *river.Job[notifyDeliverArgs]) error {
		return svc.Deliver(ctx, job.Args.NotificationID, notifications.Channel(job.Args.Channel))
	})
	notificationshttp.Register(a.HTTP.API, svc)
	cons := notifyConsumers{svc: svc, activities: a.Activities, jobs: a.Jobs}
	a.workers = append(a.workers, worker{name: "notifications",
		start: func(ctx context.Context) error { return cons.subscribe(ctx, a.Bus) },
		stop:  func(context.Context) error { return nil }})
}

// notifyDeliverArgs is the job that sends one notification on one
// channel; its arguments are its idempotency key.
type notifyDeliverArgs struct {
	NotificationID string `json:"notification_id"`
	Channel        string `json:"channel"`
}

// Kind implements river.JobArgs.
func (notifyDeliverArgs) Kind() string { return "notifications.deliver" }

// notifyQueue schedules deliveries as unique River jobs: a pair enqueued
// again (a redelivered event) while its job waits, runs or has completed
// inserts nothing.
type notifyQueue struct{ q *jobs.Queue }

func (n notifyQueue) EnqueueDelivery(ctx context.Context, id string, ch notifications.Channel) error {
	_, err := n.q.Insert(ctx, notifyDeliverArgs{NotificationID: id, Channel: string(ch)},
		&river.InsertOpts{MaxAttempts: 12, UniqueOpts: river.UniqueOpts{ByArgs: true}})
	return err
}

// notifyDirectory finds addresses in the users module.
type notifyDirectory struct{ users *users.Service }

func (d notifyDirectory) Address(ctx context.Context, userID string) (notifications.Address, error) {
	u, err := d.users.Store.UserByID(ctx, userID)
	if err != nil {
		return notifications.Address{}, err
	}
	return notifications.Address{Phone: u.Phone, Email: u.Email, WeChatOpenID: u.WeChatOpenID}, nil
}

// notifySMS sends a notification as the "notification" SMS template
// (title and body).
type notifySMS struct {
	send func(context.Context, sms.Message) error
}

func (s notifySMS) Send(ctx context.Context, to notifications.Address, m notifications.Message) error {
	return s.send(ctx, sms.Message{Phone: to.Phone, Template: "notification", IdempotencyKey: m.IdempotencyKey,
		Params: map[string]string{"title": m.Title, "body": m.Body, "notification_id": m.NotificationID}})
}

// notifyConsumers turn other modules' events into notifications; each
// event's id is the notifications' source, so a redelivery adds none.
type notifyConsumers struct {
	svc        *notifications.Service
	activities *activities.Service
	jobs       *jobs.Queue
}

func (c notifyConsumers) subscribe(ctx context.Context, bus *events.Bus) error {
	return bus.SubscribeAll(ctx, "notifications", map[string]events.Handler{
		clubs.TopicReviewed:           c.clubReviewed,
		clubs.TopicApplicationDecided: c.applicationDecided,
		clubs.TopicMemberBanned:       c.memberBanned,
		activities.TopicFormed:        c.activityFormed,
		activities.TopicCancelled:     c.activityCancelled,
		activities.TopicReminder:      c.activityReminder,
		payments.TopicOrderPaid:       c.orderPaid,
		payments.TopicRefundSettled:   c.refundSettled,
		reports.TopicResolved:         c.reportResolved,

		// notifications_producers.go
		activities.TopicWaitlistOffered:  c.waitlistOffered,
		posts.TopicReviewed:              c.contentReviewed,
		admin.TopicAnnouncementPublished: c.announcementPublished,
	})
}

func orNone(s string) string {
	if s == "" {
		return "无"
	}
	return s
}

func (c notifyConsumers) clubReviewed(ctx context.Context, m events.Message) error {
	e, ok := read[clubs.ReviewedEvent](m)
	if !ok {
		return nil
	}
	t := notifications.TypeClubRejected
	if e.Approved {
		t = notifications.TypeClubApproved
	}
	return c.svc.Notify(ctx, m.ID, []notifications.Draft{{UserID: e.OwnerID, Type: t, Link: "/clubs/" + e.ClubID,
		Params: map[string]string{"club_name": e.ClubName, "reason": orNone(e.Reason)}, Data: map[string]any{"club_id": e.ClubID}}})
}

func (c notifyConsumers) applicationDecided(ctx context.Context, m events.Message) error {
	e, ok := read[clubs.ApplicationDecidedEvent](m)
	if !ok {
		return nil
	}
	t := notifications.TypeApplicationRejected
	if e.Approved {
		t = notifications.TypeApplicationApproved
	}
	return c.svc.Notify(ctx, m.ID, []notifications.Draft{{UserID: e.UserID, Type: t, Link: "/clubs/" + e.ClubID,
		Params: map[string]string{"club_name": e.ClubName, "reason": orNone(e.Reason)},
		Data:   map[string]any{"club_id": e.ClubID, "application_id": e.ApplicationID}}})
}

// memberBanned tells the banned user, with the end of the ban.
func (c notifyConsumers) memberBanned(ctx context.Context, m events.Message) error {
	e, ok := read[clubs.MemberBannedEvent](m)
	if !ok {
		return nil
	}
	until := "（永久）"
	if e.Until != nil {
		until = "至 " + e.Until.In(time.FixedZone("CST", 8*3600)).Format("2006年01月02日 15:04")
	}
	return c.svc.Notify(ctx, m.ID, []notifications.Draft{{UserID: e.UserID, Type: notifications.TypeClubBanned, Link: "/clubs/" + e.ClubID,
		Params: map[string]string{"club_name": e.ClubName, "until": until, "reason": orNone(e.Reason)}, Data: map[string]any{"club_id": e.ClubID}}})
}

// activityTitle names an activity ("" when it is gone).
func (c notifyConsumers) activityTitle(ctx context.Context, id string) (string, error) {
	info, err := c.activities.ChatInfo(ctx, id)
	if err != nil {
		return "", ignoreMissing(err)
	}
	return info.Title, nil
}

func (c notifyConsumers) toParticipants(ctx context.Context, m events.Message, id string, people []string, t notifications.Type, params map[string]string) error {
	title, err := c.activityTitle(ctx, id)
	if err != nil {
		return err
	}
	params["title"] = title
	drafts := make([]notifications.Draft, 0, len(people))
	for _, p := range people {
		drafts = append(drafts, notifications.Draft{UserID: p, Type: t, Link: "/activities/" + id, Params: params,
			Data: map[string]any{"activity_id": id}})
	}
	return c.svc.Notify(ctx, m.ID, drafts)
}

func (c notifyConsumers) activityFormed(ctx context.Context, m events.Message) error {
	e, ok := read[activities.FormedEvent](m)
	if !ok {
		return nil
	}
	return c.toParticipants(ctx, m, e.ActivityID, e.ParticipantIDs, notifications.TypeActivityFormed, map[string]string{})
}

func (c notifyConsumers) activityCancelled(ctx context.Context, m events.Message) error {
	e, ok := read[activities.CancelledEvent](m)
	if !ok {
		return nil
	}
	return c.toParticipants(ctx, m, e.ActivityID, e.ParticipantIDs, notifications.TypeActivityCancelled,
		map[string]string{"reason": orNone(e.Reason)})
}

// activityReminder tells the participants 24 h and 2 h before the start
// (one event per activity and kind, so each participant hears each once).
func (c notifyConsumers) activityReminder(ctx context.Context, m events.Message) error {
	e, ok := read[activities.ReminderEvent](m)
	if !ok {
		return nil
	}
	start := e.StartAt.In(time.FixedZone("CST", 8*3600)).Format("01月02日 15:04")
	drafts := make([]notifications.Draft, 0, len(e.ParticipantIDs))
	for _, p := range e.ParticipantIDs {
		drafts = append(drafts, notifications.Draft{UserID: p, Type: notifications.TypeActivityReminder, Link: "/activities/" + e.ActivityID,
			Params: map[string]string{"title": e.Title, "start": start}, Data: map[string]any{"activity_id": e.ActivityID, "kind": string(e.Kind)}})
	}
	return c.svc.Notify(ctx, m.ID, drafts)
}

// yuan shows fen as yuan with two decimals.
func yuan(fen int64) string { return fmt.Sprintf("%d.%02d", fen/100, fen%100) }

func (c notifyConsumers) orderPaid(ctx context.Context, m events.Message) error {
	e, ok := read[payments.OrderPaidEvent](m)
	if !ok {
		return nil
	}
	return c.svc.Notify(ctx, m.ID, []notifications.Draft{{UserID: e.UserID, Type: notifications.TypePaymentSucceeded,
		Params: map[string]string{"order_no": e.OrderNo, "amount": yuan(e.AmountFen)},
		Data:   map[string]any{"order_no": e.OrderNo, "amount_fen": e.AmountFen, "kind": string(e.Kind), "subject_id": e.SubjectID}}})
}

func (c notifyConsumers) refundSettled(ctx context.Context, m events.Message) error {
	e, ok := read[payments.RefundSettledEvent](m)
	if !ok {
		return nil
	}
	t := notifications.TypeRefundFailed
	if e.Succeeded {
		t = notifications.TypeRefundSucceeded
	}
	return c.svc.Notify(ctx, m.ID, []notifications.Draft{{UserID: e.UserID, Type: t,
		Params: map[string]string{"order_no": e.OrderNo, "amount": yuan(e.AmountFen)},
		Data:   map[string]any{"order_no": e.OrderNo, "refund_no": e.RefundNo, "amount_fen": e.AmountFen}}})
}

// notifyReportNames names what a resolution was about and what it did
// (acted is false for a dismissal), for the reporters' and the author's
// notifications.
func notifyReportNames(t reports.TargetType, act reports.Action) (target, action string, acted bool) {
	target = map[reports.TargetType]string{reports.TargetUser: "账号", reports.TargetActivity: "活动", reports.TargetPost: "帖子",
		reports.TargetComment: "评论", reports.TargetMessage: "聊天消息", reports.TargetClub: "社团"}[t]
	if target == "" {
		target = "内容"
	}
	action, acted = map[reports.Action]string{reports.ActionHide: "隐藏", reports.ActionDelete: "删除", reports.ActionWarn: "警告",
		reports.ActionMute: "禁言", reports.ActionBan: "封禁账号", reports.ActionCancelActivity: "取消活动"}[act]
	return target, action, acted
}

// reportResolved tells the reporters the outcome and, unless the reports
// were dismissed, the author what was done.
func (c notifyConsumers) reportResolved(ctx context.Context, m events.Message) error {
	e, ok := read[reports.ResolvedEvent](m)
	if !ok {
		return nil
	}
	target, action, acted := notifyReportNames(e.TargetType, e.Action)
	result := "经核实未发现违规"
	if acted {
		result = "已处理（" + action + "）"
	}
	data := map[string]any{"target_type": string(e.TargetType), "target_id": e.TargetID, "action": string(e.Action)}
	drafts := make([]notifications.Draft, 0, len(e.ReporterIDs)+1)
	for _, r := range e.ReporterIDs {
		drafts = append(drafts, notifications.Draft{UserID: r, Type: notifications.TypeReportResolved,
			Params: map[string]string{"target": target, "result": result}, Data: data})
	}
	if acted && e.AuthorID != "" {
		drafts = append(drafts, notifications.Draft{UserID: e.AuthorID, Type: notifications.TypeContentActioned,
			Params: map[string]string{"target": target, "result": action, "note": orNone(e.Note)}, Data: data})
	}
	return c.svc.Notify(ctx, m.ID, drafts)
}
