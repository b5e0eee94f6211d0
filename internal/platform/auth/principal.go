// Package auth provides the pieces of authentication shared by every module:
// the signed-in principal and its roles, access tokens (JWT) and password
// hashing.
package auth

import (
	"context"
	"slices"

	"github.com/zuju/zuju/internal/platform/errs"
)

// Role is a platform role.
type Role string

// Platform roles, lowest to highest.
const (
	RoleUser       Role = "user"
	RoleOrganizer  Role = "organizer"
	RoleModerator  Role = "moderator"
	RoleAdmin      Role = "admin"
	RoleSuperAdmin Role = "super_admin"
)

// AllRoles lists every platform role.
func AllRoles() []Role {
	return []Role{RoleUser, RoleOrganizer, RoleModerator, RoleAdmin, RoleSuperAdmin}
}

// ValidRole reports whether r is a platform role.
func ValidRole(r string) bool { return slices.Contains(AllRoles(), Role(r)) }

// StaffRoles are the roles that may use the admin API.
func StaffRoles() []Role { return []Role{RoleModerator, RoleAdmin, RoleSuperAdmin} }

// Principal is the authenticated caller.
type Principal struct {
	UserID    string
	SessionID string
	Roles     []Role
}

// Has reports whether p holds any of roles.
func (p Principal) Has(roles ...Role) bool {
	for _, r := range roles {
		if slices.Contains(p.Roles, r) {
			return true
		}
	}
	return false
}

// IsStaff reports whether p may use the admin API.
func (p Principal) IsStaff() bool { return p.Has(StaffRoles()...) }

// IsAdmin reports whether p is an admin or super admin.
func (p Principal) IsAdmin() bool { return p.Has(RoleAdmin, RoleSuperAdmin) }

type principalKey struct{}

// WithPrincipal returns ctx carrying p.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// From returns the principal of ctx, if the caller is signed in.
func From(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok && p.UserID != ""
}

// Require returns the principal or an unauthenticated error.
func Require(ctx context.Context) (Principal, error) {
	p, ok := From(ctx)
	if !ok {
		return Principal{}, errs.ErrUnauthenticated
	}
	return p, nil
}

// RequireRole returns the principal if it holds one of roles.
func RequireRole(ctx context.Context, roles ...Role) (Principal, error) {
	p, err := Require(ctx)
	if err != nil {
		return p, err
	}
	if !p.Has(roles...) {
		return p, errs.ErrForbidden
	}
	return p, nil
}
