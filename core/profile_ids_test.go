package core_test

import (
	"context"
	"slices"
	"testing"

	"github.com/asckeys/asckeys/core"
	"github.com/asckeys/asckeys/sandbox"
)

// A listed profile carries the ids of its certificates and devices: the
// first 50 of each from the listing, every one after CompleteIDs, which
// costs requests only for the profiles with more.
func TestProfileIDsFromListingAndCompleteIDs(t *testing.T) {
	srv := sandbox.StartTest(t, sandbox.Config{Seed: 31, Certificates: 20, Profiles: 300, BundleIDs: 20, Devices: 150})
	c, _ := sandboxClient(t, srv, core.KindTeam, sandbox.RoleAdmin)
	ctx := context.Background()
	profiles, _, err := c.Profiles.List(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]sandbox.ProfileInfo{}
	for _, p := range srv.Profiles() {
		want[p.ID] = p
	}
	long := 0
	for _, p := range profiles {
		w := want[p.ID]
		if !slices.Equal(sorted(p.CertificateIDs), sorted(w.CertificateIDs)) {
			t.Errorf("profile %s lists certificates %v, the sandbox %v", p.ID, p.CertificateIDs, w.CertificateIDs)
		}
		if len(w.DeviceIDs) <= 50 {
			if !slices.Equal(sorted(p.DeviceIDs), sorted(w.DeviceIDs)) {
				t.Errorf("profile %s lists devices %v, the sandbox %v", p.ID, p.DeviceIDs, w.DeviceIDs)
			}
			continue
		}
		long++
		if len(p.DeviceIDs) != 50 || p.DeviceCount != len(w.DeviceIDs) {
			t.Errorf("profile %s with %d devices: listing gave %d ids, count %d", p.ID, len(w.DeviceIDs), len(p.DeviceIDs), p.DeviceCount)
		}
		before := srv.Stats().Requests
		resp, err := c.Profiles.CompleteIDs(ctx, &p, true, true)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(sorted(p.DeviceIDs), sorted(w.DeviceIDs)) {
			t.Errorf("after CompleteIDs profile %s has %d device ids, the sandbox %d", p.ID, len(p.DeviceIDs), len(w.DeviceIDs))
		}
		if got := srv.Stats().Requests - before; got != 1 || resp.Requests != 1 {
			t.Errorf("CompleteIDs of %d devices sent %d requests (counted %d), want 1", len(w.DeviceIDs), got, resp.Requests)
		}
	}
	if long == 0 {
		t.Fatal("the seed has no profile with more than 50 devices: the test proves nothing")
	}
	// A complete profile costs nothing.
	p := profiles[0]
	p.DeviceIDs, p.DeviceCount = p.DeviceIDs[:len(p.DeviceIDs):len(p.DeviceIDs)], len(p.DeviceIDs)
	before := srv.Stats().Requests
	if _, err := c.Profiles.CompleteIDs(ctx, &p, true, true); err != nil || srv.Stats().Requests != before {
		t.Errorf("CompleteIDs of a complete profile: %v, %d requests", err, srv.Stats().Requests-before)
	}
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}
