package users

import (
	"context"
	"slices"
	"time"

	"github.com/zuju/zuju/internal/platform/auth"
)

func (s *Service) staff(ctx context.Context) (auth.Principal, error) {
	return auth.RequireRole(ctx, auth.StaffRoles()...)
}

// AdminList searches accounts (staff only).
func (s *Service) AdminList(ctx context.Context, f UserFilter) ([]User, int64, error) {
	if _, err := s.staff(ctx); err != nil {
		return nil, 0, err
	}
	if f.Role != "" && !auth.ValidRole(f.Role) {
		return nil, 0, ErrInvalidRole
	}
	return s.Store.ListUsers(ctx, f)
}

// AdminGet returns one account with its contact data (staff only); the read
// of personal data is audited.
func (s *Service) AdminGet(ctx context.Context, id string) (*User, error) {
	if _, err := s.staff(ctx); err != nil {
		return nil, err
	}
	u, err := s.Store.UserByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := s.Store.AuditRead(ctx, Audit{Action: "user.view_private", TargetType: "user", TargetID: id}); err != nil {
		return nil, err
	}
	return u, nil
}

// Ban bans an account until the given time (nil = for good) and ends all
// its sessions at once.
func (s *Service) Ban(ctx context.Context, id, reason string, until *time.Time) (*User, error) {
	p, err := s.staff(ctx)
	if err != nil {
		return nil, err
	}
	if p.UserID == id {
		return nil, ErrSelfAction
	}
	reason, ok := CleanText(reason, 1, 200, false)
	if !ok {
		return nil, ErrInvalidBanReason
	}
	now := s.now()
	if until != nil {
		u := until.UTC()
		if !u.After(now) {
			return nil, ErrInvalidBan
		}
		until = &u
	}
	target, err := s.Store.UserByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := s.outranks(p, target); err != nil {
		return nil, err
	}
	u, sessions, err := s.Store.Ban(ctx, id, reason, until, now, Audit{Action: "user.ban", TargetType: "user", TargetID: id, Note: reason, Topic: TopicBanned})
	if err != nil {
		return nil, err
	}
	s.dropSessionCache(ctx, sessions)
	return u, nil
}

// Unban lifts a ban.
func (s *Service) Unban(ctx context.Context, id, reason string) (*User, error) {
	p, err := s.staff(ctx)
	if err != nil {
		return nil, err
	}
	target, err := s.Store.UserByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := s.outranks(p, target); err != nil {
		return nil, err
	}
	reason, _ = CleanText(reason, 0, 200, false)
	u, sessions, err := s.Store.Unban(ctx, id, s.now(), Audit{Action: "user.unban", TargetType: "user", TargetID: id, Note: reason, Topic: TopicUnbanned})
	if err != nil {
		return nil, err
	}
	s.rolesToSessionCache(ctx, u, sessions)
	return u, nil
}

// outranks stops moderators from acting on staff and admins from acting on
// super admins.
func (s *Service) outranks(p auth.Principal, target *User) error {
	t := auth.Principal{Roles: target.Roles}
	switch {
	case p.Has(auth.RoleSuperAdmin):
		return nil
	case p.Has(auth.RoleAdmin):
		if t.Has(auth.RoleAdmin, auth.RoleSuperAdmin) {
			return ErrRoleEscalation
		}
	default:
		if t.IsStaff() {
			return ErrRoleEscalation
		}
	}
	return nil
}

// SetRoles replaces an account's roles (admins and above). Only a super
// admin may grant or take admin and super admin.
func (s *Service) SetRoles(ctx context.Context, id string, roles []string) (*User, error) {
	p, err := auth.RequireRole(ctx, auth.RoleAdmin, auth.RoleSuperAdmin)
	if err != nil {
		return nil, err
	}
	want := []auth.Role{auth.RoleUser}
	for _, r := range roles {
		if !auth.ValidRole(r) {
			return nil, ErrInvalidRole
		}
		if !slices.Contains(want, auth.Role(r)) {
			want = append(want, auth.Role(r))
		}
	}
	target, err := s.Store.UserByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if !p.Has(auth.RoleSuperAdmin) {
		high := auth.Principal{Roles: want}
		if high.Has(auth.RoleAdmin, auth.RoleSuperAdmin) || (auth.Principal{Roles: target.Roles}).Has(auth.RoleAdmin, auth.RoleSuperAdmin) {
			return nil, ErrRoleEscalation
		}
	}
	if p.UserID == id && !(auth.Principal{Roles: want}).Has(auth.RoleSuperAdmin) && p.Has(auth.RoleSuperAdmin) {
		return nil, ErrSelfAction.WithDetail("不能移除自己的超级管理员角色")
	}
	u, sessions, err := s.Store.SetRoles(ctx, id, want, s.now(), Audit{Action: "user.roles_set", TargetType: "user", TargetID: id, Topic: TopicRolesChanged})
	if err != nil {
		return nil, err
	}
	s.rolesToSessionCache(ctx, u, sessions)
	return u, nil
}

// CreateTag adds a tag to the catalog (admins).
func (s *Service) CreateTag(ctx context.Context, name, category string, sort int) (*Tag, error) {
	if _, err := auth.RequireRole(ctx, auth.RoleAdmin, auth.RoleSuperAdmin); err != nil {
		return nil, err
	}
	name, ok := CleanText(name, 1, 20, false)
	if !ok {
		return nil, ErrInvalidTag
	}
	category, ok = CleanText(category, 0, 20, false)
	if !ok {
		return nil, ErrInvalidTag
	}
	t := &Tag{ID: newID(), Name: name, Category: category, Sort: sort, CreatedAt: s.now()}
	if err := s.Store.CreateTag(ctx, t, Audit{Action: "tag.create", TargetType: "tag", TargetID: t.ID}); err != nil {
		return nil, err
	}
	return t, nil
}

// UpdateTag renames or recategorizes a tag (admins).
func (s *Service) UpdateTag(ctx context.Context, id string, name, category *string, sort *int) (*Tag, error) {
	if _, err := auth.RequireRole(ctx, auth.RoleAdmin, auth.RoleSuperAdmin); err != nil {
		return nil, err
	}
	if name != nil {
		v, ok := CleanText(*name, 1, 20, false)
		if !ok {
			return nil, ErrInvalidTag
		}
		name = &v
	}
	if category != nil {
		v, ok := CleanText(*category, 0, 20, false)
		if !ok {
			return nil, ErrInvalidTag
		}
		category = &v
	}
	return s.Store.UpdateTag(ctx, id, name, category, sort, Audit{Action: "tag.update", TargetType: "tag", TargetID: id})
}

// DeleteTag removes a tag from the catalog and from every user (admins).
func (s *Service) DeleteTag(ctx context.Context, id string) error {
	if _, err := auth.RequireRole(ctx, auth.RoleAdmin, auth.RoleSuperAdmin); err != nil {
		return err
	}
	return s.Store.DeleteTag(ctx, id, Audit{Action: "tag.delete", TargetType: "tag", TargetID: id})
}
