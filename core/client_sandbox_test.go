package core_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/asckeys/asckeys/core"
	"github.com/asckeys/asckeys/internal/sharedtest"
	"github.com/asckeys/asckeys/sandbox"
	"github.com/asckeys/asckeys/sandbox/apispec"
)

// These tests run the client over real HTTP against the sandbox, which
// verifies every token as Apple does. Retries wait through
// core.WithSleepRecorder (export_test.go) so that no test sleeps for a
// backoff or a Retry-After.

// sandboxClient registers a new key of kind and role with srv and returns a
// client for it, pointed at the sandbox URL for that kind.
func sandboxClient(t *testing.T, srv *sandbox.Server, kind core.KeyKind, role sandbox.Role, opts ...core.Option) (*core.Client, sandbox.TestKey) {
	t.Helper()
	key := srv.NewKey(kind, role)
	return clientFor(srv, key, opts...), key
}

func clientFor(srv *sandbox.Server, key sandbox.TestKey, opts ...core.Option) *core.Client {
	creds := core.Credentials{KeyID: key.KeyID, IssuerID: key.IssuerID, Kind: key.Kind, PrivateKey: key.PrivateKey}
	url := srv.URL()
	if key.Kind == core.KindEnterprise {
		url = srv.EnterpriseURL()
	}
	base := []core.Option{
		core.WithBaseURL(url),
		core.WithHTTPClient(srv.HTTPClient()),
		core.WithRetry(core.RetryPolicy{MaxAttempts: 4, BaseDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond}),
	}
	return core.NewClient(creds, append(base, opts...)...)
}

func ids[T any](items []T, id func(T) string) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = id(it)
	}
	return out
}

