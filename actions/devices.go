package actions

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/asckeys/asckeys/core"
	"github.com/asckeys/asckeys/storage"
)

// NewDevice is a device to register. Platform may be empty: a Mac's UUID
// form means MAC_OS, anything else IOS (iPhone, iPad, Apple TV, Watch,
// Vision Pro), as Apple's website guesses.
type NewDevice struct {
	Name, UDID, Platform string
}

// CheckNewDevice checks a device as it is typed, before anything is sent:
// its name, its UDID (returned normalised) and its platform (filled in
// from the UDID's form when empty).
func CheckNewDevice(d NewDevice) (NewDevice, error) { return d.prepare() }

// prepare checks the device and fills its normalised UDID and platform.
func (d NewDevice) prepare() (NewDevice, error) {
	if strings.TrimSpace(d.Name) == "" {
		return d, errors.New("the device needs a name: give one with --name, for example its owner and model")
	}
	udid, err := core.NormalizeUDID(d.UDID)
	if err != nil {
		return d, err
	}
	d.UDID = udid
	d.Platform = strings.ToUpper(strings.TrimSpace(d.Platform))
	if d.Platform == "" {
		d.Platform = "IOS"
		if len(udid) == 36 { // only a Mac's UUID has this length (8-4-4-4-12)
			d.Platform = "MAC_OS"
		}
	}
	if err := core.CheckDevicePlatform(d.Platform); err != nil {
		return d, err
	}
	if len(udid) == 36 && d.Platform != "MAC_OS" {
		// Apple refuses a hardware UUID for anything but a Mac.
		return d, fmt.Errorf("%s is a Mac's UUID, which only registers a Mac: use platform MAC_OS, or give the device's UDID", udid)
	}
	return d, nil
}

// DuplicateDeviceError is a UDID that is already registered.
type DuplicateDeviceError struct {
	UDID     string
	Existing core.Device
}

func (e *DuplicateDeviceError) Error() string {
	return fmt.Sprintf("the UDID %s is already registered as %q (id %s, %s): nothing was registered; "+
		"enable or rename that device instead", e.UDID, e.Existing.Name, e.Existing.ID, core.DeviceStatusLabel(e.Existing.Status))
}

// RegisterDevice registers one device: the UDID is checked and normalised
// first, and the registered devices are listed so that a UDID already there
// is refused naming the device that has it (Apple's 409 names none).
func RegisterDevice(ctx context.Context, l *Lists, d NewDevice) (core.Device, error) {
	d, err := d.prepare()
	if err != nil {
		return core.Device{}, err
	}
	existing, _, err := l.Client.Devices.List(ctx, nil)
	if err != nil {
		return core.Device{}, err
	}
	if dup, ok := findUDID(existing, d.UDID); ok {
		return core.Device{}, &DuplicateDeviceError{UDID: d.UDID, Existing: dup}
	}
	dev, _, err := l.Client.Devices.Register(ctx, d.Name, d.UDID, d.Platform)
	if err != nil {
		return core.Device{}, err
	}
	l.rememberDevices(dev)
	return dev, nil
}

// findUDID finds the registered device with udid, ignoring case: Apple
// shows the same UDID in either case depending on where it came from.
func findUDID(devices []core.Device, udid string) (core.Device, bool) {
	for _, d := range devices {
		if strings.EqualFold(d.UDID, udid) {
			return d, true
		}
	}
	return core.Device{}, false
}

// SetDevicesStatus enables or disables each device (status ENABLED or
// DISABLED), one PATCH each, and returns the devices as Apple now has them.
// It stops at the first failure: the devices before it are changed.
func SetDevicesStatus(ctx context.Context, l *Lists, status string, ids []string) ([]core.Device, error) {
	if err := core.CheckDeviceStatus(status); err != nil {
		return nil, err
	}
	out := make([]core.Device, 0, len(ids))
	defer func() { l.rememberDevices(out...) }()
	for _, id := range ids {
		d, _, err := l.Client.Devices.Update(ctx, id, core.DeviceUpdate{Status: &status})
		if err != nil {
			return out, err
		}
		out = append(out, d)
	}
	return out, nil
}

// RenameDevice gives the device id a new name (PATCH).
func RenameDevice(ctx context.Context, l *Lists, id, name string) (core.Device, error) {
	d, _, err := l.Client.Devices.Update(ctx, id, core.DeviceUpdate{Name: &name})
	if err != nil {
		return core.Device{}, err
	}
	l.rememberDevices(d)
	return d, nil
}

// rememberDevices puts the devices as Apple now has them into the cached
// device list, when there is one.
func (l *Lists) rememberDevices(devices ...core.Device) {
	if len(devices) == 0 {
		return
	}
	l.remember(func(cl *storage.CachedLists) {
		if cl.Devices == nil {
			return
		}
		for _, d := range devices {
			if i := slices.IndexFunc(cl.Devices.Items, func(c core.Device) bool { return c.ID == d.ID }); i >= 0 {
				// PATCH answers may leave attributes out: keep what was listed.
				old := cl.Devices.Items[i]
				d.UDID, d.Platform = cmp.Or(d.UDID, old.UDID), cmp.Or(d.Platform, old.Platform)
				d.DeviceClass, d.Model, d.AddedDate = cmp.Or(d.DeviceClass, old.DeviceClass), cmp.Or(d.Model, old.Model), old.AddedDate
				cl.Devices.Items[i] = d
				continue
			}
			cl.Devices.Items = append(cl.Devices.Items, d)
		}
	})
}
