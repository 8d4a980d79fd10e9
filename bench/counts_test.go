//go:build unix

package bench

import (
	"context"
	"testing"

	"github.com/asckeys/asckeys/core"
	"github.com/asckeys/asckeys/sandbox"
)

// TestLargeAccountCounts checks the counts of figure 1 without latency, so
// that `go test ./...` catches a regression before anyone runs the
// benchmarks: each list of the large account, as one chain of pages, takes
// ceil(N/200) requests, and the four lists loaded side by side sign one
// token, which the sandbox sees as the only one; listed as the window lists
// them (in partitions where they pay), they hold the same items.
func TestLargeAccountCounts(t *testing.T) {
	if testing.Short() {
		t.Skip("lists 8,500 items")
	}
	srv := startSandbox(t, largeAccount)
	key := srv.NewKey(core.KindTeam, sandbox.RoleAdmin)
	c, ct := newClient(srv.URL(), key)
	l, err := listAll(context.Background(), c, true)
	if err != nil {
		t.Fatal(err)
	}
	want := [4]int{largeAccount.Certificates, largeAccount.Profiles, largeAccount.BundleIDs, largeAccount.Devices}
	sent := 0
	for i, n := range want {
		if l.items[i] != n {
			t.Errorf("%s: listed %d, the sandbox holds %d", listNames[i], l.items[i], n)
		}
		if got := l.resp[i].Requests; got != pages(n) {
			t.Errorf("%s: %d requests for %d items, want %d (pages of %d)", listNames[i], got, n, pages(n), pageSize)
		}
		sent += l.resp[i].Requests
	}
	st := srv.StatsAfter(sent)
	if st.Requests != sent {
		t.Errorf("the sandbox counted %d requests, the client %d", st.Requests, sent)
	}
	if signed := c.Tokens().Signed(); signed != 1 || st.DistinctTokens != 1 {
		t.Errorf("%d tokens signed, %d seen by the sandbox; want 1 and 1", signed, st.DistinctTokens)
	}
	if n := ct.maxInFlight(); n > c.MaxInFlight() {
		t.Errorf("%d requests in flight at once, the limit is %d", n, c.MaxInFlight())
	}

	app, err := listAll(context.Background(), c, false)
	if err != nil {
		t.Fatal(err)
	}
	if app.items != l.items {
		t.Errorf("in partitions: listed %v, as chains %v", app.items, l.items)
	}
	if n := ct.maxInFlight(); n > c.MaxInFlight() {
		t.Errorf("in partitions: %d requests in flight at once, the limit is %d", n, c.MaxInFlight())
	}
}
