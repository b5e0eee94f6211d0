package reportsstore

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"gorm.io/gorm"

	"github.com/zuju/zuju/internal/platform/audit"
	"github.com/zuju/zuju/internal/platform/outbox"
	"github.com/zuju/zuju/internal/reports"
)

var _ reports.AdminStore = (*Store)(nil)

// OpenCount counts the target's open reports.
func (s *Store) OpenCount(ctx context.Context, t reports.TargetType, id string) (int, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&reportRow{}).Where("target_type = ? AND target_id = ? AND status = ?", t, id, reports.StatusOpen).Count(&n).Error
	if err != nil {
		return 0, fmt.Errorf("count open reports: %w", err)
	}
	return int(n), nil
}

// Flag inserts the target's flag; the primary key makes one of racing
// callers the one that flagged it.
func (s *Store) Flag(ctx context.Context, t reports.TargetType, id string, at time.Time) (bool, error) {
	res := s.db.WithContext(ctx).Exec(`INSERT INTO report_flags (target_type, target_id, hidden, flagged_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (target_type, target_id) DO NOTHING`, t, id, false, at.UTC())
	if res.Error != nil {
		return false, fmt.Errorf("flag reported target: %w", res.Error)
	}
	return res.RowsAffected == 1, nil
}

// MarkHidden records that the flagged target's content was taken down.
func (s *Store) MarkHidden(ctx context.Context, t reports.TargetType, id string) error {
	if err := s.db.WithContext(ctx).Exec(`UPDATE report_flags SET hidden = ? WHERE target_type = ? AND target_id = ?`, true, t, id).Error; err != nil {
		return fmt.Errorf("mark reported target hidden: %w", err)
	}
	return nil
}

type flagRow struct {
	TargetType string
	TargetID   string
	Hidden     bool
	FlaggedAt  time.Time
}

func (flagRow) TableName() string { return "report_flags" }

// FlagOf returns the target's flag, nil when it has none.
func (s *Store) FlagOf(ctx context.Context, t reports.TargetType, id string) (*reports.Flag, error) {
	var rows []flagRow
	if err := s.db.WithContext(ctx).Where("target_type = ? AND target_id = ?", t, id).Limit(1).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("read report flag: %w", err)
	}
	if len(rows) == 0 {
		return nil, nil
	}
	return &reports.Flag{Hidden: rows[0].Hidden}, nil
}

// Report returns one report.
func (s *Store) Report(ctx context.Context, id string) (*reports.Report, error) {
	var row reportRow
	if err := s.db.WithContext(ctx).Where("id = ?", id).Take(&row).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil, reports.ErrNotFound
		}
		return nil, fmt.Errorf("read report: %w", err)
	}
	r := row.report()
	return &r, nil
}

type groupRow struct {
	TargetType string
	TargetID   string
	N          int
	LastID     string
}

// Queue groups reports in a state by target, the target whose latest
// report is newest first (report ids are time-ordered UUIDv7, so the
// largest id is the latest report and a stable cursor).
func (s *Store) Queue(ctx context.Context, f reports.QueueFilter) ([]reports.QueueEntry, error) {
	db := s.db.WithContext(ctx)
	q := db.Model(&reportRow{}).Select("target_type, target_id, COUNT(*) AS n, MAX(id) AS last_id").
		Where("status = ?", f.Status)
	if f.TargetType != "" {
		q = q.Where("target_type = ?", f.TargetType)
	}
	q = q.Group("target_type, target_id")
	if f.After != "" {
		q = q.Having("MAX(id) < ?", f.After)
	}
	var groups []groupRow
	if err := q.Order("last_id DESC").Limit(f.Limit).Scan(&groups).Error; err != nil {
		return nil, fmt.Errorf("list report queue: %w", err)
	}
	out := make([]reports.QueueEntry, 0, len(groups))
	for _, g := range groups {
		var rows []reportRow
		if err := db.Where("target_type = ? AND target_id = ? AND status = ?", g.TargetType, g.TargetID, f.Status).
			Order("id").Find(&rows).Error; err != nil {
			return nil, fmt.Errorf("list reports of a target: %w", err)
		}
		if len(rows) == 0 {
			continue
		}
		first, last := rows[0], rows[len(rows)-1]
		e := reports.QueueEntry{Ref: reports.Ref{Type: reports.TargetType(g.TargetType), ID: g.TargetID, OwnerID: last.TargetOwnerID,
			ParentID: last.TargetParentID}, ReportID: last.ID, Count: len(rows), Snapshot: last.Snapshot,
			FirstAt: first.CreatedAt.UTC(), LastAt: last.CreatedAt.UTC()}
		counts := map[reports.Reason]int{}
		for _, r := range rows {
			counts[reports.Reason(r.Reason)]++
		}
		for _, ri := range reports.Reasons() {
			if n := counts[ri.Code]; n > 0 {
				e.Reasons = append(e.Reasons, reports.ReasonCount{Reason: ri.Code, Count: n})
			}
		}
		if f.Status == reports.StatusOpen {
			flag, err := s.FlagOf(ctx, e.Type, e.ID)
			if err != nil {
				return nil, err
			}
			if flag != nil {
				e.Flagged, e.Hidden = true, flag.Hidden
			}
		}
		out = append(out, e)
	}
	return out, nil
}

