package actions

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/asckeys/asckeys/core"
	"github.com/asckeys/asckeys/storage"
)

// MaxDeviceFileSize caps the device list read: Apple's file holds at most
// 100 devices of each family, a few kilobytes.
const MaxDeviceFileSize = 1 << 20

// DeviceFileHeader is the first line of Apple's multiple-device upload file.
const DeviceFileHeader = "Device ID\tDevice Name\tDevice Platform"

// DeviceLine is one device of the file.
type DeviceLine struct {
	// Line is its line number, from 1.
	Line int `json:"line"`
	NewDevice
	// Existing is the registered device with the same UDID, if any.
	Existing *core.Device `json:"existing,omitempty"`
}

// BadLine is a line of the file that does not describe a device.
type BadLine struct {
	Line    int    `json:"line"`
	Problem string `json:"problem"`
}

// DevicePlan is what importing a file would do.
type DevicePlan struct {
	// New are the devices to register; Registered those already there.
	New, Registered []DeviceLine
	Bad             []BadLine
}

// filePlatforms maps the file's platforms to Apple's API values.
var filePlatforms = map[string]string{"ios": "IOS", "mac": "MAC_OS"}

// ReadDeviceFile reads Apple's device upload file through storage's rules
// for files the user names (no FIFO hang, bounded size).
func ReadDeviceFile(path string) ([]byte, error) {
	return storage.ReadTextFile(path, MaxDeviceFileSize, "Apple's multiple-device upload file (tab-separated, first line \""+
		strings.ReplaceAll(DeviceFileHeader, "\t", "<TAB>")+"\")")
}

// ParseDeviceFile reads the lines of Apple's multiple-device upload file:
// the header, then a UDID, a name and ios or mac per line, separated by
// tabs. Blank lines are skipped; every other line that is not a device is
// reported by number. A UDID twice in the file is a bad line the second
// time.
func ParseDeviceFile(data []byte) ([]DeviceLine, []BadLine, error) {
	data = bytes.TrimPrefix(data, []byte("\xEF\xBB\xBF"))
	if !utf8.Valid(data) {
		return nil, nil, fmt.Errorf("the device file is not UTF-8 text: save it as plain text (UTF-8) and try again")
	}
	lines := strings.Split(strings.ReplaceAll(string(data), "\r\n", "\n"), "\n")
	var devices []DeviceLine
	var bad []BadLine
	seen := map[string]int{}
	header := false
	for i, raw := range lines {
		n := i + 1
		line := strings.TrimRight(raw, "\r")
		if strings.TrimSpace(line) == "" {
			continue
		}
		if !header {
			if !strings.EqualFold(strings.TrimSpace(line), DeviceFileHeader) {
				return nil, nil, fmt.Errorf("line %d is not Apple's header %q: this is not a multiple-device upload file "+
					"(download the template from Apple's website, or write that line first)", n, strings.ReplaceAll(DeviceFileHeader, "\t", "<TAB>"))
			}
			header = true
			continue
		}
		d, problem := parseDeviceLine(line)
		if problem == "" {
			if first, dup := seen[strings.ToUpper(d.UDID)]; dup {
				problem = fmt.Sprintf("the UDID %s is already on line %d", d.UDID, first)
			} else {
				seen[strings.ToUpper(d.UDID)] = n
			}
		}
		if problem != "" {
			bad = append(bad, BadLine{Line: n, Problem: problem})
			continue
		}
		devices = append(devices, DeviceLine{Line: n, NewDevice: d})
	}
	if !header {
		return nil, nil, fmt.Errorf("the device file is empty: its first line must be %q", strings.ReplaceAll(DeviceFileHeader, "\t", "<TAB>"))
	}
	return devices, bad, nil
}

