package ranking

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// Redis is a Ranking stored in Redis, shared by every replica that uses
// the same server and prefix. A board is three keys under one hash tag:
// the ZSET (scores negated, so that ties come out by id ascending), the
// warm marker (with the board's ttl) and the version counter.
type Redis struct {
	client *redis.Client
	prefix string
}

// NewRedis returns a ranking that stores each board under prefix on client.
func NewRedis(client *redis.Client, prefix string) *Redis {
	return &Redis{client: client, prefix: prefix}
}

func (r *Redis) keys(board string) (zset, warm, version string) {
	k := r.prefix + "{" + board + "}:"
	return k + "z", k + "w", k + "v"
}

// rangeScript answers {0} for a cold board, {1, id, score, ...} otherwise.
var rangeScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[2]) == 0 then return {0} end
local r = redis.call('ZRANGE', KEYS[1], ARGV[1], '+inf', 'BYSCORE', 'LIMIT', ARGV[2], ARGV[3], 'WITHSCORES')
table.insert(r, 1, 1)
return r
`)

// updateScript applies changes, three keys per board (zset, warm,
// version); ARGV per board: the number of removals, the number of sets,
// the removed ids, then id and score pairs.
var updateScript = redis.NewScript(`
local a = 1
for i = 1, #KEYS, 3 do
  redis.call('INCR', KEYS[i+2])
  local nr, ns = tonumber(ARGV[a]), tonumber(ARGV[a+1])
  a = a + 2
  local warm = redis.call('EXISTS', KEYS[i+1]) == 1
  for j = 1, nr do
    if warm then redis.call('ZREM', KEYS[i], ARGV[a]) end
    a = a + 1
  end
  for j = 1, ns do
    if warm then redis.call('ZADD', KEYS[i], ARGV[a+1], ARGV[a]) end
    a = a + 2
  end
  if warm then
    local t = redis.call('PTTL', KEYS[i+1])
    if t > 0 then redis.call('PEXPIRE', KEYS[i], t) end
  end
end
return 1
`)

func score(s float64) string { return strconv.FormatFloat(-s, 'g', -1, 64) }

// Range returns a page of the board. Entries tied with after on its
// score come first in the set; those up to after's id are skipped.
func (r *Redis) Range(ctx context.Context, board string, after *Entry, n int) ([]Entry, bool, error) {
	if n <= 0 {
		n = 0
	}
	z, w, _ := r.keys(board)
	min := "-inf"
	if after != nil {
		min = score(after.Score)
	}
	out := make([]Entry, 0, n)
	offset := 0
	for first := true; first || len(out) < n; first = false {
		batch := n - len(out) + 8 // room for entries tied with after
		res, err := rangeScript.Run(ctx, r.client, []string{z, w}, min, offset, batch).Slice()
		if err != nil {
			return nil, false, fmt.Errorf("ranking range %q: %w", board, err)
		}
		if len(res) == 0 || res[0] != int64(1) {
			return nil, false, nil
		}
		res = res[1:]
		got := len(res) / 2
		for i := 0; i+1 < len(res) && len(out) < n; i += 2 {
			id, _ := res[i].(string)
			s, err := strconv.ParseFloat(fmt.Sprint(res[i+1]), 64)
			if err != nil {
				return nil, false, fmt.Errorf("ranking range %q: score %v: %w", board, res[i+1], err)
			}
			e := Entry{ID: id, Score: -s}
			if after != nil && !less(*after, e) {
				continue
			}
			out = append(out, e)
		}
		if got < batch {
			break
		}
		offset += got
	}
	return out, true, nil
}

// Update applies changes to the warm boards and moves every named
// board's version, in one script.
func (r *Redis) Update(ctx context.Context, changes ...Change) error {
	if len(changes) == 0 {
		return nil
	}
	keys := make([]string, 0, 3*len(changes))
	var args []any
	for _, c := range changes {
		z, w, v := r.keys(c.Board)
		keys = append(keys, z, w, v)
		args = append(args, len(c.Remove), len(c.Set))
		for _, id := range c.Remove {
			args = append(args, id)
		}
		for _, e := range c.Set {
			args = append(args, e.ID, score(e.Score))
		}
	}
	if err := updateScript.Run(ctx, r.client, keys, args...).Err(); err != nil {
		return fmt.Errorf("ranking update: %w", err)
	}
	return nil
}

// Version returns the board's version.
func (r *Redis) Version(ctx context.Context, board string) (int64, error) {
	_, _, v := r.keys(board)
	n, err := r.client.Get(ctx, v).Int64()
	if errors.Is(err, redis.Nil) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("ranking version %q: %w", board, err)
	}
	return n, nil
}

// fillChunk bounds the members of one ZADD.
const fillChunk = 1000

// Fill replaces the board in one transaction watched on its version.
func (r *Redis) Fill(ctx context.Context, board string, version int64, entries []Entry, ttl time.Duration) (bool, error) {
	z, w, v := r.keys(board)
	if ttl > 0 && ttl < time.Millisecond {
		ttl = time.Millisecond
	}
	if ttl < 0 {
		ttl = 0
	}
	err := r.client.Watch(ctx, func(tx *redis.Tx) error {
		cur, err := tx.Get(ctx, v).Int64()
		if errors.Is(err, redis.Nil) {
			cur, err = 0, nil
		}
		if err != nil {
			return err
		}
		if cur != version {
			return redis.TxFailedErr
		}
		_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.Del(ctx, z)
			for i := 0; i < len(entries); i += fillChunk {
				part := entries[i:min(len(entries), i+fillChunk)]
				members := make([]redis.Z, len(part))
				for j, e := range part {
					members[j] = redis.Z{Score: -e.Score, Member: e.ID}
				}
				p.ZAdd(ctx, z, members...)
			}
			p.Set(ctx, w, "1", ttl)
			if ttl > 0 {
				p.PExpire(ctx, z, ttl)
			}
			return nil
		})
		return err
	}, v)
	if errors.Is(err, redis.TxFailedErr) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("ranking fill %q: %w", board, err)
	}
	return true, nil
}

// Drop makes boards cold.
func (r *Redis) Drop(ctx context.Context, boards ...string) error {
	if len(boards) == 0 {
		return nil
	}
	keys := make([]string, 0, 2*len(boards))
	for _, b := range boards {
		z, w, _ := r.keys(b)
		keys = append(keys, z, w)
	}
	if err := r.client.Del(ctx, keys...).Err(); err != nil {
		return fmt.Errorf("ranking drop: %w", err)
	}
	return nil
}
