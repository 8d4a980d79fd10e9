package gui

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"slices"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/asckeys/asckeys/core"
)

// detail is one line of a row's detail dialog; copy adds a copy button.
// load, when set, fetches the value once the dialog is open (off the UI
// goroutine), such as a certificate's SHA-1, which needs its content.
type detail struct {
	label, value string
	copy         bool
	load         func(ctx context.Context) (string, error)
}

// related is what a row's details name from the key's other lists, as they
// are on screen, and how to reach Apple for what the lists leave out.
type related struct {
	certificates map[string]core.Certificate
	devices      map[string]core.Device
	profiles     []core.Profile
	client       func(ctx context.Context) (*core.Client, error)
}

// maxNamed is how many related items a detail line names before "and N more".
const maxNamed = 12

// showDetails shows a row's details, each value whole and selectable, the
// identifiers with a button that copies them. Values to load are fetched with
// run (the window's background work) and shown when they arrive.
func (d *dialogs) showDetails(title string, fields []detail, run func(func(context.Context))) *modal {
	form := container.New(layout.NewFormLayout())
	for _, f := range fields {
		value := &widget.Label{Text: f.value, Wrapping: fyne.TextWrapBreak, Selectable: true}
		var right fyne.CanvasObject = layout.NewSpacer()
		if f.copy && (f.value != "" || f.load != nil) {
			b := widget.NewButtonWithIcon("", theme.ContentCopyIcon(), func() { fyne.CurrentApp().Clipboard().SetContent(value.Text) })
			b.Importance = widget.LowImportance
			right = b
			if f.load != nil {
				b.Disable()
			}
		}
		if f.load != nil {
			value.Text = "Loading…"
			copyBtn, _ := right.(*widget.Button)
			load := f.load
			run(func(ctx context.Context) {
				v, err := load(ctx)
				if errors.Is(err, context.Canceled) {
					return
				}
				fyne.Do(func() {
					if err != nil {
						value.SetText("Not available: " + sentence(errText(err)))
						return
					}
					value.SetText(v)
					if copyBtn != nil {
						copyBtn.Enable()
					}
				})
			})
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

func certificateDetails(c core.Certificate, rel related) []detail {
	var using []string
	for _, p := range rel.profiles {
		if slices.Contains(p.CertificateIDs, c.ID) {
			using = append(using, p.Name)
		}
	}
	return []detail{
		{label: "Name", value: c.Label(), copy: true},
		{label: "Type", value: core.CertificateTypeLabel(c.CertificateType)},
		{label: "Platform", value: core.PlatformLabel(c.Platform)},
		{label: "Serial Number", value: c.SerialNumber, copy: true},
		{label: "SHA-1", copy: true, load: func(ctx context.Context) (string, error) {
			client, err := rel.client(ctx)
			if err != nil {
				return "", err
			}
			der, _, err := client.Certificates.Content(ctx, c)
			if err != nil {
				return "", err
			}
			return sha1Fingerprint(der), nil
		}},
		{label: "Expires", value: expiresText(c.ExpirationDate.Time)},
		{label: "Profiles", value: named(using, "no listed profile includes it")},
		{label: "ID", value: c.ID, copy: true},
	}
}

// sha1Fingerprint is a certificate's SHA-1 as Keychain Access and
// `security find-identity` show it: 40 upper-case hex digits.
func sha1Fingerprint(der []byte) string {
	sum := sha1.Sum(der)
	return strings.ToUpper(hex.EncodeToString(sum[:]))
}

// named lists names one a line, the first maxNamed of them, or says none.
func named(names []string, none string) string {
	switch {
	case len(names) == 0:
		return none
	case len(names) > maxNamed:
		return strings.Join(names[:maxNamed], "\n") + fmt.Sprintf("\nand %d more", len(names)-maxNamed)
	}
	return strings.Join(names, "\n")
}

func profileDetails(p core.Profile, rel related) []detail {
	certs := make([]string, len(p.CertificateIDs))
	for i, id := range p.CertificateIDs {
		if c, ok := rel.certificates[id]; ok {
			certs[i] = c.Label() + " (" + c.SerialNumber + ")"
		} else {
			certs[i] = "certificate " + id + " (not in the list: revoked?)"
		}
	}
	devices := make([]string, len(p.DeviceIDs))
	for i, id := range p.DeviceIDs {
		if d, ok := rel.devices[id]; ok {
			devices[i] = d.Name + " (" + d.UDID + ")"
		} else {
			devices[i] = "device " + id
		}
	}
	return []detail{
		{label: "Name", value: p.Name, copy: true},
		{label: "Type", value: core.ProfileTypeLabel(p.ProfileType)},
		{label: "Platform", value: core.PlatformLabel(p.Platform)},
		{label: "Bundle ID", value: p.BundleIdentifier, copy: true},
		{label: "Status", value: profileStatus(p)},
		{label: "Created", value: date(p.CreatedDate.Time)},
		{label: "Expires", value: expiresText(p.ExpirationDate.Time)},
		{label: "Certificates", value: countedNames(p.CertificateCount, certs)},
		{label: "Devices", value: countedNames(p.DeviceCount, devices)},
		{label: "UUID", value: p.UUID, copy: true},
		{label: "ID", value: p.ID, copy: true},
	}
}

// countedNames is a profile's count of certificates or devices with the
// names the listing gave (the first 50 of each).
func countedNames(count int, names []string) string {
	if count == 0 {
		return "0"
	}
	return strconv.Itoa(count) + ":\n" + named(names, "")
}

func bundleIDDetails(b core.BundleID, _ related) []detail {
	return []detail{
		{label: "Name", value: b.Name, copy: true},
		{label: "Identifier", value: b.Identifier, copy: true},
		{label: "Platform", value: core.PlatformLabel(b.Platform)},
		{label: "Seed ID", value: b.SeedID, copy: true},
		{label: "ID", value: b.ID, copy: true},
	}
}

func deviceDetails(d core.Device, _ related) []detail {
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
