package users

import "context"

// Contact is what other modules show of an account: the display name and
// avatar, and the phone for the places that show a contact (an
// organizer's, to the participants).
type Contact struct {
	ID, Nickname, AvatarURL string
	// Phone is "" when the account has none.
	Phone string
}

// Contacts loads accounts for other modules (activities shows organizers
// and participants, exports list them): unknown ids are left out. It checks
// no caller: the consuming module decides which fields anyone may see.
func (s *Service) Contacts(ctx context.Context, ids []string) ([]Contact, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	return s.Store.Contacts(ctx, ids)
}

// TagsByIDs loads interest tags of the catalog by id (unknown ids are left
// out), for modules that show tag names.
func (s *Service) TagsByIDs(ctx context.Context, ids []string) ([]Tag, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	return s.Store.TagsByIDs(ctx, ids)
}

// AccountIDs pages through the accounts that are not banned, in id order
// after the id after ("" from the start), at most limit (1–1000): the
// audience of an announcement to everyone (staffOnly: to the staff). It
// checks no caller.
func (s *Service) AccountIDs(ctx context.Context, after string, staffOnly bool, limit int) ([]string, error) {
	return s.Store.AccountIDs(ctx, after, staffOnly, s.now(), min(max(limit, 1), 1000))
}
