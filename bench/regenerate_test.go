//go:build unix

package bench

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/asckeys/asckeys/actions"
	"github.com/asckeys/asckeys/core"
	"github.com/asckeys/asckeys/sandbox"
	"github.com/asckeys/asckeys/storage"
)

// regenerateCount is how many profiles figure 8 regenerates.
const regenerateCount = 50

// regenerateTarget is issue 14's target for regenerating N profiles: 1.2 ×
// ceil(N/4) × 2 round trips.
const regenerateTarget = 1.2

// BenchmarkRegenerateProfiles is figure 8's second row: 50 App Store profiles
// regenerated (a DELETE and a POST each) at 100 ms a request, the
// certificate and device lists asked of Apple side by side first, each
// definition kept in the vault before its delete and dropped after its
// create. At most MaxInFlight (4) profiles are in flight, so the bound is
// ceil(N/4) × 2 round trips; the listing adds one round trip, inside the
// 1.2× target. The profiles to regenerate are made and listed before the
// timing, without latency.
func BenchmarkRegenerateProfiles(b *testing.B) {
	srv := startSandbox(b, sandbox.Config{Seed: 14, Profiles: -1, Certificates: 12, BundleIDs: 4, Devices: 20,
		HourlyLimit: 1 << 30, LatencyIncludesWork: true})
	key := srv.NewKey(core.KindTeam, sandbox.RoleAdmin)
	ctx := context.Background()
	setup, _ := newClient(srv.URL(), key)
	var dist string
	for _, c := range srv.Certificates() {
		if c.CertificateType == "IOS_DISTRIBUTION" && c.ExpirationDate.After(time.Now()) {
			dist = c.ID
		}
	}
	if dist == "" {
		b.Fatal("the seed has no valid iOS distribution certificate")
	}
	bundle := srv.BundleIDs()[0].ID
	vault, err := storage.Open(storage.Options{Dir: filepath.Join(b.TempDir(), "vault"), Keychain: storage.NewMemKeychain()})
	if err != nil {
		b.Fatal(err)
	}
	var runs durations
	var maxInFlight, clientInFlight, inFlight int
	run := 0
	for b.Loop() {
		b.StopTimer()
		srv.SetLatency(0)
		run++
		var made []core.Profile
		for i := range regenerateCount {
			p, _, err := setup.Profiles.Create(ctx, core.ProfileCreate{Name: fmt.Sprintf("Bench %d-%d", run, i), Type: "IOS_APP_STORE",
				BundleIDID: bundle, CertificateIDs: []string{dist}})
			if err != nil {
				b.Fatal(err)
			}
			made = append(made, p.Profile)
		}
		c, ct := newClient(srv.URL(), key)
		inFlight = c.MaxInFlight()
		r := &actions.Regenerator{Lists: &actions.Lists{Client: c}, Pending: vault, KeyID: "bench"}
		srv.SetLatency(latency)
		srv.ResetStats()
		b.StartTimer()
		start := time.Now()
		plan, err := r.Plan(ctx, made)
		if err != nil {
			b.Fatal(err)
		}
		done, err := r.Run(ctx, plan)
		runs = append(runs, time.Since(start))
		if err != nil || len(done) != regenerateCount {
			b.Fatalf("regenerated %d of %d: %v", len(done), regenerateCount, err)
		}
		st := srv.Stats()
		if st.ByRoute["DELETE /v1/profiles/{id}"] != regenerateCount || st.ByRoute["POST /v1/profiles"] != regenerateCount {
			b.Fatalf("requests: %v", st.ByRoute)
		}
		maxInFlight = max(maxInFlight, st.MaxInFlightByKey[key.KeyID])
		clientInFlight = max(clientInFlight, ct.maxInFlight())
	}
	roundTrips := 2 * ((regenerateCount + inFlight - 1) / inFlight)
	bound := time.Duration(roundTrips) * latency
	within := runs.within(regenerateTarget, bound)
	b.ReportMetric(regenerateCount, "profiles")
	b.ReportMetric(float64(roundTrips), "round-trips")
	b.ReportMetric(float64(inFlight), "max-in-flight-allowed")
	b.ReportMetric(float64(maxInFlight), "max-in-flight-sandbox")
	b.ReportMetric(float64(clientInFlight), "max-in-flight-client")
	b.ReportMetric(float64(within), "runs-within-1.2x")
	reportWall(b, "", runs, bound)
}
