package core_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/asckeys/asckeys/core"
	"github.com/asckeys/asckeys/sandbox"
)

// The faults a network and the proxies on it can throw at a listing and at a
// download, through the sandbox's knobs. client_sandbox_test.go shows that a
// listing recovers from each; here every fault also hits downloads, and every
// fault also lasts, so each must end either in complete files after retries
// or in an error a person can act on, never in a partial list, a partial or
// corrupt file, a temporary file left behind, or a goroutine still running.

// faultClass is one kind of misbehaviour and the words a user must read when
// it does not go away.
type faultClass struct {
	name  string
	fault sandbox.Fault
	// timeout, when set, is the client's request timeout (stalled bodies).
	timeout time.Duration
	// permanent faults are not retried: another try would get the same page.
	permanent bool
	// wait, when set, is a wait the client must have honoured (Retry-After).
	wait  time.Duration
	words []string
}

var faultClasses = []faultClass{
	{name: "5xx burst", fault: sandbox.Fault{Kind: sandbox.FaultStatus, Status: 503},
		words: []string{"Apple's servers had a problem", "503", "try again later"}},
	{name: "429 with Retry-After", fault: sandbox.Fault{Kind: sandbox.FaultStatus, Status: 429, RetryAfter: "7"}, wait: 7 * time.Second,
		words: []string{"rate limiting this key", "429 RATE_LIMIT_EXCEEDED", "try again in 7s"}},
	{name: "429 without Retry-After", fault: sandbox.Fault{Kind: sandbox.FaultStatus, Status: 429},
		words: []string{"rate limiting this key", "wait a while"}},
	{name: "dropped connection", fault: sandbox.Fault{Kind: sandbox.FaultDrop},
		words: []string{"could not reach App Store Connect", "check your connection"}},
	{name: "truncated JSON", fault: sandbox.Fault{Kind: sandbox.FaultTruncate},
		words: []string{"App Store Connect", "check your connection", "unexpected EOF"}},
	{name: "garbled JSON", fault: sandbox.Fault{Kind: sandbox.FaultBadJSON},
		words: []string{"answer could not be read", "cut short or garbled", "try again"}},
	{name: "stalled body", fault: sandbox.Fault{Kind: sandbox.FaultStall, Stall: time.Minute}, timeout: 300 * time.Millisecond,
		words: []string{"did not answer within 300ms", "try again later"}},
	{name: "HTML error page", fault: sandbox.Fault{Kind: sandbox.FaultHTML, Status: 502},
		words: []string{"Apple's servers had a problem", "HTML page", "proxy, firewall or captive portal"}},
	{name: "HTML page answered as a success", fault: sandbox.Fault{Kind: sandbox.FaultHTML, Status: 200}, permanent: true,
		words: []string{"HTML page instead of App Store Connect's JSON", "proxy, firewall or captive portal"}},
}

// faultAttempts is how many tries the fault tests' clients make.
const faultAttempts = 4

// waitRecorder stands in for the waits between retries, so that no test
// sleeps through a Retry-After, and keeps them under a lock: parallel
// downloads retry at the same time.
type waitRecorder struct {
	mu    sync.Mutex
	waits []time.Duration
}

func (r *waitRecorder) sleep(ctx context.Context, d time.Duration) error {
	r.mu.Lock()
	r.waits = append(r.waits, d)
	r.mu.Unlock()
	return ctx.Err()
}

func (r *waitRecorder) all() []time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.waits)
}

// startChecked starts a sandbox for one case. When the case ends it closes
// the sandbox and the client side's idle connections, then fails the test if
// any goroutine started since is still running.
func startChecked(t *testing.T, cfg sandbox.Config) *sandbox.Server {
	t.Helper()
	ignore := goleak.IgnoreCurrent()
	srv := sandbox.StartTest(t, cfg)
	// Cleanups run last-in first-out: this one runs before StartTest's Close.
	t.Cleanup(func() {
		srv.Close()
		srv.HTTPClient().CloseIdleConnections()
		goleak.VerifyNone(t, ignore)
	})
	return srv
}

