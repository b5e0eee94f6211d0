package clubs

import (
	"context"
	"time"

	"github.com/zuju/zuju/internal/platform/auth"
)

// MyClub is one of the caller's clubs with their role in it.
type MyClub struct {
	View
	JoinedAt time.Time
}

// MyClubs lists the clubs the caller belongs to, in any role, most
// recently joined first (dissolved clubs are left out; a pending or
// rejected club its owner founded is in, with its status). It returns the
// next cursor ("" at the end).
func (s *Service) MyClubs(ctx context.Context, cursor string, limit int) ([]MyClub, string, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, "", err
	}
	if limit <= 0 || limit > MaxPage {
		limit = 20
	}
	var after *Cursor
	if cursor != "" {
		if after, err = decodeCursor(cursor); err != nil {
			return nil, "", err
		}
	}
	list, err := s.store.UserClubs(ctx, p.UserID, after, limit+1)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(list) > limit {
		list = list[:limit]
		last := list[limit-1]
		next = encodeCursor(Cursor{Key: last.Member.JoinedAt.UnixNano(), ID: last.Club.ID})
	}
	cs := make([]Club, len(list))
	for i := range list {
		cs[i] = list[i].Club
	}
	views, err := s.views(ctx, p.UserID, cs)
	if err != nil {
		return nil, "", err
	}
	out := make([]MyClub, len(list))
	for i := range list {
		out[i] = MyClub{View: views[i], JoinedAt: list[i].Member.JoinedAt}
		// A membership that ended between the two reads keeps the role
		// it had on the page.
		if out[i].MyRole == "" {
			out[i].MyRole = list[i].Member.Role
		}
	}
	return out, next, nil
}