type resolutionAudit struct {
	Action     reports.Action `json:"action"`
	Note       string         `json:"note,omitempty"`
	Until      *time.Time     `json:"until,omitempty"`
	AuthorID   string         `json:"author_id,omitempty"`
	Reports    int            `json:"reports"`
	Status     reports.Status `json:"status"`
	Restored   bool           `json:"restored,omitempty"`
	Resolution string         `json:"resolution_id"`
}

// Resolve closes the target's open reports with the resolution, its audit
// row and its event in one transaction.
func (s *Store) Resolve(ctx context.Context, r *reports.Resolution) (*reports.ResolvedEvent, error) {
	status := reports.StatusResolved
	if r.Action == reports.ActionDismiss {
		status = reports.StatusDismissed
	}
	at := r.At.UTC()
	var ev *reports.ResolvedEvent
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// One statement moves the open reports and names their reporters:
		// a racing resolution waits on the rows and then finds none open,
		// a report filed meanwhile is either moved here or stays open.
		var reporters []string
		if err := tx.Raw(`UPDATE reports SET status = ?, updated_at = ? WHERE target_type = ? AND target_id = ? AND status = ?
			RETURNING reporter_id`, status, at, r.Target.Type, r.Target.ID, reports.StatusOpen).Scan(&reporters).Error; err != nil {
			return err
		}
		if len(reporters) == 0 {
			return reports.ErrNotOpen
		}
		slices.Sort(reporters)
		if err := tx.Exec(`INSERT INTO report_resolutions (id, target_type, target_id, target_owner_id, action, note, until, report_count, actor_id, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, r.ID, r.Target.Type, r.Target.ID, r.Target.OwnerID, r.Action, r.Note, r.Until,
			len(reporters), r.ActorID, at).Error; err != nil {
			return err
		}
		if err := tx.Exec(`DELETE FROM report_flags WHERE target_type = ? AND target_id = ?`, r.Target.Type, r.Target.ID).Error; err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, "report.resolve", string(r.Target.Type), r.Target.ID, nil,
			resolutionAudit{Action: r.Action, Note: r.Note, Until: r.Until, AuthorID: r.Target.OwnerID, Reports: len(reporters),
				Status: status, Restored: r.Restored, Resolution: r.ID}); err != nil {
			return err
		}
		ev = &reports.ResolvedEvent{ResolutionID: r.ID, TargetType: r.Target.Type, TargetID: r.Target.ID, ReporterIDs: reporters,
			AuthorID: r.Target.OwnerID, Action: r.Action, Note: r.Note, Until: r.Until, Status: status, ResolvedBy: r.ActorID, ResolvedAt: at}
		_, err := outbox.Add(ctx, tx, reports.TopicResolved, ev)
		return err
	})
	if errors.Is(err, reports.ErrNotOpen) {
		return nil, reports.ErrNotOpen
	}
	if err != nil {
		return nil, fmt.Errorf("resolve reports: %w", err)
	}
	return ev, nil
}