func (fc faultClass) client(srv *sandbox.Server, rec *waitRecorder) *core.Client {
	opts := []core.Option{
		core.WithRetry(core.RetryPolicy{MaxAttempts: faultAttempts, BaseDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond}),
		core.WithSleep(rec.sleep),
	}
	if fc.timeout > 0 {
		opts = append(opts, core.WithRequestTimeout(fc.timeout))
	}
	return clientFor(srv, srv.NewKey(core.KindTeam, sandbox.RoleAdmin), opts...)
}

func assertSays(t *testing.T, err error, words ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error; want one saying %q", words)
	}
	for _, w := range words {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("the error does not say %q:\n%v", w, err)
		}
	}
	if strings.Contains(err.Error(), "eyJ") || strings.Contains(err.Error(), "<html") {
		t.Errorf("the error carries a token or HTML:\n%v", err)
	}
}

// downloadSet lists every certificate and profile of srv (without faults) and
// returns them as download items, with the file each must become and its
// bytes as the sandbox holds them.
func downloadSet(t *testing.T, srv *sandbox.Server, c *core.Client) ([]core.DownloadItem, map[string][]byte) {
	t.Helper()
	ctx := context.Background()
	certs, _, err := c.Certificates.List(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	profiles, _, err := c.Profiles.List(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	var items []core.DownloadItem
	files := map[string][]byte{}
	for i := range certs {
		ci, err := srv.Certificate(certs[i].ID)
		if err != nil {
			t.Fatal(err)
		}
		items = append(items, core.DownloadItem{Certificate: &certs[i]})
		files[core.CertificateFileName(certs[i])] = ci.DER
	}
	for i := range profiles {
		pi, err := srv.Profile(profiles[i].ID)
		if err != nil {
			t.Fatal(err)
		}
		items = append(items, core.DownloadItem{Profile: &profiles[i]})
		files[core.ProfileFileName(profiles[i])] = pi.Content
	}
	if len(files) != len(items) {
		t.Fatalf("%d file names for %d items: names collide", len(files), len(items))
	}
	return items, files
}

// assertFolder checks that dir holds exactly the files in want, each a
// regular file with exactly the sandbox's bytes: nothing partial, nothing
// corrupt, no temporary file left behind.
func assertFolder(t *testing.T, dir string, want map[string][]byte) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, e := range entries {
		name := e.Name()
		if strings.HasSuffix(name, ".tmp") || strings.HasPrefix(name, ".") {
			t.Errorf("a temporary file was left behind: %s", name)
			continue
		}
		data, ok := want[name]
		if !ok {
			t.Errorf("unexpected file %s", name)
			continue
		}
		if !e.Type().IsRegular() {
			t.Errorf("%s is not a regular file", name)
			continue
		}
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, data) {
			t.Errorf("%s holds %d bytes that differ from the sandbox's %d: partial or corrupt", name, len(got), len(data))
		}
		seen[name] = true
	}
	for name := range want {
		if !seen[name] {
			t.Errorf("%s was not written", name)
		}
	}
}

// requestsTo counts the requests the sandbox received for the API path p.
func requestsTo(srv *sandbox.Server, p string) int {
	n := 0
	for _, r := range srv.Requests() {
		if r.Path == p {
			n++
		}
	}
	return n
}

