package core

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"time"
)

// The options below are for tests only; they are not part of the package's
// API. The program itself keeps the defaults: at most DefaultMaxInFlight
// requests per key, DefaultRequestTimeout, one token source per client.

// WithMaxInFlight sets how many requests the client has in flight at most
// (default 4). Values below 1 mean 1.
func WithMaxInFlight(n int) Option {
	return func(c *Client) { c.sem = make(chan struct{}, max(n, 1)) }
}

// WithRequestTimeout bounds one request, from sending it to the end of its
// body (default 60 seconds), so tests of stalled answers end quickly.
func WithRequestTimeout(d time.Duration) Option {
	return func(c *Client) {
		if d > 0 {
			c.timeout = d
		}
	}
}

// WithTokenSource makes the client use ts, so that several clients for the
// same key share one token. ts must have been made for the same credentials.
func WithTokenSource(ts *TokenSource) Option {
	return func(c *Client) {
		if ts != nil {
			c.tokens = ts
		}
	}
}

// WithExtraQuery adds a query parameter to every request the client sends,
// or a value to its comma-separated list when the request has it already.
// Tests use it to make a request wrong on purpose and show the spec checks
// catch it. It wraps the HTTP client's transport, so it must come after
// WithHTTPClient.
func WithExtraQuery(key, value string) Option {
	return func(c *Client) {
		hc := *c.http
		hc.Transport = &extraQueryTransport{base: hc.Transport, key: key, value: value}
		c.http = &hc
	}
}

type extraQueryTransport struct {
	base       http.RoundTripper
	key, value string
}

func (t *extraQueryTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	q := r.URL.Query()
	switch old := q.Get(t.key); {
	case old == "":
		q.Set(t.key, t.value)
	case !slices.Contains(strings.Split(old, ","), t.value): // a next link repeats the query
		q.Set(t.key, old+","+t.value)
	}
	r.URL.RawQuery = q.Encode()
	base := t.base
	if base == nil {
		base = http.DefaultTransport
	}
	return base.RoundTrip(r)
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
