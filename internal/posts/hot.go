package posts

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/zuju/zuju/internal/platform/ranking"
)

// Ranking keeps each board's hot order out of the database: one sorted
// set of post ids by hot score per board (package ranking: in process or
// Redis). A cold board is rebuilt from the database once, then kept up
// to date by the service after every committed change that moves a post.
type Ranking interface {
	Range(ctx context.Context, board string, after *ranking.Entry, n int) ([]ranking.Entry, bool, error)
	Update(ctx context.Context, changes ...ranking.Change) error
	Version(ctx context.Context, board string) (int64, error)
	Fill(ctx context.Context, board string, version int64, entries []ranking.Entry, ttl time.Duration) (bool, error)
	Drop(ctx context.Context, boards ...string) error
}

// hotCache is the service's use of a Ranking.
type hotCache struct {
	rank   Ranking
	ttl    time.Duration
	logger *slog.Logger
	group  singleflight.Group
	// rebuilds counts boards loaded from the database.
	rebuilds atomic.Int64
}

// UseRanking serves hot lists from r, rebuilding a board from the
// database when it is cold and again ttl after each rebuild (which bounds
// any drift, e.g. an update lost when a replica stopped between its
// commit and the ranking write). Without it hot lists are read from the
// database.
func (s *Service) UseRanking(r Ranking, ttl time.Duration, logger *slog.Logger) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	s.hot = &hotCache{rank: r, ttl: ttl, logger: logger}
}

// HotRebuilds is the number of boards loaded from the database into the
// ranking so far.
func (s *Service) HotRebuilds() int64 {
	if s.hot == nil {
		return 0
	}
	return s.hot.rebuilds.Load()
}

// board is one ranked set: a board's (clubID, "" the square) pinned or
// other published posts, all of them or those outsiders see.
type board struct {
	clubID      string
	membersOnly bool // includes members-only posts
	pinned      bool
}

func (b board) key() string {
	k := "posts:sq"
	if b.clubID != "" {
		k = "posts:c:" + b.clubID + ":pub"
		if b.membersOnly {
			k = "posts:c:" + b.clubID + ":all"
		}
	}
	if b.pinned {
		return k + ":pin"
	}
	return k + ":hot"
}

// boardsOf are the sets a post of this club can be in.
func boardsOf(clubID string) []board {
	if clubID == "" {
		return []board{{pinned: true}, {}}
	}
	return []board{{clubID, true, true}, {clubID, true, false}, {clubID, false, true}, {clubID, false, false}}
}

// holds reports whether the board lists the post.
func (b board) holds(p *Post) bool {
	return p.Status == StatusPublished && p.ClubID == b.clubID && p.Pinned == b.pinned && (b.membersOnly || !p.MembersOnly)
}

// changesFor puts the post where it belongs and takes it out of every
// other set of its club.
func changesFor(p *Post) []ranking.Change {
	bs := boardsOf(p.ClubID)
	out := make([]ranking.Change, len(bs))
	for i, b := range bs {
		out[i] = ranking.Change{Board: b.key()}
		if b.holds(p) {
			out[i].Set = []ranking.Entry{{ID: p.ID, Score: p.HotScore}}
		} else {
			out[i].Remove = []string{p.ID}
		}
	}
	return out
}

// rerank brings the ranking in line with a post after a committed
// change. A failure drops the post's boards (rebuilt on the next read);
// when that fails too, the boards' ttl bounds the drift.
func (s *Service) rerank(ctx context.Context, postID string) {
	if s.hot == nil {
		return
	}
	ctx = context.WithoutCancel(ctx)
	p, err := s.store.Post(ctx, postID)
	if err != nil {
		s.hot.logger.Warn("posts: load post for the ranking", "post_id", postID, "err", err)
		return
	}
	changes := changesFor(p)
	if err := s.hot.rank.Update(ctx, changes...); err != nil {
		keys := make([]string, len(changes))
		for i, c := range changes {
			keys[i] = c.Board
		}
		derr := s.hot.rank.Drop(ctx, keys...)
		s.hot.logger.Warn("posts: update the ranking", "post_id", postID, "err", err, "drop_err", derr)
	}
}

