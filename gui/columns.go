package gui

import (
	"context"
	"strings"
	"time"

	"github.com/asckeys/asckeys/core"
	"github.com/asckeys/asckeys/gui/datatable"
	"github.com/asckeys/asckeys/storage"
)

// The four lists: what each shows, how rows are coloured, how they are
// fetched and cached.

// expiryTone colours a row by its expiry date: red once expired, amber
// within core.ExpiringSoonDays.
func expiryTone(exp time.Time) datatable.Tone {
	switch core.ExpiryOf(exp, time.Now()).State {
	case core.ExpiryExpired:
		return datatable.Danger
	case core.ExpiryExpiringSoon:
		return datatable.Warning
	}
	return datatable.Normal
}

// expiresText reads "3 Nov 2026 · in 23 days", or "3 Nov 2025 · expired":
// the date says how long ago, and the short word fits the column.
func expiresText(exp time.Time) string {
	if exp.IsZero() {
		return "—"
	}
	e := core.ExpiryOf(exp, time.Now())
	if e.State == core.ExpiryExpired {
		return date(exp) + " · expired"
	}
	return date(exp) + " · " + e.Label
}

// byTime sorts a column by a date rather than by its text.
func byTime[T any](at func(T) time.Time) func(a, b T) int {
	return func(a, b T) int { return at(a).Compare(at(b)) }
}

// certificateSpec is the certificates tab; privateKey says whether a row's
// private key is on this machine ("Here", "Missing"), for its column.
func certificateSpec(privateKey func(core.Certificate) string) tabSpec[core.Certificate] {
	exp := func(c core.Certificate) time.Time { return c.ExpirationDate.Time }
	return tabSpec[core.Certificate]{
		title: "Certificates", singular: "certificate", plural: "certificates",
		columns: []datatable.Column[core.Certificate]{
			// Narrower than before the Private Key column came, so that the
			// row's Download button stays in view at 1180 px.
			{Title: "Name", Width: 155, Fill: true, Filterable: true, Text: core.Certificate.Label},
			{Title: "Type", Width: 125, Filterable: true, Text: func(c core.Certificate) string { return core.CertificateTypeLabel(c.CertificateType) }},
			{Title: "Platform", Width: 65, Filterable: true, Text: func(c core.Certificate) string { return core.PlatformLabel(c.Platform) }},
			{Title: "Serial Number", Width: 160, Filterable: true, Monospace: true, Text: func(c core.Certificate) string { return c.SerialNumber }},
			{Title: "Private Key", Width: 105, Filterable: true, Text: privateKey},
			{Title: "Expires", Width: 185, Text: func(c core.Certificate) string { return expiresText(exp(c)) }, Sort: byTime(exp)},
		},
		tone: func(c core.Certificate) datatable.Tone { return expiryTone(exp(c)) },
		key:  func(c core.Certificate) string { return c.ID },
		copy: []datatable.CopyField[core.Certificate]{
			{Label: "Serial Number", Value: func(c core.Certificate) string { return c.SerialNumber }},
			{Label: "ID", Value: func(c core.Certificate) string { return c.ID }},
		},
		details: certificateDetails,
		list: func(ctx context.Context, c *core.Client, opt core.ListOptions, onRows func([]core.Certificate)) ([]core.Certificate, error) {
			rows, _, err := c.Certificates.List(ctx, &core.CertificateListOptions{ListOptions: opt, OnItems: onRows})
			return rows, err
		},
		cached:   func(cl *storage.CachedLists) **storage.CachedList[core.Certificate] { return &cl.Certificates },
		download: func(c core.Certificate) core.DownloadItem { return core.DownloadItem{Certificate: &c} },
	}
}

// profileStatus is a profile's status from its expiry date: Apple's
// profileState lags behind the date (expired profiles stay ACTIVE), so it
// is not used.
func profileStatus(p core.Profile) string {
	switch p.Expiry(time.Now()).State {
	case core.ExpiryExpired:
		return "Expired"
	case core.ExpiryExpiringSoon:
		return "Expiring"
	case core.ExpiryValid:
		return "Valid"
	}
	return "Unknown"
}