// TestFaultsDuringListing makes each fault last on a listing's second page:
// the listing ends in an error in words after the allowed tries (one for a
// fault that another try cannot cure), never in the first page alone.
func TestFaultsDuringListing(t *testing.T) {
	for _, fc := range faultClasses {
		// A listing whose second page keeps failing returns no list at all,
		// never the first page as if it were everything.
		t.Run(fc.name+" lasts", func(t *testing.T) {
			srv := startChecked(t, sandbox.Config{Seed: 61, Profiles: 250})
			rec := &waitRecorder{}
			c := fc.client(srv, rec)
			f := fc.fault
			f.Times = 50
			f.Match = secondPage
			srv.InjectFaults(f)
			profiles, resp, err := c.Profiles.List(context.Background(), nil)
			if len(profiles) != 0 {
				t.Errorf("a failed listing returned %d profiles", len(profiles))
			}
			assertSays(t, err, append([]string{"listing profiles"}, fc.words...)...)
			want := 1 + faultAttempts
			if fc.permanent {
				want = 2
			}
			if resp == nil || resp.Requests != want || resp.Pages != 1 {
				t.Errorf("the client sent %v requests; want %d (page 1, then %d tries of page 2)", resp, want, want-1)
			}
			if fc.wait > 0 && !slices.Contains(rec.all(), fc.wait) {
				t.Errorf("waited %v; want Retry-After's %s honoured", rec.all(), fc.wait)
			}
		})
	}
}

// TestFaultsDuringDownloads throws each fault at downloads of certificates
// and profiles, four at a time: a passing fault is retried into whole files,
// a lasting one fails its item in words while the others are written whole.
func TestFaultsDuringDownloads(t *testing.T) {
	cfg := sandbox.Config{Seed: 62, Certificates: 6, Profiles: 6}
	for _, fc := range faultClasses {
		if !fc.permanent {
			// The first two content requests fail; the retries fetch them and
			// every file arrives whole.
			t.Run(fc.name+" recovers", func(t *testing.T) {
				srv := startChecked(t, cfg)
				rec := &waitRecorder{}
				c := fc.client(srv, rec)
				items, files := downloadSet(t, srv, c)
				f := fc.fault
				f.Times, f.Match = 2, sandbox.MatchContent()
				srv.InjectFaults(f)
				dir := t.TempDir()
				results, err := c.DownloadMany(context.Background(), items, dir, core.DownloadOptions{}, nil)
				if err != nil {
					t.Fatalf("downloads did not recover: %v", err)
				}
				for _, r := range results {
					if r.Err != nil || r.Path == "" {
						t.Errorf("%s: %q, %v", r.Item, r.Path, r.Err)
					}
				}
				assertFolder(t, dir, files)
				if st := srv.Stats(); st.Faults != 2 || srv.PendingFaults() != 0 {
					t.Errorf("%d faults served, %d pending; want 2 and 0", st.Faults, srv.PendingFaults())
				}
				if fc.wait > 0 && !slices.Contains(rec.all(), fc.wait) {
					t.Errorf("waited %v; want Retry-After's %s honoured", rec.all(), fc.wait)
				}
			})
		}
		// The certificates' content request keeps failing: each certificate
		// ends in an error in words and no file; the profiles, fetched by a
		// request of their own, are written whole.
		t.Run(fc.name+" lasts", func(t *testing.T) {
			srv := startChecked(t, cfg)
			c := fc.client(srv, &waitRecorder{})
			items, files := downloadSet(t, srv, c)
			f := fc.fault
			f.Times, f.Match = 50, contentOf("certificates")
			srv.InjectFaults(f)
			dir := t.TempDir()
			results, err := c.DownloadMany(context.Background(), items, dir, core.DownloadOptions{}, nil)
			assertSays(t, err, "6 of 12 downloads failed")
			for _, r := range results {
				if r.Item.Certificate == nil {
					if r.Err != nil || r.Path == "" {
						t.Errorf("%s failed with the fault on another request: %v", r.Item, r.Err)
					}
					continue
				}
				assertSays(t, r.Err, append([]string{"downloading certificate"}, fc.words...)...)
				if r.Path != "" {
					t.Errorf("the failed item reports a file: %s", r.Path)
				}
				delete(files, core.CertificateFileName(*r.Item.Certificate))
			}
			assertFolder(t, dir, files)
			n := contentRequests(srv, "certificates")
			switch {
			case fc.permanent && n != 1:
				t.Errorf("%d requests for the failing batch; want 1 (not retried)", n)
			case fc.fault.Kind == sandbox.FaultDrop && n < faultAttempts:
				// Go's transport itself resends a GET whose reused idle
				// connection was dropped, on each idle connection it has, so
				// the sandbox may see more drops than the client's tries.
				t.Errorf("%d requests for the failing batch; want at least %d", n, faultAttempts)
			case !fc.permanent && fc.fault.Kind != sandbox.FaultDrop && n != faultAttempts:
				t.Errorf("%d requests for the failing batch; want %d", n, faultAttempts)
			}
		})
	}
}

