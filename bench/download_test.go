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
// request, from a sandbox in a process of its own. The sandbox makes each
// item's content once, before the timing, as Apple has it ready.
//
// DownloadMany asks for the content of up to 200 items of a type with one
// request, so n items of a type take ceil(n/200) requests: "requests for N
// downloads", whose bound is that count per type (one request per item, N,
// before). The wall time's bound follows from it: the requests run side by
// side, at most MaxInFlight (4) per key, so they take
// ceil(requests / MaxInFlight) round trips of 100 ms, plus the transfer of
// the answers, which one request carrying 200 items makes large enough to
// count (several MB of base64 for 200 profiles). The transfer is measured:
// the longest time an answer took from its headers to the end of its body
// (the answers of a set travel side by side), median over the runs. What
// remains beyond the bound is the client's own work on the items: decoding,
// checking each certificate or signed profile, and writing and syncing each
// file.
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
			var runs, transfers durations
			var maxInFlight, clientInFlight, requests, tokens int
			var inFlight int
			wantRequests := contentRequests(set.items)
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
				transfers = append(transfers, ct.longestTransfer())
				st := srv.statsAfter(b, wantRequests)
				maxInFlight = max(maxInFlight, st.MaxInFlightByKey[key.KeyID])
				clientInFlight = max(clientInFlight, ct.maxInFlight())
				requests = max(requests, st.Requests)
				tokens = max(tokens, int(c.Tokens().Signed()))
			}
			n := len(set.items)
			roundTrips := (wantRequests + inFlight - 1) / inFlight
			bound := time.Duration(roundTrips)*latency + transfers.median()
			b.ReportMetric(float64(n), "items")
			b.ReportMetric(float64(requests), "requests")
			b.ReportMetric(float64(wantRequests), "requests-bound")
			b.ReportMetric(float64(roundTrips), "round-trips")
			b.ReportMetric(ms(transfers.median()), "transfer-ms")
			b.ReportMetric(float64(inFlight), "max-in-flight-allowed")
			b.ReportMetric(float64(maxInFlight), "max-in-flight-sandbox")
			b.ReportMetric(float64(clientInFlight), "max-in-flight-client")
			b.ReportMetric(float64(tokens), "tokens-signed")
			reportWall(b, "", runs, bound)
		})
	}
}

// contentRequests is the fewest requests DownloadMany can make for items:
// ceil(n/200) for the n certificates, and the same for the profiles.
func contentRequests(items []core.DownloadItem) int {
	var certs, profiles int
	for _, it := range items {
		if it.Certificate != nil {
			certs++
		} else {
			profiles++
		}
	}
	return perPage(certs) + perPage(profiles)
}

// BenchmarkDownloadAllProfiles is figure 3's last row: `profiles download
// --all` on the 5,000-profile account, as the command does it: the profile
// list (in partitions where they pay), then DownloadMany of every profile
// into an empty folder, at 100 ms a request. Its bound: the fewest round
// trips the list's and the downloads' requests take at MaxInFlight a time
// (the downloads ceil(N/200) requests), plus the longest transfer of an
// answer. The rest is the client's work on 5,000 signed profiles: checking
// each signature and writing and syncing each file.
func BenchmarkDownloadAllProfiles(b *testing.B) {
	cfg := largeAccount
	srv := startRemoteSandbox(b, cfg)
	srv.makeContent(b)
	srv.setLatency(b, latency)
	ctx := context.Background()
	var runs, transfers durations
	var requests, listRequests, items int
	var inFlight, clientInFlight int
	for b.Loop() {
		dir := b.TempDir()
		srv.reset(b)
		c, ct := newClient(srv.url, srv.key)
		inFlight = c.MaxInFlight()
		start := time.Now()
		profiles, resp, err := c.Profiles.List(ctx, nil)
		if err != nil {
			b.Fatal(err)
		}
		all := make([]core.DownloadItem, len(profiles))
		for i := range profiles {
			all[i] = core.DownloadItem{Profile: &profiles[i]}
		}
		results, err := c.DownloadMany(ctx, all, dir, core.DownloadOptions{}, nil)
		runs = append(runs, time.Since(start))
		if err != nil {
			b.Fatal(err)
		}
		for _, r := range results {
			if r.Path == "" {
				b.Fatalf("%s: no file", r.Item)
			}
		}
		items, listRequests = len(all), resp.Requests
		st := srv.statsAfter(b, resp.Requests+perPage(len(all)))
		requests = st.Requests - resp.Requests
		transfers = append(transfers, ct.longestTransfer())
		clientInFlight = max(clientInFlight, ct.maxInFlight())
	}
	roundTrips := (listRequests+inFlight-1)/inFlight + (perPage(items)+inFlight-1)/inFlight
	bound := time.Duration(roundTrips)*latency + transfers.median()
	b.ReportMetric(float64(items), "items")
	b.ReportMetric(float64(requests), "requests")
	b.ReportMetric(float64(perPage(items)), "requests-bound")
	b.ReportMetric(float64(listRequests), "list-requests")
	b.ReportMetric(float64(roundTrips), "round-trips")
	b.ReportMetric(ms(transfers.median()), "transfer-ms")
	b.ReportMetric(float64(clientInFlight), "max-in-flight-client")
	reportWall(b, "", runs, bound)
}
