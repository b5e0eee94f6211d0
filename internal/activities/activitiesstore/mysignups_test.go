package activitiesstore

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/zuju/zuju/internal/activities"
	"github.com/zuju/zuju/internal/platform/auth"
	"github.com/zuju/zuju/internal/platform/dbtest"
	"github.com/zuju/zuju/internal/platform/sqldb"
)

// A user's sign-ups page newest first through cursors without duplicates
// or gaps, ties on the creation time included, each with its activity's
// summary from one batch query (each sign-up formed its activity: the
// minimum is 1).
func TestMySignupsPages(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		w := newListWorld(t, db)
		var want []string
		for i := range 25 {
			id := fmt.Sprintf("act%02d", i)
			w.add(spec{id: id, title: "活动 " + id, startH: i})
			// Three sign-ups at each instant: the id orders them.
			at := w.now.Add(time.Duration(i/3) * time.Minute).Add(123456789 * time.Nanosecond)
			sid := fmt.Sprintf("s%02d", (i*7)%25)
			if _, err := w.s.SignUp(context.Background(), &activities.Signup{ID: sid, ActivityID: id, UserID: "me", CheckInCode: "c"}, at); err != nil {
				t.Fatal(err)
			}
			want = append(want, sid)
		}
		if _, err := w.s.SignUp(context.Background(), &activities.Signup{ID: "other", ActivityID: "act00", UserID: "someone", CheckInCode: "c"}, w.now); err != nil {
			t.Fatal(err)
		}
		// Newest first: by creation time, then id, descending.
		byID := map[string]int{}
		for i, sid := range want {
			byID[sid] = i / 3
		}
		slices.SortFunc(want, func(a, b string) int {
			if byID[a] != byID[b] {
				return byID[b] - byID[a]
			}
			return -cmpString(a, b)
		})

		counted := &briefCounter{Store: w.s}
		svc := activities.NewService(counted, func() time.Time { return w.now })
		ctx := auth.WithPrincipal(context.Background(), auth.Principal{UserID: "me"})
		for _, limit := range []int{1, 2, 7, 25, 50} {
			var got []string
			cursor := ""
			for range 30 {
				page, next, err := svc.MySignups(ctx, cursor, limit)
				if err != nil {
					t.Fatal(err)
				}
				for _, sg := range page {
					got = append(got, sg.ID)
					b := sg.Activity
					if b == nil || b.ID != sg.ActivityID || b.Title != "活动 "+sg.ActivityID || b.City != "上海" ||
						b.Status != activities.StatusFormed || !b.EndAt.After(b.StartAt) {
						t.Fatalf("summary of %s: %+v", sg.ID, b)
					}
				}
				if next == "" {
					break
				}
				cursor = next
			}
			if !slices.Equal(got, want) {
				t.Errorf("limit %d: %v, want %v", limit, got, want)
			}
		}
		// One summary query per page, never one per sign-up.
		counted.briefs, counted.gets = 0, 0
		if page, _, err := svc.MySignups(ctx, "", 25); err != nil || len(page) != 25 || counted.briefs != 1 || counted.gets != 0 {
			t.Errorf("a page of %d: %d summary queries, %d activity loads, %v", len(page), counted.briefs, counted.gets, err)
		}
		// The default page is 20, and so is a limit above 50.
		for _, limit := range []int{0, 51} {
			page, next, err := svc.MySignups(ctx, "", limit)
			if err != nil || len(page) != 20 || next == "" {
				t.Errorf("limit %d: %d items, next %q, %v", limit, len(page), next, err)
			}
		}
		for _, bad := range []string{"bm9wZQ", "!!", "dHwxfGE" /* a list cursor "t|1|a" */, "c3x4fGE" /* "s|x|a" */} {
			if _, _, err := svc.MySignups(ctx, bad, 10); err != activities.ErrBadCursor {
				t.Errorf("cursor %q: %v", bad, err)
			}
		}
		if _, _, err := svc.MySignups(context.Background(), "", 10); err == nil {
			t.Error("anonymous caller got sign-ups")
		}
	}, listMigrations...)
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// briefCounter counts the activity reads of the service.
type briefCounter struct {
	activities.Store
	briefs, gets int
}

func (c *briefCounter) ActivityBriefs(ctx context.Context, ids []string) (map[string]activities.ActivityBrief, error) {
	c.briefs++
	return c.Store.ActivityBriefs(ctx, ids)
}

func (c *briefCounter) Get(ctx context.Context, id string) (*activities.Activity, error) {
	c.gets++
	return c.Store.Get(ctx, id)
}
