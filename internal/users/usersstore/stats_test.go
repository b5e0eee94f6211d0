package usersstore

import (
	"context"
	"testing"
	"time"

	"github.com/zuju/zuju/internal/platform/auth"
	"github.com/zuju/zuju/internal/platform/dbtest"
	"github.com/zuju/zuju/internal/platform/sqldb"
	"github.com/zuju/zuju/internal/users"
)

// The statistics' reads walk the time indexes, never a whole table; a
// window is [from, to); a user's day is recorded once, with its first time.
func TestStatsCounts(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		s := New(db)
		from := time.Date(2031, 3, 9, 16, 0, 0, 0, time.UTC) // midnight in Shanghai
		to := from.Add(24 * time.Hour)
		dbtest.RequireIndexed(t, db, []string{"users_created_idx", "user_active_days_first_idx"}, countsQuery, from, to, from, to)
		if first, err := s.FirstCreatedAt(ctx); err != nil || !first.IsZero() {
			t.Fatalf("first account of none: %v %v", first, err)
		}
		for i, at := range []time.Time{from.Add(-time.Second), from, to.Add(-time.Second), to} {
			u := &users.User{ID: string(rune('a' + i)), Nickname: "n", Roles: []auth.Role{auth.RoleUser}, Status: users.StatusActive,
				CreatedAt: at, UpdatedAt: at}
			if err := s.CreateUser(ctx, u); err != nil {
				t.Fatal(err)
			}
			for _, seen := range []time.Time{at, at.Add(time.Minute)} {
				if err := s.MarkActive(ctx, u.ID, "d", seen); err != nil {
					t.Fatal(err)
				}
			}
		}
		c, err := s.Counts(ctx, from, to)
		if err != nil || c != (users.Counts{NewUsers: 2, ActiveUsers: 2}) {
			t.Fatalf("counts %+v %v, want 2 and 2", c, err)
		}
		var firstAt time.Time
		if err := db.Gorm.Raw("SELECT first_at FROM user_active_days WHERE user_id = 'b'").Scan(&firstAt).Error; err != nil || !firstAt.Equal(from) {
			t.Fatalf("first time of the day %v %v, want %v", firstAt, err, from)
		}
		if first, err := s.FirstCreatedAt(ctx); err != nil || !first.Equal(from.Add(-time.Second)) {
			t.Fatalf("first account %v %v", first, err)
		}
	}, Migrations())
}
