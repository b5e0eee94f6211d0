package app

import (
	"context"
	"errors"
	"strings"

	"github.com/google/uuid"

	"github.com/zuju/zuju/internal/admin"
	"github.com/zuju/zuju/internal/platform/errs"
	"github.com/zuju/zuju/internal/platform/richtext"
	"github.com/zuju/zuju/internal/posts"
	"github.com/zuju/zuju/internal/posts/postsstore"
	"github.com/zuju/zuju/internal/reports"
	"github.com/zuju/zuju/internal/reports/reportshttp"
	"github.com/zuju/zuju/internal/reports/reportsstore"
)

// registerReports builds the one place reports are filed: each target
// type is looked up through its module's service as the reporter sees it,
// and the chat's report route files here too. The staff's queue resolves
// them through reportActions.
func registerReports(a *App) {
	comments := postsstore.New(a.DB)
	store := reportsstore.New(a.DB)
	svc := reports.NewService(reports.Deps{
		Store: store,
		Targets: map[reports.TargetType]reports.Lookup{
			reports.TargetUser:     reports.LookupFunc(a.reportedUser),
			reports.TargetActivity: reports.LookupFunc(a.reportedActivity),
			reports.TargetPost:     reports.LookupFunc(a.reportedPost),
			reports.TargetComment: reports.LookupFunc(func(ctx context.Context, id string) (reports.Target, bool, error) {
				return a.reportedComment(ctx, comments, id)
			}),
			reports.TargetMessage: reports.LookupFunc(a.reportedMessage),
			reports.TargetClub:    reports.LookupFunc(a.reportedClub),
		},
		Limiter: a.limiter,
		Settings: reports.Settings{PerUser: reports.DefaultSettings().PerUser, AutoHide: a.Config.Reports.AutoHide,
			AutoHideNow: func() int {
				return int(a.systemInt(admin.KeyReportsAutoHideThreshold, int64(a.Config.Reports.AutoHide)))
			}},
		Now:     a.Now,
		NewID:   func() string { return uuid.Must(uuid.NewV7()).String() },
		Admin:   store,
		Actions: reportActions{a},
		Logger:  a.Logger.With("module", "reports"),
	})
	a.Chat.SetReports(chatReports{svc})
	reportshttp.Register(a.HTTP.API, svc)
}

// hidden turns a module's "not found" (and "not yours to see") into a
// target that is not there, so reports never tell the two apart.
func hidden(err error) (reports.Target, bool, error) {
	if e, ok := errs.As(err); ok && (e.Kind == errs.KindNotFound || e.Kind == errs.KindForbidden) {
		return reports.Target{}, false, nil
	}
	return reports.Target{}, false, err
}

// lines joins the non-empty parts of a snapshot.
func lines(parts ...string) string {
	var keep []string
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			keep = append(keep, p)
		}
	}
	return strings.Join(keep, "\n")
}

func (a *App) reportedUser(ctx context.Context, id string) (reports.Target, bool, error) {
	u, err := a.Users.Public(ctx, id)
	if err != nil {
		return hidden(err)
	}
	return reports.Target{OwnerID: u.ID, Snapshot: lines(u.Nickname, u.Bio)}, true, nil
}

func (a *App) reportedActivity(ctx context.Context, id string) (reports.Target, bool, error) {
	v, err := a.Activities.Get(ctx, id)
	if err != nil {
		return hidden(err)
	}
	return reports.Target{OwnerID: v.OrganizerID, ParentID: v.ClubID, Snapshot: lines(v.Title, v.Description)}, true, nil
}

func (a *App) reportedPost(ctx context.Context, id string) (reports.Target, bool, error) {
	v, err := a.Posts.Get(ctx, id)
	if err != nil {
		return hidden(err)
	}
	return reports.Target{OwnerID: v.AuthorID, ParentID: v.ClubID, Snapshot: lines(v.Title, richtext.Text(v.Content))}, true, nil
}

// reportedComment is a published comment of a post the reporter sees.
func (a *App) reportedComment(ctx context.Context, store *postsstore.Store, id string) (reports.Target, bool, error) {
	c, err := store.Comment(ctx, id)
	if err != nil {
		return hidden(err)
	}
	if c.Status != posts.StatusPublished {
		return reports.Target{}, false, nil
	}
	if _, err := a.Posts.Get(ctx, c.PostID); err != nil {
		return hidden(err)
	}
	return reports.Target{OwnerID: c.AuthorID, ParentID: c.PostID, Snapshot: c.Content}, true, nil
}

// reportedMessage is a message of a room the reporter is in.
func (a *App) reportedMessage(ctx context.Context, id string) (reports.Target, bool, error) {
	m, err := a.Chat.ReportedMessage(ctx, id)
	if err != nil {
		return hidden(err)
	}
	return reports.Target{OwnerID: m.SenderID, ParentID: m.RoomID, Snapshot: m.Content}, true, nil
}

func (a *App) reportedClub(ctx context.Context, id string) (reports.Target, bool, error) {
	v, err := a.Clubs.Get(ctx, id)
	if err != nil {
		return hidden(err)
	}
	return reports.Target{OwnerID: v.OwnerID, Snapshot: lines(v.Name, v.Description)}, true, nil
}

// chatReports files the chat's message reports with the reports module:
// the free-text reason of the chat's report sheet ("垃圾广告：……") becomes
// a reason of the list and the detail.
type chatReports struct{ svc *reports.Service }

func (c chatReports) ReportMessage(ctx context.Context, _, messageID, text string) (bool, error) {
	reason, detail := reports.ParseReason(text)
	if reason == reports.ReasonOther && detail == "" {
		detail = "其他"
	}
	_, err := c.svc.File(ctx, reports.Filing{TargetType: reports.TargetMessage, TargetID: messageID, Reason: reason,
		Detail: reports.Truncate(detail, reports.MaxDetailRunes)})
	if errors.Is(err, reports.ErrDuplicate) {
		return false, nil
	}
	return err == nil, err
}
