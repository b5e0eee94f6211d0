package app

import (
	"github.com/zuju/zuju/internal/activities/activitiesstore"
	"github.com/zuju/zuju/internal/admin/adminstore"
	"github.com/zuju/zuju/internal/chat/chatstore"
	"github.com/zuju/zuju/internal/clubs/clubsstore"
	"github.com/zuju/zuju/internal/moderation/moderationstore"
	"github.com/zuju/zuju/internal/notifications/notificationsstore"
	"github.com/zuju/zuju/internal/payments/paymentsstore"
	"github.com/zuju/zuju/internal/platform/audit"
	"github.com/zuju/zuju/internal/platform/outbox"
	"github.com/zuju/zuju/internal/platform/sqldb"
	"github.com/zuju/zuju/internal/posts/postsstore"
	"github.com/zuju/zuju/internal/reports/reportsstore"
	"github.com/zuju/zuju/internal/users/usersstore"
)

// Migrations lists every owner's migrations in the order they apply.
func Migrations() []sqldb.Migrations {
	return []sqldb.Migrations{
		audit.Migrations(),
		adminstore.Migrations(),
		outbox.Migrations(),
		usersstore.Migrations(),
		activitiesstore.Migrations(),
		paymentsstore.Migrations(),
		chatstore.Migrations(),
		clubsstore.Migrations(),
		moderationstore.Migrations(),
		postsstore.Migrations(),
		reportsstore.Migrations(),
		notificationsstore.Migrations(),
	}
}
