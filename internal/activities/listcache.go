package activities

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
)

// DefaultListCacheTTL bounds how long a cached page lives even if an
// invalidation were lost (the cache was unreachable during a change).
const DefaultListCacheTTL = 30 * time.Second

// listGenKey holds the list generation: every cached page's key contains
// it, and every change of an activity replaces it, so the next list after
// a change reads the store again, on every replica.
const listGenKey = "activities:list:gen"

// listCache caches the store's public list pages in the shared cache, and
// the decoded pages of this process in a small local map under the same
// keys: a key names its generation, so a local page is never newer or
// older than the shared one, and a hit costs one read of the generation.
type listCache struct {
	c   ListCache
	ttl time.Duration

	mu    sync.Mutex
	local map[string]localPage
	// loads makes concurrent misses of one page in this process share one
	// read of the store, so a burst of requests for a page that just
	// expired (or a new generation) cannot pile the same query up.
	loads singleflight.Group
}

// localPage is a decoded page and when this process stops using it.
type localPage struct {
	page  listPage
	until time.Time
}

// maxLocalPages bounds the decoded pages a process keeps.
const maxLocalPages = 1024

func (l *listCache) fromLocal(key string) (listPage, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	p, ok := l.local[key]
	if !ok || time.Now().After(p.until) {
		return listPage{}, false
	}
	return p.page, true
}

func (l *listCache) keepLocal(key string, p listPage) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.local == nil || len(l.local) >= maxLocalPages {
		l.local = make(map[string]localPage, 64) // older generations go at once
	}
	l.local[key] = localPage{page: p, until: time.Now().Add(l.ttl)}
}

// SetListCache caches public list pages in c for at most ttl
// (DefaultListCacheTTL when ttl <= 0). Every change made through the
// service (create, edit, publish, cancel, sign-ups, the sweep) invalidates
// them at once.
func (s *Service) SetListCache(c ListCache, ttl time.Duration) {
	if ttl <= 0 {
		ttl = DefaultListCacheTTL
	}
	s.lists = &listCache{c: c, ttl: ttl}
	s.store = invalidating{Store: s.store, changed: s.lists.changed}
}

func newGeneration() []byte {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return []byte(hex.EncodeToString(b))
}

// generation returns the current list generation, starting one if there
// is none; ok is false when the cache cannot be used.
func (l *listCache) generation(ctx context.Context) (string, bool) {
	for range 2 {
		if b, found, err := l.c.Get(ctx, listGenKey); err != nil {
			return "", false
		} else if found {
			return string(b), true
		}
		g := newGeneration()
		added, err := l.c.Add(ctx, listGenKey, g, 0)
		if err != nil {
			return "", false
		}
		if added {
			return string(g), true
		}
	}
	return "", false
}

// changed starts a new generation. A failure leaves older pages to expire
// with their TTL.
func (l *listCache) changed(ctx context.Context) {
	_ = l.c.Set(context.WithoutCancel(ctx), listGenKey, newGeneration(), 0)
}

// listPage is one page of a list as the cache keeps it: the store's rows
// and the people and tag names their views show, so a cached page needs
// no query at all.
type listPage struct {
	Hits   []Hit             `json:"hits"`
	People map[string]Person `json:"people,omitempty"`
	Tags   map[string]string `json:"tags,omitempty"`
	Named  bool              `json:"named,omitempty"`
}

func (p listPage) refs() refs { return refs{people: p.People, tags: p.Tags, named: p.Named} }

// page returns the page for f from the cache, or loads and caches it.
// A page that may hold members-only activities (f.MembersOnlyToo) is
// never cached, so a cached page is never one an outsider may not see.
func (l *listCache) page(ctx context.Context, f Filter, load func(context.Context, Filter) (listPage, error)) (listPage, error) {
	if f.MembersOnlyToo || f.OrganizerID != "" {
		return load(ctx, f)
	}
	gen, ok := l.generation(ctx)
	if !ok {
		return load(ctx, f)
	}
	norm, err := json.Marshal(f)
	if err != nil {
		return load(ctx, f)
	}
	sum := sha256.Sum256(norm)
	key := "activities:list:" + gen + ":" + hex.EncodeToString(sum[:16])
	if p, ok := l.fromLocal(key); ok {
		return p, nil
	}
	if b, found, err := l.c.Get(ctx, key); err == nil && found {
		var p listPage
		if json.Unmarshal(b, &p) == nil {
			l.keepLocal(key, p)
			return p, nil
		}
	}
	v, err, _ := l.loads.Do(key, func() (any, error) {
		// The first caller's context must not cancel the others' load.
		lctx := context.WithoutCancel(ctx)
		p, err := load(lctx, f)
		if err != nil {
			return listPage{}, err
		}
		if b, err := json.Marshal(p); err == nil {
			_ = l.c.Set(lctx, key, b, l.ttl)
		}
		l.keepLocal(key, p)
		return p, nil
	})
	if err != nil {
		return listPage{}, err
	}
	return v.(listPage), nil
}