func TestSandboxListsEveryPage(t *testing.T) {
	srv := sandbox.StartTest(t, sandbox.Config{Seed: 11, Certificates: 450, Profiles: 410, BundleIDs: 230, Devices: 401})
	c, _ := sandboxClient(t, srv, core.KindTeam, sandbox.RoleAdmin)
	ctx := context.Background()

	certs, resp, err := c.Certificates.List(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := ids(certs, func(c core.Certificate) string { return c.ID }), slices.Sorted(slices.Values(srv.CertificateIDs())); !slices.Equal(got, want) {
		t.Fatalf("listed %d certificates, the sandbox holds %d (or in another order)", len(got), len(want))
	}
	if resp.Pages != 3 || resp.Requests != 3 {
		t.Errorf("certificates: %d pages in %d requests, want 3 and 3", resp.Pages, resp.Requests)
	}
	truth := map[string]sandbox.CertInfo{}
	for _, ci := range srv.Certificates() {
		truth[ci.ID] = ci
	}
	for _, got := range certs {
		want := truth[got.ID]
		if got.Name != want.Name || got.DisplayName != want.DisplayName || got.CertificateType != want.CertificateType ||
			got.SerialNumber != want.SerialNumber || got.Platform != want.Platform || !got.ExpirationDate.Equal(want.ExpirationDate.Truncate(time.Millisecond)) ||
			got.Activated == nil || *got.Activated != want.Activated {
			t.Fatalf("certificate %s listed as %+v, sandbox holds %+v", got.ID, got, want)
		}
	}

	profiles, resp, err := c.Profiles.List(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := ids(profiles, func(p core.Profile) string { return p.ID }), slices.Sorted(slices.Values(srv.ProfileIDs())); !slices.Equal(got, want) {
		t.Fatalf("listed %d profiles, the sandbox holds %d", len(got), len(want))
	}
	if resp.Pages != 3 {
		t.Errorf("profiles: %d pages, want 3", resp.Pages)
	}
	ptruth := map[string]sandbox.ProfileInfo{}
	for _, pi := range srv.Profiles() {
		ptruth[pi.ID] = pi
	}
	over50 := 0
	for _, got := range profiles {
		want := ptruth[got.ID]
		if got.UUID != want.UUID || got.Name != want.Name || got.ProfileType != want.ProfileType || got.BundleIDID != want.BundleID ||
			got.BundleIdentifier != want.BundleIdentifier || got.CertificateCount != len(want.CertificateIDs) ||
			got.DeviceCount != len(want.DeviceIDs) || !got.ExpirationDate.Equal(want.ExpirationDate.Truncate(time.Millisecond)) {
			t.Fatalf("profile %s listed as %+v, sandbox holds %+v (%d certificates, %d devices)", got.ID, got, want, len(want.CertificateIDs), len(want.DeviceIDs))
		}
		if got.DeviceCount > 50 {
			over50++
		}
	}
	if over50 == 0 {
		t.Error("no profile has more than 50 devices: the count past the include limit is untested")
	}

	bids, resp, err := c.BundleIDs.List(ctx, nil)
	if err != nil || !slices.Equal(ids(bids, func(b core.BundleID) string { return b.ID }), srv.BundleIDIDs()) || resp.Pages != 2 {
		t.Errorf("bundle IDs: %d listed in %v pages, err %v", len(bids), resp, err)
	}
	devs, resp, err := c.Devices.List(ctx, nil)
	if err != nil || !slices.Equal(ids(devs, func(d core.Device) string { return d.ID }), slices.Sorted(slices.Values(srv.DeviceIDs()))) || resp.Pages != 3 {
		t.Errorf("devices: %d listed, err %v", len(devs), err)
	}

	// No list asked for, or received, certificate or profile content.
	for _, r := range srv.Requests() {
		for k, v := range r.Query {
			if strings.HasPrefix(k, "fields[") && (strings.Contains(v[0], "certificateContent") || strings.Contains(v[0], "profileContent")) {
				t.Errorf("%s asked for content", r.URL)
			}
		}
	}
	if st := srv.Stats(); st.DistinctTokens != 1 || c.Tokens().Signed() != 1 {
		t.Errorf("%d tokens seen, %d signed; want 1 and 1", st.DistinctTokens, c.Tokens().Signed())
	}
}

func TestSandboxFiltersNarrowTheLists(t *testing.T) {
	srv := sandbox.StartTest(t, sandbox.Config{Seed: 12})
	c, _ := sandboxClient(t, srv, core.KindTeam, sandbox.RoleAdmin)
	ctx := context.Background()
	all, _, err := c.Certificates.List(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	pick := all[len(all)/2]
	got, _, err := c.Certificates.List(ctx, &core.CertificateListOptions{Serial: pick.SerialNumber})
	if err != nil || len(got) != 1 || got[0].ID != pick.ID {
		t.Errorf("by serial: %+v, %v", got, err)
	}
	got, _, err = c.Certificates.List(ctx, &core.CertificateListOptions{Types: []string{pick.CertificateType}})
	if err != nil || len(got) == 0 || len(got) == len(all) {
		t.Errorf("by type %s: %d of %d, %v", pick.CertificateType, len(got), len(all), err)
	}
	for _, c := range got {
		if c.CertificateType != pick.CertificateType {
			t.Errorf("type filter let %s through", c.CertificateType)
		}
	}
	// The seed holds invalid profiles and disabled devices: each filter must
	// find exactly those, not merely let nothing else through.
	invalid, disabled := 0, 0
	for _, p := range srv.Profiles() {
		invalid += btoi(p.ProfileState == "INVALID")
	}
	for _, d := range srv.Devices() {
		disabled += btoi(d.Status == "DISABLED")
	}
	if invalid == 0 || disabled == 0 {
		t.Fatalf("the seed has %d invalid profiles and %d disabled devices: nothing for the filters to find", invalid, disabled)
	}
	profiles, _, err := c.Profiles.List(ctx, &core.ProfileListOptions{States: []string{"INVALID"}})
	if err != nil || len(profiles) != invalid {
		t.Errorf("by state INVALID: %d profiles, %v; the sandbox holds %d", len(profiles), err, invalid)
	}
	for _, p := range profiles {
		if p.ProfileState != "INVALID" {
			t.Errorf("state filter let %s through", p.ProfileState)
		}
	}
	devs, _, err := c.Devices.List(ctx, &core.DeviceListOptions{Statuses: []string{"DISABLED"}})
	if err != nil || len(devs) != disabled {
		t.Errorf("by status DISABLED: %d devices, %v; the sandbox holds %d", len(devs), err, disabled)
	}
	for _, d := range devs {
		if d.Status != "DISABLED" {
			t.Errorf("status filter let %s through", d.Status)
		}
	}
}

// A listing of 1,000 profiles takes exactly 5 requests of 200 and one token.
func TestSandboxThousandProfilesFiveRequestsOneToken(t *testing.T) {
	srv := sandbox.StartTest(t, sandbox.Config{Seed: 13, Profiles: 1000})
	c, key := sandboxClient(t, srv, core.KindTeam, sandbox.RoleAdmin)
	profiles, resp, err := c.Profiles.List(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	st := srv.StatsAfter(5)
	if len(profiles) != 1000 || st.Requests != 5 || resp.Requests != 5 || resp.Pages != 5 {
		t.Errorf("%d profiles in %d requests (client counted %d, %d pages); want 1000 in 5", len(profiles), st.Requests, resp.Requests, resp.Pages)
	}
	if st.DistinctTokens != 1 || c.Tokens().Signed() != 1 {
		t.Errorf("%d distinct tokens, %d signed; want 1", st.DistinctTokens, c.Tokens().Signed())
	}
	if st.MaxInFlightByKey[key.KeyID] != 1 {
		t.Errorf("a single listing had %d requests in flight", st.MaxInFlightByKey[key.KeyID])
	}
}

// TestSandboxFourListsSideBySide: lists share one client and run side by
// side. The sandbox holds the first request until a second one is in flight,
// so that the overlap shows however busy the machine is (a client that sent
// one request at a time would see each let go after the safety net, and fail
// the count).
func TestSandboxFourListsSideBySide(t *testing.T) {
	srv := sandbox.StartTest(t, sandbox.Config{Seed: 14, Certificates: 300, Profiles: 300, BundleIDs: 300, Devices: 300})
	c, key := sandboxClient(t, srv, core.KindTeam, sandbox.RoleAdmin, core.WithMaxInFlight(3))
	srv.HoldUntilInFlight(2, 30*time.Second)
	ctx := context.Background()
	var wg sync.WaitGroup
	for _, list := range []func() error{
		func() error { _, _, err := c.Certificates.List(ctx, nil); return err },
		func() error { _, _, err := c.Profiles.List(ctx, nil); return err },
		func() error { _, _, err := c.BundleIDs.List(ctx, nil); return err },
		func() error { _, _, err := c.Devices.List(ctx, nil); return err },
	} {
		wg.Go(func() {
			if err := list(); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	st := srv.StatsAfter(8)
	if n := st.MaxInFlightByKey[key.KeyID]; n > 3 || n < 2 {
		t.Errorf("%d requests in flight at most; want between 2 (lists ran side by side) and the limit 3", n)
	}
	if st.Requests != 8 || st.DistinctTokens != 1 {
		t.Errorf("%d requests, %d tokens; want 8 and 1", st.Requests, st.DistinctTokens)
	}
}

// promisedInFlight is how many requests per key the README promises the
// client keeps in flight at most, as Apple throttles bursts. Tests compare
// with it, not with Client.MaxInFlight, so that raising the default fails.
const promisedInFlight = 4

// TestAtMostFourInFlightPerKey: a default client keeps 4 requests in flight
// when it has more to send. The sandbox holds the first ones until 4 are in
// flight, so the 4 are reached for certain; 8 single downloads at once never
// go beyond.
func TestAtMostFourInFlightPerKey(t *testing.T) {
	srv := sandbox.StartTest(t, sandbox.Config{Seed: 18, Certificates: 8})
	key := srv.NewKey(core.KindTeam, sandbox.RoleAdmin)
	c := clientFor(srv, key)
	if n := c.MaxInFlight(); n != promisedInFlight {
		t.Errorf("a default client keeps %d requests in flight; the README promises %d", n, promisedInFlight)
	}
	certs, _, err := c.Certificates.List(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	srv.ResetStats()
	srv.HoldUntilInFlight(promisedInFlight, 30*time.Second)
	var wg sync.WaitGroup
	dir := t.TempDir()
	for _, cert := range certs {
		wg.Go(func() {
			if _, err := c.Certificates.Download(context.Background(), cert, dir, core.DownloadOptions{}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := srv.StatsAfter(len(certs)).MaxInFlightByKey[key.KeyID]; n != promisedInFlight {
		t.Errorf("%d requests in flight at most for %d downloads at once; want %d", n, len(certs), promisedInFlight)
	}
}

func TestSandboxEveryDownload(t *testing.T) {
	srv := sandbox.StartTest(t, sandbox.Config{Seed: 15})
	c, _ := sandboxClient(t, srv, core.KindTeam, sandbox.RoleAdmin)
	ctx := context.Background()
	items, _ := downloadSet(t, srv, c) // every certificate and profile
	dir := t.TempDir()
	calls := 0
	results, err := c.DownloadMany(ctx, items, dir, core.DownloadOptions{}, func(done, total int, _ core.DownloadResult) { calls++ })
	if err != nil {
		t.Fatal(err)
	}
	if calls != len(items) {
		t.Errorf("progress called %d times for %d items", calls, len(items))
	}
	for _, r := range results {
		data, err := os.ReadFile(r.Path)
		if err != nil {
			t.Fatal(err)
		}
		var want []byte
		switch {
		case r.Item.Certificate != nil:
			ci, err := srv.Certificate(r.Item.Certificate.ID)
			if err != nil {
				t.Fatal(err)
			}
			want = ci.DER
			if filepath.Base(r.Path) != core.CertificateFileName(*r.Item.Certificate) {
				t.Errorf("certificate saved as %s", filepath.Base(r.Path))
			}
		default:
			pi, err := srv.Profile(r.Item.Profile.ID)
			if err != nil {
				t.Fatal(err)
			}
			want = pi.Content
			if filepath.Base(r.Path) != pi.UUID+".mobileprovision" {
				t.Errorf("profile saved as %s, want %s.mobileprovision", filepath.Base(r.Path), pi.UUID)
			}
		}
		if !bytes.Equal(data, want) {
			t.Errorf("%s: the file differs from the sandbox's bytes", r.Item)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != len(items) {
		t.Errorf("%d files for %d items", len(entries), len(items))
	}
	if st := srv.Stats(); st.MaxInFlight > promisedInFlight {
		t.Errorf("downloads had %d requests in flight; the README promises at most %d", st.MaxInFlight, promisedInFlight)
	}
}

// errorCase is one way App Store Connect can fail a call, and what the
// client must make of it.
func TestSandboxErrors(t *testing.T) {
	ctx := context.Background()

	t.Run("401 unknown Key ID", func(t *testing.T) {
		srv := sandbox.StartTest(t, sandbox.Config{Seed: 21})
		key := sandbox.NewTestKey(core.KindTeam, sandbox.RoleAdmin) // never registered
		c := clientFor(srv, key)
		_, _, err := c.Verify(ctx)
		if !core.IsUnauthorized(err) || !strings.Contains(err.Error(), "Key ID, Issuer ID or key kind is wrong") {
			t.Fatalf("err = %v", err)
		}
		if st := srv.StatsAfter(2); st.Unauthorized != 2 || c.Tokens().Signed() != 2 {
			t.Errorf("%d 401s, %d tokens signed; want one fresh token and one retry (2, 2)", st.Unauthorized, c.Tokens().Signed())
		}
		if strings.Contains(err.Error(), "eyJ") {
			t.Error("the error carries a token")
		}
	})
	t.Run("401 revoked key", func(t *testing.T) {
		srv := sandbox.StartTest(t, sandbox.Config{Seed: 21})
		c, key := sandboxClient(t, srv, core.KindTeam, sandbox.RoleAdmin)
		if _, _, err := c.Verify(ctx); err != nil {
			t.Fatal(err)
		}
		srv.RevokeKey(key.KeyID)
		if _, _, err := c.Devices.List(ctx, nil); !core.IsUnauthorized(err) || !strings.Contains(err.Error(), "revoked") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("401 team key on the enterprise server", func(t *testing.T) {
		srv := sandbox.StartTest(t, sandbox.Config{Seed: 21})
		key := srv.NewKey(core.KindTeam, sandbox.RoleAdmin)
		c := clientFor(srv, key, core.WithBaseURL(srv.EnterpriseURL()))
		if _, _, err := c.Verify(ctx); !core.IsUnauthorized(err) {
			t.Errorf("err = %v", err)
		}
		// The same key kind chosen right works.
		ent, _ := sandboxClient(t, srv, core.KindEnterprise, sandbox.RoleAdmin)
		if res, _, err := ent.Verify(ctx); err != nil || res.Certificates == 0 {
			t.Errorf("enterprise key: %+v, %v", res, err)
		}
	})
	t.Run("individual key", func(t *testing.T) {
		srv := sandbox.StartTest(t, sandbox.Config{Seed: 21, Apps: 6})
		c, _ := sandboxClient(t, srv, core.KindIndividual, sandbox.RoleAdmin)
		_, _, err := c.Profiles.List(ctx, nil)
		if !errors.Is(err, core.ErrIndividualKeyProvisioning) || srv.Stats().Requests != 0 {
			t.Errorf("err = %v after %d requests; want the refusal before any request", err, srv.Stats().Requests)
		}
		// What an individual key can do, Verify does.
		res, _, err := c.Verify(ctx)
		if err != nil || res.Apps != 6 {
			t.Errorf("Verify = %+v, %v", res, err)
		}
	})
	t.Run("403 developer role downloading distribution", func(t *testing.T) {
		srv := sandbox.StartTest(t, sandbox.Config{Seed: 21})
		c, _ := sandboxClient(t, srv, core.KindTeam, sandbox.RoleDeveloper)
		certs, _, err := c.Certificates.List(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		dev := map[string]bool{}
		for _, ci := range srv.Certificates() {
			dev[ci.ID] = ci.Development
		}
		var tried [2]bool
		for _, cert := range certs {
			if tried[btoi(dev[cert.ID])] {
				continue
			}
			tried[btoi(dev[cert.ID])] = true
			_, err := c.Certificates.Download(ctx, cert, t.TempDir(), core.DownloadOptions{})
			if dev[cert.ID] && err != nil {
				t.Errorf("development certificate: %v", err)
			}
			if !dev[cert.ID] && (!core.IsForbidden(err) || !strings.Contains(err.Error(), "Admin")) {
				t.Errorf("distribution certificate %s: err = %v", cert.CertificateType, err)
			}
		}
		if !tried[0] || !tried[1] {
			t.Error("the sandbox lacks development or distribution certificates")
		}
		// DownloadMany's batch of them all is refused whole (403), as some
		// are distribution certificates: the development ones still arrive,
		// one request each, and the others fail in the same words.
		items := make([]core.DownloadItem, len(certs))
		for i := range certs {
			items[i] = core.DownloadItem{Certificate: &certs[i]}
		}
		results, _ := c.DownloadMany(ctx, items, t.TempDir(), core.DownloadOptions{}, nil)
		for _, r := range results {
			if isDev := dev[r.Item.Certificate.ID]; isDev && r.Err != nil {
				t.Errorf("DownloadMany, development certificate: %v", r.Err)
			} else if !isDev && (!core.IsForbidden(r.Err) || !strings.Contains(r.Err.Error(), "Admin") || r.Path != "") {
				t.Errorf("DownloadMany, distribution certificate %s: %q, %v", r.Item.Certificate.CertificateType, r.Path, r.Err)
			}
		}
	})
	t.Run("404", func(t *testing.T) {
		srv := sandbox.StartTest(t, sandbox.Config{Seed: 21})
		c, _ := sandboxClient(t, srv, core.KindTeam, sandbox.RoleAdmin)
		_, err := c.Profiles.Download(ctx, core.Profile{ID: "NOSUCHPROF1", Name: "Gone", UUID: "x"}, t.TempDir(), core.DownloadOptions{})
		if !core.IsNotFound(err) || srv.StatsAfter(1).Requests != 1 {
			t.Errorf("err = %v", err)
		}
	})
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestSandboxFaultsAreRetried(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		fault  sandbox.Fault
		faults int
		waits  string // exact waits, when Retry-After sets them
	}{
		{"5xx burst", sandbox.Fault{Kind: sandbox.FaultStatus, Status: 503, Times: 3}, 3, ""},
		{"429 with Retry-After", sandbox.Fault{Kind: sandbox.FaultStatus, Status: 429, RetryAfter: "2"}, 1, "[2s]"},
		{"429 without Retry-After", sandbox.Fault{Kind: sandbox.FaultStatus, Status: 429}, 1, ""},
		{"dropped connection", sandbox.Fault{Kind: sandbox.FaultDrop, Times: 2}, 2, ""},
		{"truncated body", sandbox.Fault{Kind: sandbox.FaultTruncate}, 1, ""},
		{"garbled JSON", sandbox.Fault{Kind: sandbox.FaultBadJSON}, 1, ""},
		{"HTML page from a proxy", sandbox.Fault{Kind: sandbox.FaultHTML, Status: 502}, 1, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := sandbox.StartTest(t, sandbox.Config{Seed: 31, Profiles: 250})
			var waits []time.Duration
			c, _ := sandboxClient(t, srv, core.KindTeam, sandbox.RoleAdmin, core.WithSleepRecorder(&waits))
			// The fault hits the second page, so the list resumes where it was.
			tc.fault.Match = func(r *http.Request) bool { return r.URL.Query().Has("cursor") }
			srv.InjectFaults(tc.fault)
			profiles, resp, err := c.Profiles.List(ctx, nil)
			if err != nil || len(profiles) != 250 {
				t.Fatalf("%d profiles, err = %v", len(profiles), err)
			}
			st := srv.StatsAfter(2 + tc.faults)
			if st.Faults != tc.faults || st.Requests != 2+tc.faults || resp.Pages != 2 {
				t.Errorf("%d faults in %d requests, %d pages; want %d faults in %d requests, 2 pages", st.Faults, st.Requests, resp.Pages, tc.faults, 2+tc.faults)
			}
			// Go's transport itself resends a GET whose reused connection was
			// dropped before any answer, so the client may see fewer failures
			// than the sandbox caused; every one it saw was waited for.
			if resp.Requests < 3 || resp.Requests > 2+tc.faults || len(waits) != resp.Requests-2 {
				t.Errorf("client: %d requests, %d waits", resp.Requests, len(waits))
			}
			if tc.waits != "" && fmt.Sprint(waits) != tc.waits {
				t.Errorf("waited %v, want %s (Retry-After)", waits, tc.waits)
			}
			if c.Tokens().Signed() != 1 {
				t.Errorf("%d tokens signed", c.Tokens().Signed())
			}
		})
	}
}

func TestSandboxFaultsThatLast(t *testing.T) {
	ctx := context.Background()
	t.Run("5xx past the attempts", func(t *testing.T) {
		srv := sandbox.StartTest(t, sandbox.Config{Seed: 32})
		var waits []time.Duration
		c, _ := sandboxClient(t, srv, core.KindTeam, sandbox.RoleAdmin, core.WithSleepRecorder(&waits))
		srv.InjectFaults(sandbox.Fault{Kind: sandbox.FaultStatus, Status: 500, Times: 10})
		_, resp, err := c.Devices.List(ctx, nil)
		if err == nil || !strings.Contains(err.Error(), "Apple's servers had a problem") || resp.Requests != 4 {
			t.Errorf("err = %v after %d requests", err, resp.Requests)
		}
	})
	t.Run("HTML page every time", func(t *testing.T) {
		srv := sandbox.StartTest(t, sandbox.Config{Seed: 32})
		var waits []time.Duration
		c, _ := sandboxClient(t, srv, core.KindTeam, sandbox.RoleAdmin, core.WithSleepRecorder(&waits))
		srv.InjectFaults(sandbox.Fault{Kind: sandbox.FaultHTML, Status: 502, Times: 10})
		_, _, err := c.Devices.List(ctx, nil)
		if err == nil || !strings.Contains(err.Error(), "HTML page") || strings.Contains(err.Error(), "nginx") || strings.Contains(err.Error(), "<") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("stalled body", func(t *testing.T) {
		srv := sandbox.StartTest(t, sandbox.Config{Seed: 32})
		c, _ := sandboxClient(t, srv, core.KindTeam, sandbox.RoleAdmin,
			core.WithRequestTimeout(100*time.Millisecond), core.WithRetry(core.RetryPolicy{MaxAttempts: 1}))
		srv.InjectFaults(sandbox.Fault{Kind: sandbox.FaultStall, Stall: time.Minute})
		_, _, err := c.Devices.List(ctx, nil)
		var ne *core.NetworkError
		if !errors.As(err, &ne) || ne.Timeout == 0 || !strings.Contains(err.Error(), "did not answer within") {
			t.Fatalf("err = %v", err)
		}
		// With retries, a later try gets the whole answer. The stalled try
		// ends at the timeout for certain (the stall lasts a minute); the
		// timeout is generous for the healthy answers, and should one of
		// them outlast it on a busy machine, the tries left cover it.
		var waits []time.Duration
		c2 := clientFor(srv, srv.NewKey(core.KindTeam, sandbox.RoleAdmin), core.WithRequestTimeout(time.Second), core.WithSleepRecorder(&waits))
		srv.ResetStats()
		srv.InjectFaults(sandbox.Fault{Kind: sandbox.FaultStall, Stall: time.Minute})
		_, resp, err := c2.Devices.List(ctx, nil)
		log := srv.Requests()
		if err != nil || resp.Requests < 2 || len(log) < 2 || log[0].Fault != "stall" || log[len(log)-1].Status != 200 {
			t.Errorf("with retries: err = %v after %d requests; want the stalled one, then an answer", err, resp.Requests)
		}
	})
}

func TestSandboxCancellation(t *testing.T) {
	srv := sandbox.StartTest(t, sandbox.Config{Seed: 33, Latency: time.Minute})
	c, _ := sandboxClient(t, srv, core.KindTeam, sandbox.RoleAdmin)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	done := make(chan error, 1)
	go func() { _, _, err := c.Profiles.List(ctx, nil); done <- err }()
	select {
	case err := <-done:
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("err = %v, want the context's error", err)
		}
	case <-time.After(10 * time.Second): // a hang guard, not a timing assertion
		t.Fatal("the list did not end with its context")
	}
}

// Quirks Apple's live API has are tolerated: unknown enums are kept, and
// expiry comes from the date, not from profileState.
func TestSandboxQuirks(t *testing.T) {
	srv := sandbox.StartTest(t, sandbox.Config{Seed: 34, Quirks: true, Profiles: 120, Certificates: 60})
	c, _ := sandboxClient(t, srv, core.KindTeam, sandbox.RoleAdmin)
	ctx := context.Background()
	profiles, _, err := c.Profiles.List(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	activeButExpired := 0
	for _, p := range profiles {
		e := p.Expiry(now)
		if (e.State == core.ExpiryExpired) != p.ExpirationDate.Before(now) {
			t.Errorf("profile %s expiring %v is %v", p.ID, p.ExpirationDate, e.State)
		}
		if p.ProfileState == "ACTIVE" && e.State == core.ExpiryExpired {
			activeButExpired++
		}
	}
	if activeButExpired == 0 {
		t.Error("no ACTIVE profile past its date: the quirk is untested")
	}
	certs, _, err := c.Certificates.List(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, c := range certs {
		seen[c.Platform] = true
		seen[c.CertificateType] = true
	}
	for _, v := range []string{"MAC_OS_X", "", "DEVELOPER_ID_INSTALLER"} {
		if !seen[v] {
			t.Errorf("no certificate with %q came through", v)
		}
	}
	if core.PlatformLabel("MAC_OS_X") != "macOS" || core.PlatformLabel("") != "—" {
		t.Error("odd platforms are not labelled")
	}
}

// Every request the client can send is one Apple's spec allows, checked by
// the sandbox against the spec; a request made wrong on purpose is caught.
func TestSandboxSpecFidelity(t *testing.T) {
	spec := sandbox.FindSpec()
	if spec == "" {
		sharedtest.Missing(t, "Apple's OpenAPI spec is not next to the repository (../shared/spec): cannot check requests against it")
	}
	// run makes every kind of request and returns what the sandbox found
	// outside the spec, and the calls that failed.
	run := func(t *testing.T, opts ...core.Option) (violations, failures []string) {
		srv := sandbox.StartTest(t, sandbox.Config{Seed: 41, Spec: apispec.New(spec), Profiles: 230, Apps: 3})
		c, _ := sandboxClient(t, srv, core.KindTeam, sandbox.RoleAdmin, opts...)
		ind, _ := sandboxClient(t, srv, core.KindIndividual, sandbox.RoleAdmin, opts...)
		ent, _ := sandboxClient(t, srv, core.KindEnterprise, sandbox.RoleAdmin, opts...)
		ctx := context.Background()
		certs, _, err := c.Certificates.List(ctx, nil)
		if err != nil {
			return srv.SpecViolations(), []string{err.Error()}
		}
		profiles, _, _ := c.Profiles.List(ctx, nil)
		calls := []func() error{
			func() error {
				_, _, err := c.Certificates.List(ctx, &core.CertificateListOptions{Types: core.CertificateTypes(), DisplayName: certs[0].DisplayName, Serial: certs[0].SerialNumber})
				return err
			},
			func() error {
				_, _, err := c.Profiles.List(ctx, &core.ProfileListOptions{Types: core.ProfileTypes(), States: []string{"ACTIVE", "INVALID"}, Name: profiles[0].Name})
				return err
			},
			func() error { _, _, err := c.BundleIDs.List(ctx, nil); return err },
			func() error {
				_, _, err := c.BundleIDs.List(ctx, &core.BundleIDListOptions{Platforms: []string{"IOS", "MAC_OS", "UNIVERSAL"}, Identifier: "com.example.x"})
				return err
			},
			func() error { _, _, err := c.Devices.List(ctx, nil); return err },
			func() error {
				_, _, err := c.Devices.List(ctx, &core.DeviceListOptions{Platforms: []string{"IOS", "MAC_OS", "UNIVERSAL"}, Statuses: []string{"ENABLED", "DISABLED"}})
				return err
			},
			func() error { _, _, err := c.Verify(ctx); return err },
			func() error { _, _, err := ind.Verify(ctx); return err },
			func() error { _, _, err := ent.Verify(ctx); return err },
			func() error {
				_, err := c.Certificates.Download(ctx, certs[0], t.TempDir(), core.DownloadOptions{})
				return err
			},
			func() error {
				_, err := c.Profiles.Download(ctx, profiles[0], t.TempDir(), core.DownloadOptions{})
				return err
			},
		}
		for _, call := range calls {
			if err := call(); err != nil {
				failures = append(failures, err.Error())
			}
		}
		if n := len(srv.Requests()); n < 14 {
			failures = append(failures, fmt.Sprintf("only %d requests were made", n))
		}
		return srv.SpecViolations(), failures
	}
	if v, f := run(t); len(v)+len(f) != 0 {
		t.Errorf("requests or responses outside the spec:\n%s\nfailed calls:\n%s", strings.Join(v, "\n"), strings.Join(f, "\n"))
	}
	// Made wrong on purpose: a fields value the spec does not have. The
	// sandbox's spec check, not only its own parameter parsing, must see it.
	v, _ := run(t, core.WithExtraQuery("fields[certificates]", "certificateSecret"))
	if !slices.ContainsFunc(v, func(s string) bool { return strings.Contains(s, "certificateSecret") }) {
		t.Errorf("a bogus fields value went unnoticed by the spec check: %v", v)
	}
	t.Logf("the spec check caught the bogus request: %.300s", strings.Join(v, " | "))
}

// BenchmarkSandboxListProfiles lists 1,000 profiles from the sandbox and
// reports the requests and tokens one listing costs.
func BenchmarkSandboxListProfiles(b *testing.B) {
	srv := sandbox.New(sandbox.Config{Seed: 51, Profiles: 1000, HourlyLimit: 1 << 30})
	if err := srv.Start(); err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	c := clientFor(srv, srv.NewKey(core.KindTeam, sandbox.RoleAdmin))
	ctx := context.Background()
	var requests, runs int
	for b.Loop() {
		runs++
		profiles, resp, err := c.Profiles.List(ctx, nil)
		if err != nil || len(profiles) != 1000 {
			b.Fatalf("%d profiles, %v", len(profiles), err)
		}
		requests += resp.Requests
	}
	b.ReportMetric(float64(requests)/float64(runs), "requests/op")
	b.ReportMetric(float64(c.Tokens().Signed()), "tokens")
}

// TestSandboxBatchedDownloads: 480 profiles cost ceil(480/200) = 3 content
// requests, not one each, within the in-flight limit, and the files are
// byte for byte what single downloads write.
func TestSandboxBatchedDownloads(t *testing.T) {
	cfg := sandbox.Config{Seed: 16, Certificates: 2, Profiles: 480, HourlyLimit: 10000}
	// The batch requests are checked against Apple's spec where it is here;
	// TestSandboxSpecFidelity says so when it is not.
	if spec := sandbox.FindSpec(); spec != "" {
		cfg.Spec = apispec.New(spec)
	}
	srv := sandbox.StartTest(t, cfg)
	c, key := sandboxClient(t, srv, core.KindTeam, sandbox.RoleAdmin)
	ctx := context.Background()
	profiles, _, err := c.Profiles.List(ctx, nil)
	if err != nil || len(profiles) != 480 {
		t.Fatalf("%d profiles, %v", len(profiles), err)
	}
	items := make([]core.DownloadItem, len(profiles))
	for i := range profiles {
		items[i] = core.DownloadItem{Profile: &profiles[i]}
	}
	srv.ResetStats()
	batched := t.TempDir()
	results, err := c.DownloadMany(ctx, items, batched, core.DownloadOptions{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	st := srv.StatsAfter(3)
	if st.Requests != 3 || st.ByRoute["GET /v1/profiles"] != 3 {
		t.Errorf("%d requests (%v) for 480 profiles; want ceil(480/200) = 3 content requests", st.Requests, st.ByRoute)
	}
	if n := st.MaxInFlightByKey[key.KeyID]; n > promisedInFlight {
		t.Errorf("%d requests in flight; the README promises at most %d", n, promisedInFlight)
	}
	single := t.TempDir()
	for _, p := range profiles {
		if _, err := c.Profiles.Download(ctx, p, single, core.DownloadOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range results {
		got, err := os.ReadFile(r.Path)
		if err != nil {
			t.Fatal(err)
		}
		want, err := os.ReadFile(filepath.Join(single, filepath.Base(r.Path)))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s differs from the single download's file (%v)", filepath.Base(r.Path), err)
		}
	}
	if v := srv.SpecViolations(); len(v) > 0 {
		t.Errorf("requests the spec does not allow:\n%s", strings.Join(v, "\n"))
	}
}
