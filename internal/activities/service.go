package activities

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/zuju/zuju/internal/platform/auth"
)

// Service implements the activity use cases.
type Service struct {
	store Store
	// signupsOpen, when set, says whether new sign-ups are taken (the
	// platform's switch).
	signupsOpen func() bool
	now         func() time.Time
	members     Members
	clubs       Clubs
	interests   Interests
	lists       *listCache
	timers      Timers
	details     details
	checkIn     CheckInSettings
	payments    Payments
	policy      SignupPolicy
	filter      TextFilter
}

// NewService returns the activities service.
func NewService(store Store, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{store: store, now: now, checkIn: DefaultCheckInSettings(), policy: DefaultSignupPolicy()}
}

func (s *Service) clock() time.Time { return s.now().UTC() }

func cleanText(v string, min, max int, multiline bool) (string, bool) {
	v = strings.TrimSpace(strings.ReplaceAll(v, "\r\n", "\n"))
	n := utf8.RuneCountInString(v)
	if !utf8.ValidString(v) || n < min || n > max {
		return v, false
	}
	for _, r := range v {
		if unicode.IsControl(r) && !(multiline && r == '\n') {
			return v, false
		}
	}
	return v, true
}

// apply copies the set fields of d onto a, cleaning texts.
func apply(a *Activity, d Draft) error {
	text := func(dst *string, src *string, min, max int, multiline bool, what string) error {
		if src == nil {
			return nil
		}
		v, ok := cleanText(*src, min, max, multiline)
		if !ok {
			return ErrInvalid.WithDetail(fmt.Sprintf("%s需为 %d–%d 个字符", what, min, max))
		}
		*dst = v
		return nil
	}
	if err := text(&a.Title, d.Title, 1, 60, false, "标题"); err != nil {
		return err
	}
	if err := text(&a.City, d.City, 1, 30, false, "城市"); err != nil {
		return err
	}
	if err := text(&a.Address, d.Address, 0, 200, false, "地址"); err != nil {
		return err
	}
	if err := text(&a.Description, d.Description, 0, 5000, true, "活动介绍"); err != nil {
		return err
	}
	if d.CoverURL != nil {
		u := strings.TrimSpace(*d.CoverURL)
		if u != "" && !strings.HasPrefix(u, "https://") && !strings.HasPrefix(u, "/files/") {
			return ErrInvalid.WithDetail("封面必须是本站上传的图片或 https 地址")
		}
		a.CoverURL = u
	}
	set := func(dst *time.Time, src *time.Time) {
		if src != nil {
			*dst = src.UTC().Truncate(time.Second)
		}
	}
	set(&a.StartAt, d.StartAt)
	set(&a.EndAt, d.EndAt)
	set(&a.SignupDeadline, d.SignupDeadline)
	if d.TypeID != nil {
		a.TypeID = *d.TypeID
	}
	if d.TagIDs != nil {
		seen := map[string]bool{}
		for _, id := range *d.TagIDs {
			if seen[id] {
				return ErrInvalid.WithDetail("标签不能重复")
			}
			seen[id] = true
		}
		a.TagIDs = append([]string(nil), *d.TagIDs...)
	}
	if d.Lat != nil {
		a.Lat = *d.Lat
	}
	if d.Lng != nil {
		a.Lng = *d.Lng
	}
	if d.MinParticipants != nil {
		a.MinParticipants = *d.MinParticipants
	}
	if d.MaxParticipants != nil {
		a.MaxParticipants = *d.MaxParticipants
	}
	if d.PriceFen != nil {
		a.PriceFen = *d.PriceFen
	}
	if d.MemberOnly != nil {
		a.MemberOnly = *d.MemberOnly
	}
	if d.ClubID != nil {
		a.ClubID = strings.TrimSpace(*d.ClubID) // checked by checkRefs
	}
	if d.Visibility != nil {
		a.Visibility = *d.Visibility // checked by validate
	}
	if a.Visibility == "" {
		a.Visibility = VisibilityPublic
	}
	return nil
}

// organizesFor reports whether the caller creates the activity for a club
// they are an officer of (officers need no organizer role for that).
func (s *Service) organizesFor(ctx context.Context, d Draft, p auth.Principal) bool {
	if d.ClubID == nil || strings.TrimSpace(*d.ClubID) == "" || s.clubs == nil {
		return false
	}
	ok, err := s.clubs.CanOrganize(ctx, strings.TrimSpace(*d.ClubID), p.UserID)
	return err == nil && ok
}

// checkClub lets an activity belong to a club only when the caller is an
// officer of that active club (or staff).
func (s *Service) checkClub(ctx context.Context, clubID string) error {
	if s.clubs == nil {
		return ErrUnknownClub
	}
	p, _ := auth.From(ctx)
	ok, err := s.clubs.CanOrganize(ctx, clubID, p.UserID)
	if err != nil {
		return err
	}
	switch {
	case ok:
	case !s.clubs.Exists(ctx, clubID):
		return ErrUnknownClub
	case !p.IsStaff():
		return ErrNotClubOfficer
	}
	return nil
}

