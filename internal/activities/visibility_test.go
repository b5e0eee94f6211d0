package activities

import (
	"context"
	"testing"
	"time"
)

// countingCache is a ListCache that records what is written to it.
type countingCache struct {
	vals map[string][]byte
	sets int
}

func (c *countingCache) Get(_ context.Context, key string) ([]byte, bool, error) {
	v, ok := c.vals[key]
	return v, ok, nil
}

func (c *countingCache) Set(_ context.Context, key string, val []byte, _ time.Duration) error {
	if c.vals == nil {
		c.vals = map[string][]byte{}
	}
	c.vals[key] = val
	if key != listGenKey {
		c.sets++
	}
	return nil
}

func (c *countingCache) Add(ctx context.Context, key string, val []byte, ttl time.Duration) (bool, error) {
	if _, ok := c.vals[key]; ok {
		return false, nil
	}
	return true, c.Set(ctx, key, val, ttl)
}

// A page that may hold members-only club activities (or an organizer's
// own) never reaches the shared cache, nor the local one: an outsider can
// only ever be served a cached page of public activities.
func TestListCacheNeverKeepsMembersOnlyPages(t *testing.T) {
	c := &countingCache{}
	l := &listCache{c: c, ttl: time.Minute}
	loads := 0
	load := func(context.Context, Filter) (listPage, error) {
		loads++
		return listPage{Hits: []Hit{{Activity: Activity{ID: "a1", Visibility: VisibilityMembers}}}}, nil
	}
	ctx := context.Background()
	for _, f := range []Filter{{ClubID: "c1", MembersOnlyToo: true}, {OrganizerID: "u1"}} {
		for range 3 {
			if _, err := l.page(ctx, f, load); err != nil {
				t.Fatal(err)
			}
		}
	}
	if c.sets != 0 || len(l.local) != 0 || loads != 6 {
		t.Fatalf("members-only pages cached: %d shared writes, %d local pages, %d loads of 6", c.sets, len(l.local), loads)
	}
	// The public page is cached (the cache works at all).
	for range 3 {
		if _, err := l.page(ctx, Filter{ClubID: "c1"}, load); err != nil {
			t.Fatal(err)
		}
	}
	if c.sets != 1 || loads != 7 {
		t.Fatalf("public page: %d writes, %d loads", c.sets, loads)
	}
}
