package gui

import (
	"math"
	"slices"
	"testing"
	"time"

	"github.com/asckeys/asckeys/core"
	"github.com/asckeys/asckeys/sandbox"
)

// firstRowsLatency is the time the sandbox takes for every request in
// BenchmarkFirstRows, as the benchmarks of bench/ use.
const firstRowsLatency = 100 * time.Millisecond

// BenchmarkFirstRows is the first rows of an uncached 5,000-profile list on
// screen: a window of Fyne's test driver opens a key whose lists were never
// fetched, against a sandbox answering each request 100 ms after it arrived,
// and the time is from the profile tab starting to load (the key open, the
// list about to be asked for, polled every 2 ms) to its table
// holding its first rows (the first page's, streamed before the other
// pages), and to it holding all 5,000. The bound is one round trip plus
// 50 ms. The four lists load side by side, as they do when a key is opened.
func BenchmarkFirstRows(b *testing.B) {
	cfg := sandbox.Config{Seed: 20, Profiles: 5000, Certificates: 200, Devices: 300, BundleIDs: 100,
		HourlyLimit: 1 << 30, Latency: firstRowsLatency, LatencyIncludesWork: true}
	var first, all []time.Duration
	firstCount := 0
	for b.Loop() {
		b.StopTimer()
		h := newHarness(b, cfg)
		h.link("Large team", core.KindTeam, sandbox.RoleAdmin)
		b.StartTimer()
		h.open()
		p := h.u.view.profiles
		// The profile tab is the one on screen, as for a person waiting for
		// its rows.
		h.do(func() { h.u.view.tabs.SelectIndex(1) })
		// From the moment the tab starts loading (the key is open and the
		// list about to be asked for) to its first rows in the table.
		var start time.Time
		var n int
		for deadline := time.Now().Add(time.Minute); ; {
			var loading bool
			h.do(func() { loading, n = p.loading, p.table.Len() })
			if loading && start.IsZero() {
				start = time.Now()
			}
			if n > 0 && !start.IsZero() {
				break
			}
			if time.Now().After(deadline) {
				b.Fatal("no profile on screen within a minute")
			}
			time.Sleep(2 * time.Millisecond)
		}
		first = append(first, time.Since(start))
		firstCount = n
		h.waitFor("the 5,000 profiles", func() bool { return p.isFresh() })
		all = append(all, time.Since(start))
		b.StopTimer()
		h.close()
		b.StartTimer()
	}
	median := func(d []time.Duration) time.Duration {
		s := slices.Clone(d)
		slices.Sort(s)
		return s[len(s)/2]
	}
	msOf := func(d time.Duration) float64 { return math.Round(float64(d)/float64(time.Millisecond)*10) / 10 }
	bound := firstRowsLatency + 50*time.Millisecond
	b.ReportMetric(msOf(median(first)), "first-rows-median-ms")
	b.ReportMetric(msOf(slices.Max(first)), "first-rows-max-ms")
	b.ReportMetric(float64(firstCount), "first-rows")
	b.ReportMetric(msOf(bound), "bound-ms")
	b.ReportMetric(msOf(median(all)), "all-rows-median-ms")
	b.ReportMetric(float64(len(first)), "runs")
}