// invalidating is the store seen by a service with a list cache: each
// successful change starts a new list generation.
type invalidating struct {
	Store
	changed func(context.Context)
}

func (s invalidating) Create(ctx context.Context, a *Activity) error {
	return s.after(ctx, s.Store.Create(ctx, a))
}

func (s invalidating) Update(ctx context.Context, a *Activity, au Audit) error {
	return s.after(ctx, s.Store.Update(ctx, a, au))
}

func (s invalidating) SetStatus(ctx context.Context, id string, from, to Status, now time.Time, reason string, a Audit) (*Activity, error) {
	out, err := s.Store.SetStatus(ctx, id, from, to, now, reason, a)
	return out, s.after(ctx, err)
}

func (s invalidating) UpdateType(ctx context.Context, id string, name *string, sort *int, a Audit) (*Type, error) {
	out, err := s.Store.UpdateType(ctx, id, name, sort, a)
	return out, s.after(ctx, err)
}

func (s invalidating) SignUp(ctx context.Context, sg *Signup, now time.Time) (*Signup, error) {
	out, err := s.Store.SignUp(ctx, sg, now)
	return out, s.after(ctx, err)
}

func (s invalidating) CancelSignup(ctx context.Context, activityID, userID string, now time.Time, reason string, refund func(Signup) (int64, error)) (*Signup, error) {
	out, err := s.Store.CancelSignup(ctx, activityID, userID, now, reason, refund)
	return out, s.after(ctx, err)
}

func (s invalidating) SetCover(ctx context.Context, id, url string, now time.Time, a Audit) (*Activity, error) {
	out, err := s.Store.SetCover(ctx, id, url, now, a)
	return out, s.after(ctx, err)
}

func (s invalidating) ReleaseHold(ctx context.Context, signupID string, now time.Time) error {
	return s.after(ctx, s.Store.ReleaseHold(ctx, signupID, now))
}

func (s invalidating) HoldOffer(ctx context.Context, activityID, userID string, amountFen int64, now time.Time) (*Signup, error) {
	out, err := s.Store.HoldOffer(ctx, activityID, userID, amountFen, now)
	return out, s.after(ctx, err)
}

func (s invalidating) ReopenOffer(ctx context.Context, signupID string, now time.Time) error {
	return s.after(ctx, s.Store.ReopenOffer(ctx, signupID, now))
}

func (s invalidating) ConfirmPayment(ctx context.Context, p Payment, now time.Time) (ConfirmResult, error) {
	out, err := s.Store.ConfirmPayment(ctx, p, now)
	return out, s.after(ctx, err)
}

func (s invalidating) ExpireHolds(ctx context.Context, now time.Time, limit int) ([]Signup, error) {
	out, err := s.Store.ExpireHolds(ctx, now, limit)
	if len(out) > 0 {
		s.changed(ctx)
	}
	return out, err
}

func (s invalidating) AcceptOffer(ctx context.Context, activityID, userID string, now time.Time) (*Signup, error) {
	out, err := s.Store.AcceptOffer(ctx, activityID, userID, now)
	return out, s.after(ctx, err)
}

func (s invalidating) ExpireOffers(ctx context.Context, now time.Time, limit int) (int, error) {
	n, err := s.Store.ExpireOffers(ctx, now, limit)
	if n > 0 {
		s.changed(ctx)
	}
	return n, err
}

func (s invalidating) after(ctx context.Context, err error) error {
	if err == nil {
		s.changed(ctx)
	}
	return err
}
