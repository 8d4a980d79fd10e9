//go:build unix

package bench

import (
	"context"
	"io"
	"math"
	"net/http"
	"net/http/httptrace"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/asckeys/asckeys/core"
	"github.com/asckeys/asckeys/sandbox"
)

// latency is the time the sandbox adds to every request, as issue 7 sets it.
const latency = 100 * time.Millisecond

// pageSize is the largest page App Store Connect serves, which every list
// asks for.
const pageSize = 200

// largeAccount is the account of a large team: figure 1 lists it.
var largeAccount = sandbox.Config{
	Seed:         7,
	Profiles:     5000,
	Certificates: 2000,
	Devices:      1000,
	BundleIDs:    500,
	// The benchmarks make far more requests than Apple's 3,600 an hour.
	HourlyLimit: 1 << 30,
	// "100 ms a request" is the time from a request to its answer, as a
	// client measures Apple's, the sandbox's own work included.
	LatencyIncludesWork: true,
}

// startSandbox starts a sandbox for cfg and closes it when the benchmark
// ends.
func startSandbox(tb testing.TB, cfg sandbox.Config) *sandbox.Server {
	tb.Helper()
	return sandbox.StartTest(tb, cfg)
}

// newClient is a client for key as the app makes one: Go's default HTTP
// transport settings, the default in-flight limit and retries; only the base
// URL differs. Each client gets a transport of its own, with no connection
// left open by an earlier run, as a freshly started program has; the
// transport counts the requests in flight.
func newClient(baseURL string, key sandbox.TestKey) (*core.Client, *countingTransport) {
	ct := &countingTransport{base: http.DefaultTransport.(*http.Transport).Clone()}
	c := core.NewClient(credentials(key), core.WithBaseURL(baseURL),
		core.WithHTTPClient(&http.Client{Transport: ct}))
	return c, ct
}

// countingTransport counts the requests in flight, each from its sending to
// the closing of its body, and remembers the most there were at once: the
// sandbox counts only the time it spends on a request after its latency.
type countingTransport struct {
	base          http.RoundTripper
	mu            sync.Mutex
	inFlight, max int
	// transfer is the longest time an answer took from its headers to the
	// end of its body.
	transfer time.Duration
}

func (t *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	t.mu.Lock()
	t.inFlight++
	t.max = max(t.max, t.inFlight)
	t.mu.Unlock()
	leave := sync.OnceFunc(func() {
		t.mu.Lock()
		t.inFlight--
		t.mu.Unlock()
	})
	res, err := t.base.RoundTrip(r)
	if err != nil {
		leave()
		return nil, err
	}
	headers := time.Now()
	res.Body = &leavingBody{ReadCloser: res.Body, leave: func() {
		took := time.Since(headers)
		t.mu.Lock()
		t.transfer = max(t.transfer, took)
		t.mu.Unlock()
		leave()
	}}
	return res, nil
}

// longestTransfer is the longest time an answer took from its headers to the
// end of its body.
func (t *countingTransport) longestTransfer() time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.transfer
}

// maxInFlight is the most requests there were in flight at once.
func (t *countingTransport) maxInFlight() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.max
}

type leavingBody struct {
	io.ReadCloser
	leave func()
}

func (b *leavingBody) Close() error {
	err := b.ReadCloser.Close()
	b.leave()
	return err
}

func credentials(key sandbox.TestKey) core.Credentials {
	return core.Credentials{KeyID: key.KeyID, IssuerID: key.IssuerID, Kind: key.Kind, PrivateKey: key.PrivateKey}
}

// pages is how many pages of pageSize n items take: the fewest requests a
// list of n can make.
func pages(n int) int { return max(1, perPage(n)) }

// perPage is how many requests of pageSize items n items take: none for none,
// as DownloadMany sends no request for a type it has nothing of.
func perPage(n int) int { return (n + pageSize - 1) / pageSize }

// connCounter counts the new connections requests got, through an
// httptrace.ClientTrace carried by the context.
type connCounter struct{ fresh atomic.Int64 }

// pageTimes records when each request of one list was written and when its
// answer began, through the same trace: a list has one request in flight at
// a time, so the two line up.
type pageTimes struct {
	mu           sync.Mutex
	wrote, first []time.Time
}