// contentOf matches the requests for a batch of content of collection
// ("certificates", "profiles"): DownloadMany's GET /v1/{collection}?filter[id]=...
func contentOf(collection string) func(*http.Request) bool {
	isContent, isPath := sandbox.MatchContent(), sandbox.MatchPath("/v1/"+collection)
	return func(r *http.Request) bool { return isContent(r) && isPath(r) && r.URL.Query().Has("filter[id]") }
}

// contentRequests counts the batch content requests for collection the
// sandbox received.
func contentRequests(srv *sandbox.Server, collection string) int {
	n := 0
	for _, r := range srv.Requests() {
		if r.Path == "/v1/"+collection && r.Query.Has("filter[id]") {
			n++
		}
	}
	return n
}

// secondPage matches the requests for a listing's later pages.
func secondPage(r *http.Request) bool { return r.URL.Query().Has("cursor") }

// waitFor polls cond until it holds. The deadline only guards against a
// hang; it is not a timing assertion.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// cancelAndWait cancels work that reports its outcome on done, and returns
// the outcome. The work waits on a server that stalls for a minute, so an
// outcome at all shows it ended with its context rather than with the server:
// that is the event waited on, not a timing. The wait ends at 30 s, half the
// stall, as a safety net; issue 7's "within a second" is logged, measured
// from the cancel.
func cancelAndWait[T any](t *testing.T, what string, cancel context.CancelFunc, done <-chan T) T {
	t.Helper()
	cancel()
	cancelled := time.Now()
	select {
	case got := <-done:
		t.Logf("%s returned %s after the cancel", what, time.Since(cancelled))
		return got
	case <-time.After(30 * time.Second):
		t.Fatalf("%s did not end with its context: it waited on the stalled server", what)
		panic("unreachable")
	}
}

// A listing cancelled while its second page hangs on a server that stalls
// for a minute in the middle of the answer returns the context's error
// without waiting for the server, with no partial list, and the request is abandoned on the
// server too. (The listing asks for the next page as soon as it has read a
// page's links, before the page is decoded and OnPage is called, so the
// server is slowed for the second page from the start.)
func TestCancelMidListing(t *testing.T) {
	srv := startChecked(t, sandbox.Config{Seed: 63, Profiles: 450})
	c := clientFor(srv, srv.NewKey(core.KindTeam, sandbox.RoleAdmin))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv.InjectFaults(sandbox.Fault{Kind: sandbox.FaultStall, Stall: time.Minute,
		Match: func(r *http.Request) bool { return r.URL.Query().Get("cursor") != "" }})
	opt := &core.ProfileListOptions{}
	type outcome struct {
		n   int
		err error
	}
	done := make(chan outcome, 1)
	go func() {
		p, _, err := c.Profiles.List(ctx, opt)
		done <- outcome{len(p), err}
	}()
	// The sandbox counts a request before writing its answer: the second
	// one is counted and still being handled while it stalls.
	waitFor(t, "the second page's request", func() bool { st := srv.Stats(); return st.Requests == 2 && st.InFlight == 1 })
	got := cancelAndWait(t, "the listing", cancel, done)
	if !errors.Is(got.err, context.Canceled) || got.n != 0 {
		t.Errorf("got %d profiles and err = %v; want none and context.Canceled", got.n, got.err)
	}
	waitFor(t, "the sandbox to see the request abandoned", func() bool { return srv.Stats().InFlight == 0 })
}

