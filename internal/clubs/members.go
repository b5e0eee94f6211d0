package clubs

import (
	"context"
	"strings"
	"unicode/utf8"

	"github.com/zuju/zuju/internal/platform/auth"
	"github.com/zuju/zuju/internal/platform/textfilter"
)

// Apply asks to join an active club with a message and answers to its
// questions: no second application while one is pending, none during the
// cooldown after a rejection, none while banned from the club.
func (s *Service) Apply(ctx context.Context, clubID, message string, answers []string) (*Application, error) {
	c, p, role, err := s.role(ctx, clubID)
	if err != nil {
		return nil, err
	}
	switch {
	case c.Status != StatusActive:
		return nil, ErrNotActive
	case role != "" && !p.IsStaff(), p.IsStaff() && isMember(ctx, s, clubID, p.UserID):
		return nil, ErrAlreadyMember
	}
	if err := s.checkBan(ctx, clubID, p.UserID); err != nil {
		return nil, err
	}
	message = strings.TrimSpace(message)
	if utf8.RuneCountInString(message) > MaxMessageRunes {
		return nil, ErrInvalidText
	}
	if len(answers) != len(c.Questions) {
		return nil, ErrAnswers
	}
	for i, a := range answers {
		a = strings.TrimSpace(strings.ReplaceAll(a, "\n", " "))
		if a == "" || utf8.RuneCountInString(a) > MaxMessageRunes {
			return nil, ErrAnswers
		}
		answers[i] = a
	}
	for _, t := range append([]string{message}, answers...) {
		if s.filter.Check(t).Action >= textfilter.Review {
			return nil, ErrBlocked
		}
	}
	if at, err := s.store.LastRejection(ctx, clubID, p.UserID); err != nil {
		return nil, err
	} else if at != nil && s.now().Before(at.Add(s.set.ApplyCooldown)) {
		return nil, ErrCooldown.WithDetail("申请被拒后需等待至 " + at.Add(s.set.ApplyCooldown).In(beijing).Format("01月02日 15:04") + " 才能再次申请")
	}
	a := &Application{ID: s.newID(), ClubID: clubID, UserID: p.UserID, Message: message, Answers: answers, CreatedAt: s.now().UTC()}
	if err := s.store.Apply(ctx, a); err != nil {
		return nil, err
	}
	return a, nil
}

func isMember(ctx context.Context, s *Service, clubID, userID string) bool {
	m, err := s.store.Member(ctx, clubID, userID)
	return err == nil && m != nil
}

// officer loads a club for its officers, owner and staff.
func (s *Service) officer(ctx context.Context, clubID string) (*Club, auth.Principal, Role, error) {
	c, p, role, err := s.role(ctx, clubID)
	if err != nil {
		return nil, p, role, err
	}
	if role.Rank() < RoleOfficer.Rank() {
		return nil, p, role, ErrNotOfficer
	}
	return c, p, role, nil
}

// Applications lists a club's applications of a status (officers).
func (s *Service) Applications(ctx context.Context, clubID string, status ApplicationStatus) ([]Application, error) {
	if _, _, _, err := s.officer(ctx, clubID); err != nil {
		return nil, err
	}
	return s.store.Applications(ctx, clubID, status, 500)
}

// Decide approves or rejects an application to the club (officers; a
// rejection needs a reason). The application must belong to this club.
func (s *Service) Decide(ctx context.Context, clubID, appID string, approve bool, reason string) (*Application, error) {
	_, p, _, err := s.officer(ctx, clubID)
	if err != nil {
		return nil, err
	}
	reason = strings.TrimSpace(reason)
	if n := utf8.RuneCountInString(reason); (!approve && n == 0) || n > MaxReasonRunes {
		return nil, ErrReasonRequired
	}
	a, err := s.store.Application(ctx, appID)
	if err != nil {
		return nil, err
	}
	if a.ClubID != clubID {
		return nil, ErrApplicationNotFound
	}
	changed, err := s.store.Decide(ctx, appID, approve, reason, p.UserID, s.now())
	if err != nil {
		return nil, err
	}
	if !changed {
		return nil, ErrApplicationNotFound.WithDetail("该申请已处理")
	}
	return s.store.Application(ctx, appID)
}

