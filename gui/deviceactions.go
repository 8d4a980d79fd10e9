package gui

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/asckeys/asckeys/actions"
	"github.com/asckeys/asckeys/core"
)

// The Devices tab's actions: Register Device, Import Device List, Enable,
// Disable and Rename.

type deviceTools struct {
	register, importList, enable, disable, rename *widget.Button
	selected                                      []core.Device
	fileChooser                                   *chooser[fyne.URIReadCloser]
}

// devicePlatforms are the platforms Register Device offers; "" lets the
// UDID's form decide, as Apple's website does.
var devicePlatforms = []struct{ value, label string }{
	{"", "Automatic (from the UDID)"},
	{"IOS", "iPhone, iPad, Apple TV, Watch, Vision Pro (IOS)"},
	{"MAC_OS", "Mac (MAC_OS)"},
}

func (w *writes) buildDeviceTools() {
	t := &w.devices
	tab := w.v.devices
	t.register = toolButton("Register Device…", theme.ContentAddIcon(), false, w.openRegisterDevice)
	t.importList = toolButton("Import Device List…", theme.FolderOpenIcon(), false, w.chooseDeviceFile)
	t.enable = toolButton("Enable…", theme.ConfirmIcon(), true, func() { w.askDeviceStatus(t.selected, "ENABLED") })
	t.disable = toolButton("Disable…", theme.CancelIcon(), true, func() { w.askDeviceStatus(t.selected, "DISABLED") })
	t.rename = toolButton("Rename…", theme.DocumentCreateIcon(), true, func() {
		if len(t.selected) == 1 {
			w.openRenameDevice(t.selected[0])
		}
	})
	for _, b := range []*widget.Button{t.register, t.importList, t.enable, t.disable, t.rename} {
		tab.addTool(b)
	}
	tab.onSelection = append(tab.onSelection, func(sel []core.Device) {
		t.selected = sel
		enableFor(t.enable, len(sel) > 0)
		enableFor(t.disable, len(sel) > 0)
		enableFor(t.rename, len(sel) == 1)
	})
}

// openRegisterDevice opens Register Device; the UDID is checked as typed.
func (w *writes) openRegisterDevice() {
	name := newDialogEntry("Its owner and model, e.g. Jane's iPhone 15")
	udid := newDialogEntry("00008030-001A35E11A88003A")
	udid.TextStyle = fyne.TextStyle{Monospace: true}
	labels := make([]string, len(devicePlatforms))
	for i, p := range devicePlatforms {
		labels[i] = p.label
	}
	platform := widget.NewSelect(labels, nil)
	platform.SetSelected(labels[0])
	udidMsg := newMessage()
	chosen := func() string {
		for _, p := range devicePlatforms {
			if p.label == platform.Selected {
				return p.value
			}
		}
		return ""
	}
	check := func() {
		if strings.TrimSpace(udid.Text) == "" {
			udidMsg.clear()
			return
		}
		// The name is checked on Register; here only the UDID and platform.
		d, err := actions.CheckNewDevice(actions.NewDevice{Name: "-", UDID: udid.Text, Platform: chosen()})
		if err != nil {
			udidMsg.set(toneError, errText(err))
			return
		}
		udidMsg.set(toneSuccess, fmt.Sprintf("A valid UDID: %s, registered as %s.", d.UDID, core.PlatformLabel(d.Platform)))
	}
	udid.OnChanged = func(string) { check() }
	platform.OnChanged = func(string) { check() }
	rows := container.NewVBox(fieldLabel("Name"), name, fieldLabel("UDID"), udid, udidMsg.Label, fieldLabel("Platform"), platform,
		caption("Find the UDID in Finder (click the device's serial number), in Xcode's Devices window, or in a Mac's System Information."),
		caption(fmt.Sprintf("Registering takes one of the team's 100 device slots of the year for the device's family (%s's team); "+
			"a slot comes back only when the membership year starts again.", w.v.key.Name)))
	var f *formDialog
	f = w.newForm("Register Device", 560, rows, "Register Device", func() {
		d := actions.NewDevice{Name: strings.TrimSpace(name.Text), UDID: udid.Text, Platform: chosen()}
		if _, err := actions.CheckNewDevice(d); err != nil {
			f.fail(err)
			return
		}
		w.runForm(f, func(ctx context.Context, e writeEnv) (func(), error) {
			dev, err := actions.RegisterDevice(ctx, e.lists, d)
			if err != nil {
				return nil, err
			}
			return func() {
				w.done(fmt.Sprintf("Registered %q (%s, %s): it can be included in development and ad hoc profiles.",
					dev.Name, dev.UDID, core.PlatformLabel(dev.Platform)), w.v.devices)
			}, nil
		})
	})
	name.OnSubmitted = func(string) { w.v.dialogs.focus(udid) }
	udid.OnSubmitted = func(string) { f.goOn.OnTapped() }
	f.m.show()
	w.v.dialogs.focus(name)
}

