package usersstore_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/zuju/zuju/internal/platform/auth"
	"github.com/zuju/zuju/internal/platform/dbtest"
	"github.com/zuju/zuju/internal/platform/sqldb"
	"github.com/zuju/zuju/internal/users"
	"github.com/zuju/zuju/internal/users/usersstore"
)

func TestPurgeExpired(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		s := usersstore.New(db)
		now := time.Now().UTC()
		u := &users.User{ID: "u1", Phone: "13800000000", Nickname: "n", Roles: []auth.Role{auth.RoleUser},
			Status: users.StatusActive, CreatedAt: now, UpdatedAt: now}
		if err := s.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		for i, exp := range []time.Time{now.Add(-48 * time.Hour), now.Add(time.Minute)} {
			c := &users.SMSCode{ID: string(rune('a' + i)), Phone: u.Phone, Purpose: users.PurposeLogin, Hash: "h",
				ExpiresAt: exp, CreatedAt: exp.Add(-5 * time.Minute)}
			if err := s.CreateSMSCode(ctx, c); err != nil {
				t.Fatal(err)
			}
		}
		live := &users.Session{ID: "s1", UserID: u.ID, CreatedAt: now, LastUsedAt: now}
		if err := s.CreateSession(ctx, live, &users.RefreshToken{ID: "r1", Hash: "h1", ExpiresAt: now.Add(time.Hour), CreatedAt: now}); err != nil {
			t.Fatal(err)
		}
		old := &users.Session{ID: "s2", UserID: u.ID, CreatedAt: now, LastUsedAt: now}
		if err := s.CreateSession(ctx, old, &users.RefreshToken{ID: "r2", Hash: "h2", ExpiresAt: now.Add(-time.Hour), CreatedAt: now}); err != nil {
			t.Fatal(err)
		}
		if err := s.RevokeSession(ctx, "s2", now.Add(-40*24*time.Hour)); err != nil {
			t.Fatal(err)
		}
		n, err := s.PurgeExpired(ctx, now)
		if err != nil {
			t.Fatal(err)
		}
		// one old code, one expired token, one long-ended session
		if n != 3 {
			t.Fatalf("purged %d rows, want 3", n)
		}
		if c, _ := s.LastSMSCode(ctx, u.Phone, users.PurposeLogin); c == nil || c.ID != "b" {
			t.Fatalf("live code purged: %+v", c)
		}
		if _, _, err := s.SessionState(ctx, "s1"); err != nil {
			t.Fatalf("live session purged: %v", err)
		}
	}, usersstore.Migrations())
}

// Contacts reads many accounts in batches: unknown and repeated ids are
// fine, and an id in a later batch is found too.
func TestContacts(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		s := usersstore.New(db)
		now := time.Now().UTC()
		for i, id := range []string{"u-a", "u-b", "u-c"} {
			u := &users.User{ID: id, Phone: "1380000000" + string(rune('1'+i)), Nickname: "n" + id, AvatarURL: "/files/a/" + id + ".png",
				Roles: []auth.Role{auth.RoleUser}, Status: users.StatusActive, CreatedAt: now, UpdatedAt: now}
			if err := s.CreateUser(ctx, u); err != nil {
				t.Fatal(err)
			}
		}
		ids := []string{"u-a", "u-a", ""}
		for i := range 1200 {
			ids = append(ids, fmt.Sprintf("missing-%d", i))
		}
		ids = append(ids, "u-c") // in the third batch
		got, err := s.Contacts(ctx, ids)
		if err != nil {
			t.Fatal(err)
		}
		byID := map[string]users.Contact{}
		for _, u := range got {
			byID[u.ID] = u
		}
		if len(got) != 2 || byID["u-a"].Nickname != "nu-a" || byID["u-c"].Phone != "13800000003" || byID["u-c"].AvatarURL != "/files/a/u-c.png" {
			t.Fatalf("contacts: %+v", got)
		}
		if none, err := s.Contacts(ctx, nil); err != nil || len(none) != 0 {
			t.Fatalf("no ids: %v %v", none, err)
		}
	}, usersstore.Migrations())
}

// AccountIDs pages through the accounts in id order, leaving out those
// banned now (a ban that ended counts as lifted), and the staff alone
// when asked.
func TestAccountIDs(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		s := usersstore.New(db)
		now := time.Now().UTC()
		past, future := now.Add(-time.Hour), now.Add(time.Hour)
		for i, u := range []users.User{
			{ID: "a1", Roles: []auth.Role{auth.RoleUser}, Status: users.StatusActive},
			{ID: "a2", Roles: []auth.Role{auth.RoleUser}, Status: users.StatusBanned},
			{ID: "a3", Roles: []auth.Role{auth.RoleUser, auth.RoleModerator}, Status: users.StatusActive},
			{ID: "a4", Roles: []auth.Role{auth.RoleUser}, Status: users.StatusBanned, BannedUntil: &past},
			{ID: "a5", Roles: []auth.Role{auth.RoleSuperAdmin}, Status: users.StatusBanned, BannedUntil: &future},
			{ID: "a6", Roles: []auth.Role{auth.RoleOrganizer, auth.RoleAdmin}, Status: users.StatusActive},
		} {
			u.Phone, u.Nickname, u.CreatedAt, u.UpdatedAt = fmt.Sprintf("1380000001%d", i), "n", now, now
			if err := s.CreateUser(ctx, &u); err != nil {
				t.Fatal(err)
			}
		}
		var all []string
		for after := ""; ; {
			page, err := s.AccountIDs(ctx, after, false, now, 2)
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, page...)
			if len(page) < 2 {
				break
			}
			after = page[len(page)-1]
		}
		if fmt.Sprint(all) != "[a1 a3 a4 a6]" {
			t.Fatalf("accounts: %v", all)
		}
		staff, err := s.AccountIDs(ctx, "", true, now, 10)
		if err != nil || fmt.Sprint(staff) != "[a3 a6]" {
			t.Fatalf("staff: %v %v", staff, err)
		}
	}, usersstore.Migrations())
}