func profileSpec() tabSpec[core.Profile] {
	exp := func(p core.Profile) time.Time { return p.ExpirationDate.Time }
	return tabSpec[core.Profile]{
		title: "Profiles", singular: "profile", plural: "profiles",
		columns: []datatable.Column[core.Profile]{
			// The Expires text says "expired" and the row is red, so there is
			// no Status column; the counts and the UUID are in the details.
			// That keeps the row's Download button in view at 1180 px.
			{Title: "Name", Width: 220, Fill: true, Filterable: true, Text: func(p core.Profile) string { return p.Name }},
			{Title: "Type", Width: 135, Filterable: true, Text: func(p core.Profile) string { return core.ProfileTypeLabel(p.ProfileType) }},
			{Title: "Bundle ID", Width: 185, Filterable: true, Text: func(p core.Profile) string { return p.BundleIdentifier }},
			{Title: "Expires", Width: 195, Text: func(p core.Profile) string { return expiresText(exp(p)) }, Sort: byTime(exp)},
		},
		// A UUID from a build log still finds its profile.
		searchText: func(p core.Profile) string { return p.UUID + " " + profileStatus(p) },
		tone:       func(p core.Profile) datatable.Tone { return expiryTone(exp(p)) },
		key:        func(p core.Profile) string { return p.ID },
		copy: []datatable.CopyField[core.Profile]{
			{Label: "UUID", Value: func(p core.Profile) string { return p.UUID }},
			{Label: "ID", Value: func(p core.Profile) string { return p.ID }},
		},
		details: profileDetails,
		list: func(ctx context.Context, c *core.Client, opt core.ListOptions, onRows func([]core.Profile)) ([]core.Profile, error) {
			rows, _, err := c.Profiles.List(ctx, &core.ProfileListOptions{ListOptions: opt, OnItems: onRows})
			return rows, err
		},
		cached:   func(cl *storage.CachedLists) **storage.CachedList[core.Profile] { return &cl.Profiles },
		download: func(p core.Profile) core.DownloadItem { return core.DownloadItem{Profile: &p} },
		install:  func(p core.Profile) core.Profile { return p },
	}
}

func bundleIDSpec() tabSpec[core.BundleID] {
	return tabSpec[core.BundleID]{
		title: "Bundle IDs", singular: "bundle ID", plural: "bundle IDs", selectable: true,
		columns: []datatable.Column[core.BundleID]{
			{Title: "Name", Width: 240, Fill: true, Filterable: true, Text: func(b core.BundleID) string { return b.Name }},
			{Title: "Identifier", Width: 320, Filterable: true, Text: func(b core.BundleID) string { return b.Identifier }},
			{Title: "Platform", Width: 110, Filterable: true, Text: func(b core.BundleID) string { return core.PlatformLabel(b.Platform) }},
			{Title: "Seed ID", Width: 140, Filterable: true, Monospace: true, Text: func(b core.BundleID) string { return b.SeedID }},
		},
		key: func(b core.BundleID) string { return b.ID },
		copy: []datatable.CopyField[core.BundleID]{
			{Label: "ID", Value: func(b core.BundleID) string { return b.ID }},
		},
		details: bundleIDDetails,
		list: func(ctx context.Context, c *core.Client, opt core.ListOptions, onRows func([]core.BundleID)) ([]core.BundleID, error) {
			rows, _, err := c.BundleIDs.List(ctx, &core.BundleIDListOptions{ListOptions: opt, OnItems: onRows})
			return rows, err
		},
		cached: func(cl *storage.CachedLists) **storage.CachedList[core.BundleID] { return &cl.BundleIDs },
	}
}

// deviceModel reads "iPhone 15 Pro (iPhone)": the model when Apple knows it,
// and the class.
func deviceModel(d core.Device) string {
	class := core.DeviceClassLabel(d.DeviceClass)
	switch {
	case d.Model == "":
		return class
	case d.DeviceClass == "" || strings.HasPrefix(d.Model, class):
		return d.Model
	}
	return d.Model + " (" + class + ")"
}

func deviceSpec() tabSpec[core.Device] {
	added := func(d core.Device) time.Time { return d.AddedDate.Time }
	return tabSpec[core.Device]{
		title: "Devices", singular: "device", plural: "devices", selectable: true,
		columns: []datatable.Column[core.Device]{
			{Title: "Name", Width: 200, Fill: true, Filterable: true, Text: func(d core.Device) string { return d.Name }},
			{Title: "UDID", Width: 340, Filterable: true, Monospace: true, Text: func(d core.Device) string { return d.UDID }},
			{Title: "Model", Width: 200, Filterable: true, Text: deviceModel},
			{Title: "Platform", Width: 90, Filterable: true, Text: func(d core.Device) string { return core.PlatformLabel(d.Platform) }},
			{Title: "Status", Width: 90, Filterable: true, Text: func(d core.Device) string { return core.DeviceStatusLabel(d.Status) }},
			{Title: "Added", Width: 120, Text: func(d core.Device) string { return date(added(d)) }, Sort: byTime(added)},
		},
		// A disabled device cannot be used in new profiles: grey it.
		tone: func(d core.Device) datatable.Tone {
			if d.Status == "DISABLED" {
				return datatable.Muted
			}
			return datatable.Normal
		},
		key: func(d core.Device) string { return d.ID },
		copy: []datatable.CopyField[core.Device]{
			{Label: "UDID", Value: func(d core.Device) string { return d.UDID }},
			{Label: "ID", Value: func(d core.Device) string { return d.ID }},
		},
		details: deviceDetails,
		list: func(ctx context.Context, c *core.Client, opt core.ListOptions, onRows func([]core.Device)) ([]core.Device, error) {
			rows, _, err := c.Devices.List(ctx, &core.DeviceListOptions{ListOptions: opt, OnItems: onRows})
			return rows, err
		},
		cached: func(cl *storage.CachedLists) **storage.CachedList[core.Device] { return &cl.Devices },
	}
}
