package core

import (
	"context"
	"net/url"
	"time"
)

// WithExtraQuery adds a query parameter to every request the client builds,
// or a value to its comma-separated list when the request has it already.
// Tests use it to make a request wrong on purpose and show the spec checks
// catch it; it is not part of the package's API.
func WithExtraQuery(key, value string) Option {
	return func(c *Client) {
		if c.extraQuery == nil {
			c.extraQuery = url.Values{}
		}
		c.extraQuery.Add(key, value)
	}
}

// WithSleepRecorder makes the client record the waits between retries in
// *waits instead of sleeping, so tests check backoff without timing anything.
func WithSleepRecorder(waits *[]time.Duration) Option {
	return func(c *Client) {
		c.sleep = func(ctx context.Context, d time.Duration) error {
			*waits = append(*waits, d)
			return ctx.Err()
		}
	}
}
