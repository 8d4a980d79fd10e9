//go:build unix

package bench

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/asckeys/asckeys/actions"
	"github.com/asckeys/asckeys/core"
	"github.com/asckeys/asckeys/sandbox"
)

// registerCount is how many devices figure 8 registers: a year's iPhone
// slots.
const registerCount = 100

// BenchmarkRegisterDevices is figure 8's first row: `devices import` of a
// file of 100 new iPhones at 100 ms a request (actions.PlanDeviceImport, one
// device list, then actions.ImportDevices), as the command line calls them.
// At most MaxInFlight (4) POSTs are in flight, so the bound is ceil(N/4)
// round trips; the list adds one, inside the 1.2× target. Each run has a
// sandbox of its own, with no device, as a year's 100 slots allow 100.
func BenchmarkRegisterDevices(b *testing.B) {
	var file strings.Builder
	file.WriteString(actions.DeviceFileHeader + "\n")
	for i := range registerCount {
		fmt.Fprintf(&file, "%040x\tBench iPhone %d\tios\n", i+1, i+1)
	}
	lines, bad, err := actions.ParseDeviceFile([]byte(file.String()))
	if err != nil || len(bad) != 0 {
		b.Fatal(err, bad)
	}
	ctx := context.Background()
	var runs durations
	var maxInFlight, clientInFlight, inFlight int
	for b.Loop() {
		b.StopTimer()
		srv := startSandbox(b, sandbox.Config{Seed: 15, Devices: -1, Profiles: -1, Certificates: 4, BundleIDs: 2,
			HourlyLimit: 1 << 30, LatencyIncludesWork: true, Latency: latency})
		key := srv.NewKey(core.KindTeam, sandbox.RoleAdmin)
		c, ct := newClient(srv.URL(), key)
		inFlight = c.MaxInFlight()
		l := &actions.Lists{Client: c}
		b.StartTimer()
		start := time.Now()
		plan, err := actions.PlanDeviceImport(ctx, l, lines, bad)
		if err != nil {
			b.Fatal(err)
		}
		done, err := actions.ImportDevices(ctx, l, plan, nil)
		runs = append(runs, time.Since(start))
		if err != nil || len(done) != registerCount {
			b.Fatalf("registered %d of %d: %v", len(done), registerCount, err)
		}
		st := srv.Stats()
		if st.ByRoute["POST /v1/devices"] != registerCount {
			b.Fatalf("requests: %v", st.ByRoute)
		}
		maxInFlight = max(maxInFlight, st.MaxInFlightByKey[key.KeyID])
		clientInFlight = max(clientInFlight, ct.maxInFlight())
		b.StopTimer()
		srv.Close()
		b.StartTimer()
	}
	roundTrips := (registerCount + inFlight - 1) / inFlight
	bound := time.Duration(roundTrips) * latency
	within := runs.within(regenerateTarget, bound)
	b.ReportMetric(registerCount, "devices")
	b.ReportMetric(float64(roundTrips), "round-trips")
	b.ReportMetric(float64(maxInFlight), "max-in-flight-sandbox")
	b.ReportMetric(float64(clientInFlight), "max-in-flight-client")
	b.ReportMetric(float64(within), "runs-within-1.2x")
	reportWall(b, "", runs, bound)
}
