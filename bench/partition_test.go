//go:build unix

package bench

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/asckeys/asckeys/core"
	"github.com/asckeys/asckeys/sandbox"
)

// partitionedTypes are the six profile types of figure 9's team.
var partitionedTypes = []string{"IOS_APP_DEVELOPMENT", "IOS_APP_STORE", "IOS_APP_ADHOC",
	"MAC_APP_STORE", "MAC_APP_DEVELOPMENT", "TVOS_APP_STORE"}

// BenchmarkPartitionedProfiles is figure 9: 5,000 profiles over six profile
// types at 100 ms a request, listed as the one chain of pages and as
// partitions by type side by side (at most MaxInFlight = 4 in flight), each
// run with a fresh client. The two must list the same ids; the target is
// the partitions in at most half the chain's time.
func BenchmarkPartitionedProfiles(b *testing.B) {
	cfg := sandbox.Config{Seed: 9, Profiles: 5000, Certificates: 200, Devices: 300, BundleIDs: 100,
		HourlyLimit: 1 << 30, LatencyIncludesWork: true, Latency: latency, ProfileTypes: partitionedTypes}
	srv := startRemoteSandbox(b, cfg)
	ctx := context.Background()
	var seqRuns, partRuns durations
	var seqReq, partReq, inFlight, sandboxInFlight int
	same := true
	for b.Loop() {
		srv.reset(b)
		c, _ := newClient(srv.url, srv.key)
		t0 := time.Now()
		seq, r1, err := c.Profiles.List(ctx, &core.ProfileListOptions{ListOptions: core.ListOptions{Sequential: true}})
		seqRuns = append(seqRuns, time.Since(t0))
		if err != nil {
			b.Fatal(err)
		}
		c, ct := newClient(srv.url, srv.key)
		t0 = time.Now()
		part, r2, err := c.Profiles.List(ctx, nil)
		partRuns = append(partRuns, time.Since(t0))
		if err != nil {
			b.Fatal(err)
		}
		id := func(p core.Profile) string { return p.ID }
		if len(seq) != cfg.Profiles || !slices.EqualFunc(seq, part, func(a, b core.Profile) bool { return id(a) == id(b) }) {
			same = false
		}
		seqReq, partReq = max(seqReq, r1.Requests), max(partReq, r2.Requests)
		inFlight = max(inFlight, ct.maxInFlight())
		st := srv.statsAfter(b, r1.Requests+r2.Requests)
		sandboxInFlight = max(sandboxInFlight, st.MaxInFlightByKey[srv.key.KeyID])
	}
	if !same {
		b.Fatal("the partitions listed other ids than the chain")
	}
	b.ReportMetric(ms(seqRuns.median()), "sequential-median-ms")
	b.ReportMetric(ms(partRuns.median()), "partitioned-median-ms")
	b.ReportMetric(ms(partRuns.max()), "partitioned-max-ms")
	b.ReportMetric(float64(partRuns.median())/float64(seqRuns.median()), "ratio-median")
	b.ReportMetric(ms(time.Duration(pages(cfg.Profiles))*latency), "chain-bound-ms")
	b.ReportMetric(float64(seqReq), "sequential-requests")
	b.ReportMetric(float64(partReq), "partitioned-requests")
	b.ReportMetric(float64(inFlight), "max-in-flight-client")
	b.ReportMetric(float64(sandboxInFlight), "max-in-flight-sandbox")
	b.ReportMetric(1, "identical-ids")
	b.ReportMetric(float64(len(seqRuns)), "runs")
}

// slowLink is figure 10's link: 10 Mbit/s.
const slowLink = 10_000_000

// BenchmarkSlowLink is figure 10: the large account over a link of 10 Mbit/s
// with 100 ms a request, answers in gzip as Apple sends them. First the
// profile list as one chain of pages, whose bound is its pages' round trips
// plus its bytes on the wire at the link's speed (each page's transfer
// follows its round trip, and the next request waits for both); then the four
// lists as the window loads them, against the fewest round trips its
// requests take at MaxInFlight a time plus all their bytes at the link's
// speed.
func BenchmarkSlowLink(b *testing.B) {
	cfg := largeAccount
	cfg.Latency, cfg.Bandwidth = latency, slowLink
	srv := startRemoteSandbox(b, cfg)
	ctx := context.Background()
	transfer := func(wire int64) time.Duration {
		return time.Duration(float64(wire) * 8 / slowLink * float64(time.Second))
	}
	var chainRuns, appRuns durations
	var chainBound, appBound time.Duration
	var chainWire, chainPlain, appWire, appPlain int64
	var chainPages, appRequests int
	for b.Loop() {
		srv.reset(b)
		c, _ := newClient(srv.url, srv.key)
		t0 := time.Now()
		ps, r, err := c.Profiles.List(ctx, &core.ProfileListOptions{ListOptions: core.ListOptions{Sequential: true}})
		chainRuns = append(chainRuns, time.Since(t0))
		if err != nil || len(ps) != cfg.Profiles {
			b.Fatalf("%d profiles: %v", len(ps), err)
		}
		chainWire, chainPlain, chainPages = r.BytesOnWire, r.BytesReceived, r.Pages
		chainBound = time.Duration(r.Pages)*latency + transfer(r.BytesOnWire)

		c, _ = newClient(srv.url, srv.key)
		l, err := listAll(ctx, c, false)
		if err != nil {
			b.Fatal(err)
		}
		appRuns = append(appRuns, l.wall)
		appWire, appPlain, appRequests = 0, 0, 0
		for _, r := range l.resp {
			appWire += r.BytesOnWire
			appPlain += r.BytesReceived
			appRequests += r.Requests
		}
		rounds := (appRequests + c.MaxInFlight() - 1) / c.MaxInFlight()
		appBound = time.Duration(rounds)*latency + transfer(appWire)
	}
	b.ReportMetric(float64(chainPages), "chain-pages")
	b.ReportMetric(float64(chainWire), "chain-wire-bytes")
	b.ReportMetric(float64(chainPlain), "chain-plain-bytes")
	reportWall(b, "chain-", chainRuns, chainBound)
	b.ReportMetric(float64(appRequests), "app-requests")
	b.ReportMetric(float64(appWire), "app-wire-bytes")
	b.ReportMetric(float64(appPlain), "app-plain-bytes")
	reportWall(b, "app-", appRuns, appBound)
}
