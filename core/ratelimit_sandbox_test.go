package core_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/asckeys/asckeys/core"
	"github.com/asckeys/asckeys/sandbox"
)

// TestSandboxHourlyBudgetSpent: a 429 whose X-Rate-Limit says nothing is left
// of the hour's budget will not clear within any retry's wait, so the client
// stops at the first one and says so, in a typed error.
func TestSandboxHourlyBudgetSpent(t *testing.T) {
	srv := sandbox.StartTest(t, sandbox.Config{Seed: 31, HourlyLimit: 1})
	rec := &waitRecorder{}
	c, _ := sandboxClient(t, srv, core.KindTeam, sandbox.RoleAdmin, core.WithSleep(rec.sleep))
	ctx := context.Background()
	if _, _, err := c.Verify(ctx); err != nil { // spends the budget of 1
		t.Fatal(err)
	}
	srv.ResetStats()
	_, _, err := c.Devices.List(ctx, nil)
	if st := srv.StatsAfter(1); st.Requests != 1 || st.RateLimited != 1 {
		t.Errorf("%d requests (%d refused for the budget), waits %v; want exactly 1: the budget does not return in seconds",
			st.Requests, st.RateLimited, rec.all())
	}
	var rle *core.RateLimitError
	if !errors.As(err, &rle) {
		t.Fatalf("err = %v (%T); want a *core.RateLimitError", err, err)
	}
	if rle.Limit != 1 || rle.Remaining != 0 {
		t.Errorf("Limit %d, Remaining %d; want 1 and 0", rle.Limit, rle.Remaining)
	}
	if rl := c.LastRateLimit(); !rl.Known || rl.Remaining != 0 || rl.Limit != 1 {
		t.Errorf("LastRateLimit = %+v", rl)
	}
	if !core.IsRateLimited(err) {
		t.Error("IsRateLimited is false for a spent budget")
	}
	assertSays(t, err, "hourly budget of 1 requests at App Store Connect is spent", "within the hour")
	if n := strings.Count(err.Error(), "App Store Connect"); n > 1 {
		t.Errorf("the message names App Store Connect %d times:\n%v", n, err)
	}
}

// TestSandboxBurstThrottleRetried: a 429 that leaves budget (Apple throttling
// a burst) or names a Retry-After is retried as before.
func TestSandboxBurstThrottleRetried(t *testing.T) {
	for _, tc := range []struct {
		name  string
		fault sandbox.Fault
	}{
		{"budget left", sandbox.Fault{Kind: sandbox.FaultStatus, Status: 429}},
		{"Retry-After", sandbox.Fault{Kind: sandbox.FaultStatus, Status: 429, RetryAfter: "3"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := sandbox.StartTest(t, sandbox.Config{Seed: 31})
			rec := &waitRecorder{}
			c, _ := sandboxClient(t, srv, core.KindTeam, sandbox.RoleAdmin, core.WithSleep(rec.sleep))
			srv.InjectFaults(tc.fault)
			if _, _, err := c.Devices.List(context.Background(), nil); err != nil {
				t.Fatal(err)
			}
			if st := srv.StatsAfter(2); st.Requests != 2 || len(rec.all()) != 1 {
				t.Errorf("%d requests, waits %v; want 2 and one wait", st.Requests, rec.all())
			}
		})
	}
}
