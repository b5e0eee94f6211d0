// Package admin provides the operators' cross-cutting tools; for now the
// audit log reader (announcements, configs and statistics join later).
package admin

import (
	"context"

	"github.com/zuju/zuju/internal/platform/audit"
	"github.com/zuju/zuju/internal/platform/auth"
)

// AuditReader lists audit rows.
type AuditReader interface {
	List(ctx context.Context, f audit.Filter) ([]audit.Entry, int64, error)
}

// Service implements the admin use cases.
type Service struct{ audit AuditReader }

// NewService returns the admin service.
func NewService(r AuditReader) *Service { return &Service{audit: r} }

// AuditLogs lists audit rows (admins and super admins; moderators see only
// their own actions).
func (s *Service) AuditLogs(ctx context.Context, f audit.Filter) ([]audit.Entry, int64, error) {
	p, err := auth.RequireRole(ctx, auth.StaffRoles()...)
	if err != nil {
		return nil, 0, err
	}
	if !p.IsAdmin() {
		f.ActorID = p.UserID
	}
	return s.audit.List(ctx, f)
}