func (s *Service) checkType(ctx context.Context, id string) error {
	ok, err := s.store.TypeExists(ctx, id)
	if err != nil {
		return err
	}
	if !ok {
		return ErrUnknownType
	}
	return nil
}

// checkRefs checks the catalog entries d sets on a: the type must exist,
// and every tag must be one of the tag catalog's (tags cannot be verified
// without a catalog, so then none is accepted).
func (s *Service) checkRefs(ctx context.Context, a *Activity, d Draft) error {
	if d.TypeID != nil {
		if err := s.checkType(ctx, a.TypeID); err != nil {
			return err
		}
	}
	if d.ClubID != nil && a.ClubID != "" {
		if err := s.checkClub(ctx, a.ClubID); err != nil {
			return err
		}
	}
	if d.TagIDs == nil || len(a.TagIDs) == 0 {
		return nil
	}
	if s.details.tags == nil {
		return ErrUnknownTag
	}
	names, err := s.details.tags.TagNames(ctx, a.TagIDs)
	if err != nil {
		return fmt.Errorf("look up tags: %w", err)
	}
	for _, id := range a.TagIDs {
		if _, ok := names[id]; !ok {
			return ErrUnknownTag
		}
	}
	return nil
}

// Create makes a draft activity organized by the caller (organizers and admins).
func (s *Service) Create(ctx context.Context, d Draft) (*Activity, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	if !p.Has(auth.RoleOrganizer, auth.RoleAdmin, auth.RoleSuperAdmin) && !s.organizesFor(ctx, d, p) {
		return nil, ErrCannotCreate
	}
	now := s.clock()
	a := &Activity{ID: uuid.Must(uuid.NewV7()).String(), Status: StatusDraft, OrganizerID: p.UserID,
		CreatedAt: now, UpdatedAt: now}
	if err := apply(a, d); err != nil {
		return nil, err
	}
	if err := a.validate(now); err != nil {
		return nil, err
	}
	if err := s.filterTexts(a, d); err != nil {
		return nil, err
	}
	if err := s.checkRefs(ctx, a, d); err != nil {
		return nil, err
	}
	if err := s.store.Create(ctx, a); err != nil {
		return nil, err
	}
	return a, nil
}

// manage loads an activity the caller may manage: its organizer, or an admin.
func (s *Service) manage(ctx context.Context, id string) (*Activity, auth.Principal, error) {
	return s.loadFor(ctx, id, auth.Principal.IsAdmin)
}

// loadFor loads an activity for its organizer, or for a caller whose roles
// pass staff; anyone else gets ErrNotOrganizer.
func (s *Service) loadFor(ctx context.Context, id string, staff func(auth.Principal) bool) (*Activity, auth.Principal, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, p, err
	}
	a, err := s.store.Get(ctx, id)
	if err != nil {
		return nil, p, err
	}
	if a.OrganizerID != p.UserID && !staff(p) {
		return nil, p, ErrNotOrganizer
	}
	return a, p, nil
}

// Update edits a draft or published activity (a staff member editing
// someone else's is audited). Once anybody signed up the
// price and the member restriction are fixed (ErrLockedAfterSignup) and the
// capacity cannot go below the seats taken; seats a raised capacity adds
// are offered to the waitlist first; lowering the minimum of a published
// activity to its seated sign-ups forms it at once.
func (s *Service) Update(ctx context.Context, id string, d Draft) (*Activity, error) {
	a, p, err := s.manage(ctx, id)
	if err != nil {
		return nil, err
	}
	if !a.Status.Editable() {
		return nil, ErrNotEditable
	}
	if err := apply(a, d); err != nil {
		return nil, err
	}
	if a.Status == StatusPublished && a.MaxParticipants < a.ParticipantCount {
		return nil, ErrInvalid.WithDetail("人数上限不能少于已报名人数")
	}
	if err := a.validate(s.clock()); err != nil {
		return nil, err
	}
	if err := s.filterTexts(a, d); err != nil {
		return nil, err
	}
	if err := s.checkRefs(ctx, a, d); err != nil {
		return nil, err
	}
	a.UpdatedAt = s.clock()
	if err := s.store.Update(ctx, a, staffAudit(a, p, "activity.update")); err != nil {
		return nil, err
	}
	if a.Status == StatusPublished || a.Status == StatusFormed {
		s.wakeFor(ctx, a)
		s.wake(ctx, a.UpdatedAt.Add(OfferWindow)) // seats a raised capacity offered expire then
	}
	return a, nil
}

// staffAudit is the audit of a change to a: none when the caller organizes
// it, action on the activity when a staff member changes someone else's.
func staffAudit(a *Activity, p auth.Principal, action string) Audit {
	if a.OrganizerID == p.UserID {
		return Audit{}
	}
	return Audit{Action: action, TargetType: "activity", TargetID: a.ID}
}

