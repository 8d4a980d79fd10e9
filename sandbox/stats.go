package sandbox

import (
	"context"
	"crypto/sha256"
	"maps"
	"net/url"
	"sync"
	"time"
)

// Stats are the sandbox's counters since it started or since ResetStats.
type Stats struct {
	// Requests counts every request that reached the sandbox.
	Requests int
	// BytesSent counts response body bytes written, compressed when the
	// client asked for gzip; BodyBytes counts the same bodies before
	// compression, so BytesSent/BodyBytes is the ratio gzip achieved.
	BytesSent, BodyBytes int64
	// DistinctTokens counts the different bearer tokens presented, accepted or
	// not: a client that reuses its token shows 1.
	DistinctTokens int
	// Unauthorized counts 401 answers; RateLimited counts 429 answers for an
	// exhausted budget (injected 429s are counted in Faults).
	Unauthorized, RateLimited int
	// Faults counts requests answered by an injected fault.
	Faults int
	// ByRoute counts requests per route, e.g. "GET /v1/profiles" or
	// "GET /v1/profiles/{id}"; paths the sandbox does not serve count under
	// "GET (unknown)".
	ByRoute map[string]int
	// ByStatus counts responses per HTTP status (dropped connections are 0).
	ByStatus map[int]int
	// InFlight is the number of requests being handled now; after cancelling
	// requests, tests can wait for it to reach 0.
	InFlight int
	// MaxInFlight is the largest number of requests any one key had in flight
	// at once, each counted from its arrival (once its token is checked) to
	// its answer, added latency included; MaxInFlightByKey has it per Key ID.
	MaxInFlight      int
	MaxInFlightByKey map[string]int
}

// Request is one entry of the request log.
type Request struct {
	Time   time.Time
	Method string
	// URL is the request URL as received: path (with PathPrefix) and query.
	URL string
	// Path is the API path without PathPrefix, e.g. "/v1/profiles".
	Path  string
	Query url.Values
	// Route is the route it matched, as in Stats.ByRoute.
	Route string
	// KeyID is the key whose token was accepted, "" when none was.
	KeyID  string
	Status int
	// Fault names the injected fault that answered, if any.
	Fault string
	// Reason says why the token was refused (401) or the request rejected;
	// Apple's bodies never tell, this helps whoever debugs a client.
	Reason string
}

// maxLoggedRequests bounds the request log so that long benchmarks do not
// grow without end; the counters in Stats are not bounded.
const maxLoggedRequests = 10000

type statsCollector struct {
	mu       sync.Mutex
	st       Stats
	handling int
	tokens   map[[32]byte]struct{}
	inFlight map[string]int
	log      []Request
	hold     *inFlightHold // nil: no request is held
}

// inFlightHold holds requests until one key has n requests in flight at once:
// see Server.HoldUntilInFlight.
type inFlightHold struct {
	n       int
	timeout time.Duration
	reached chan struct{}
	once    sync.Once
}

func (h *inFlightHold) release() { h.once.Do(func() { close(h.reached) }) }

// wait holds a request until the hold is released, timeout has passed or the
// client gave up. A nil hold does not wait.
func (h *inFlightHold) wait(ctx context.Context) {
	if h == nil {
		return
	}
	t := time.NewTimer(h.timeout)
	defer t.Stop()
	select {
	case <-h.reached:
	case <-t.C:
	case <-ctx.Done():
	}
}

func newStatsCollector() *statsCollector {
	c := &statsCollector{}
	c.reset()
	return c
}

func (c *statsCollector) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.st = Stats{ByRoute: map[string]int{}, ByStatus: map[int]int{}, MaxInFlightByKey: map[string]int{}}
	c.tokens = map[[32]byte]struct{}{}
	c.log = nil
	// inFlight and handling are left alone: requests under way still finish.
	if c.inFlight == nil {
		c.inFlight = map[string]int{}
	}
}

func (c *statsCollector) sawToken(tok string) {
	h := sha256.Sum256([]byte(tok))
	c.mu.Lock()
	c.tokens[h] = struct{}{}
	c.mu.Unlock()
}

// begin and end track every request being handled.
func (c *statsCollector) begin() {
	c.mu.Lock()
	c.handling++
	c.mu.Unlock()
}

func (c *statsCollector) end() {
	c.mu.Lock()
	c.handling--
	c.mu.Unlock()
}

