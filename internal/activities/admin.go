package activities

import (
	"context"
	"strings"

	"github.com/zuju/zuju/internal/platform/auth"
)

// AdminFilter selects activities for the admin console's table.
type AdminFilter struct {
	// Query matches a title by substring or an activity id exactly.
	Query string
	// Status limits the table to one status (empty: all of them).
	Status         Status
	Page, PageSize int
}

// AdminList returns one page of activities of every status, newest first,
// and how many match (staff only).
func (s *Service) AdminList(ctx context.Context, f AdminFilter) ([]View, int64, error) {
	if _, err := auth.RequireRole(ctx, auth.StaffRoles()...); err != nil {
		return nil, 0, err
	}
	f.Query = strings.TrimSpace(f.Query)
	if f.Page < 1 {
		f.Page = 1
	}
	if f.PageSize < 1 || f.PageSize > 100 {
		f.PageSize = 20
	}
	list, total, err := s.store.AdminList(ctx, f)
	if err != nil {
		return nil, 0, err
	}
	acts := make([]*Activity, len(list))
	for i := range list {
		acts[i] = &list[i]
	}
	r, err := s.refsOf(ctx, acts)
	if err != nil {
		return nil, 0, err
	}
	views, err := s.views(ctx, acts, r) // staff: everything, organizers and tags named
	return views, total, err
}