// deviceNames lists devices by name for a question.
func deviceNames(ds []core.Device) string {
	names := make([]string, len(ds))
	for i, d := range ds {
		names[i] = d.Name
	}
	return quoted(names, 10)
}

// askDeviceStatus asks before enabling or disabling devices.
func (w *writes) askDeviceStatus(ds []core.Device, status string) {
	if len(ds) == 0 {
		return
	}
	verb, what := "Enable", "They can be included in new profiles again."
	if status == "DISABLED" {
		verb, what = "Disable", "They can no longer be included in new or regenerated profiles; profiles that include them keep working until they are regenerated. "+
			"Devices cannot be deleted, and disabling one does not give its slot back."
	}
	label := plural(len(ds), "Device", "Devices")
	question := fmt.Sprintf("%s %s: %s? %s", verb, strings.ToLower(label), deviceNames(ds), what)
	ids := make([]string, len(ds))
	for i, d := range ds {
		ids[i] = d.ID
	}
	w.ask(verb+" Devices", question, nil, verb+" "+label, func() {
		w.run(verb+"ing…", "Could Not "+verb+" the Devices", func(ctx context.Context, e writeEnv) (func(), error) {
			done, err := actions.SetDevicesStatus(ctx, e.lists, status, ids)
			if err != nil {
				if len(done) > 0 {
					err = fmt.Errorf("%w (%s before it were changed)", err, plural(len(done), "device", "devices"))
					fyne.Do(func() { w.v.load([]resourcePane{w.v.devices}, false) })
				}
				return nil, err
			}
			return func() {
				w.v.devices.table.ClearSelection()
				w.done(fmt.Sprintf("%s: %s.", strings.TrimSuffix(verb, "e")+"ed "+plural(len(done), "device", "devices"), deviceNames(done)), w.v.devices)
			}, nil
		})
	})
}

// openRenameDevice asks for a device's new name.
func (w *writes) openRenameDevice(d core.Device) {
	name := newDialogEntry("")
	name.SetText(d.Name)
	rows := container.NewVBox(widget.NewLabel(fmt.Sprintf("Rename %q (%s) at Apple to:", d.Name, d.UDID)), name)
	var f *formDialog
	f = w.newForm("Rename Device", 500, rows, "Rename", func() {
		newName := strings.TrimSpace(name.Text)
		if newName == "" {
			f.errMsg.set(toneError, "Give the device a name, for example its owner and model.")
			return
		}
		w.runForm(f, func(ctx context.Context, e writeEnv) (func(), error) {
			got, err := actions.RenameDevice(ctx, e.lists, d.ID, newName)
			if err != nil {
				return nil, err
			}
			return func() { w.done(fmt.Sprintf("Renamed %q to %q.", d.Name, got.Name), w.v.devices) }, nil
		})
	})
	name.OnSubmitted = func(string) { f.goOn.OnTapped() }
	f.m.show()
	w.v.dialogs.focus(name)
}

// chooseDeviceFile asks for Apple's multiple-device upload file.
func (w *writes) chooseDeviceFile() {
	t := &w.devices
	if t.fileChooser == nil {
		t.fileChooser = newFileChooser(w.v.dialogs, "Import a Device List", []string{".txt", ".tsv", ".deviceids"},
			func(err error) { w.showFailure("Could Not Open the File", err) },
			func(rc fyne.URIReadCloser) {
				path := rc.URI().Path()
				_ = rc.Close()
				w.previewDeviceFile(path)
			})
	}
	t.fileChooser.show(nil)
}

