package clubs

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/zuju/zuju/internal/platform/errs"
	"github.com/zuju/zuju/internal/platform/textfilter"
)

// Bans: officers (and the owner, and staff) remove a member for good or
// for a while. A banned user cannot apply, cannot be let in by an
// approval, and loses the members-only posts and activities at once (they
// are no longer a member).

// MaxBanDays bounds a temporary ban.
const MaxBanDays = 3650

// ErrBanDays refuses a ban duration out of range.
var ErrBanDays = errs.Invalid("club.invalid_ban_duration", "封禁天数需为 1–3650 天（不填为永久）")

// ErrBanSelf refuses banning oneself.
var ErrBanSelf = errs.Invalid("club.ban_self", "不能封禁自己")

// BanView is a ban with the banned person's profile.
type BanView struct {
	Ban
	Person Person
}

// BanMember bans a user from the club for days (0: for good) with an
// optional reason, taking them out of it. Officers ban members, the owner
// (and staff) officers too; nobody bans the owner. The user must be a
// member or a known account.
func (s *Service) BanMember(ctx context.Context, clubID, userID, reason string, days int) (*BanView, error) {
	_, p, mine, err := s.officer(ctx, clubID)
	if err != nil {
		return nil, err
	}
	if days < 0 || days > MaxBanDays {
		return nil, ErrBanDays
	}
	reason = strings.TrimSpace(reason)
	if utf8.RuneCountInString(reason) > MaxReasonRunes {
		return nil, ErrReasonRequired.WithDetail("原因最多 200 字")
	}
	if reason != "" {
		res := s.filter.Check(reason)
		if res.Action >= textfilter.Review {
			return nil, ErrBlocked
		}
		reason = res.Text
	}
	if userID == p.UserID {
		return nil, ErrBanSelf
	}
	target, err := s.store.Member(ctx, clubID, userID)
	if err != nil {
		return nil, err
	}
	switch {
	case target != nil && target.Role == RoleOwner:
		return nil, ErrNotOwner.WithDetail("不能封禁社长")
	case target != nil && target.Role.Rank() >= mine.Rank():
		return nil, ErrNotOwner.WithDetail("只有社长可以封禁负责人")
	}
	people, err := s.people.People(ctx, []string{userID})
	if err != nil {
		return nil, err
	}
	who, known := people[userID]
	if target == nil && !known {
		return nil, ErrNotMember
	}
	now := s.now().UTC()
	b := &Ban{ClubID: clubID, UserID: userID, Reason: reason, By: p.UserID, CreatedAt: now}
	if days > 0 {
		until := now.Add(time.Duration(days) * 24 * time.Hour)
		b.Until = &until
	}
	if _, err := s.store.Ban(ctx, b); err != nil {
		return nil, err
	}
	if !known {
		who = person(people, userID)
	}
	return &BanView{Ban: *b, Person: who}, nil
}

// Bans lists the club's bans in force, newest first (officers).
func (s *Service) Bans(ctx context.Context, clubID string) ([]BanView, error) {
	if _, _, _, err := s.officer(ctx, clubID); err != nil {
		return nil, err
	}
	list, err := s.store.Bans(ctx, clubID, s.now(), MaxRoster)
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
	out := make([]BanView, len(list))
	for i, b := range list {
		out[i] = BanView{Ban: b, Person: person(people, b.UserID)}
	}
	return out, nil
}

// Unban lifts a ban (officers): the user may apply again.
func (s *Service) Unban(ctx context.Context, clubID, userID string) error {
	if _, _, _, err := s.officer(ctx, clubID); err != nil {
		return err
	}
	ok, err := s.store.Unban(ctx, clubID, userID, s.now())
	if err != nil {
		return err
	}
	if !ok {
		return ErrBanNotFound
	}
	return nil
}

// checkBan refuses a user banned from the club (ErrBanned, saying until when).
func (s *Service) checkBan(ctx context.Context, clubID, userID string) error {
	b, err := s.store.ActiveBan(ctx, clubID, userID, s.now())
	if err != nil || b == nil {
		return err
	}
	detail := "你已被该社团永久封禁，不能申请加入"
	if b.Until != nil {
		detail = "你已被该社团封禁至 " + b.Until.In(beijing).Format("2006年01月02日 15:04") + "，期间不能申请加入"
	}
	return ErrBanned.WithDetail(detail)
}

// IsMember reports whether the user is a member of the club, any role
// (other modules' checks: members see members-only content).
func (s *Service) IsMember(ctx context.Context, clubID, userID string) (bool, error) {
	if clubID == "" || userID == "" {
		return false, nil
	}
	m, err := s.store.Member(ctx, clubID, userID)
	return m != nil, err
}
