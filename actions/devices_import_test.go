package actions

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/asckeys/asckeys/sandbox"
)

// A file of many devices is registered side by side, as many at a time as
// the client allows: the sandbox holds each POST until four are in flight,
// so an import that sent them one by one would fail the count. The result
// is in the file's order.
func TestImportDevicesSideBySide(t *testing.T) {
	l, srv := testLists(t, sandbox.Config{Seed: 4, Devices: 2})
	var file strings.Builder
	file.WriteString(DeviceFileHeader + "\n")
	for i := range 8 {
		fmt.Fprintf(&file, "%040x\tPhone %d\tios\n", i+1, i+1)
	}
	devs, bad, err := ParseDeviceFile([]byte(file.String()))
	if err != nil || len(bad) != 0 {
		t.Fatal(err, bad)
	}
	plan, err := PlanDeviceImport(context.Background(), l, devs, bad)
	if err != nil || len(plan.New) != 8 {
		t.Fatalf("plan of %d new devices: %v", len(plan.New), err)
	}
	srv.ResetStats()
	srv.HoldUntilInFlight(l.Client.MaxInFlight(), 3*time.Second)
	reported := 0
	got, err := ImportDevices(context.Background(), l, plan, func(ImportedDevice) { reported++ })
	if err != nil || len(got) != 8 || reported != 8 {
		t.Fatalf("registered %d (reported %d): %v", len(got), reported, err)
	}
	for i, d := range got {
		if d.Line != i+2 || d.Device.Name != fmt.Sprintf("Phone %d", i+1) {
			t.Errorf("result %d: line %d, %q; want the file's order", i, d.Line, d.Device.Name)
		}
	}
	st := srv.Stats()
	if n := st.ByRoute["POST /v1/devices"]; n != 8 {
		t.Errorf("%d POSTs for 8 devices", n)
	}
	if n := st.MaxInFlight; n != l.Client.MaxInFlight() {
		t.Errorf("%d requests in flight at most; want the client's limit %d", n, l.Client.MaxInFlight())
	}
}