// previewDeviceFile reads the file, sorts its devices into new, already
// registered and refused (one listing of the devices), and shows that
// before anything is registered.
func (w *writes) previewDeviceFile(path string) {
	name := filepath.Base(path)
	w.run("Reading "+name+"…", "Could Not Import the Device List", func(ctx context.Context, e writeEnv) (func(), error) {
		data, err := actions.ReadDeviceFile(path)
		if err != nil {
			return nil, err
		}
		lines, bad, err := actions.ParseDeviceFile(data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		plan, err := actions.PlanDeviceImport(ctx, e.lists, lines, bad)
		if err != nil {
			return nil, err
		}
		return func() { w.v.clearNotice(); w.askDeviceImport(name, plan) }, nil
	})
}

// importPreview is the preview's text: what will be registered, skipped
// and refused.
func importPreview(plan actions.DevicePlan) string {
	var b strings.Builder
	section := func(title string, lines []string) {
		if len(lines) == 0 {
			return
		}
		fmt.Fprintf(&b, "%s:\n", title)
		for i, l := range lines {
			if i == 20 {
				fmt.Fprintf(&b, "  … and %d more\n", len(lines)-20)
				break
			}
			fmt.Fprintf(&b, "  %s\n", l)
		}
	}
	var reg, skip, bad []string
	for _, d := range plan.New {
		reg = append(reg, fmt.Sprintf("line %d: %q, %s (%s)", d.Line, d.Name, d.UDID, core.PlatformLabel(d.Platform)))
	}
	for _, d := range plan.Registered {
		skip = append(skip, fmt.Sprintf("line %d: %s is registered already as %q", d.Line, d.UDID, d.Existing.Name))
	}
	for _, l := range plan.Bad {
		bad = append(bad, fmt.Sprintf("line %d: %s", l.Line, l.Problem))
	}
	section(fmt.Sprintf("Will be registered (%d)", len(reg)), reg)
	section(fmt.Sprintf("Skipped, registered already (%d)", len(skip)), skip)
	section(fmt.Sprintf("Refused, not a device line (%d)", len(bad)), bad)
	return strings.TrimSpace(b.String())
}

// askDeviceImport shows the preview and, if there is anything new, asks
// before registering it.
func (w *writes) askDeviceImport(name string, plan actions.DevicePlan) {
	preview := widget.NewLabel(importPreview(plan))
	preview.Wrapping = fyne.TextWrapWord
	scroll := container.NewVScroll(preview)
	scroll.SetMinSize(fyne.NewSize(560, 260))
	if len(plan.New) == 0 {
		var m *modal
		ok := newDialogButton("OK", nil, func() { m.hide() })
		m = w.v.dialogs.newModal("Import Device List", 600, container.NewVBox(
			widget.NewLabel("Nothing to register: every device of "+name+" is registered already or refused."), scroll),
			[]fyne.CanvasObject{ok}, func() { m.hide() }, func() { m.hide() })
		m.show()
		return
	}
	question := fmt.Sprintf("Register %s from %s? Each takes one of the year's device slots for its family.",
		plural(len(plan.New), "new device", "new devices"), name)
	if len(plan.Bad) > 0 {
		question += fmt.Sprintf(" The %s refused below are left out.", plural(len(plan.Bad), "line", "lines"))
	}
	w.ask("Import Device List", question, scroll, "Register "+plural(len(plan.New), "Device", "Devices"), func() { w.importDevices(plan) })
}

// importDevices registers the plan's devices with a progress bar; Cancel
// stops between devices.
func (w *writes) importDevices(plan actions.DevicePlan) {
	v := w.v
	k := v.key
	total := len(plan.New)
	p, ctx := v.dialogs.showProgress("Importing Devices", "Registering devices", total, v.work.ctx)
	v.work.background(func(context.Context) {
		e, err := w.env(ctx, k)
		var got []actions.ImportedDevice
		if err == nil {
			n := 0 // the callback runs on this goroutine, one device after another
			got, err = actions.ImportDevices(ctx, e.lists, plan, func(actions.ImportedDevice) {
				n++
				done := n
				fyne.Do(func() { p.set(done, total) })
			})
		}
		fyne.Do(func() {
			p.close()
			if !v.showing(k.ID) {
				return
			}
			w.showImportSummary(plan, got, err, p.cancelled)
		})
	})
}

// showImportSummary says what was registered and what was not.
func (w *writes) showImportSummary(plan actions.DevicePlan, got []actions.ImportedDevice, err error, cancelled bool) {
	text := fmt.Sprintf("Registered %s of %d.", plural(len(got), "device", "devices"), len(plan.New))
	if n := len(plan.New) - len(got); n > 0 {
		// Devices are registered side by side: those left are the ones of
		// the file not registered, wherever they stand in it.
		var left []string
		for _, d := range plan.New {
			if !slices.ContainsFunc(got, func(g actions.ImportedDevice) bool { return g.Line == d.Line }) {
				left = append(left, fmt.Sprintf("%q (line %d)", d.Name, d.Line))
			}
		}
		why := "it stopped on an error"
		if cancelled || errors.Is(err, context.Canceled) {
			why = "the import was cancelled"
		}
		text += fmt.Sprintf(" Not registered, because %s: %s. Import the file again to register them: the registered ones are skipped.",
			why, strings.Join(left, ", "))
	}
	if err != nil && !errors.Is(err, context.Canceled) {
		text += "\n\n" + errText(err)
	}
	if n := len(plan.Registered); n > 0 {
		text += fmt.Sprintf(" %s registered already were skipped.", plural(n, "device", "devices"))
	}
	icon := theme.ConfirmIcon()
	if len(got) < len(plan.New) {
		icon = theme.WarningIcon()
	}
	w.v.dialogs.showMessage("Device Import Finished", text, icon)
	w.done(strings.SplitN(text, "\n", 2)[0], w.v.devices)
}
