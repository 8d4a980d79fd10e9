package core_test

import (
	"context"
	"net/http"
	"slices"
	"testing"

	"github.com/asckeys/asckeys/core"
	"github.com/asckeys/asckeys/sandbox"
	"github.com/asckeys/asckeys/sandbox/apispec"
)

// requestsBy counts the sandbox's logged list requests to path with and
// without the filter.
func requestsBy(srv *sandbox.Server, path, filter string) (filtered, unfiltered int) {
	for _, r := range srv.Requests() {
		if r.Method != http.MethodGet || r.Path != path {
			continue
		}
		if r.Query.Has("filter[" + filter + "]") {
			filtered++
		} else {
			unfiltered++
		}
	}
	return filtered, unfiltered
}

func profileIDs(ps []core.Profile) []string {
	return ids(ps, func(p core.Profile) string { return p.ID })
}

// A list of many pages over a few profile types is fetched as partitions, one
// per type, and gives exactly what the one chain of pages gives, each
// request as Apple's spec allows.
func TestPartitionedListIsTheSequentialList(t *testing.T) {
	spec := sandbox.FindSpec()
	if spec == "" {
		t.Skip("Apple's OpenAPI document is not next to the repository (../shared/spec)")
	}
	srv := sandbox.StartTest(t, sandbox.Config{Seed: 21, Profiles: 1400, Certificates: 30, Devices: 40,
		ProfileTypes: []string{"IOS_APP_STORE", "IOS_APP_DEVELOPMENT", "MAC_APP_STORE"}, Spec: apispec.New(spec)})
	c, _ := sandboxClient(t, srv, core.KindTeam, sandbox.RoleAdmin)
	ctx := context.Background()

	parts, resp, err := c.Profiles.List(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	filtered, unfiltered := requestsBy(srv, "/v1/profiles", "profileType")
	if unfiltered != 1 || filtered < 3 {
		t.Errorf("%d requests filtered by type and %d not; want the first page unfiltered and the rest by type", filtered, unfiltered)
	}
	if resp.Requests != filtered+unfiltered {
		t.Errorf("the response counts %d requests, the sandbox saw %d", resp.Requests, filtered+unfiltered)
	}
	if v := srv.SpecViolations(); len(v) > 0 {
		t.Errorf("requests or answers outside Apple's spec: %v", v)
	}

	srv.ResetStats()
	seq, _, err := c.Profiles.List(ctx, &core.ProfileListOptions{ListOptions: core.ListOptions{Sequential: true}})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := profileIDs(parts), profileIDs(seq); !slices.Equal(got, want) {
		t.Fatalf("partitions listed %d profiles, the chain %d (or others, or in another order)", len(got), len(want))
	}
	if !slices.Equal(profileIDs(seq), slices.Sorted(slices.Values(srv.ProfileIDs()))) {
		t.Errorf("the chain listed %d profiles, the sandbox holds %d", len(seq), len(srv.ProfileIDs()))
	}
	for i := range parts {
		if !slices.Equal(parts[i].DeviceIDs, seq[i].DeviceIDs) || parts[i].BundleIdentifier != seq[i].BundleIdentifier ||
			parts[i].Name != seq[i].Name || parts[i].ProfileType != seq[i].ProfileType {
			t.Fatalf("profile %s differs between the partitions and the chain", parts[i].ID)
		}
	}
}

// A profile of a type Apple's enum does not know is in no partition: the
// totals do not add up, and the list goes on as the one chain from its
// first page, listing it too.
func TestPartitionedListFallsBackForAnUnknownType(t *testing.T) {
	srv := sandbox.StartTest(t, sandbox.Config{Seed: 22, Profiles: 1400, Certificates: 30, Devices: 40,
		ProfileTypes: []string{"IOS_APP_STORE", "IOS_APP_DEVELOPMENT", "MAC_APP_STORE", "IOS_APP_ADHOC", "IOS_APP_STORE", "MAC_APP_INHOUSE"}})
	c, _ := sandboxClient(t, srv, core.KindTeam, sandbox.RoleAdmin)
	ctx := context.Background()

	got, _, err := c.Profiles.List(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	filtered, unfiltered := requestsBy(srv, "/v1/profiles", "profileType")
	if filtered == 0 || unfiltered != 7 {
		t.Errorf("%d requests by type, %d unfiltered; want partitions tried, then the whole chain of 7 pages", filtered, unfiltered)
	}
	want := slices.Sorted(slices.Values(srv.ProfileIDs()))
	if !slices.Equal(profileIDs(got), want) {
		t.Fatalf("listed %d profiles, the sandbox holds %d (or others)", len(got), len(want))
	}
	unknown := 0
	for _, p := range got {
		if p.ProfileType == "MAC_APP_INHOUSE" {
			unknown++
		}
	}
	if unknown == 0 {
		t.Error("no MAC_APP_INHOUSE profile listed")
	}
}
