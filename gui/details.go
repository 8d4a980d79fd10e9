package gui

import (
	"strconv"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/asckeys/asckeys/core"
)

// detail is one line of a row's detail dialog; copy adds a copy button.
type detail struct {
	label, value string
	copy         bool
}

// showDetails shows a row's details, each value whole and selectable, the
// identifiers with a button that copies them.
func (d *dialogs) showDetails(title string, fields []detail) *modal {
	form := container.New(layout.NewFormLayout())
	for _, f := range fields {
		value := &widget.Label{Text: f.value, Wrapping: fyne.TextWrapBreak, Selectable: true}
		var right fyne.CanvasObject = layout.NewSpacer()
		if f.copy && f.value != "" {
			v := f.value
			b := widget.NewButtonWithIcon("", theme.ContentCopyIcon(), func() { fyne.CurrentApp().Clipboard().SetContent(v) })
			b.Importance = widget.LowImportance
			right = b
		}
		form.Add(widget.NewLabelWithStyle(f.label, fyne.TextAlignTrailing, fyne.TextStyle{Bold: true}))
		form.Add(container.NewBorder(nil, nil, nil, right, value))
	}
	var m *modal
	closeBtn := newDialogButton("Close", nil, func() { m.hide() })
	closeBtn.Importance = widget.HighImportance
	m = d.newModal(title, 620, form, []fyne.CanvasObject{closeBtn}, func() { m.hide() }, func() { m.hide() })
	m.show()
	d.focus(closeBtn)
	return m
}

func certificateDetails(c core.Certificate) []detail {
	return []detail{
		{label: "Name", value: certificateName(c), copy: true},
		{label: "Type", value: core.CertificateTypeLabel(c.CertificateType)},
		{label: "Platform", value: core.PlatformLabel(c.Platform)},
		{label: "Serial Number", value: c.SerialNumber, copy: true},
		{label: "Expires", value: expiresText(c.ExpirationDate.Time)},
		{label: "ID", value: c.ID, copy: true},
	}
}

func profileDetails(p core.Profile) []detail {
	return []detail{
		{label: "Name", value: p.Name, copy: true},
		{label: "Type", value: core.ProfileTypeLabel(p.ProfileType)},
		{label: "Platform", value: core.PlatformLabel(p.Platform)},
		{label: "Bundle ID", value: p.BundleIdentifier, copy: true},
		{label: "Status", value: profileStatus(p)},
		{label: "Created", value: date(p.CreatedDate.Time)},
		{label: "Expires", value: expiresText(p.ExpirationDate.Time)},
		{label: "Certificates", value: strconv.Itoa(p.CertificateCount)},
		{label: "Devices", value: strconv.Itoa(p.DeviceCount)},
		{label: "UUID", value: p.UUID, copy: true},
		{label: "ID", value: p.ID, copy: true},
	}
}

func bundleIDDetails(b core.BundleID) []detail {
	return []detail{
		{label: "Name", value: b.Name, copy: true},
		{label: "Identifier", value: b.Identifier, copy: true},
		{label: "Platform", value: core.PlatformLabel(b.Platform)},
		{label: "Seed ID", value: b.SeedID, copy: true},
		{label: "ID", value: b.ID, copy: true},
	}
}

func deviceDetails(d core.Device) []detail {
	return []detail{
		{label: "Name", value: d.Name, copy: true},
		{label: "UDID", value: d.UDID, copy: true},
		{label: "Model", value: deviceModel(d)},
		{label: "Platform", value: core.PlatformLabel(d.Platform)},
		{label: "Status", value: core.DeviceStatusLabel(d.Status)},
		{label: "Added", value: date(d.AddedDate.Time)},
		{label: "ID", value: d.ID, copy: true},
	}
}