// parseDeviceLine returns the line's device, or what is wrong with it.
func parseDeviceLine(line string) (NewDevice, string) {
	f := strings.Split(line, "\t")
	if len(f) != 3 {
		return NewDevice{}, fmt.Sprintf("%d fields separated by tabs, expected 3 (UDID, name, platform)", len(f))
	}
	platform, ok := filePlatforms[strings.ToLower(strings.TrimSpace(f[2]))]
	if !ok {
		return NewDevice{}, fmt.Sprintf("platform %q: expected ios or mac", core.SafeText(strings.TrimSpace(f[2])))
	}
	d, err := NewDevice{Name: strings.TrimSpace(f[1]), UDID: f[0], Platform: platform}.prepare()
	if err != nil {
		return NewDevice{}, err.Error()
	}
	return d, ""
}

// PlanDeviceImport sorts the file's devices into new and already
// registered, with one listing of the registered devices.
func PlanDeviceImport(ctx context.Context, l *Lists, devices []DeviceLine, bad []BadLine) (DevicePlan, error) {
	registered, _, err := l.Client.Devices.List(ctx, nil)
	if err != nil {
		return DevicePlan{}, err
	}
	plan := DevicePlan{Bad: bad}
	for _, d := range devices {
		if existing, ok := findUDID(registered, d.UDID); ok {
			d.Existing = &existing
			plan.Registered = append(plan.Registered, d)
			continue
		}
		plan.New = append(plan.New, d)
	}
	return plan, nil
}

// ImportedDevice is a device of the file that was registered.
type ImportedDevice struct {
	Line   int         `json:"line"`
	Device core.Device `json:"device"`
}

// ImportDevices registers the plan's new devices side by side, as many at a
// time as the client has requests in flight (Apple throttles bursts): 100
// devices take 25 round trips, not 100. Each POST may reach Apple even when
// its answer is lost, so none is retried blindly; at the first failure no
// further one starts, those already sent finish, and the error names the
// first failed line of the file. Cancelled (Ctrl-C, the window's Cancel),
// no further one starts and those under way are finished, so that each
// device of the file is known to be registered or not. The devices
// registered are returned in the
// file's order; report, when not nil, hears of each one as soon as it is
// registered, one at a time.
func ImportDevices(ctx context.Context, l *Lists, plan DevicePlan, report func(ImportedDevice)) ([]ImportedDevice, error) {
	var (
		mu     sync.Mutex
		out    []ImportedDevice
		failed = map[int]error{} // by line
	)
	defer func() {
		devs := make([]core.Device, len(out))
		for i, d := range out {
			devs[i] = d.Device
		}
		l.rememberDevices(devs...)
	}()
	slots := make(chan struct{}, max(1, l.Client.MaxInFlight()))
	var wg sync.WaitGroup
	for _, d := range plan.New {
		slots <- struct{}{}
		mu.Lock()
		stop := len(failed) > 0
		mu.Unlock()
		if stop || ctx.Err() != nil {
			<-slots
			break
		}
		wg.Go(func() {
			defer func() { <-slots }()
			// A POST under way is finished even when the import is
			// cancelled (Ctrl-C, the window's Cancel), so that its device is
			// known to be registered or not.
			dev, _, err := l.Client.Devices.Register(context.WithoutCancel(ctx), d.Name, d.UDID, d.Platform)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				failed[d.Line] = err
				return
			}
			got := ImportedDevice{Line: d.Line, Device: dev}
			out = append(out, got)
			if report != nil {
				report(got)
			}
		})
	}
	wg.Wait()
	slices.SortFunc(out, func(a, b ImportedDevice) int { return a.Line - b.Line })
	if len(failed) == 0 {
		if err := ctx.Err(); err != nil && len(out) < len(plan.New) {
			return out, fmt.Errorf("stopped: %w (%d of the %d new devices were registered)", err, len(out), len(plan.New))
		}
		return out, nil
	}
	first := slices.Min(slices.Collect(maps.Keys(failed)))
	return out, fmt.Errorf("line %d: %w (%d of the %d new devices were registered; none was started after this failure)",
		first, failed[first], len(out), len(plan.New))
}