// Downloads cancelled while the profiles' content stalls for a minute in the
// middle of its answer, after the certificates' content came and was
// written, return the context's error without waiting for the server; the folder holds
// exactly the files reported written (the certificates), each whole, and no
// temporary file.
func TestCancelMidDownload(t *testing.T) {
	srv := startChecked(t, sandbox.Config{Seed: 64, Certificates: 20, Profiles: 20})
	c := clientFor(srv, srv.NewKey(core.KindTeam, sandbox.RoleAdmin))
	items, files := downloadSet(t, srv, c)
	srv.InjectFaults(sandbox.Fault{Kind: sandbox.FaultStall, Stall: time.Minute, Match: contentOf("profiles")})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var certsDone atomic.Int32
	progress := func(_, _ int, res core.DownloadResult) {
		if res.Item.Certificate != nil && res.Err == nil {
			certsDone.Add(1)
		}
	}
	type outcome struct {
		results []core.DownloadResult
		err     error
	}
	dir := t.TempDir()
	done := make(chan outcome, 1)
	go func() {
		res, err := c.DownloadMany(ctx, items, dir, core.DownloadOptions{}, progress)
		done <- outcome{res, err}
	}()
	waitFor(t, "the certificates written and the profiles' answer stalled", func() bool {
		return certsDone.Load() == 20 && srv.Stats().InFlight == 1 && srv.PendingFaults() == 0
	})
	got := cancelAndWait(t, "the downloads", cancel, done)
	if !errors.Is(got.err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", got.err)
	}
	written := map[string][]byte{}
	for _, r := range got.results {
		switch {
		case r.Path != "" && r.Err == nil:
			written[filepath.Base(r.Path)] = files[filepath.Base(r.Path)]
		case !errors.Is(r.Err, context.Canceled):
			t.Errorf("%s: neither written nor cancelled: %v", r.Item, r.Err)
		}
	}
	if len(written) != 20 {
		t.Errorf("%d of %d files written; want the 20 certificates, which came before the stall", len(written), len(items))
	}
	assertFolder(t, dir, written)
	waitFor(t, "the sandbox to see the requests abandoned", func() bool { return srv.Stats().InFlight == 0 })
}

// A missing agreement refuses every item alike: the refused batch is not
// retried item by item, and each item says what the Account Holder must do.
func TestDownloadsRefusedForAnAgreement(t *testing.T) {
	srv := startChecked(t, sandbox.Config{Seed: 65, Certificates: 6, Profiles: -1})
	c := clientFor(srv, srv.NewKey(core.KindTeam, sandbox.RoleAdmin))
	items, _ := downloadSet(t, srv, c)
	srv.InjectFaults(sandbox.Fault{Kind: sandbox.FaultStatus, Status: 403, Times: 50, Match: contentOf("certificates"),
		Body: []byte(`{"errors":[{"id":"1","status":"403","code":"FORBIDDEN.REQUIRED_AGREEMENTS_MISSING_OR_EXPIRED",` +
			`"title":"A required agreement is missing or has expired.","detail":"This request requires an in-effect agreement."}]}`)})
	srv.ResetStats()
	results, err := c.DownloadMany(context.Background(), items, t.TempDir(), core.DownloadOptions{}, nil)
	assertSays(t, err, "6 of 6 downloads failed")
	for _, r := range results {
		assertSays(t, r.Err, "agreement is missing or has expired", "Account Holder")
	}
	if st := srv.StatsAfter(1); st.Requests != 1 {
		t.Errorf("%d requests (%v); want the one batch, not one more per item", st.Requests, st.ByRoute)
	}
}
