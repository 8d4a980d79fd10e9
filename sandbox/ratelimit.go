package sandbox

import (
	"fmt"
	"sync"
	"time"
)

// rateLimiter keeps each key's requests in a rolling hour, in one-minute
// buckets so that memory stays constant whatever the limit.
type rateLimiter struct {
	mu    sync.Mutex
	limit int
	keys  map[string]*hourWindow
}

type hourWindow struct {
	minute [60]int64 // the minute (Unix seconds / 60) each bucket counts
	count  [60]int
}

func newRateLimiter(limit int) *rateLimiter {
	return &rateLimiter{limit: limit, keys: map[string]*hourWindow{}}
}

// used is the number of requests in the hour up to now.
func (w *hourWindow) used(now int64) int {
	n := 0
	for i := range w.minute {
		if w.minute[i] > now-60 {
			n += w.count[i]
		}
	}
	return n
}

// take spends one request of keyID's budget. It reports the limit, what
// remains after this request, and false when the budget was already spent.
func (rl *rateLimiter) take(keyID string, now time.Time) (limit, remaining int, ok bool) {
	rl.mu.Lock()
	defer rl.mu.Unlock()
	w := rl.keys[keyID]
	if w == nil {
		w = &hourWindow{}
		rl.keys[keyID] = w
	}
	m := now.Unix() / 60
	used := w.used(m)
	if used >= rl.limit {
		return rl.limit, 0, false
	}
	i := m % 60
	if w.minute[i] != m {
		w.minute[i], w.count[i] = m, 0
	}
	w.count[i]++
	return rl.limit, rl.limit - used - 1, true
}

func (rl *rateLimiter) setLimit(n int) {
	rl.mu.Lock()
	rl.limit = n
	rl.mu.Unlock()
}

// rateLimitHeader formats X-Rate-Limit as Apple does, trailing ";" included.
func rateLimitHeader(limit, remaining int) string {
	return fmt.Sprintf("user-hour-lim:%d;user-hour-rem:%d;", limit, remaining)
}

// SetHourlyLimit changes every key's hourly budget; n <= 0 restores Apple's
// 3600.
func (s *Server) SetHourlyLimit(n int) {
	if n <= 0 {
		n = defaultHourlyLimit
	}
	s.rate.setLimit(n)
}
