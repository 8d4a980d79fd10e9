package gui

import (
	"context"
	"fmt"
	"strings"

	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/asckeys/asckeys/actions"
	"github.com/asckeys/asckeys/core"
)

// The Bundle IDs tab's actions: New Bundle ID and Delete.

type bundleTools struct {
	create, remove *widget.Button
	selected       []core.BundleID
}

// bundlePlatforms are the platforms New Bundle ID offers, as labels.
var bundlePlatforms = []struct{ value, label string }{
	{"IOS", "iOS, iPadOS, tvOS, watchOS, visionOS (IOS)"},
	{"MAC_OS", "macOS (MAC_OS)"},
	{"UNIVERSAL", "iOS and macOS (UNIVERSAL)"},
}

func (w *writes) buildBundleTools() {
	t := &w.bundles
	tab := w.v.bundles
	t.create = toolButton("New Bundle ID…", theme.ContentAddIcon(), false, w.openNewBundleID)
	t.remove = toolButton("Delete…", theme.DeleteIcon(), true, func() {
		if len(t.selected) == 1 {
			w.planBundleIDDelete(t.selected[0])
		}
	})
	tab.addTool(t.create)
	tab.addTool(t.remove)
	tab.onSelection = append(tab.onSelection, func(sel []core.BundleID) {
		t.selected = sel
		enableFor(t.remove, len(sel) == 1)
	})
}

// openNewBundleID opens New Bundle ID: the identifier checked as typed,
// a name and a platform.
func (w *writes) openNewBundleID() {
	ident := newDialogEntry("com.example.app, or com.example.* for a wildcard")
	name := newDialogEntry("The app's name")
	labels := make([]string, len(bundlePlatforms))
	for i, p := range bundlePlatforms {
		labels[i] = p.label
	}
	platform := widget.NewSelect(labels, nil)
	platform.SetSelected(labels[0])
	identMsg := newMessage()
	ident.OnChanged = func(s string) {
		if strings.TrimSpace(s) == "" {
			identMsg.clear()
			return
		}
		if err := core.CheckBundleIdentifier(s); err != nil {
			identMsg.set(toneError, errText(err))
			return
		}
		identMsg.set(toneSuccess, "A valid identifier.")
	}
	rows := container.NewVBox(fieldLabel("Identifier"), ident, identMsg.Label, fieldLabel("Name"), name,
		fieldLabel("Platform"), platform,
		caption(fmt.Sprintf("Registers the bundle ID at Apple for the team of %s. An identifier taken by anyone else, on any team, is refused.", w.v.key.Name)))
	var f *formDialog
	f = w.newForm("New Bundle ID", 540, rows, "Register Bundle ID", func() {
		b := actions.NewBundleID{Identifier: strings.TrimSpace(ident.Text), Name: strings.TrimSpace(name.Text)}
		for _, p := range bundlePlatforms {
			if p.label == platform.Selected {
				b.Platform = p.value
			}
		}
		if b.Name == "" {
			f.errMsg.set(toneError, "Give the bundle ID a name, for example the app's.")
			return
		}
		w.runForm(f, func(ctx context.Context, e writeEnv) (func(), error) {
			created, err := actions.CreateBundleID(ctx, e.lists, b)
			if err != nil {
				return nil, err
			}
			return func() {
				w.done(fmt.Sprintf("Registered the bundle ID %s (%q, %s): it can be chosen for new profiles.",
					created.Identifier, created.Name, core.PlatformLabel(created.Platform)), w.v.bundles)
			}, nil
		})
	})
	ident.OnSubmitted = func(string) { w.v.dialogs.focus(name) }
	name.OnSubmitted = func(string) { f.goOn.OnTapped() }
	f.m.show()
	w.v.dialogs.focus(ident)
}

// planBundleIDDelete finds what deleting b removes, then asks.
func (w *writes) planBundleIDDelete(b core.BundleID) {
	w.run("Finding its profiles…", "Could Not Delete the Bundle ID", func(ctx context.Context, e writeEnv) (func(), error) {
		d, err := actions.PlanBundleIDDelete(ctx, e.lists, b.ID)
		if err != nil {
			return nil, err
		}
		return func() {
			w.v.clearNotice()
			w.ask("Delete Bundle ID", d.Question()+" This cannot be undone.", nil, "Delete Bundle ID", func() {
				w.run("Deleting…", "Could Not Delete the Bundle ID", func(ctx context.Context, e writeEnv) (func(), error) {
					if err := actions.DeleteBundleID(ctx, e.lists, d); err != nil {
						return nil, err
					}
					return func() {
						w.v.bundles.table.ClearSelection()
						text := fmt.Sprintf("Deleted the bundle ID %s.", d.BundleID.Identifier)
						if n := len(d.Profiles); n > 0 {
							text += fmt.Sprintf(" Apple deleted its %s with it.", plural(n, "profile", "profiles"))
						}
						w.done(text, w.v.bundles, w.v.profiles)
					}, nil
				})
			})
		}, nil
	})
}