// Publish opens a draft for sign-up (a staff member publishing someone
// else's activity is audited).
func (s *Service) Publish(ctx context.Context, id string) (*Activity, error) {
	a, p, err := s.manage(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := Transition(a.Status, StatusPublished); err != nil {
		return nil, err
	}
	if !a.SignupDeadline.After(s.clock()) {
		return nil, ErrPublishPast
	}
	out, err := s.store.SetStatus(ctx, id, a.Status, StatusPublished, s.clock(), "", staffAudit(a, p, "activity.publish"))
	if err != nil {
		return nil, err
	}
	s.wakeFor(ctx, out)
	return out, nil
}

// Cancel cancels an activity (its organizer or an admin); a staff member
// cancelling someone else's activity is audited. In the same transaction
// every paid seat is refunded in full (activities.refund_requested), every
// seat held for payment is released (activities.hold_released) and the
// waitlist and its open offers are cancelled.
func (s *Service) Cancel(ctx context.Context, id, reason string) (*Activity, error) {
	a, p, err := s.manage(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := Transition(a.Status, StatusCancelled); err != nil {
		return nil, err
	}
	reason, ok := cleanText(reason, 0, 200, false)
	if !ok {
		return nil, ErrInvalid.WithDetail("取消原因不能超过 200 字")
	}
	au := staffAudit(a, p, "activity.cancel")
	au.Note = reason
	return s.store.SetStatus(ctx, id, a.Status, StatusCancelled, s.clock(), reason, au)
}

// View is an activity as one caller may see it.
type View struct {
	*Activity
	// Locked names the fields hidden from this caller (their values are zeroed).
	Locked []string
	// Organizer is the organizer's public face (ID always set).
	Organizer Person
	// Contact is the organizer's phone, when the caller may see it and
	// the organizer has one.
	Contact string
	// Tags are the activity's interest tags with their names.
	Tags []Tag
	// Participants are the confirmed (and checked-in) participants; nil
	// when locked or not loaded (lists).
	Participants []Person
	// ChatRoomID is the participants' chat room, once the activity formed.
	ChatRoomID string
}

// Get returns an activity with the fields the caller may not see yet
// hidden (see accessTo). Private activities (drafts, and drafts cancelled
// without ever being published) are visible to their organizer and staff
// only, members-only club activities to them and the club's members:
// ErrNotFound for everyone else.
func (s *Service) Get(ctx context.Context, id string) (View, error) {
	a, err := s.loadVisible(ctx, id)
	if err != nil {
		return View{}, err
	}
	p, signedIn := auth.From(ctx)
	if a.Private() && !(signedIn && (a.OrganizerID == p.UserID || p.IsStaff())) {
		return View{}, ErrNotFound
	}
	return s.Show(ctx, a)
}

// view shows a to a caller with the given access, naming people and tags
// from r. Lists call it too, so it reads nothing itself.
func (s *Service) view(a *Activity, acc access, r refs) View {
	locked := acc.locked(a)
	c := *a
	for _, f := range locked {
		switch f {
		case FieldDescription:
			c.Description = ""
		case FieldAddress:
			c.Address, c.Lat, c.Lng = "", 0, 0
		}
	}
	v := View{Activity: &c, Locked: locked, Organizer: r.person(a.OrganizerID), Tags: r.tagsOf(a.TagIDs)}
	if acc == accessFull {
		v.Contact = v.Organizer.Phone
	}
	v.Organizer.Phone = ""
	if a.Status == StatusFormed || a.Status == StatusFinished {
		v.ChatRoomID = ChatRoomID(a.ID)
	}
	return v
}

// Types lists the activity type catalog.
func (s *Service) Types(ctx context.Context) ([]Type, error) { return s.store.Types(ctx) }

func (s *Service) admin(ctx context.Context) error {
	_, err := auth.RequireRole(ctx, auth.RoleAdmin, auth.RoleSuperAdmin)
	return err
}

// CreateType adds an activity type (admins).
func (s *Service) CreateType(ctx context.Context, name string, sort int) (*Type, error) {
	if err := s.admin(ctx); err != nil {
		return nil, err
	}
	name, ok := cleanText(name, 1, 20, false)
	if !ok {
		return nil, ErrInvalid.WithDetail("类型名需为 1–20 个字符")
	}
	t := &Type{ID: uuid.Must(uuid.NewV7()).String(), Name: name, Sort: sort, CreatedAt: s.clock()}
	if err := s.store.CreateType(ctx, t, Audit{Action: "activity_type.create", TargetType: "activity_type", TargetID: t.ID}); err != nil {
		return nil, err
	}
	return t, nil
}

// UpdateType renames or reorders an activity type (admins).
func (s *Service) UpdateType(ctx context.Context, id string, name *string, sort *int) (*Type, error) {
	if err := s.admin(ctx); err != nil {
		return nil, err
	}
	if name != nil {
		v, ok := cleanText(*name, 1, 20, false)
		if !ok {
			return nil, ErrInvalid.WithDetail("类型名需为 1–20 个字符")
		}
		name = &v
	}
	return s.store.UpdateType(ctx, id, name, sort, Audit{Action: "activity_type.update", TargetType: "activity_type", TargetID: id})
}

// DeleteType removes an unused activity type (admins).
func (s *Service) DeleteType(ctx context.Context, id string) error {
	if err := s.admin(ctx); err != nil {
		return err
	}
	return s.store.DeleteType(ctx, id, Audit{Action: "activity_type.delete", TargetType: "activity_type", TargetID: id})
}