// errCold is a board that could not be loaded (changes kept racing the
// rebuild); the list is read from the database this time.
var errCold = errors.New("posts: ranking board stays cold")

// rangeBoard reads a page of a board, rebuilding it first when cold.
func (s *Service) rangeBoard(ctx context.Context, b board, after *ranking.Entry, n int) ([]ranking.Entry, error) {
	key := b.key()
	list, warm, err := s.hot.rank.Range(ctx, key, after, n)
	if err != nil || warm {
		return list, err
	}
	_, err, _ = s.hot.group.Do(key, func() (any, error) { return nil, s.rebuild(context.WithoutCancel(ctx), b) })
	if err != nil {
		return nil, err
	}
	list, warm, err = s.hot.rank.Range(ctx, key, after, n)
	if err == nil && !warm {
		err = errCold
	}
	return list, err
}

// rebuild loads a cold board from the database's hot order; a change
// committed meanwhile refuses the fill, and it tries again.
func (s *Service) rebuild(ctx context.Context, b board) error {
	key := b.key()
	for range 3 {
		v, err := s.hot.rank.Version(ctx, key)
		if err != nil {
			return err
		}
		if _, warm, err := s.hot.rank.Range(ctx, key, nil, 0); err != nil || warm {
			return err // filled by another replica meanwhile
		}
		entries, err := s.store.HotEntries(ctx, b.clubID, b.pinned, b.membersOnly)
		if err != nil {
			return err
		}
		ok, err := s.hot.rank.Fill(ctx, key, v, entries, s.hot.ttl)
		if err != nil {
			return err
		}
		if ok {
			s.hot.rebuilds.Add(1)
			return nil
		}
	}
	return errCold
}

// rankedHot lists a board's hot order from the ranking: the pinned set,
// then the others, after the cursor; then loads the posts and keeps only
// those the set may show (a stale entry is taken out).
func (s *Service) rankedHot(ctx context.Context, clubID string, membersOnly bool, after *Cursor, limit int) ([]Post, string, error) {
	type ranked struct {
		ranking.Entry
		pinned bool
	}
	var picked []ranked
	n := limit + 1
	if after == nil || after.Pinned {
		var a *ranking.Entry
		if after != nil {
			a = &ranking.Entry{ID: after.ID, Score: after.Key}
		}
		list, err := s.rangeBoard(ctx, board{clubID, membersOnly, true}, a, n)
		if err != nil {
			return nil, "", err
		}
		for _, e := range list {
			picked = append(picked, ranked{e, true})
		}
	}
	if len(picked) < n {
		var a *ranking.Entry
		if after != nil && !after.Pinned {
			a = &ranking.Entry{ID: after.ID, Score: after.Key}
		}
		list, err := s.rangeBoard(ctx, board{clubID, membersOnly, false}, a, n-len(picked))
		if err != nil {
			return nil, "", err
		}
		for _, e := range list {
			picked = append(picked, ranked{e, false})
		}
	}
	next := ""
	if len(picked) > limit {
		picked = picked[:limit]
		last := picked[limit-1]
		next = encodeCursor(Cursor{Pinned: last.pinned, Key: last.Score, ID: last.ID})
	}
	ids := make([]string, len(picked))
	for i, r := range picked {
		ids[i] = r.ID
	}
	loaded, err := s.store.Posts(ctx, ids)
	if err != nil {
		return nil, "", err
	}
	byID := make(map[string]*Post, len(loaded))
	for i := range loaded {
		byID[loaded[i].ID] = &loaded[i]
	}
	out := make([]Post, 0, len(picked))
	for _, r := range picked {
		p := byID[r.ID]
		b := board{clubID, membersOnly, r.pinned}
		if p == nil || p.Status != StatusPublished || p.ClubID != clubID || (p.MembersOnly && !membersOnly) {
			// Never shown, whatever the set says; the set is repaired.
			_ = s.hot.rank.Update(ctx, ranking.Change{Board: b.key(), Remove: []string{r.ID}})
			continue
		}
		out = append(out, *p)
	}
	return out, next, nil
}
