//go:build unix

package bench

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// BenchmarkListLargeAccount is figure 1: the four lists of a large account
// (5,000 profiles, 2,000 certificates, 1,000 devices, 500 bundle IDs) loaded
// side by side with one client at 100 ms a request, from a sandbox in a
// process of its own. Each run uses a fresh client, so it signs its own
// token. Each list is fetched as the one chain of pages, as issue 7 measured
// it: the lower bound is the slowest list's page count times the latency,
// pages following links.next one after another. Each run then lists the
// same account as the window does (partitions where they pay, figure 9),
// which that bound no longer limits.
func BenchmarkListLargeAccount(b *testing.B) {
	cfg := largeAccount
	cfg.Latency = latency
	srv := startRemoteSandbox(b, cfg)
	key := srv.key
	want := [4]int{cfg.Certificates, cfg.Profiles, cfg.BundleIDs, cfg.Devices}
	slowest := 0
	for _, n := range want {
		slowest = max(slowest, pages(n))
	}
	bound := time.Duration(slowest) * latency

	ctx := context.Background()
	var runs, appRuns durations
	appRequests := 0
	var last *listing
	var tokens, distinct, maxInFlight, clientInFlight int
	var cpu durations
	var took [4]durations
	var requests [4]int
	var server, gaps durations // of the profile list, the slowest
	for b.Loop() {
		srv.reset(b)
		c, ct := newClient(srv.url, key)
		cpu0 := cpuTime()
		l, err := listAll(ctx, c, true)
		cpu = append(cpu, cpuTime()-cpu0)
		if err != nil {
			b.Fatal(err)
		}
		// As the window lists them: partitions where they pay (figure 9),
		// with the same client, its connections open.
		app, err := listAll(ctx, c, false)
		if err != nil {
			b.Fatal(err)
		}
		if app.items != l.items {
			b.Fatalf("in partitions: listed %v, as chains %v", app.items, l.items)
		}
		appRuns = append(appRuns, app.wall)
		for _, r := range app.resp {
			appRequests = max(appRequests, r.Requests)
		}
		for i, n := range want {
			if l.items[i] != n {
				b.Fatalf("listed %d %s, the sandbox holds %d", l.items[i], listNames[i], n)
			}
		}
		sent := 0
		for _, r := range l.resp {
			sent += r.Requests
		}
		for _, r := range app.resp {
			sent += r.Requests
		}
		st := srv.statsAfter(b, sent)
		runs = append(runs, l.wall)
		for i := range took {
			took[i] = append(took[i], l.took[i])
			requests[i] = max(requests[i], l.resp[i].Requests)
		}
		sv, gp := l.times[1].split(cfg.Latency)
		server, gaps = append(server, sv...), append(gaps, gp...)
		last = l
		tokens = max(tokens, int(c.Tokens().Signed()))
		distinct = max(distinct, st.DistinctTokens)
		maxInFlight = max(maxInFlight, st.MaxInFlightByKey[key.KeyID])
		clientInFlight = max(clientInFlight, ct.maxInFlight())
		if testing.Verbose() {
			b.Logf("run %d: %v (%s)", len(runs), l.wall, fmt.Sprint(l.took))
		}
	}
	var bytes int64
	for i, r := range last.resp {
		b.ReportMetric(float64(requests[i]), listNames[i]+"-requests")
		b.ReportMetric(float64(pages(want[i])), listNames[i]+"-min-requests")
		b.ReportMetric(float64(r.BytesReceived), listNames[i]+"-bytes")
		b.ReportMetric(ms(took[i].median()), listNames[i]+"-median-ms")
		b.ReportMetric(float64(last.items[i]), listNames[i]+"-items")
		bytes += r.BytesReceived
	}
	b.ReportMetric(float64(bytes), "bytes-received")
	b.ReportMetric(float64(tokens), "tokens-signed")
	b.ReportMetric(float64(distinct), "distinct-tokens")
	b.ReportMetric(float64(maxInFlight), "max-in-flight-sandbox")
	b.ReportMetric(float64(clientInFlight), "max-in-flight-client")
	b.ReportMetric(float64(last.conns.fresh.Load()), "new-conns")
	b.ReportMetric(ms(cpu.median()), "cpu-median-ms")
	b.ReportMetric(ms(server.median()), "profiles-server-median-ms")
	b.ReportMetric(ms(gaps.median()), "profiles-gap-median-ms")
	reportWall(b, "", runs, bound)
	b.ReportMetric(ms(appRuns.median()), "app-wall-median-ms")
	b.ReportMetric(float64(appRuns.median())/float64(bound), "app-ratio-median")
	b.ReportMetric(float64(appRequests), "app-requests-most")
}
