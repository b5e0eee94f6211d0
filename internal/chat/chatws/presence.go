package chatws

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// Presence records the live connections of users, across replicas.
type Presence interface {
	// Join records a live connection; Refresh keeps the hub's connections
	// alive (called periodically); Leave ends one.
	Join(ctx context.Context, userID, connID string) error
	Refresh(ctx context.Context, userIDs []string) error
	Leave(ctx context.Context, userID, connID string) error
	Online(ctx context.Context, userIDs []string) (map[string]bool, error)
}

// MemoryPresence is the presence of a single process.
type MemoryPresence struct {
	mu    sync.Mutex
	conns map[string]map[string]bool
}

// NewMemoryPresence returns an in-process presence.
func NewMemoryPresence() *MemoryPresence { return &MemoryPresence{conns: map[string]map[string]bool{}} }

// Join records a connection.
func (p *MemoryPresence) Join(_ context.Context, userID, connID string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.conns[userID] == nil {
		p.conns[userID] = map[string]bool{}
	}
	p.conns[userID][connID] = true
	return nil
}

// Refresh does nothing: a process's connections end with it.
func (p *MemoryPresence) Refresh(context.Context, []string) error { return nil }

// Leave ends a connection.
func (p *MemoryPresence) Leave(_ context.Context, userID, connID string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.conns[userID], connID)
	if len(p.conns[userID]) == 0 {
		delete(p.conns, userID)
	}
	return nil
}

// Online reports who has a connection.
func (p *MemoryPresence) Online(_ context.Context, userIDs []string) (map[string]bool, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make(map[string]bool, len(userIDs))
	for _, id := range userIDs {
		out[id] = len(p.conns[id]) > 0
	}
	return out, nil
}

// RedisPresence keeps, per user, a hash of their connections that expires
// unless a replica refreshes it: a replica that dies takes its users
// offline within PresenceTTL.
type RedisPresence struct {
	client *redis.Client
	prefix string
	ttl    time.Duration
}

// PresenceTTL is how long a connection counts without a refresh.
const PresenceTTL = 90 * time.Second

// NewRedisPresence returns presence stored under prefix+"chat:online:".
func NewRedisPresence(client *redis.Client, prefix string) *RedisPresence {
	return &RedisPresence{client: client, prefix: prefix + "chat:online:", ttl: PresenceTTL}
}

// Join records a connection.
func (p *RedisPresence) Join(ctx context.Context, userID, connID string) error {
	key := p.prefix + userID
	_, err := p.client.TxPipelined(ctx, func(pipe redis.Pipeliner) error {
		pipe.HSet(ctx, key, connID, 1)
		pipe.Expire(ctx, key, p.ttl)
		return nil
	})
	if err != nil {
		return fmt.Errorf("presence join: %w", err)
	}
	return nil
}

// Refresh extends the users' entries.
func (p *RedisPresence) Refresh(ctx context.Context, userIDs []string) error {
	if len(userIDs) == 0 {
		return nil
	}
	_, err := p.client.Pipelined(ctx, func(pipe redis.Pipeliner) error {
		for _, id := range userIDs {
			pipe.Expire(ctx, p.prefix+id, p.ttl)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("presence refresh: %w", err)
	}
	return nil
}

// Leave ends a connection (the hash goes with its last field).
func (p *RedisPresence) Leave(ctx context.Context, userID, connID string) error {
	if err := p.client.HDel(ctx, p.prefix+userID, connID).Err(); err != nil {
		return fmt.Errorf("presence leave: %w", err)
	}
	return nil
}

// Online reports who has a connection on some replica.
func (p *RedisPresence) Online(ctx context.Context, userIDs []string) (map[string]bool, error) {
	cmds := make([]*redis.IntCmd, len(userIDs))
	_, err := p.client.Pipelined(ctx, func(pipe redis.Pipeliner) error {
		for i, id := range userIDs {
			cmds[i] = pipe.Exists(ctx, p.prefix+id)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("presence: %w", err)
	}
	out := make(map[string]bool, len(userIDs))
	for i, id := range userIDs {
		out[id] = cmds[i].Val() > 0
	}
	return out, nil
}
