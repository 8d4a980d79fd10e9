package core_test

import (
	"context"
	"slices"
	"testing"

	"github.com/asckeys/asckeys/core"
	"github.com/asckeys/asckeys/sandbox"
)

// The client asks for gzip and the sandbox, as Apple, sends it: the profile
// list is the same, and what crossed the network is a fraction of it.
func TestSandboxListsInGzip(t *testing.T) {
	srv := sandbox.StartTest(t, sandbox.Config{Seed: 3, Profiles: 450})
	c, _ := sandboxClient(t, srv, core.KindTeam, sandbox.RoleAdmin)
	profiles, resp, err := c.Profiles.List(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(profiles, func(p core.Profile) string { return p.ID }); !slices.Equal(got, slices.Sorted(slices.Values(srv.ProfileIDs()))) {
		t.Fatalf("listed %d profiles, the sandbox holds %d (or in another order)", len(got), len(srv.ProfileIDs()))
	}
	st := srv.Stats()
	if resp.BytesOnWire != st.BytesSent || resp.BytesReceived != st.BodyBytes {
		t.Errorf("client counted %d bytes on the wire and %d decoded; the sandbox sent %d of %d",
			resp.BytesOnWire, resp.BytesReceived, st.BytesSent, st.BodyBytes)
	}
	if resp.BytesOnWire <= 0 || resp.BytesOnWire*4 > resp.BytesReceived {
		t.Errorf("%d bytes on the wire for %d of JSON: the answers did not come compressed", resp.BytesOnWire, resp.BytesReceived)
	}
}
