package users

import "context"

// UsersByIDs loads accounts for other modules (activities shows organizers
// and participants, exports list them): unknown ids are left out. It checks
// no caller: the consuming module decides which fields anyone may see.
func (s *Service) UsersByIDs(ctx context.Context, ids []string) ([]User, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	return s.Store.UsersByIDs(ctx, ids)
}

// TagsByIDs loads interest tags of the catalog by id (unknown ids are left
// out), for modules that show tag names.
func (s *Service) TagsByIDs(ctx context.Context, ids []string) ([]Tag, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	return s.Store.TagsByIDs(ctx, ids)
}