func (cc *connCounter) context(ctx context.Context, pt *pageTimes) context.Context {
	return httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		GotConn: func(info httptrace.GotConnInfo) {
			if !info.Reused {
				cc.fresh.Add(1)
			}
		},
		WroteRequest: func(httptrace.WroteRequestInfo) {
			pt.mu.Lock()
			pt.wrote = append(pt.wrote, time.Now())
			pt.mu.Unlock()
		},
		GotFirstResponseByte: func() {
			pt.mu.Lock()
			pt.first = append(pt.first, time.Now())
			pt.mu.Unlock()
		},
	})
}

// server is, for each request, the time from writing it to the first byte
// of the answer, less the sandbox's added latency: the server's own work.
// gaps is, between two requests, the time from the first byte of an answer
// to the writing of the next request: the client's work in between.
func (pt *pageTimes) split(latency time.Duration) (server, gaps durations) {
	pt.mu.Lock()
	defer pt.mu.Unlock()
	for i := range min(len(pt.wrote), len(pt.first)) {
		server = append(server, pt.first[i].Sub(pt.wrote[i])-latency)
		if i+1 < len(pt.wrote) {
			gaps = append(gaps, pt.wrote[i+1].Sub(pt.first[i]))
		}
	}
	return server, gaps
}

// listing is what loading the four lists side by side did.
type listing struct {
	wall time.Duration
	// resp, took, items and times are per list, in the order of listNames.
	resp  [4]*core.Response
	took  [4]time.Duration
	items [4]int
	times [4]pageTimes
	conns connCounter
}

var listNames = [4]string{"certificates", "profiles", "bundleids", "devices"}

// listAll loads the four lists side by side with one client, as the window
// does when a key is opened; sequential makes each list the one chain of
// pages, as issue 7 measured it, instead of partitions where they pay.
func listAll(ctx context.Context, c *core.Client, sequential bool) (*listing, error) {
	lo := core.ListOptions{Sequential: sequential}
	l := &listing{}
	var wg sync.WaitGroup
	errs := make([]error, 4)
	start := time.Now()
	run := func(i int, list func(ctx context.Context) (int, *core.Response, error)) {
		lctx := l.conns.context(ctx, &l.times[i])
		wg.Go(func() {
			t0 := time.Now()
			l.items[i], l.resp[i], errs[i] = list(lctx)
			l.took[i] = time.Since(t0)
		})
	}
	run(0, func(ctx context.Context) (int, *core.Response, error) {
		v, r, err := c.Certificates.List(ctx, &core.CertificateListOptions{ListOptions: lo})
		return len(v), r, err
	})
	run(1, func(ctx context.Context) (int, *core.Response, error) {
		v, r, err := c.Profiles.List(ctx, &core.ProfileListOptions{ListOptions: lo})
		return len(v), r, err
	})
	run(2, func(ctx context.Context) (int, *core.Response, error) {
		v, r, err := c.BundleIDs.List(ctx, nil)
		return len(v), r, err
	})
	run(3, func(ctx context.Context) (int, *core.Response, error) {
		v, r, err := c.Devices.List(ctx, &core.DeviceListOptions{ListOptions: lo})
		return len(v), r, err
	})
	wg.Wait()
	l.wall = time.Since(start)
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return l, nil
}

// cpuTime is the CPU time the process has used so far, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// durations summarises repeated timings.
type durations []time.Duration

func (d durations) median() time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func (d durations) max() time.Duration {
	if len(d) == 0 {
		return 0
	}
	return slices.Max(d)
}

func ms(d time.Duration) float64 { return math.Round(float64(d)/float64(time.Millisecond)*10) / 10 }

// reportWall reports repeated wall times against bound: the median and the
// slowest run, in milliseconds and as ratios to the bound.
func reportWall(b *testing.B, prefix string, runs durations, bound time.Duration) {
	b.ReportMetric(ms(runs.median()), prefix+"wall-median-ms")
	b.ReportMetric(ms(runs.max()), prefix+"wall-max-ms")
	b.ReportMetric(ms(bound), prefix+"bound-ms")
	b.ReportMetric(float64(runs.median())/float64(bound), prefix+"ratio-median")
	b.ReportMetric(float64(runs.max())/float64(bound), prefix+"ratio-max")
	b.ReportMetric(float64(len(runs)), prefix+"runs")
	within := runs.within(wallTarget, bound)
	b.ReportMetric(float64(within), prefix+"runs-within-1.15x")
}

// within counts the runs that took at most target times bound.
func (d durations) within(target float64, bound time.Duration) int {
	n := 0
	for _, r := range d {
		if float64(r) <= target*float64(bound) {
			n++
		}
	}
	return n
}

// wallTarget is issue 7's target for a listing's wall time, as a multiple of
// its bound; runs within it are counted for every timed figure.
const wallTarget = 1.15
