package wechat

import (
	"sync"
	"time"

	"github.com/silenceper/wechat/v2/cache"
)

// lockedCache wraps the library's in-memory cache with a mutex. cache.Memory
// locks Set and Delete but reads its map in Get and IsExist without the lock,
// which is a data race once two calls fetch the access token concurrently.
type lockedCache struct {
	mu  sync.Mutex
	mem *cache.Memory
}

var _ cache.Cache = (*lockedCache)(nil)

func newLockedCache() *lockedCache {
	return &lockedCache{mem: cache.NewMemory()}
}

// Get implements cache.Cache.
func (c *lockedCache) Get(key string) any {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.mem.Get(key)
}

// Set implements cache.Cache.
func (c *lockedCache) Set(key string, val any, timeout time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.mem.Set(key, val, timeout)
}

// IsExist implements cache.Cache.
func (c *lockedCache) IsExist(key string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.mem.IsExist(key)
}

// Delete implements cache.Cache.
func (c *lockedCache) Delete(key string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.mem.Delete(key)
}
