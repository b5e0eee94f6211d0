package activities

import (
	"context"
	"slices"

	"github.com/zuju/zuju/internal/platform/auth"
	"github.com/zuju/zuju/internal/platform/errs"
)

// ListItem is one activity of a discovery page as the caller may see it.
type ListItem struct {
	View
	// DistanceKm is the distance from the filter's location (nil without
	// one), coarse for callers who may not see the places (Filter.Exact).
	DistanceKm *float64
}

// SetInterests connects the users' interest tags (sort recommended).
func (s *Service) SetInterests(i Interests) { s.interests = i }

// List returns one page of activities and the cursor of the next page.
// Everyone sees published, formed and finished activities; drafts and
// cancelled ones only appear in an organizer's own list (mine), and
// members-only club activities there and in their club's list (club_id)
// for its members and staff. Public
// pages (every sort but recommended) come from the list cache when one is
// connected; the fields the caller may not see are hidden afterwards.
func (s *Service) List(ctx context.Context, f Filter, cursor string, mine bool) ([]ListItem, string, error) {
	if err := s.checkFilter(&f, cursor); err != nil {
		return nil, "", err
	}
	p, signedIn := auth.From(ctx)
	f.MembersOnlyToo = false
	if mine {
		if !signedIn {
			return nil, "", errs.ErrUnauthenticated
		}
		f.OrganizerID = p.UserID
		f.MembersOnlyToo = true
	} else {
		// A club's list shows its members-only activities to its members.
		see, err := s.seesClub(ctx, f.ClubID)
		if err != nil {
			return nil, "", err
		}
		f.MembersOnlyToo = see
		public := []Status{StatusPublished, StatusFormed, StatusFinished}
		if len(f.Statuses) == 0 {
			f.Statuses = public
		}
		for _, st := range f.Statuses {
			if !slices.Contains(public, st) {
				return nil, "", ErrInvalid.WithDetail("只能按报名中、已成局或已结束筛选")
			}
		}
	}
	// Exact distances for those who see every place on the list: staff,
	// and an organizer in their own list.
	f.Exact = mine || (signedIn && p.IsStaff())
	f.Interests = nil
	if f.Sort == SortRecommended && signedIn && s.interests != nil {
		tags, err := s.interests.TagIDs(ctx, p.UserID)
		if err != nil {
			return nil, "", err
		}
		f.Interests = compact(tags)
	}
	limit := f.Limit
	f.Limit++ // one more tells whether a next page exists
	var page listPage
	var err error
	if s.lists != nil && !mine && f.Sort != SortRecommended && !f.MembersOnlyToo {
		page, err = s.lists.page(ctx, f, s.loadPage)
	} else {
		page, err = s.loadPage(ctx, f)
	}
	if err != nil {
		return nil, "", err
	}
	hits := page.Hits
	next := ""
	if len(hits) > limit {
		hits = hits[:limit]
		next = encodeCursor(cursorOf(f.Sort, hits[limit-1]))
	}
	views, err := s.views(ctx, activitiesOf(hits), page.refs())
	if err != nil {
		return nil, "", err
	}
	out := make([]ListItem, len(hits))
	for i := range hits {
		out[i] = ListItem{View: views[i], DistanceKm: hits[i].DistanceKm}
	}
	return out, next, nil
}

// loadPage reads a page from the store with the people and tag names its
// views show.
func (s *Service) loadPage(ctx context.Context, f Filter) (listPage, error) {
	hits, err := s.store.List(ctx, f)
	if err != nil {
		return listPage{}, err
	}
	r, err := s.refsOf(ctx, activitiesOf(hits))
	if err != nil {
		return listPage{}, err
	}
	return listPage{Hits: hits, People: r.people, Tags: r.tags, Named: r.named}, nil
}

// activitiesOf points at the activities of hits.
func activitiesOf(hits []Hit) []*Activity {
	out := make([]*Activity, len(hits))
	for i := range hits {
		out[i] = &hits[i].Activity
	}
	return out
}

// checkFilter validates and normalizes a list request.
func (s *Service) checkFilter(f *Filter, cursor string) error {
	sort, err := ParseSort(string(f.Sort))
	if err != nil {
		return err
	}
	f.Sort = sort
	q, ok := cleanText(f.Query, 0, MaxQueryRunes, false)
	if !ok {
		return ErrBadQuery
	}
	f.Query = q
	if !f.From.IsZero() && !f.To.IsZero() && !f.To.After(f.From) {
		return ErrInvalid.WithDetail("结束日期必须晚于开始日期")
	}
	if f.Near != nil {
		n := *f.Near
		if _, err := NewNear(&n.Lat, &n.Lng, &n.RadiusKm); err != nil {
			return err
		}
	}
	if f.Sort == SortDistance && f.Near == nil {
		return ErrNeedLocation
	}
	if f.Price != "" && f.Price != "free" && f.Price != "paid" {
		return ErrInvalid.WithDetail("价格筛选只能是 free 或 paid")
	}
	f.After = nil
	if cursor != "" {
		c, err := decodeCursor(f.Sort, cursor)
		if err != nil {
			return err
		}
		f.After = &c
	}
	if f.Limit <= 0 || f.Limit > MaxListLimit {
		f.Limit = DefaultListLimit
	}
	return nil
}