// MemberView is a member with their profile.
type MemberView struct {
	Member
	Person Person
}

// Members lists a club's roster (its members and staff).
func (s *Service) Members(ctx context.Context, clubID string) ([]MemberView, error) {
	_, _, role, err := s.role(ctx, clubID)
	if err != nil {
		return nil, err
	}
	if role == "" {
		return nil, ErrNotOfficer.WithDetail("加入社团后才能查看成员")
	}
	list, err := s.store.Members(ctx, clubID, MaxRoster)
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(list))
	for i := range list {
		ids[i] = list[i].UserID
	}
	people, err := s.people.People(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]MemberView, len(list))
	for i, m := range list {
		out[i] = MemberView{Member: m, Person: person(people, m.UserID)}
	}
	return out, nil
}

// SetRole changes a member's role: the owner makes officers and members;
// role owner hands the club over to that member.
func (s *Service) SetRole(ctx context.Context, clubID, userID string, role Role) (*Member, error) {
	_, p, mine, err := s.role(ctx, clubID)
	if err != nil {
		return nil, err
	}
	if mine != RoleOwner {
		return nil, ErrNotOwner
	}
	target, err := s.store.Member(ctx, clubID, userID)
	if err != nil {
		return nil, err
	}
	if target == nil {
		return nil, ErrNotMember
	}
	switch role {
	case RoleOwner:
		c, err := s.store.Club(ctx, clubID)
		if err != nil {
			return nil, err
		}
		if c.OwnerID != p.UserID && !p.IsStaff() {
			return nil, ErrNotOwner
		}
		if err := s.store.Handover(ctx, clubID, c.OwnerID, userID, s.now()); err != nil {
			return nil, err
		}
	case RoleOfficer, RoleMember:
		if target.Role == RoleOwner {
			return nil, ErrNotOwner.WithDetail("社长的角色只能通过转让改变")
		}
		if _, err := s.store.SetRole(ctx, clubID, userID, role); err != nil {
			return nil, err
		}
	default:
		return nil, ErrBadRole
	}
	return s.store.Member(ctx, clubID, userID)
}

// Remove takes a member out: officers remove members, the owner (and
// staff) officers too; nobody removes the owner.
func (s *Service) Remove(ctx context.Context, clubID, userID string) error {
	_, _, mine, err := s.officer(ctx, clubID)
	if err != nil {
		return err
	}
	target, err := s.store.Member(ctx, clubID, userID)
	if err != nil {
		return err
	}
	switch {
	case target == nil:
		return ErrNotMember
	case target.Role == RoleOwner:
		return ErrNotOwner.WithDetail("不能移除社长")
	case target.Role.Rank() >= mine.Rank():
		return ErrNotOwner.WithDetail("只有社长可以移除负责人")
	}
	_, err = s.store.RemoveMember(ctx, clubID, userID, true, s.now())
	return err
}

// Leave takes the caller out of a club (the owner hands it over first).
func (s *Service) Leave(ctx context.Context, clubID string) error {
	p, err := auth.Require(ctx)
	if err != nil {
		return err
	}
	m, err := s.store.Member(ctx, clubID, p.UserID)
	if err != nil {
		return err
	}
	switch {
	case m == nil:
		return ErrNotMember
	case m.Role == RoleOwner:
		return ErrOwnerLeaves
	}
	_, err = s.store.RemoveMember(ctx, clubID, p.UserID, false, s.now())
	return err
}

// Favorite marks (on) or unmarks a club as the caller's favorite.
func (s *Service) Favorite(ctx context.Context, clubID string, on bool) error {
	c, p, err := s.visible(ctx, clubID)
	if err != nil {
		return err
	}
	if p.UserID == "" {
		_, err := auth.Require(ctx)
		return err
	}
	if on && c.Status != StatusActive {
		return ErrNotActive
	}
	_, err = s.store.SetFavorite(ctx, clubID, p.UserID, on, s.now())
	return err
}
