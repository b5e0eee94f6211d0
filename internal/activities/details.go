package activities

import (
	"context"
	"fmt"
	"slices"

	"github.com/zuju/zuju/internal/platform/auth"
)

// MaxListedParticipants bounds the participant list of the details view.
const MaxListedParticipants = 200

// Tag is an interest tag of an activity, with its name.
type Tag struct {
	ID, Name string
}

// details are the lookups of the details view (nil ones: names unknown).
type details struct {
	people People
	tags   TagCatalog
	covers covers
}

// SetPeople connects the account lookup (organizers and participants).
func (s *Service) SetPeople(p People) { s.details.people = p }

// SetTagCatalog connects the interest tag names.
func (s *Service) SetTagCatalog(c TagCatalog) { s.details.tags = c }

// access is how much of an activity one caller may see.
type access int

const (
	// accessPublic sees the summary; of a member-only activity not even
	// the description.
	accessPublic access = iota
	// accessMember also sees a member-only activity's description.
	accessMember
	// accessFull sees everything: confirmed participants, the organizer
	// and staff.
	accessFull
)

// participantFields are the details for participants, the organizer and staff.
var participantFields = []string{FieldAddress, FieldLat, FieldLng, FieldOrganizer, FieldParticipants, FieldChatRoom}

// locked names the fields of a hidden at this access.
func (acc access) locked(a *Activity) []string {
	switch {
	case acc == accessFull:
		return nil
	case acc == accessPublic && a.MemberOnly:
		return append([]string{FieldDescription}, participantFields...)
	default:
		return slices.Clone(participantFields)
	}
}

// seated reports whether a sign-up holds a confirmed place (waitlisted,
// offered and pending-payment ones do not).
func seated(st SignupStatus) bool { return st == SignupConfirmed || st == SignupCheckedIn }

// accessTo works out what the caller may see of a: the organizer and
// staff everything, a confirmed participant too; a member the
// description of a member-only activity.
func (s *Service) accessTo(ctx context.Context, a *Activity) (access, error) {
	p, signedIn := auth.From(ctx)
	if !signedIn {
		return accessPublic, nil
	}
	if a.OrganizerID == p.UserID || p.IsStaff() {
		return accessFull, nil
	}
	sg, err := s.store.ActiveSignup(ctx, a.ID, p.UserID)
	if err != nil {
		return accessPublic, err
	}
	if sg != nil && seated(sg.Status) {
		return accessFull, nil
	}
	if a.MemberOnly {
		ok, err := s.isMember(ctx, p.UserID)
		if err != nil || !ok {
			return accessPublic, err
		}
		return accessMember, nil
	}
	return accessPublic, nil
}

func (s *Service) isMember(ctx context.Context, userID string) (bool, error) {
	if s.members == nil {
		return false, nil
	}
	ok, err := s.members.IsMember(ctx, userID)
	if err != nil {
		return false, fmt.Errorf("check membership: %w", err)
	}
	return ok, nil
}

// Show returns the details view of a loaded activity for the caller: what
// Get answers, and what the organizer gets back after a change.
func (s *Service) Show(ctx context.Context, a *Activity) (View, error) {
	acc, err := s.accessTo(ctx, a)
	if err != nil {
		return View{}, err
	}
	ids := []string{a.OrganizerID}
	var seatedIDs []string
	if acc == accessFull {
		if seatedIDs, err = s.store.Seated(ctx, a.ID, MaxListedParticipants); err != nil {
			return View{}, err
		}
		ids = append(ids, seatedIDs...)
	}
	r, err := s.lookup(ctx, ids, a.TagIDs)
	if err != nil {
		return View{}, err
	}
	v := s.view(a, acc, r)
	if acc == accessFull {
		v.Participants = make([]Person, len(seatedIDs))
		for i, id := range seatedIDs {
			v.Participants[i] = r.person(id)
			v.Participants[i].Phone = ""
		}
	}
	return v, nil
}

// refsOf reads the people and tag names the views of list show, in one
// batch each.
func (s *Service) refsOf(ctx context.Context, list []*Activity) (refs, error) {
	var ids, tags []string
	for _, a := range list {
		ids = append(ids, a.OrganizerID)
		tags = append(tags, a.TagIDs...)
	}
	return s.lookup(ctx, ids, tags)
}

// views shows a page of activities to the caller with the people and tag
// names of r, without a query per row: one membership check when the page
// has a member-only activity. The caller's own sign-ups are not consulted,
// so participant-only fields appear in lists to the organizer and staff
// only, and participants are never loaded (the details view has them).
func (s *Service) views(ctx context.Context, list []*Activity, r refs) ([]View, error) {
	p, signedIn := auth.From(ctx)
	member := false
	if signedIn && !p.IsStaff() && slices.ContainsFunc(list, func(a *Activity) bool { return a.MemberOnly }) {
		var err error
		if member, err = s.isMember(ctx, p.UserID); err != nil {
			return nil, err
		}
	}
	out := make([]View, len(list))
	for i, a := range list {
		acc := accessPublic
		switch {
		case signedIn && (a.OrganizerID == p.UserID || p.IsStaff()):
			acc = accessFull
		case member:
			acc = accessMember
		}
		out[i] = s.view(a, acc, r)
	}
	return out, nil
}

// refs are the people and tag names a view shows.
type refs struct {
	people map[string]Person
	tags   map[string]string
	// named: the tag catalog answered, so unknown (deleted) tags are left out.
	named bool
}

// lookup reads the people and tag names in one batch each.
func (s *Service) lookup(ctx context.Context, userIDs, tagIDs []string) (refs, error) {
	var r refs
	var err error
	if s.details.people != nil && len(userIDs) > 0 {
		if r.people, err = s.details.people.People(ctx, compact(userIDs)); err != nil {
			return r, fmt.Errorf("look up people: %w", err)
		}
	}
	if s.details.tags != nil {
		r.named = true
		if len(tagIDs) > 0 {
			if r.tags, err = s.details.tags.TagNames(ctx, compact(tagIDs)); err != nil {
				return r, fmt.Errorf("look up tags: %w", err)
			}
		}
	}
	return r, nil
}

func compact(ids []string) []string {
	out := slices.Clone(ids)
	slices.Sort(out)
	return slices.Compact(out)
}

// person is the account with this id (only the id when unknown).
func (r refs) person(id string) Person {
	if p, ok := r.people[id]; ok {
		p.ID = id
		return p
	}
	return Person{ID: id}
}

// tagsOf names an activity's tags in their order, leaving out tags the
// catalog no longer has.
func (r refs) tagsOf(ids []string) []Tag {
	out := make([]Tag, 0, len(ids))
	for _, id := range ids {
		name, ok := r.tags[id]
		if r.named && !ok {
			continue
		}
		out = append(out, Tag{ID: id, Name: name})
	}
	return out
}
