package core

import (
	"context"
	"time"
)

// WithSleep replaces the waits between retries with sleep. Fault tests of
// parallel downloads use it to record the waits under a lock (several
// downloads retry at once) without sleeping through a Retry-After; it is not
// part of the package's API.
func WithSleep(sleep func(ctx context.Context, d time.Duration) error) Option {
	return func(c *Client) {
		if sleep != nil {
			c.sleep = sleep
		}
	}
}
