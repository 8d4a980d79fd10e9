//go:build unix

package bench

import (
	"context"
	"testing"
	"time"

	"github.com/asckeys/asckeys/core"
	"github.com/asckeys/asckeys/sandbox"
)

// downloadCount is how many certificates, and how many profiles, figure 3
// downloads.
const downloadCount = 200

// BenchmarkDownload is figure 3: 200 certificates, 200 profiles, and both
// together, downloaded with DownloadMany into an empty folder at 100 ms a
// request, from a sandbox in a process of its own. The bound is
// ceil(n / MaxInFlight) round trips: the client keeps at most MaxInFlight (4)
// requests in flight per key, as Apple throttles bursts. The sandbox makes
// each item's content once, before the timing, as Apple has it ready.
func BenchmarkDownload(b *testing.B) {
	cfg := sandbox.Config{Seed: 11, Certificates: downloadCount, Profiles: downloadCount, BundleIDs: 50, Devices: 100, HourlyLimit: 1 << 30,
		LatencyIncludesWork: true}
	srv := startRemoteSandbox(b, cfg)
	key := srv.key
	ctx := context.Background()

	lister, _ := newClient(srv.url, key)
	certs, _, err := lister.Certificates.List(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	profiles, _, err := lister.Profiles.List(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	if len(certs) != downloadCount || len(profiles) != downloadCount {
		b.Fatalf("listed %d certificates and %d profiles, want %d each", len(certs), len(profiles), downloadCount)
	}
	// Make every item's content now: the sandbox signs it on first use.
	srv.makeContent(b)
	srv.setLatency(b, latency)

	var certItems, profileItems []core.DownloadItem
	for i := range certs {
		certItems = append(certItems, core.DownloadItem{Certificate: &certs[i]})
	}
	for i := range profiles {
		profileItems = append(profileItems, core.DownloadItem{Profile: &profiles[i]})
	}
	sets := []struct {
		name  string
		items []core.DownloadItem
	}{
		{"certificates", certItems},
		{"profiles", profileItems},
		{"both", append(append([]core.DownloadItem{}, certItems...), profileItems...)},
	}
	for _, set := range sets {
		b.Run(set.name, func(b *testing.B) {
			var runs durations
			var maxInFlight, clientInFlight, requests, tokens int
			var inFlight int
			for b.Loop() {
				dir := b.TempDir()
				c, ct := newClient(srv.url, key)
				inFlight = c.MaxInFlight()
				srv.reset(b)
				start := time.Now()
				results, err := c.DownloadMany(ctx, set.items, dir, core.DownloadOptions{}, nil)
				runs = append(runs, time.Since(start))
				if err != nil {
					b.Fatal(err)
				}
				for _, r := range results {
					if r.Path == "" {
						b.Fatalf("%s: no file", r.Item)
					}
				}
				st := srv.statsAfter(b, len(set.items))
				maxInFlight = max(maxInFlight, st.MaxInFlightByKey[key.KeyID])
				clientInFlight = max(clientInFlight, ct.maxInFlight())
				requests = max(requests, st.Requests)
				tokens = max(tokens, int(c.Tokens().Signed()))
			}
			n := len(set.items)
			bound := time.Duration((n+inFlight-1)/inFlight) * latency
			b.ReportMetric(float64(n), "items")
			b.ReportMetric(float64(requests), "requests")
			b.ReportMetric(float64(inFlight), "max-in-flight-allowed")
			b.ReportMetric(float64(maxInFlight), "max-in-flight-sandbox")
			b.ReportMetric(float64(clientInFlight), "max-in-flight-client")
			b.ReportMetric(float64(tokens), "tokens-signed")
			reportWall(b, "", runs, bound)
		})
	}
}
