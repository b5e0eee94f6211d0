package app

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"github.com/zuju/zuju/internal/activities"
	"github.com/zuju/zuju/internal/admin"
	"github.com/zuju/zuju/internal/notifications"
	"github.com/zuju/zuju/internal/platform/events"
	"github.com/zuju/zuju/internal/platform/jobs"
	"github.com/zuju/zuju/internal/posts"
)

// cst is the zone the texts show times in.
var cst = time.FixedZone("CST", 8*3600)

// waitlistOffered tells the next person on the waitlist that a seat is
// theirs to take, and until when.
func (c notifyConsumers) waitlistOffered(ctx context.Context, m events.Message) error {
	e, ok := read[activities.WaitlistOfferedEvent](m)
	if !ok {
		return nil
	}
	return c.toParticipants(ctx, m, e.ActivityID, []string{e.UserID}, notifications.TypeWaitlistOffered,
		map[string]string{"until": e.OfferExpiresAt.In(cst).Format("01月02日 15:04")})
}

// contentReviewed tells the author of a held post or comment the
// moderator's decision, with the reason of a rejection.
func (c notifyConsumers) contentReviewed(ctx context.Context, m events.Message) error {
	e, ok := read[posts.ReviewedEvent](m)
	if !ok || e.AuthorID == "" {
		return nil
	}
	kind, kindEN := "帖子", "post"
	if e.Kind == "comment" {
		kind, kindEN = "评论", "comment"
	}
	t := notifications.TypeContentRejected
	if e.Approved {
		t = notifications.TypeContentApproved
	}
	link := "/posts/" + e.PostID
	if e.Approved && e.Kind == "post" {
		link = "/posts/" + e.ID
	} else if !e.Approved && e.Kind == "post" {
		link = "/me/posts" // a rejected post is seen only there, with its reason
	}
	return c.svc.Notify(ctx, m.ID, []notifications.Draft{{UserID: e.AuthorID, Type: t, Link: link,
		Params: map[string]string{"kind": kind, "kind_en": kindEN, "subject": e.Subject, "reason": orNone(e.Reason)},
		Data:   map[string]any{"kind": e.Kind, "id": e.ID, "post_id": e.PostID}}})
}

// defaultAnnouncePage is how many accounts one page of an announcement's
// fan-out notifies.
const defaultAnnouncePage = 200

// announceArgs is one page of the inbox notifications of a published
// announcement: the accounts after After. Each publication starts its own
// chain (Published), and each page is a unique job, so a redelivered event
// or a retried page inserts nothing twice.
type announceArgs struct {
	AnnouncementID string    `json:"announcement_id"`
	Published      time.Time `json:"published_at"`
	After          string    `json:"after"`
}

// Kind implements river.JobArgs.
func (announceArgs) Kind() string { return "notifications.announce" }

func enqueueAnnounce(ctx context.Context, q *jobs.Queue, args announceArgs, at time.Time) error {
	_, err := q.Insert(ctx, args, &river.InsertOpts{ScheduledAt: at, MaxAttempts: 12, UniqueOpts: river.UniqueOpts{ByArgs: true}})
	return err
}

// announcementPublished starts the fan-out of a published announcement
// when it starts: never in the request that publishes it, which only
// writes the event.
func (c notifyConsumers) announcementPublished(ctx context.Context, m events.Message) error {
	e, ok := read[admin.AnnouncementPublishedEvent](m)
	if !ok || e.ID == "" {
		return nil
	}
	return enqueueAnnounce(ctx, c.jobs, announceArgs{AnnouncementID: e.ID, Published: e.PublishedAt}, e.StartsAt)
}

// registerAnnouncementNotices registers the job that puts a published
// announcement into the inbox of its audience, a page of accounts at a
// time (announcements audience all or h5: every account not banned; admin:
// the staff). It only goes out on a channel to people who turned one on
// for announcements. An announcement unpublished, deleted or ended
// meanwhile stops its fan-out; one not started yet waits for its start.
// Each person gets it once, however often it is published.
func registerAnnouncementNotices(a *App, page int) {
	if page <= 0 {
		page = defaultAnnouncePage
	}
	jobs.RegisterFunc(a.Jobs, func(ctx context.Context, job *river.Job[announceArgs]) error {
		args := job.Args
		an, err := a.Admin.AnnouncementToNotify(ctx, args.AnnouncementID)
		if errors.Is(err, admin.ErrAnnouncementNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		now := a.Now().UTC()
		if an.Status != admin.StatusPublished || (!an.EndsAt.IsZero() && !now.Before(an.EndsAt)) {
			return nil
		}
		if !an.StartsAt.IsZero() && now.Before(an.StartsAt) {
			return river.JobSnooze(an.StartsAt.Sub(now))
		}
		ids, err := a.Users.AccountIDs(ctx, args.After, an.Audience == admin.AudienceAdmin, page)
		if err != nil {
			return err
		}
		params := map[string]string{"title": an.Title, "summary": announceSummary(an.Content)}
		drafts := make([]notifications.Draft, 0, len(ids))
		for _, id := range ids {
			drafts = append(drafts, notifications.Draft{UserID: id, Type: notifications.TypeAnnouncement, Link: "/announcements/" + an.ID,
				Params: params, Data: map[string]any{"announcement_id": an.ID}})
		}
		if err := a.Notifications.Notify(ctx, "announcement:"+an.ID, drafts); err != nil {
			return err
		}
		if len(ids) < page {
			return nil
		}
		args.After = ids[len(ids)-1]
		return enqueueAnnounce(ctx, a.Jobs, args, time.Time{})
	})
}

// announceSummary is the beginning of an announcement's text on one line.
func announceSummary(content string) string {
	r := []rune(strings.Join(strings.Fields(content), " "))
	if len(r) <= 80 {
		return string(r)
	}
	return string(r[:79]) + "…"
}
