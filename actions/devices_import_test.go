package actions

import (
	"context"
	"fmt"
	"io"
	"net/http"
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

// A device Apple refuses stops the import: no POST starts after it, those
// already sent finish, and the error names the line; what was registered
// is returned in the file's order and is at Apple.
func TestImportDevicesStopsAtAFailure(t *testing.T) {
	l, srv := testLists(t, sandbox.Config{Seed: 4, Devices: 2})
	var file strings.Builder
	file.WriteString(DeviceFileHeader + "\n")
	for i := range 12 {
		fmt.Fprintf(&file, "%040x\tPhone %d\tios\n", i+1, i+1)
	}
	devs, bad, err := ParseDeviceFile([]byte(file.String()))
	if err != nil || len(bad) != 0 {
		t.Fatal(err, bad)
	}
	plan, err := PlanDeviceImport(context.Background(), l, devs, bad)
	if err != nil {
		t.Fatal(err)
	}
	refused := fmt.Sprintf("%040x", 3) // line 4
	srv.InjectFaults(sandbox.Fault{Kind: sandbox.FaultStatus, Status: 409, Match: func(r *http.Request) bool {
		b, _ := io.ReadAll(r.Body)
		return r.Method == http.MethodPost && strings.Contains(string(b), refused)
	}})
	got, err := ImportDevices(context.Background(), l, plan, nil)
	if err == nil || !strings.Contains(err.Error(), "line 4:") {
		t.Fatalf("err = %v; want the refused line named", err)
	}
	if len(got) == 0 || len(got) > 11 {
		t.Fatalf("%d registered", len(got))
	}
	at := map[string]bool{}
	for _, d := range srv.Devices() {
		at[d.UDID] = true
	}
	for i, d := range got {
		if i > 0 && got[i-1].Line >= d.Line {
			t.Errorf("results out of the file's order: line %d after %d", d.Line, got[i-1].Line)
		}
		if d.Device.UDID == refused || !at[d.Device.UDID] {
			t.Errorf("line %d reported registered, but Apple does not hold it (or refused it)", d.Line)
		}
	}
	// At most the limit's worth of POSTs were on their way when it failed.
	if n := srv.Stats().ByRoute["POST /v1/devices"]; n > 3+l.Client.MaxInFlight() {
		t.Errorf("%d POSTs: the import went on after the failure", n)
	}
}
