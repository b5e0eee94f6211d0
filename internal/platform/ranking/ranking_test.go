package ranking_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/zuju/zuju/internal/platform/ranking"
	"github.com/zuju/zuju/internal/platform/ranking/rankingtest"
	"github.com/zuju/zuju/internal/platform/testenv"
)

func TestRankingMemoryContract(t *testing.T) {
	rankingtest.Run(t, rankingtest.Backend{
		New: func(t *testing.T, clock *rankingtest.Clock) ranking.Ranking {
			return ranking.NewMemory(ranking.WithClock(clock.Now))
		},
		ManualClock: true,
	})
}

func TestRankingRedisContract(t *testing.T) {
	url := testenv.Redis(t)
	rankingtest.Run(t, rankingtest.Backend{
		New: func(t *testing.T, _ *rankingtest.Clock) ranking.Ranking {
			opts, err := redis.ParseURL(url)
			if err != nil {
				t.Fatalf("parse %s: %v", testenv.RedisVar, err)
			}
			client := redis.NewClient(opts)
			b := make([]byte, 6)
			_, _ = rand.Read(b)
			prefix := "test:ranking:" + hex.EncodeToString(b) + ":"
			t.Cleanup(func() {
				ctx := context.Background()
				iter := client.Scan(ctx, 0, prefix+"*", 100).Iterator()
				var keys []string
				for iter.Next(ctx) {
					keys = append(keys, iter.Val())
				}
				if len(keys) > 0 {
					_ = client.Del(ctx, keys...).Err()
				}
				_ = client.Close()
			})
			return ranking.NewRedis(client, prefix)
		},
	})
}