// enter and leave track a key's requests in flight. enter returns the hold
// the request must wait on, nil when there is none.
func (c *statsCollector) enter(keyID string) *inFlightHold {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.inFlight[keyID]++
	n := c.inFlight[keyID]
	if n > c.st.MaxInFlightByKey[keyID] {
		c.st.MaxInFlightByKey[keyID] = n
	}
	if n > c.st.MaxInFlight {
		c.st.MaxInFlight = n
	}
	h := c.hold
	if h != nil && n >= h.n {
		h.release()
	}
	return h
}

// HoldUntilInFlight makes the sandbox hold every request, once it is counted
// in flight, until one key has n requests in flight at once; then it lets
// them all go, and holds no more until called again. It lets a test see
// requests that a client sends side by side overlap for certain, however
// busy the machine is, rather than by chance. timeout is only a safety net:
// a request is let go after it even if n is never reached (a client that
// sends one request at a time), so that such a test fails on its counts
// instead of hanging. n <= 1 holds nothing.
func (s *Server) HoldUntilInFlight(n int, timeout time.Duration) {
	c := s.stats
	c.mu.Lock()
	defer c.mu.Unlock()
	if n <= 1 {
		c.hold = nil
		return
	}
	c.hold = &inFlightHold{n: n, timeout: timeout, reached: make(chan struct{})}
}

func (c *statsCollector) leave(keyID string) {
	c.mu.Lock()
	c.inFlight[keyID]--
	if c.inFlight[keyID] <= 0 {
		delete(c.inFlight, keyID)
	}
	c.mu.Unlock()
}

// record counts a finished request.
// sent is the body's bytes on the wire, body its size before compression.
func (c *statsCollector) record(r Request, sent, body int64, rateLimited bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.st.Requests++
	c.st.BytesSent += sent
	c.st.BodyBytes += body
	c.st.ByRoute[r.Route]++
	c.st.ByStatus[r.Status]++
	if r.Status == 401 {
		c.st.Unauthorized++
	}
	if rateLimited {
		c.st.RateLimited++
	}
	if r.Fault != "" {
		c.st.Faults++
	}
	if len(c.log) >= maxLoggedRequests {
		c.log = append(c.log[:0], c.log[len(c.log)-maxLoggedRequests/2:]...)
	}
	c.log = append(c.log, r)
}

// Stats returns a copy of the counters.
func (s *Server) Stats() Stats {
	c := s.stats
	c.mu.Lock()
	defer c.mu.Unlock()
	st := c.st
	st.DistinctTokens = len(c.tokens)
	st.InFlight = c.handling
	st.ByRoute = maps.Clone(c.st.ByRoute)
	st.ByStatus = maps.Clone(c.st.ByStatus)
	st.MaxInFlightByKey = maps.Clone(c.st.MaxInFlightByKey)
	return st
}

// StatsAfter returns the counters once at least n requests have been
// counted, or after five seconds if they never are. The sandbox counts a
// request before it answers, so once a client has its answers the counters
// have them; the wait covers requests the client gave up on, whose handlers
// may still be ending. It is not a timing: it returns as soon as the count is
// reached.
func (s *Server) StatsAfter(n int) Stats {
	return s.statsOnce(func(st Stats) bool { return st.Requests >= n }, 5*time.Second)
}

// statsOnce returns the counters as soon as ready holds for them, or when
// bound (a safety net) has passed.
func (s *Server) statsOnce(ready func(Stats) bool, bound time.Duration) Stats {
	deadline := time.Now().Add(bound)
	for {
		st := s.Stats()
		if ready(st) || time.Now().After(deadline) {
			return st
		}
		time.Sleep(time.Millisecond)
	}
}

// StatsSettled returns the counters once no request is being handled, or
// after ten seconds if one never ends. A request a client gave up on (it
// cancelled, or timed out) is counted when its handler notices and ends,
// which can be just after the client has returned: a test that asserts on
// such a request waits here rather than reading the counters too soon. It
// returns as soon as the sandbox is idle; the bound is only a safety net.
func (s *Server) StatsSettled() Stats {
	return s.statsOnce(func(st Stats) bool { return st.InFlight == 0 }, 10*time.Second)
}

// ResetStats zeroes the counters and empties the request log.
func (s *Server) ResetStats() { s.stats.reset() }

// Requests returns the request log, oldest first. It keeps the most recent
// requests only (at least 5000 of them).
func (s *Server) Requests() []Request {
	c := s.stats
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]Request, len(c.log))
	copy(out, c.log)
	return out
}
